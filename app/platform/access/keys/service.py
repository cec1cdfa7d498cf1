"""API keys: made once and shown once, stored as a SHA-256 hash, checked in constant time."""

import hashlib
import hmac
import secrets
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from threading import Lock

from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from app.content.models import ContentCounters
from app.content.service import counters
from app.core.errors import Conflict, NotFound
from app.platform.access.models import ApiKey
from app.platform.audit import AuditEvent

KEY_PREFIX = "bpk_"
_PREFIX_LENGTH = len(KEY_PREFIX) + 8


class KeyScope(StrEnum):
    read = "read"
    edit = "edit"
    admin = "admin"


# A wider scope includes the narrower ones: an admin key can edit, an edit key can read.
_INCLUDES = {
    KeyScope.read: {KeyScope.read},
    KeyScope.edit: {KeyScope.read, KeyScope.edit},
    KeyScope.admin: set(KeyScope),
}


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def new_key() -> str:
    """A fresh key: the `bpk_` marker and 32 random bytes, URL-safe."""
    return KEY_PREFIX + secrets.token_urlsafe(32)


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling: a live key's identity, scopes, origins and rate limit."""

    id: uuid.UUID
    name: str
    prefix: str
    key_hash: str
    scopes: frozenset[KeyScope]
    allowed_origins: frozenset[str]
    rate_limit_per_minute: int | None
    key_id: str = field(init=False)  # the id as text, as the rate limits count it

    def __post_init__(self) -> None:
        object.__setattr__(self, "key_id", str(self.id))

    def can(self, scope: KeyScope) -> bool:
        return scope in self.scopes


def _principal(row: ApiKey) -> Principal:
    granted: set[KeyScope] = set()
    for scope in row.scopes:
        granted |= _INCLUDES[KeyScope(scope)]
    return Principal(
        id=row.id,
        name=row.name,
        prefix=row.prefix,
        key_hash=row.key_hash,
        scopes=frozenset(granted),
        allowed_origins=frozenset(row.allowed_origins),
        rate_limit_per_minute=row.rate_limit_per_minute,
    )


def _bump_keys_version(session: Session) -> None:
    counters(session=session).keys_version += 1


def _name_taken(name: str) -> Conflict:
    return Conflict(f"A live API key is already named '{name}': choose another name, or revoke that key first.")


def create_key(
    *,
    session: Session,
    name: str,
    scopes: list[KeyScope],
    allowed_origins: list[str],
    rate_limit_per_minute: int | None,
    actor: str,
    actor_key_id: uuid.UUID | None = None,
) -> tuple[ApiKey, str]:
    """Store a new key's hash and return the row with the key, which is never kept; Conflict when a live
    key already has the name."""
    taken = select(ApiKey.id).where(ApiKey.name == name, col(ApiKey.revoked_at).is_(None))
    if session.exec(taken).first() is not None:
        raise _name_taken(name)
    key = new_key()
    now = datetime.now(UTC)
    row = ApiKey(
        id=uuid.uuid4(),
        name=name,
        prefix=key[:_PREFIX_LENGTH],
        key_hash=_digest(key),
        scopes=sorted(set(scopes)),
        allowed_origins=sorted(set(allowed_origins)),
        rate_limit_per_minute=rate_limit_per_minute,
        created_at=now,
    )
    session.add(row)
    session.add(
        AuditEvent(at=now, actor=actor, actor_key_id=actor_key_id, action="key.create", type="key", slug=str(row.id))
    )
    # Another request can take the name between the check and the insert: the unique index on live names
    # decides, at the flush (which any later query would also trigger) or at the commit.
    try:
        session.flush()
        _bump_keys_version(session)
        session.commit()
    except IntegrityError:
        session.rollback()
        raise _name_taken(name) from None
    session.refresh(row)
    return row, key


def revoke_key(*, session: Session, key_id: uuid.UUID, actor: str, actor_key_id: uuid.UUID | None = None) -> None:
    """Revoke a key; revoking one already revoked changes nothing."""
    row = session.get(ApiKey, key_id)
    if row is None:
        raise NotFound(f"No API key has the id '{key_id}'.")
    if row.revoked_at is not None:
        return
    now = datetime.now(UTC)
    row.revoked_at = now
    session.add(row)
    session.add(
        AuditEvent(at=now, actor=actor, actor_key_id=actor_key_id, action="key.revoke", type="key", slug=str(row.id))
    )
    _bump_keys_version(session)
    session.commit()


def list_keys(*, session: Session, after: uuid.UUID | None, limit: int) -> list[ApiKey]:
    """Keys in id order, after the given one; one more than asked tells whether more follow."""
    query = select(ApiKey).order_by(col(ApiKey.id))
    if after is not None:
        query = query.where(col(ApiKey.id) > after)
    return list(session.exec(query.limit(limit + 1)).all())


class KeyRing:
    """The live keys in memory, so checking a key never costs a database round trip."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.version: int | None = None
        self._by_prefix: dict[str, list[Principal]] = {}
        self._lock = Lock()

    def find(self, key: str) -> Principal | None:
        """The live key that matches, compared in constant time; None when none does."""
        digest = _digest(key)
        found = None
        for candidate in self._by_prefix.get(key[:_PREFIX_LENGTH], ()):
            if hmac.compare_digest(candidate.key_hash, digest):
                found = candidate
        return found

    def refresh(self) -> None:
        """Reload the live keys when the database says they changed."""
        with self._lock, Session(self.engine) as session:
            row = session.get(ContentCounters, 1)
            version = row.keys_version if row else 0
            if version == self.version:
                return
            live = session.exec(select(ApiKey).where(col(ApiKey.revoked_at).is_(None))).all()
            by_prefix: dict[str, list[Principal]] = defaultdict(list)
            for key in live:
                by_prefix[key.prefix].append(_principal(key))
            self._by_prefix, self.version = dict(by_prefix), version
