"""Migration 0010 brings a database seeded by an earlier release up to the NG59 content, through the editing
service: recommendations, new items, changed red flags and the two retired ones, each audited and in the feed."""

from pathlib import Path
from typing import Any

import yaml
from alembic import command
from sqlalchemy import inspect
from sqlmodel import Session, col, select

from app.content.models import Item, ItemRecommendation
from app.core.config import get_settings
from app.core.db import alembic_config, make_engine
from app.platform.audit import AuditEvent
from app.sync.models import Change
from seed.loader import SEED_FILE, apply_release, load_seed, read_seed
from tests.helpers.databases import EmptyDatabase, seeded_at

OLD_BOTH_LEGS = "Pain, numbness or weakness in both legs that is new in the last 2 weeks, or getting worse."
RETIRED = {
    "minor-trauma-bone-risk": "Pain after a fall, knock or lift with weak bones",
    "pulsing-tummy-or-known-aneurysm": "A throbbing tummy, or a known aortic aneurysm",
}


def earlier_release(tmp_path: Path) -> Path:
    """The seed as an earlier release had it: no TENS, no shingles source, both-legs-symptoms in its old
    words, and the two red flags ruleset 3 replaced."""
    content: dict[str, Any] = yaml.safe_load(SEED_FILE.read_text(encoding="utf-8"))
    content["treatments"] = [t for t in content["treatments"] if t["slug"] != "tens"]
    content["sources"] = [s for s in content["sources"] if s["slug"] != "nhs-shingles"]
    both_legs = next(s for s in content["symptoms"] if s["slug"] == "both-legs-symptoms")
    both_legs["summary"] = OLD_BOTH_LEGS
    for slug, name in RETIRED.items():
        content["symptoms"].append(
            {
                "slug": slug,
                "name": name,
                "red_flag": True,
                "urgency": "urgent",
                "summary": "A sign that needs a check today.",
                "action": "Get an appointment with a doctor today.",
                "sources": [{"source": "nice-cks-low-back-pain", "locator": "Red flags"}],
            }
        )
    (path := tmp_path / "content.yaml").write_text(yaml.safe_dump(content), encoding="utf-8")
    return path


def test_0010_publishes_the_release_on_an_earlier_database(databases: EmptyDatabase, tmp_path: Path) -> None:
    seed = read_seed()
    with seeded_at(databases, "0009", path=earlier_release(tmp_path)) as (config, engine):
        assert not inspect(engine).has_table("item_recommendation")
        command.upgrade(config, "0010")
        with Session(engine) as session:
            rated = {row.item_id: row for row in session.exec(select(ItemRecommendation))}
            for treatment in seed.treatments:
                item = session.exec(select(Item).where(Item.type == "treatment", Item.slug == treatment.slug)).one()
                row = rated[item.id]
                assert treatment.recommendation_source is not None
                assert (row.recommendation, row.source, row.locator) == (
                    treatment.recommendation,
                    treatment.recommendation_source.source,
                    treatment.recommendation_source.locator,
                )
                # New in this release: seeded at revision 1. Otherwise a draft update, then its publish.
                assert item.revision == (1 if treatment.slug == "tens" else 3), treatment.slug
            both_legs = session.exec(select(Item).where(Item.slug == "both-legs-symptoms")).one()
            assert both_legs.summary != OLD_BOTH_LEGS
            assert both_legs.revision == 3
            assert session.exec(select(Item).where(Item.slug == "nhs-shingles")).one().revision == 1
            assert session.exec(select(Item).where(col(Item.slug).in_(RETIRED))).all() == []
            # Untouched by the release: a cause keeps its first revision.
            assert session.exec(select(Item).where(Item.slug == "muscle-strain")).one().revision == 1

            audited = set(
                session.exec(
                    select(AuditEvent.slug, AuditEvent.action).where(AuditEvent.actor == "migration 0010")
                ).all()
            )
            assert {("heat", "update"), ("heat", "publish"), ("both-legs-symptoms", "publish")} <= audited
            assert {(slug, "delete") for slug in RETIRED} <= audited
            assert ("muscle-strain", "publish") not in audited
            feed = {(c.type, c.slug): c.action for c in session.exec(select(Change))}
            assert {feed[("symptom", slug)] for slug in RETIRED} == {"delete"}
            assert feed[("treatment", "heat")] == feed[("treatment", "tens")] == "upsert"
            assert feed[("source", "nhs-shingles")] == "upsert"

            # Run again, the release changes nothing.
            keep_days = get_settings().changes_tombstone_days
            assert apply_release(session=session, actor="again", retired=[], keep_days=keep_days) == 0

        command.downgrade(config, "0009")
        assert not inspect(engine).has_table("item_recommendation")
        with Session(engine) as session:
            assert session.exec(select(Item).where(Item.slug == "tens")).one().name == "TENS machines"


def test_a_fresh_database_gets_every_recommendation_from_the_seed(databases: EmptyDatabase) -> None:
    url = databases.create()
    command.upgrade(alembic_config(url), "0010")
    engine = make_engine(url)
    try:
        with Session(engine) as session:
            assert session.exec(select(ItemRecommendation)).all() == []  # 0010 seeds nothing itself
            load_seed(session=session)
            assert len(session.exec(select(ItemRecommendation)).all()) == len(read_seed().treatments) == 27
            assert session.exec(select(AuditEvent.slug).where(AuditEvent.actor == "migration 0010")).all() == []
    finally:
        engine.dispose()
