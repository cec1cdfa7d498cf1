"""Database table for triage rulesets."""

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel


class TriageRuleset(SQLModel, table=True):
    """One version of the ruleset; the most recently loaded one is in force."""

    __tablename__ = "triage_ruleset"

    version: str = Field(primary_key=True, max_length=64)
    document: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    loaded_at: datetime = Field(index=True)
