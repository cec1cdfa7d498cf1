"""Loads the seed content into the database: idempotent, with deterministic ids."""

import uuid
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import inspect
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from app.content.codes import Code
from app.content.models import (
    SLUG_PATTERN,
    CauseCategory,
    Item,
    ItemCode,
    ItemLink,
    ItemRecommendation,
    ItemType,
    Recommendation,
    TreatmentCategory,
    Urgency,
)
from app.content.service import bump_content_version
from app.platform.audit import AuditEvent
from app.platform.editing import service as editing
from app.platform.editing.documents import LINKED_TYPES, complete_document, dangling_references, document_of
from app.platform.editing.feed_records import record_ruleset
from app.platform.editing.models import ItemDraft
from app.sync.models import Change
from app.triage.evaluation import VignetteFile
from app.triage.ruleset import RulesetDocument, parse_ruleset_file
from app.triage.storage import store_ruleset

SEED_FILE = Path(__file__).with_name("content.yaml")
TRIAGE_FILE = Path(__file__).with_name("triage.yaml")
VIGNETTES_FILE = Path(__file__).with_name("vignettes.yaml")
SEED_NAMESPACE = uuid.UUID("6f0c1d52-3b7e-4a4b-9a52-0c3e8f1b7d10")


def item_id(kind: str, slug: str) -> uuid.UUID:
    """The same id for the same item in every database."""
    return uuid.uuid5(SEED_NAMESPACE, f"{kind}:{slug}")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SeedCitation(_Strict):
    source: str = Field(pattern=SLUG_PATTERN)
    locator: str = Field(min_length=1)


class SeedCode(Code):
    """A code and the public page it was checked against."""

    model_config = ConfigDict(extra="forbid")

    checked_at: str = Field(pattern=r"^https://", description="A public page that lists the code.")

    def public(self) -> dict[str, str]:
        return self.model_dump(include={"system", "code", "display"})


class SeedItem(_Strict):
    slug: str = Field(pattern=SLUG_PATTERN, max_length=100)
    name: str = Field(min_length=1, max_length=200)
    summary: str = Field(min_length=1)
    body: str = ""
    sources: list[SeedCitation] = []
    codes: list[SeedCode] = []
    conditions: list[str] | None = None
    category: CauseCategory | TreatmentCategory | None = None
    red_flag: bool | None = None
    urgency: Urgency | None = None
    action: str | None = None
    when_to_use: str | None = None
    cautions: str | None = None
    recommendation: Recommendation | None = None
    recommendation_source: SeedCitation | None = None
    title: str | None = None
    publisher: str | None = None
    url: str | None = None


class SeedReview(_Strict):
    last_reviewed: date
    next_review_due: date


class SeedFile(_Strict):
    review: SeedReview
    default_conditions: list[str]
    sources: list[SeedItem]
    conditions: list[SeedItem]
    causes: list[SeedItem]
    symptoms: list[SeedItem]
    treatments: list[SeedItem]

    def by_type(self) -> dict[ItemType, list[SeedItem]]:
        return {
            ItemType.source: self.sources,
            ItemType.condition: self.conditions,
            ItemType.cause: self.causes,
            ItemType.symptom: self.symptoms,
            ItemType.treatment: self.treatments,
        }


def read_seed(path: Path = SEED_FILE) -> SeedFile:
    """Parse and check the seed file: every citation and condition link must resolve, and every treatment,
    and only a treatment, has a recommendation whose source is one of its citations."""
    seed = SeedFile.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
    sources = {s.slug for s in seed.sources}
    conditions = {c.slug for c in seed.conditions}
    for kind, items in seed.by_type().items():
        for item in items:
            missing = {c.source for c in item.sources} - sources
            missing |= set(item.conditions or []) - conditions
            if missing:
                raise ValueError(f"seed item {item.slug!r} refers to unknown {sorted(missing)}")
            rated = (item.recommendation is not None, item.recommendation_source is not None)
            if rated != ((kind == ItemType.treatment),) * 2:
                raise ValueError(f"seed item {item.slug!r}: a treatment, and only a treatment, has a recommendation")
            if item.recommendation_source is not None and item.recommendation_source not in item.sources:
                raise ValueError(f"seed item {item.slug!r}: its recommendation_source is not one of its sources")
    return seed


def parse_ruleset(path: Path = TRIAGE_FILE) -> RulesetDocument:
    """Parse the triage ruleset file the seed ships into its checked document shape."""
    return parse_ruleset_file(path)


def read_vignettes(path: Path = VIGNETTES_FILE) -> VignetteFile:
    """Parse the clinical vignettes that `backpain evaluate` runs."""
    return VignetteFile.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))


def read_ruleset(path: Path = TRIAGE_FILE, seed: SeedFile | None = None) -> RulesetDocument:
    """Parse and check the triage ruleset: its sources, red flags and treatments must be in the seed."""
    document = parse_ruleset(path)
    seed = seed or read_seed()
    sources = {s.slug for s in seed.sources}
    red_flags = {s.slug for s in seed.symptoms if s.red_flag}
    treatments = {t.slug for t in seed.treatments}
    cited = [(f"rule {rule.id!r}", rule.sources) for rule in document.rules]
    cited += [(f"step {step.step}", step.unsure.sources) for step in document.steps]
    for where, citations in cited:
        if missing := {s.source for s in citations} - sources:
            raise ValueError(f"triage {where} refers to unknown {sorted(missing)}")
    for rule in document.rules:
        missing = set(rule.excludes) - treatments
        if rule.red_flag and rule.red_flag not in red_flags:
            missing.add(rule.red_flag)
        if missing:
            raise ValueError(f"triage rule {rule.id!r} refers to unknown {sorted(missing)}")
    for level in document.levels:
        if set(level.treatments) - treatments:
            raise ValueError(f"triage level {level.id!r} lists unknown treatments")
    return document


def _row(kind: ItemType, item: SeedItem, review: SeedReview, now: datetime) -> Item:
    fields: dict[str, Any] = item.model_dump(
        exclude={"sources", "conditions", "codes", "recommendation", "recommendation_source"}
    )
    dated = kind != ItemType.source
    return Item(
        id=item_id(kind, item.slug),
        type=kind.value,
        citations=[c.model_dump() for c in item.sources],
        last_reviewed=review.last_reviewed if dated else None,
        next_review_due=review.next_review_due if dated else None,
        updated_at=now,
        revision=1,
        **fields,
    )


def _rates_treatments(session: Session) -> bool:
    """Whether the database has the recommendations table (the migration tests load schemas older than 0010)."""
    return inspect(session.connection()).has_table(ItemRecommendation.__tablename__)


def _recommendation(item_id_: uuid.UUID, item: SeedItem) -> ItemRecommendation | None:
    if item.recommendation is None or item.recommendation_source is None:
        return None
    cited = item.recommendation_source
    return ItemRecommendation(
        item_id=item_id_, recommendation=item.recommendation.value, source=cited.source, locator=cited.locator
    )


def _same_recommendation(found: ItemRecommendation | None, wanted: ItemRecommendation | None) -> bool:
    def key(row: ItemRecommendation | None) -> tuple[str, str, str] | None:
        return None if row is None else (row.recommendation, row.source, row.locator)

    return key(found) == key(wanted)


def load_seed(*, session: Session, path: Path = SEED_FILE, triage: Path = TRIAGE_FILE, codes: bool = True) -> int:
    """Insert the seed items and the triage ruleset version the database lacks; returns how many.

    An item is seeded only if its type and slug have no history at all, so running it again
    changes nothing, and it never overwrites an editor's work nor brings back what they deleted.
    Without `codes` (a migration older than the codes table), items are seeded without their codes.
    """
    seed = read_seed(path)
    ruleset = read_ruleset(triage, seed)
    ruleset_added = store_ruleset(session=session, document=ruleset)
    known = set(session.exec(select(AuditEvent.type, AuditEvent.slug)).all())
    known |= set(session.exec(select(Item.type, Item.slug)).all())
    now = datetime.now(UTC)
    if ruleset_added:
        record_ruleset(session, version=ruleset.version, at=now)
    added: list[Item] = []
    conditions: dict[uuid.UUID, list[str]] = {}
    coded: dict[uuid.UUID, list[dict[str, str]]] = {}
    rated: list[ItemRecommendation] = []
    rates = _rates_treatments(session)
    for kind, items in seed.by_type().items():
        for item in items:
            if (kind.value, item.slug) not in known:
                row = _row(kind, item, seed.review, now)
                session.add(row)
                added.append(row)
                if kind in LINKED_TYPES:
                    conditions[row.id] = item.conditions or seed.default_conditions
                if codes:
                    coded[row.id] = [code.public() for code in item.codes]
                if rates and (recommendation := _recommendation(row.id, item)) is not None:
                    rated.append(recommendation)
    session.flush()
    # merge: a row of an item deleted since (the table has no foreign key) gives way to the seed's.
    for recommendation in rated:
        session.merge(recommendation)
    for row in added:
        for condition in conditions.get(row.id, ()):
            session.add(ItemLink(condition_id=item_id(ItemType.condition, condition), item_id=row.id))
        for position, code in enumerate(coded.get(row.id, [])):
            session.add(ItemCode(item_id=row.id, position=position, **code))
        document = document_of(row, conditions.get(row.id, []), coded.get(row.id))
        session.add(
            ItemDraft(
                id=row.id,
                type=row.type,
                slug=row.slug,
                revision=row.revision,
                status="published",
                document=document,
                published=document,
                published_revision=row.revision,
                created_at=now,
                updated_at=now,
            )
        )
        session.add(
            AuditEvent(at=now, actor="seed", action="seed", type=row.type, slug=row.slug, revision=1, document=document)
        )
        session.add(Change(type=row.type, slug=row.slug, action="upsert", revision=row.revision, at=now))
    if added or ruleset_added:
        bump_content_version(session=session)
    try:
        session.commit()
    except IntegrityError:
        # Another replica seeded the same rows at the same moment: its rows are ours.
        session.rollback()
        return 0
    return len(added) + ruleset_added


def _uncoded(document: dict[str, Any] | None) -> dict[str, Any]:
    return {name: value for name, value in (document or {}).items() if name != "codes"}


def _codes(document: dict[str, Any] | None) -> list[dict[str, str]]:
    codes: list[dict[str, str]] = (document or {}).get("codes", [])
    return codes


def apply_release(
    *,
    session: Session,
    actor: str,
    retired: list[tuple[ItemType, str]],
    keep_days: int,
    path: Path = SEED_FILE,
    codes: bool = True,
) -> int:
    """Bring a database seeded before a content release up to the seed file; returns how many items changed.

    New items and the new ruleset are added as by `load_seed`. Each published item whose text (or, from
    migration 0010 on, whose recommendation) differs from the seed file gets the seed's as a new
    published revision, and each retired item is deleted, all through the editing service: the audit
    log names the actor and the change feed carries every change. An item an editor has unpublished
    stays unpublished.
    """
    changed = load_seed(session=session, path=path, codes=codes)
    seed = read_seed(path)
    rates = _rates_treatments(session)
    now = datetime.now(UTC)
    for kind, items in seed.by_type().items():
        for item in items:
            draft = session.exec(select(ItemDraft).where(ItemDraft.type == kind, ItemDraft.slug == item.slug)).first()
            if draft is None or draft.status != "published":
                continue
            conditions = item.conditions or (seed.default_conditions if kind in LINKED_TYPES else [])
            chosen = [code.public() for code in item.codes] if codes else None
            document = complete_document(kind, document_of(_row(kind, item, seed.review, now), conditions, chosen))
            if not codes:
                document.pop("codes", None)
            # The editing document does not carry the recommendation: it is written beside the
            # publish, which gives the change its revision, audit entry and place in the feed.
            wanted = _recommendation(draft.id, item) if rates else None
            rated = wanted is None or _same_recommendation(session.get(ItemRecommendation, draft.id), wanted)
            if (
                _uncoded(draft.published) == _uncoded(document)
                and (not codes or _codes(draft.published) == chosen)
                and rated
            ):
                continue
            if wanted is not None and not rated:
                session.merge(wanted)
            editing.update(session=session, kind=kind, slug=item.slug, changes=document, if_match="*", actor=actor)
            editing.publish(session=session, kind=kind, slug=item.slug, if_match="*", actor=actor, keep_days=keep_days)
            changed += 1
    for kind, slug in retired:
        if session.exec(select(ItemDraft.id).where(ItemDraft.type == kind, ItemDraft.slug == slug)).first():
            editing.delete(session=session, kind=kind, slug=slug, if_match="*", actor=actor, keep_days=keep_days)
            changed += 1
    return changed


def apply_codes(*, session: Session, actor: str, keep_days: int, path: Path = SEED_FILE) -> int:
    """Publish the seed's codes on the published items that lack them; returns how many items changed.

    Only codes change, through the editing service, so the audit log names the actor and the change
    feed carries each coded item; an item an editor has unpublished, or has coded, stays as it is.
    """
    changed = 0
    for kind, items in read_seed(path).by_type().items():
        for item in items:
            if not item.codes:
                continue
            draft = session.exec(select(ItemDraft).where(ItemDraft.type == kind, ItemDraft.slug == item.slug)).first()
            if draft is None or draft.status != "published" or _codes(draft.published):
                continue
            # An editor's item of the same slug whose references no longer resolve is left as it is.
            if dangling_references(session, draft.document, published=False):
                continue
            codes = [code.public() for code in item.codes]
            editing.update(
                session=session, kind=kind, slug=item.slug, changes={"codes": codes}, if_match="*", actor=actor
            )
            editing.publish(session=session, kind=kind, slug=item.slug, if_match="*", actor=actor, keep_days=keep_days)
            changed += 1
    return changed
