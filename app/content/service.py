"""Reads published content from the database into its public representations."""

import hashlib
import uuid
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import orjson
from pydantic import BaseModel
from sqlmodel import Session, col, select

from app.content.codes import Code
from app.content.models import (
    CauseCategory,
    ContentCounters,
    Item,
    ItemCode,
    ItemLink,
    ItemRecommendation,
    ItemType,
    Recommendation,
    TreatmentCategory,
    Urgency,
)
from app.content.schemas import (
    CausePublic,
    Citation,
    CitedFor,
    ConditionPublic,
    ItemSummary,
    SourcePublic,
    SymptomPublic,
    TreatmentPublic,
)

_CATEGORY_ORDER = {
    **{category.value: rank for rank, category in enumerate(CauseCategory)},
    **{category.value: rank for rank, category in enumerate(TreatmentCategory)},
}
_URGENCY_ORDER = {urgency.value: rank for rank, urgency in enumerate(Urgency)}


@dataclass(frozen=True)
class PublishedContent:
    """Every published row and its relations; public models are built one at a time."""

    version: int
    rows: list[Item]
    linked: dict[uuid.UUID, list[Item]]
    conditions_of: dict[uuid.UUID, list[str]]
    cited_for: dict[str, list[CitedFor]]
    codes: dict[uuid.UUID, list[dict[str, str]]]
    recommendations: dict[uuid.UUID, ItemRecommendation]

    def models(self, kind: ItemType) -> Iterator[BaseModel]:
        """The public models of one type, ordered by slug, built lazily to keep memory flat."""
        for row in self.rows:
            if row.type != kind:
                continue
            if kind == ItemType.condition:
                yield _condition(row, self.linked[row.id], self.codes[row.id], self.recommendations)
            elif kind == ItemType.source:
                yield _source(row, self.cited_for[row.slug])
            else:
                yield _linked(row, self.conditions_of[row.id], self.codes[row.id], self.recommendations.get(row.id))

    def items(self, kind: ItemType) -> Iterator[dict[str, Any]]:
        """The public JSON of each item of one type, ordered by slug."""
        return (public_item(model) for model in self.models(kind))


# The models are made with this placeholder; `public_item` fills in the digest of everything else.
_UNSET_DIGEST = ""


def public_item(model: BaseModel) -> dict[str, Any]:
    """An item's public JSON, its `digest` computed from all the rest, embedded summaries included."""
    item = model.model_dump(mode="json", exclude={"digest"})
    item["digest"] = hashlib.blake2b(orjson.dumps(item, option=orjson.OPT_SORT_KEYS), digest_size=8).hexdigest()
    return item


def content_version(*, session: Session) -> int:
    """The number that changes whenever published content changes."""
    row = session.get(ContentCounters, 1)
    return row.version if row else 0


def counters(*, session: Session) -> ContentCounters:
    """The one row of counters that workers poll (content, keys, the feed's floor), made when missing."""
    row = session.get(ContentCounters, 1) or ContentCounters(id=1, version=0)
    session.add(row)
    return row


def bump_content_version(*, session: Session) -> None:
    """Tell every worker that published content changed; the caller commits."""
    counters(session=session).version += 1


def _summary(item: Item) -> ItemSummary:
    return ItemSummary(slug=item.slug, name=item.name, summary=item.summary)


def _common(item: Item, codes: list[dict[str, str]]) -> dict[str, Any]:
    return {
        "slug": item.slug,
        "name": item.name,
        "summary": item.summary,
        "body": item.body,
        "sources": [Citation.model_validate(c) for c in item.citations],
        "codes": [Code.model_validate(c) for c in codes],
        "last_reviewed": item.last_reviewed,
        "next_review_due": item.next_review_due,
        "updated_at": item.updated_at,
        "revision": item.revision,
        "digest": _UNSET_DIGEST,
    }


def _condition(
    item: Item,
    linked: list[Item],
    codes: list[dict[str, str]],
    recommendations: dict[uuid.UUID, ItemRecommendation],
) -> ConditionPublic:
    def by_category(i: Item) -> tuple[int, str]:
        return (_CATEGORY_ORDER.get(i.category or "", 0), i.name)

    def advised_against(i: Item) -> bool:
        found = recommendations.get(i.id)
        return found is not None and found.recommendation == Recommendation.not_recommended

    def by_advice(i: Item) -> tuple[bool, int, str]:
        return (advised_against(i), *by_category(i))

    def by_urgency(i: Item) -> tuple[int, str]:
        return (_URGENCY_ORDER.get(i.urgency or "", 0), i.name)

    of_type = defaultdict(list)
    for i in linked:
        of_type[i.type].append(i)
    symptoms = of_type[ItemType.symptom]
    return ConditionPublic(
        type="condition",
        **_common(item, codes),
        causes=[_summary(i) for i in sorted(of_type[ItemType.cause], key=by_category)],
        symptoms=[_summary(i) for i in sorted(symptoms, key=lambda i: i.name) if not i.red_flag],
        treatments=[_summary(i) for i in sorted(of_type[ItemType.treatment], key=by_advice)],
        red_flags=[_summary(i) for i in sorted(symptoms, key=by_urgency) if i.red_flag],
    )


def _linked(
    item: Item, conditions: list[str], codes: list[dict[str, str]], recommendation: ItemRecommendation | None
) -> BaseModel:
    fields: dict[str, Any] = {**_common(item, codes), "conditions": sorted(conditions)}
    if item.type == ItemType.cause:
        return CausePublic(type="cause", category=item.category, **fields)
    if item.type == ItemType.symptom:
        return SymptomPublic(
            type="symptom",
            red_flag=bool(item.red_flag),
            urgency=item.urgency,
            action=item.action,
            **fields,
        )
    return TreatmentPublic(
        type="treatment",
        category=item.category,
        when_to_use=item.when_to_use or "",
        cautions=item.cautions or "",
        recommendation=recommendation.recommendation if recommendation else None,
        recommendation_source=(
            Citation(source=recommendation.source, locator=recommendation.locator) if recommendation else None
        ),
        **fields,
    )


def _source(item: Item, cited_for: list[CitedFor]) -> SourcePublic:
    return SourcePublic(
        type="source",
        slug=item.slug,
        name=item.name,
        title=item.title or item.name,
        publisher=item.publisher or "",
        url=item.url,
        summary=item.summary,
        cited_for=sorted(cited_for, key=lambda c: (c.type, c.slug, c.locator)),
        updated_at=item.updated_at,
        revision=item.revision,
        digest=_UNSET_DIGEST,
    )


def published_content(*, session: Session) -> PublishedContent:
    """Load every published item, its relations and the change feed, as of one moment."""
    counters = session.get(ContentCounters, 1)
    version = counters.version if counters else 0
    rows = session.exec(select(Item).order_by(Item.slug)).all()
    links = session.exec(select(ItemLink.condition_id, ItemLink.item_id)).all()
    by_id: dict[uuid.UUID, Item] = {row.id: row for row in rows}
    linked: dict[uuid.UUID, list[Item]] = defaultdict(list)
    conditions_of: dict[uuid.UUID, list[str]] = defaultdict(list)
    for condition_id, item_id in links:
        linked[condition_id].append(by_id[item_id])
        conditions_of[item_id].append(by_id[condition_id].slug)
    cited_for: dict[str, list[CitedFor]] = defaultdict(list)
    for row in rows:
        for citation in row.citations:
            cited_for[citation["source"]].append(CitedFor(type=row.type, slug=row.slug, locator=citation["locator"]))
    codes: dict[uuid.UUID, list[dict[str, str]]] = defaultdict(list)
    for row_code in session.exec(select(ItemCode).order_by(col(ItemCode.item_id), col(ItemCode.position))):
        codes[row_code.item_id].append({"system": row_code.system, "code": row_code.code, "display": row_code.display})
    recommendations = {row.item_id: row for row in session.exec(select(ItemRecommendation))}
    return PublishedContent(version, list(rows), linked, conditions_of, cited_for, codes, recommendations)
