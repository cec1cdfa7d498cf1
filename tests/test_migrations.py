"""The migrations run up, down and up again on SQLite and PostgreSQL, match the models, and stand alone:
they bring a database loaded by an earlier release to what a new one gets, without the app or the seed."""

import ast
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from sqlalchemy import Engine, inspect, text
from sqlmodel import Session, SQLModel, col, select

from app.content.models import ContentCounters, Item, ItemCode, ItemLink, ItemRecommendation
from app.core.db import alembic_config, make_engine, migration_head, schema_is_current
from app.platform.audit import AuditEvent
from app.platform.editing.models import ItemDraft
from app.sync.models import Change
from app.triage.models import TriageRuleset
from app.triage.storage import store_ruleset
from seed.loader import SEED_FILE, TRIAGE_FILE, load_seed, read_ruleset, read_seed
from tests.helpers.databases import EmptyDatabase, seeded_at

MIGRATIONS = Path(__file__).resolve().parents[1] / "migrations" / "versions"

TABLES = {
    "alembic_version",
    "api_key",
    "audit_event",
    "change",
    "content_version",
    "item",
    "item_code",
    "item_draft",
    "item_link",
    "item_recommendation",
    "triage_ruleset",
    "webhook_delivery",
    "webhook_endpoint",
}


def test_upgrade_downgrade_upgrade(databases: EmptyDatabase) -> None:
    url = databases.create()
    config = alembic_config(url)
    engine = make_engine(url)
    try:
        command.upgrade(config, "head")
        assert set(inspect(engine).get_table_names()) == TABLES
        assert schema_is_current(engine)
        command.downgrade(config, "base")
        assert set(inspect(engine).get_table_names()) == {"alembic_version"}
        assert not schema_is_current(engine)
        command.upgrade(config, "head")
        assert set(inspect(engine).get_table_names()) == TABLES
        assert schema_is_current(engine)
    finally:
        engine.dispose()


def test_migrations_match_the_models(databases: EmptyDatabase) -> None:
    url = databases.create()
    command.upgrade(alembic_config(url), "head")
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            diff = compare_metadata(MigrationContext.configure(connection), SQLModel.metadata)
    finally:
        engine.dispose()
    assert diff == []
    assert migration_head() == "0012"


def _imports(path: Path) -> set[str]:
    """The modules a file imports, anywhere in it; a relative import keeps its leading dots."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=path.name)):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            found.add("." * node.level + (node.module or ""))
    return found


def test_the_migrations_import_neither_the_app_nor_the_seed() -> None:
    """A migration runs on the schema of its day, and the app's and the seed's code follow today's: each
    uses the standard library, Alembic, SQLAlchemy and its own data in migrations/data only."""
    paths = sorted(MIGRATIONS.glob("*.py"))
    assert len(paths) >= 12
    allowed = {"alembic", "sqlalchemy", *sys.stdlib_module_names}
    for path in paths:
        roots = {module.split(".")[0] for module in _imports(path)}
        assert not roots & {"app", "seed"}, f"{path.name} imports {sorted(roots & {'app', 'seed'})}"
        assert roots <= allowed, f"{path.name} imports {sorted(roots - allowed)}"


def test_published_items_get_drafts_history_and_feed_entries(databases: EmptyDatabase) -> None:
    url = databases.create()
    config = alembic_config(url)
    command.upgrade(config, "0002")
    engine = make_engine(url)
    condition, cause = uuid.uuid4(), uuid.uuid4()
    now = datetime(2026, 1, 2, tzinfo=UTC)
    common: dict[str, Any] = {"body": "", "citations": [{"source": "renova", "locator": "Causes"}], "updated_at": now}
    try:
        with Session(engine) as session:
            # content_version gains columns in 0003, so its row is written as 0002 knew it.
            session.execute(text("INSERT INTO content_version (id, version) VALUES (1, 4)"))
            session.add(
                Item(id=condition, type="condition", slug="back-spasms", name="Back spasms", summary="S.", **common)
            )
            session.add(
                Item(
                    id=cause, type="cause", slug="lifting", name="Lifting", summary="L.", category="activity", **common
                )
            )
            session.flush()
            session.add(ItemLink(condition_id=condition, item_id=cause))
            session.commit()
        command.upgrade(config, "head")
        with Session(engine) as session:
            draft = session.exec(select(ItemDraft).where(ItemDraft.slug == "lifting")).one()
            assert (draft.id, draft.type, draft.status, draft.revision, draft.published_revision) == (
                cause,
                "cause",
                "published",
                1,
                1,
            )
            assert draft.document == {
                "name": "Lifting",
                "summary": "L.",
                "body": "",
                "sources": [{"source": "renova", "locator": "Causes"}],
                "last_reviewed": None,
                "next_review_due": None,
                "category": "activity",
                "conditions": ["back-spasms"],
            }
            assert draft.published == draft.document
            history = session.exec(select(AuditEvent.slug, AuditEvent.action, AuditEvent.actor)).all()
            assert sorted(history) == [("back-spasms", "seed", "seed"), ("lifting", "seed", "seed")]
            feed = session.exec(select(Change.slug, Change.action, Change.revision).order_by(col(Change.seq))).all()
            # By type, then slug; then the ruleset in force, which 0007 puts in the feed.
            assert feed == [("lifting", "upsert", 1), ("back-spasms", "upsert", 1), ("triage", "upsert", 3)]
            counters = session.get(ContentCounters, 1)
            assert counters is not None
            assert (counters.version, counters.keys_version, counters.changes_floor) == (6, 0, 0)
    finally:
        engine.dispose()


def without_todays_ruleset(session: Session) -> None:
    """Take away the ruleset that the migrations load into an empty database (0004), and its feed entry
    (0007): a database that an earlier release loaded held that release's ruleset instead."""
    session.execute(text("DELETE FROM triage_ruleset"))
    session.execute(text("DELETE FROM change WHERE type = 'ruleset'"))


@contextmanager
def loaded_at(
    databases: EmptyDatabase,
    revision: str,
    *,
    content: Path = SEED_FILE,
    triage: Path = TRIAGE_FILE,
    codes: bool = True,
) -> Iterator[tuple[Config, Engine]]:
    """A new database migrated to `revision` (0003 or later) and loaded there as a release of its day left
    it, with that release's ruleset and items; yields its Alembic config and engine."""
    url = databases.create()
    config = alembic_config(url)
    command.upgrade(config, revision)
    engine = make_engine(url)
    try:
        with Session(engine) as session:
            without_todays_ruleset(session)
            if revision < "0008":
                # Stored as those releases stored it: before 0007 with no feed entry, and before 0008
                # there are no webhook tables for the seed to tell.
                store_ruleset(session=session, document=read_ruleset(triage, read_seed(content)))
            session.commit()
            load_seed(session=session, path=content, triage=triage, codes=codes)
        yield config, engine
    finally:
        engine.dispose()


def release_2(tmp_path: Path) -> tuple[Path, Path]:
    """The content and ruleset 1 of the release before 0004: an uncorrected treatment, the BASS 2018 source
    that 0004 retires, and no keep-active."""
    content: dict[str, Any] = yaml.safe_load(SEED_FILE.read_text(encoding="utf-8"))
    ruleset: dict[str, Any] = yaml.safe_load(TRIAGE_FILE.read_text(encoding="utf-8"))
    cortisone = next(t for t in content["treatments"] if t["slug"] == "cortisone-injections")
    cortisone["summary"] = "Steroid injections are sometimes given when the pain has spread into the lower abdomen."
    content["sources"].append(
        {"slug": "bass-cauda-equina-2018", "name": "BASS (2018)", "title": "t", "publisher": "BASS", "summary": "s."}
    )
    bladder = next(s for s in content["symptoms"] if s["slug"] == "bladder-or-bowel-change")
    bladder["sources"].append({"source": "bass-cauda-equina-2018", "locator": "Presenting symptoms"})
    content["treatments"] = [t for t in content["treatments"] if t["slug"] != "keep-active"]
    ruleset["version"] = 1
    for level in ruleset["levels"]:
        level["treatments"] = [slug for slug in level.get("treatments", []) if slug != "keep-active"]
    (old_content := tmp_path / "content.yaml").write_text(yaml.safe_dump(content), encoding="utf-8")
    (old_ruleset := tmp_path / "triage.yaml").write_text(yaml.safe_dump(ruleset), encoding="utf-8")
    return old_content, old_ruleset


def test_the_clinical_release_corrects_a_database_seeded_before_it(databases: EmptyDatabase, tmp_path: Path) -> None:
    """A database seeded with the earlier content and ruleset 1 gets the seed's ruleset and the corrections by
    migration."""
    old_content, old_ruleset = release_2(tmp_path)
    # Codes arrive in 0006.
    with loaded_at(databases, "0003", content=old_content, triage=old_ruleset, codes=False) as (config, engine):
        command.upgrade(config, "head")
        with Session(engine) as session:
            newest = session.exec(select(TriageRuleset.version).order_by(col(TriageRuleset.loaded_at).desc())).first()
            assert newest == "3"
            corrected = session.exec(select(Item).where(Item.slug == "cortisone-injections")).one()
            assert corrected.summary == next(
                t["summary"] for t in yaml.safe_load(SEED_FILE.read_text())["treatments"] if t["slug"] == corrected.slug
            )
            # A draft update, then its publish, by 0004; again by 0010 (its recommendation).
            assert corrected.revision == 5
            assert session.exec(select(Item).where(Item.slug == "keep-active")).one().revision == 3
            assert session.exec(select(Item).where(Item.slug == "bass-cauda-equina-2018")).first() is None
            by_migration = session.exec(
                select(AuditEvent.slug, AuditEvent.action).where(AuditEvent.actor == "migration 0004")
            ).all()
            assert ("cortisone-injections", "publish") in by_migration
            assert ("bladder-or-bowel-change", "publish") in by_migration
            assert ("bass-cauda-equina-2018", "delete") in by_migration
            feed = {(c.slug, c.action) for c in session.exec(select(Change))}
            assert {("cortisone-injections", "upsert"), ("keep-active", "upsert")} <= feed
            assert ("bass-cauda-equina-2018", "delete") in feed
            # Unchanged items are left at their first revision.
            assert session.exec(select(Item).where(Item.slug == "muscle-strain")).one().revision == 1
            # 0006 publishes the seed's codes on the items that have them, and on no other.
            by_0006 = session.exec(select(AuditEvent.slug).where(AuditEvent.actor == "migration 0006")).all()
            assert set(by_0006) == {"back-spasms", "fever", "unexplained-weight-loss"}
            coded = session.exec(select(ItemCode.code).where(ItemCode.item_id == corrected.id)).all()
            assert coded == []
            fever = session.exec(select(Item).where(Item.slug == "fever")).one()
            assert session.exec(select(ItemCode.code).where(ItemCode.item_id == fever.id)).all() == ["R50.9"]
        command.downgrade(config, "0003")
        with Session(engine) as session:
            assert session.exec(select(TriageRuleset.version)).all() == ["1"]


def test_the_content_corrections_reach_a_database_seeded_before_them(databases: EmptyDatabase, tmp_path: Path) -> None:
    """0009 publishes the seed's corrected text on a database that holds the earlier text, and audits it."""
    content: dict[str, Any] = yaml.safe_load(SEED_FILE.read_text(encoding="utf-8"))
    ease_off = next(t for t in content["treatments"] if t["slug"] == "stop-activity")
    corrected_summary = ease_off["summary"]
    ease_off["summary"] = "Stop the thing that caused it."
    (old_content := tmp_path / "content.yaml").write_text(yaml.safe_dump(content), encoding="utf-8")

    with seeded_at(databases, "0008", path=old_content) as (config, engine):
        command.upgrade(config, "head")
        with Session(engine) as session:
            item = session.exec(select(Item).where(Item.slug == "stop-activity")).one()
            # A draft update, then its publish, by 0009; again by 0010 (its recommendation).
            assert (item.summary, item.revision) == (corrected_summary, 5)
            by_migration = session.exec(
                select(AuditEvent.slug, AuditEvent.action).where(AuditEvent.actor == "migration 0009")
            ).all()
            assert sorted(by_migration) == [("stop-activity", "publish"), ("stop-activity", "update")]
            assert ("stop-activity", "upsert") in {(c.slug, c.action) for c in session.exec(select(Change))}
            assert session.exec(select(Item).where(Item.slug == "muscle-strain")).one().revision == 1


def test_ruleset_3_reaches_a_database_serving_an_earlier_one(databases: EmptyDatabase) -> None:
    """0011 loads ruleset 3 where an earlier one is served, and puts it in the change feed for the apps."""
    url = databases.create()
    config = alembic_config(url)
    command.upgrade(config, "0010")
    engine = make_engine(url)
    try:
        with Session(engine) as session:
            without_todays_ruleset(session)
            earlier = read_ruleset().model_copy(update={"version": 2})
            assert store_ruleset(session=session, document=earlier)
            session.commit()
        command.upgrade(config, "head")
        with Session(engine) as session:
            assert sorted(session.exec(select(TriageRuleset.version)).all()) == ["2", "3"]
            newest = session.exec(select(TriageRuleset.version).order_by(col(TriageRuleset.loaded_at).desc())).first()
            assert newest == "3"
            feed = session.exec(select(Change.slug, Change.action, Change.revision)).all()
            assert feed == [("triage", "upsert", 3)]
        command.downgrade(config, "0010")
        with Session(engine) as session:
            assert session.exec(select(TriageRuleset.version)).all() == ["2"]
    finally:
        engine.dispose()


def test_key_events_name_the_key_by_id_not_by_its_prefix(databases: EmptyDatabase) -> None:
    """0012: an edit-scope key reads the audit log; events about keys there named them by display prefix."""
    url = databases.create()
    config = alembic_config(url)
    command.upgrade(config, "0011")
    key_id = uuid.uuid4()
    engine = make_engine(url)
    try:
        with engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO api_key (id, name, prefix, key_hash, scopes, allowed_origins, created_at)"
                    " VALUES (:id, 'admin', 'bpk_Hq3xY7aB', :hash, '[\"admin\"]', '[]', :at)"
                ),
                {
                    "id": key_id.hex if url.startswith("sqlite") else str(key_id),
                    "hash": "0" * 64,
                    "at": datetime.now(UTC),
                },
            )
            connection.execute(
                text(
                    "INSERT INTO audit_event (at, actor, action, type, slug)"
                    " VALUES (:at, 'cli', 'key.create', 'key', 'bpk_Hq3xY7aB')"
                ),
                {"at": datetime.now(UTC)},
            )
        command.upgrade(config, "head")
        with Session(engine) as session:
            event = session.exec(select(AuditEvent).where(AuditEvent.type == "key")).one()
            assert (event.slug, event.actor_key_id) == (str(key_id), None)
        command.downgrade(config, "0011")
        with engine.connect() as connection:
            assert connection.execute(text("SELECT slug FROM audit_event WHERE type = 'key'")).scalar_one() == (
                "bpk_Hq3xY7aB"
            )
    finally:
        engine.dispose()


def earlier(tmp_path: Path, kind: str, slug: str, summary: str) -> Path:
    """The seed's content with one item's summary as an earlier release had it."""
    content: dict[str, Any] = yaml.safe_load(SEED_FILE.read_text(encoding="utf-8"))
    next(item for item in content[kind] if item["slug"] == slug)["summary"] = summary
    (path := tmp_path / "content.yaml").write_text(yaml.safe_dump(content), encoding="utf-8")
    return path


def ruleset_numbered(tmp_path: Path, version: int) -> Path:
    """The seed's triage ruleset under an earlier version number."""
    ruleset: dict[str, Any] = yaml.safe_load(TRIAGE_FILE.read_text(encoding="utf-8"))
    ruleset["version"] = version
    (path := tmp_path / "triage.yaml").write_text(yaml.safe_dump(ruleset), encoding="utf-8")
    return path


def published(engine: Engine, *, coded: bool = True, rated: bool = True) -> dict[str, Any]:
    """What a database serves, each row named by type and slug: its items' columns (but their revision and
    time), condition links, codes, recommendations, drafts and the ruleset in force. Without `coded` (before
    0006) or `rated` (before 0010), the codes or the recommendations are left out."""
    with Session(engine) as session:
        items = session.exec(select(Item)).all()
        named = {item.id: (item.type, item.slug) for item in items}
        links = session.exec(select(ItemLink)).all()
        codes = session.exec(select(ItemCode)).all() if coded else []
        rows = session.exec(select(ItemRecommendation)).all() if rated else []
        drafts = {
            (draft.type, draft.slug): (
                draft.status,
                {name: value for name, value in (draft.published or {}).items() if coded or name != "codes"},
            )
            for draft in session.exec(select(ItemDraft))
        }
        ruleset = session.exec(select(TriageRuleset).order_by(col(TriageRuleset.loaded_at).desc())).first()
        assert ruleset is not None
        return {
            "items": {named[item.id]: item.model_dump(exclude={"revision", "updated_at"}) for item in items},
            "links": sorted((named[link.condition_id], named[link.item_id]) for link in links),
            "codes": sorted(
                (named[code.item_id], code.position, code.system, code.code, code.display) for code in codes
            ),
            "recommendations": sorted(
                (named[row.item_id], row.recommendation, row.source, row.locator) for row in rows
            ),
            "drafts": drafts,
            "ruleset": (ruleset.version, ruleset.document),
        }


def feed_of(engine: Engine) -> dict[tuple[str, str], tuple[str, int]]:
    with Session(engine) as session:
        return {(change.type, change.slug): (change.action, change.revision) for change in session.exec(select(Change))}


@pytest.mark.parametrize("migration", ["0004", "0006", "0007", "0009", "0010", "0011"])
def test_each_data_migration_brings_an_earlier_database_to_what_a_new_one_publishes(
    databases: EmptyDatabase, tmp_path: Path, migration: str
) -> None:
    """Loaded by the release before a data migration, a database upgraded to it publishes what one seeded today
    does (what arrives later aside), the audit log naming the migration for exactly what it changed; upgraded
    through head, it publishes the same, each item in the feed at its revision."""

    def edited(*slugs: str) -> set[tuple[str, str]]:
        return {(slug, action) for slug in slugs for action in ("update", "publish")}

    before = {"0004": "0003", "0006": "0005", "0007": "0006", "0009": "0008", "0010": "0009", "0011": "0010"}
    content, triage, codes, deleted = SEED_FILE, TRIAGE_FILE, True, set()
    if migration == "0004":
        (content, triage), codes = release_2(tmp_path), False
        deleted = {("source", "bass-cauda-equina-2018")}
        changed = edited("cortisone-injections", "bladder-or-bowel-change") | {("bass-cauda-equina-2018", "delete")}
    elif migration == "0006":
        codes = False  # they arrive with 0006
        changed = edited("back-spasms", "fever", "unexplained-weight-loss")
    elif migration == "0009":
        content = earlier(tmp_path, "treatments", "stop-activity", "Stop the thing that caused it.")
        changed = edited("stop-activity")
    elif migration == "0010":
        content = earlier(tmp_path, "treatments", "heat", "Heat cures back pain.")
        changed = edited(*(treatment.slug for treatment in read_seed().treatments))  # each gets its recommendation
    elif migration == "0011":
        triage = ruleset_numbered(tmp_path, 2)
        changed = set()
    else:  # 0007 puts the ruleset in the feed, and audits nothing
        changed = set()

    fresh = make_engine(databases.create_seeded())
    try:
        with loaded_at(databases, before[migration], content=content, triage=triage, codes=codes) as (config, engine):
            # What the migration itself brings, later ones aside: today's content, but for codes before 0006
            # and recommendations before 0010.
            command.upgrade(config, migration)
            coded, rated = migration >= "0006", migration >= "0010"
            assert published(engine, coded=coded, rated=rated) == published(fresh, coded=coded, rated=rated)
            with Session(engine) as session:
                by_migration = session.exec(
                    select(AuditEvent.slug, AuditEvent.action).where(AuditEvent.actor == f"migration {migration}")
                ).all()
                assert {(slug, action) for slug, action in by_migration} == changed
            command.upgrade(config, "head")
            assert published(engine) == published(fresh)
            with Session(engine) as session:
                shown = {(item.type, item.slug): ("upsert", item.revision) for item in session.exec(select(Item))}
            feed = feed_of(engine)
            assert {key: entry for key, entry in feed.items() if entry[0] == "upsert"} == {
                **shown,
                ("ruleset", "triage"): ("upsert", 3),
            }
            assert {key for key, entry in feed.items() if entry[0] == "delete"} == deleted
    finally:
        fresh.dispose()
