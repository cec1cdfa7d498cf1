"""The change feed's table: the newest published change of each item."""

from datetime import datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from app.content.models import SLUG_MAX_LENGTH


class Change(SQLModel, table=True):
    """The newest published change of one item, for the mobile change feed; older ones are dropped."""

    __tablename__ = "change"
    # AUTOINCREMENT: SQLite must never hand out a deleted row's seq again, or clients would miss it.
    __table_args__ = (UniqueConstraint("type", "slug", name="uq_change_type_slug"), {"sqlite_autoincrement": True})

    seq: int | None = Field(default=None, primary_key=True)
    type: str = Field(max_length=16)
    slug: str = Field(max_length=SLUG_MAX_LENGTH)
    action: str = Field(max_length=8)
    revision: int
    at: datetime
