"""The migrations run up, down and up again on SQLite and PostgreSQL, and match the models."""

import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlmodel import Session, SQLModel, col, select

from app.content.models import ContentVersion, Item, ItemCode, ItemLink
from app.core.db import alembic_config, make_engine, migration_head, schema_is_current
from app.platform.models import AuditEvent, ItemDraft
from app.sync.models import Change
from app.triage.models import TriageRuleset
from app.triage.service import store_ruleset
from seed.loader import SEED_FILE, TRIAGE_FILE, read_ruleset
from tests.conftest import EmptyDatabase, seeded_at

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
            counters = session.get(ContentVersion, 1)
            assert counters is not None
            assert (counters.version, counters.keys_version, counters.changes_floor) == (6, 0, 0)
    finally:
        engine.dispose()


def test_the_clinical_release_corrects_a_database_seeded_before_it(databases: EmptyDatabase, tmp_path: Path) -> None:
    """A database seeded with the earlier content and ruleset 1 gets the seed's ruleset and the corrections by
    migration."""
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

    # Codes arrive in 0006.
    with seeded_at(databases, "0003", path=old_content, triage=old_ruleset, codes=False) as (config, engine):
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
            earlier = read_ruleset().model_copy(update={"version": 2})
            assert store_ruleset(session=session, document=earlier)
            session.commit()
        command.upgrade(config, "head")
        with Session(engine) as session:
            assert sorted(session.exec(select(TriageRuleset.version)).all()) == ["2", "3"]
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
