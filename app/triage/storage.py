"""Storing triage ruleset versions: the one write the triage makes to the database."""

from datetime import UTC, datetime

from sqlmodel import Session

from app.triage.models import TriageRuleset
from app.triage.ruleset import RulesetDocument


def store_ruleset(*, session: Session, document: RulesetDocument) -> bool:
    """Add a ruleset version unless it is already loaded; True when added. The caller commits."""
    if session.get(TriageRuleset, str(document.version)) is not None:
        return False
    session.add(
        TriageRuleset(
            version=str(document.version),
            document=document.model_dump(mode="json", by_alias=True, exclude_defaults=True),
            loaded_at=datetime.now(UTC),
        )
    )
    return True
