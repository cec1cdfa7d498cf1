"""Application factory: routers, middleware and lifespan."""

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress

from fastapi import FastAPI
from starlette.concurrency import run_in_threadpool

from app.content.fastpath import snapshot_responder
from app.content.router import router as content_router
from app.content.snapshot import SnapshotStore
from app.core.config import Settings, get_settings
from app.core.db import make_engine
from app.core.docs import install_docs
from app.core.edge import Edge
from app.core.errors import install_error_handlers
from app.core.health import router as health_router
from app.search.router import router as search_router
from app.triage.router import TRIAGE_PATH, triage_responder
from app.triage.router import router as triage_router

DESCRIPTION = """Structured, cited guidance on back spasms: causes, symptoms, treatments and
red flags. Every error is an RFC 9457 problem (`application/problem+json`)."""


def create_app(settings: Settings | None = None) -> Edge:
    """Build the API: the FastAPI application behind the snapshot fast path."""
    settings = settings or get_settings()
    engine = make_engine(settings.database_url)
    store = SnapshotStore(engine)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        await run_in_threadpool(store.try_refresh)

        async def keep_fresh() -> None:
            while True:
                await asyncio.sleep(settings.snapshot_refresh_seconds)
                await run_in_threadpool(store.try_refresh)

        poller = asyncio.create_task(keep_fresh())
        yield
        poller.cancel()
        with suppress(asyncio.CancelledError):
            await poller
        engine.dispose()

    api = FastAPI(
        title="Back-pain guidance API",
        version="1.0.0",
        description=DESCRIPTION,
        openapi_url=None,
        docs_url=None,
        redoc_url=None,
        lifespan=lifespan,
    )
    api.state.engine = engine
    api.state.snapshots = store
    install_error_handlers(api)
    api.include_router(health_router)
    api.include_router(content_router)
    api.include_router(triage_router)
    api.include_router(search_router)
    install_docs(api)
    return Edge(api, fast=snapshot_responder(store), posts={TRIAGE_PATH: triage_responder(store)})


app = create_app()
