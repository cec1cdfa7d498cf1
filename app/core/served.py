"""What the app serves from memory, for the routes: each domain names the part it reads as a Protocol."""

from typing import Any

from fastapi import Request

from app.core.errors import ServiceUnavailable


def current_snapshot(request: Request) -> Any:
    """The snapshot of published content in memory (the serving package builds it); 503 until it is loaded."""
    snapshot = request.app.state.snapshots.current
    if snapshot is None:
        raise ServiceUnavailable("The content is not loaded yet; try again shortly.")
    return snapshot
