"""The app's shared services, typed, and the dependencies routes take them by.

`main.create_app` builds one `Services` and keeps it on the app; every route reads it through
`services()` rather than through untyped `request.app.state` attributes. Lower layers name what they
need from higher ones as Protocols: a domain reads the in-memory snapshot through its own view (a
Protocol in its router), and `app.serving.views` has mypy check that the snapshot satisfies each.
"""

from dataclasses import dataclass
from typing import Annotated, Protocol

from fastapi import Depends, Request
from sqlalchemy import Engine

from app.core.config import Settings
from app.core.errors import ServiceUnavailable, UnsupportedMediaType
from app.core.media import is_json


class SnapshotSource(Protocol):
    """Holds the snapshot of published content in memory, or None until it is first loaded."""

    @property
    def current(self) -> object | None: ...


class Reloadable(Protocol):
    """Something kept in memory that can be reloaded from the database at once (the key ring)."""

    def refresh(self) -> None: ...


@dataclass(frozen=True, slots=True)
class Services:
    """What the routes share: the settings, the database engine, the snapshot and the key ring."""

    settings: Settings
    engine: Engine
    snapshots: SnapshotSource
    keyring: Reloadable

    def snapshot(self) -> object:
        """The snapshot in memory; a 503 until it is loaded."""
        snapshot = self.snapshots.current
        if snapshot is None:
            raise ServiceUnavailable("The content is not loaded yet; try again shortly.")
        return snapshot


def services(request: Request) -> Services:
    """The app's services (set by `main.create_app`)."""
    found: Services = request.app.state.services
    return found


def settings(request: Request) -> Settings:
    """The app's settings."""
    return services(request).settings


def public_base(request: Request) -> str:
    """The API's public address for absolute links: PUBLIC_BASE_URL, or the request's own."""
    configured = settings(request).public_base_url
    return (configured or str(request.base_url)).rstrip("/")


def require_json(request: Request) -> None:
    """A dependency for routes with a body: 415 unless it is declared as JSON."""
    if not is_json(request.headers.raw):
        raise UnsupportedMediaType("Send the body as application/json.")


ServicesDep = Annotated[Services, Depends(services)]
JSON_BODY = Depends(require_json)
