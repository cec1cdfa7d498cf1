"""Reading the change feed for the snapshot."""

from sqlmodel import Session, col, select

from app.content.models import ContentCounters
from app.sync.models import Change


def published_changes(*, session: Session) -> tuple[list[Change], int]:
    """Every item's newest change in feed order, and the floor below which tombstones were dropped."""
    changes = list(session.exec(select(Change).order_by(col(Change.seq))).all())
    counters = session.get(ContentCounters, 1)
    return changes, counters.changes_floor if counters else 0
