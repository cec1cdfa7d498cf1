"""The sync documents as generated clients see them: every item typed by its `type`, tombstones too."""

from typing import Annotated, Literal

from pydantic import BaseModel, Field

from app.content.schemas import CausePublic, ConditionPublic, SourcePublic, SymptomPublic, TreatmentPublic
from app.triage.schemas import OfflineRuleset

ItemPublic = Annotated[
    ConditionPublic | CausePublic | SymptomPublic | TreatmentPublic | SourcePublic, Field(discriminator="type")
]


class Export(BaseModel):
    """Every published item and the ruleset in force, with the cursor to pass to /v1/changes next."""

    cursor: str = Field(description="Pass it as `since` to /v1/changes.", examples=["c2VxOjUy"])
    data: list[ItemPublic] = Field(description="Every published item, each with its `type`.")
    ruleset: OfflineRuleset | None = Field(description="The triage ruleset in force; null when none is loaded.")


class _Upsert(BaseModel):
    slug: str = Field(description="The item's slug.", examples=["heat-therapy"])
    action: Literal["upsert"] = Field(description="Created, changed or published: store `item`.")
    revision: int = Field(description="The item's `revision` (for the ruleset, its version).", examples=[3])


class ConditionUpsert(_Upsert):
    """A condition as it now is."""

    type: Literal["condition"]
    item: ConditionPublic


class CauseUpsert(_Upsert):
    """A cause as it now is."""

    type: Literal["cause"]
    item: CausePublic


class SymptomUpsert(_Upsert):
    """A symptom as it now is."""

    type: Literal["symptom"]
    item: SymptomPublic


class TreatmentUpsert(_Upsert):
    """A treatment as it now is."""

    type: Literal["treatment"]
    item: TreatmentPublic


class SourceUpsert(_Upsert):
    """A source as it now is."""

    type: Literal["source"]
    item: SourcePublic


class RulesetUpsert(_Upsert):
    """A new triage ruleset is in force: replace the stored one."""

    type: Literal["ruleset"]
    slug: Literal["triage"] = Field(description="Always `triage`.")
    item: OfflineRuleset


class Tombstone(BaseModel):
    """An item that was unpublished or deleted: remove it."""

    type: Literal["condition", "cause", "symptom", "treatment", "source"]
    slug: str = Field(description="The item's slug.", examples=["old-cause"])
    action: Literal["delete"] = Field(description="Unpublished or deleted: remove the stored item.")
    revision: int = Field(description="The item's revision at removal.", examples=[4])
    item: None = Field(description="Always null.")


Upsert = Annotated[
    ConditionUpsert | CauseUpsert | SymptomUpsert | TreatmentUpsert | SourceUpsert | RulesetUpsert,
    Field(discriminator="type"),
]
# `action` tells them apart; OpenAPI allows one discriminator per union, and it is `type` for upserts.
ChangeEntry = Upsert | Tombstone


class ChangesPage(BaseModel):
    """The newest change of each item changed after the cursor, oldest first."""

    data: list[ChangeEntry]
    next_cursor: str = Field(description="Store it; pass it as `since` next time.", examples=["c2VxOjU0"])
    has_more: bool = Field(description="True while more changes follow: fetch again at once.")
