"""The app in the test's own event loop: its lifespan run, and an HTTP client bound to it."""

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import httpx
from fastapi import FastAPI

from app.core.config import Settings
from app.main import create_app


def api_of(app: object) -> FastAPI:
    """The FastAPI application inside the middleware."""
    while not isinstance(app, FastAPI):
        app = app.app  # type: ignore[attr-defined]
    return app


@asynccontextmanager
async def serve(
    url: str, *, fast: bool = True, refresh: float = 1.0, **settings: Any
) -> AsyncIterator[httpx.AsyncClient]:
    """Run the app's lifespan and yield an HTTP client bound to it.

    Rate limits are lifted unless a test sets them: most tests make many calls from one address.
    """
    settings.setdefault("rate_limit_anonymous_per_minute", 1_000_000)
    # The watchdog ends the process whose loop stalls: here that would be the test run itself.
    settings.setdefault("worker_stall_seconds", 0)
    app = create_app(Settings(database_url=url, snapshot_refresh_seconds=refresh, fast_path_enabled=fast, **settings))
    api = api_of(app)
    async with api.router.lifespan_context(api):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            yield client


async def served_within_two_seconds(client: httpx.AsyncClient, path: str, done: Callable[[Any], bool]) -> Any:
    """GET path until its JSON satisfies done; fail when that takes more than 2 s."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 2.0
    while not done(body := (await client.get(path)).json()):
        assert loop.time() < deadline, f"{path} did not show the change within 2 s"
        await asyncio.sleep(0.05)
    return body
