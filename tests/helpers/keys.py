"""API keys for tests: made in the database as `backpain keys create` makes them, and presented."""

import uuid
from typing import Any

from sqlmodel import Session

from app.core.db import make_engine
from app.platform.access.keys.service import KeyScope, create_key


def make_key(url: str, *scopes: str, name: str | None = None, **options: Any) -> str:
    """Create a key in the database the way `backpain keys create` does; returns the key.

    Each gets a name of its own unless the test names it: a live key's name is unique."""
    name = name or f"tester-{uuid.uuid4().hex[:8]}"
    engine = make_engine(url)
    try:
        with Session(engine) as session:
            _, key = create_key(
                session=session,
                name=name,
                scopes=[KeyScope(scope) for scope in scopes],
                allowed_origins=options.get("allowed_origins", []),
                rate_limit_per_minute=options.get("rate_limit_per_minute"),
                actor="tests",
            )
    finally:
        engine.dispose()
    return key


def bearer(key: str) -> dict[str, str]:
    """The Authorization header for a key."""
    return {"Authorization": f"Bearer {key}"}
