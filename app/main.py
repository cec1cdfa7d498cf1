"""Application factory: routers, middleware and lifespan."""

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress

from fastapi import FastAPI
from fastapi.routing import APIRoute
from starlette.concurrency import run_in_threadpool

from app import __version__
from app.content.router import pages as content_pages
from app.content.router import router as content_router
from app.core.config import Settings, get_settings
from app.core.db import make_engine
from app.core.docs import install_docs, operation_id
from app.core.edge import Edge
from app.core.errors import install_error_handlers
from app.core.health import router as health_router
from app.core.http import public_cache_control
from app.core.logs import install_log_redaction
from app.core.watchdog import Watchdog
from app.infobutton.router import router as infobutton_router
from app.platform.editing.router import router as editing_router
from app.platform.guard import UNLIMITED_PATHS, Guard
from app.platform.keys.router import router as keys_router
from app.platform.keys.service import KeyRing
from app.platform.metrics import FIGURES, Metrics
from app.platform.metrics import router as metrics_router
from app.platform.ratelimit import RateLimits
from app.platform.webhooks.router import router as webhooks_router
from app.platform.webhooks.worker import run_deliveries
from app.search.router import router as search_router
from app.serving.fastpath import snapshot_responder, triage_responder
from app.serving.snapshot import SnapshotStore
from app.sync.router import router as sync_router
from app.triage.openapi import describe_served_ruleset
from app.triage.regions import LocalServices
from app.triage.router import TRIAGE_PATH, engine_router, fhir_router
from app.triage.router import router as triage_router
from app.triage.ruleset import RulesetDocument
from app.widget.router import router as widget_router

DESCRIPTION = """Structured, cited guidance on back spasms: causes, symptoms, treatments and
red flags. Every error is an RFC 9457 problem (`application/problem+json`)."""


def create_app(settings: Settings | None = None) -> Edge:
    """Build the API: the edge (proxy headers, keys, limits, metrics, fast paths) in front of FastAPI."""
    settings = settings or get_settings()
    install_log_redaction()
    engine = make_engine(settings.database_url, connect_timeout=settings.db_connect_timeout)
    cache_control = public_cache_control(settings)
    store = SnapshotStore(
        engine,
        cache_control=cache_control,
        local=LocalServices(
            region=settings.region,
            emergency_number=settings.emergency_number,
            urgent_service_name=settings.urgent_service_name,
            urgent_service_number=settings.urgent_service_number,
            maternity_service_name=settings.maternity_service_name,
            maternity_service_number=settings.maternity_service_number,
        ),
    )
    keyring = KeyRing(engine)
    limits = RateLimits(settings.redis_url) if settings.rate_limit_enabled else None

    def refresh() -> None:
        store.try_refresh()
        with suppress(Exception):  # keys in memory keep working through an outage
            keyring.refresh()
        FIGURES.flush()  # for the other workers' scrapes, at most once a refresh

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        await run_in_threadpool(refresh)

        async def keep_fresh() -> None:
            while True:
                await asyncio.sleep(settings.snapshot_refresh_seconds)
                await run_in_threadpool(refresh)

        tasks = [asyncio.create_task(keep_fresh()), asyncio.create_task(run_deliveries(engine, settings))]
        watchdog = Watchdog(settings.worker_stall_seconds) if settings.worker_stall_seconds else None
        if watchdog is not None:
            watchdog.start(asyncio.get_running_loop())
        yield
        if watchdog is not None:
            watchdog.stop()
        for task in tasks:
            task.cancel()
            with suppress(asyncio.CancelledError):
                await task
        if limits is not None:
            await limits.close()
        engine.dispose()

    api = FastAPI(
        title="Back-pain guidance API",
        version=__version__,
        description=DESCRIPTION,
        openapi_url=None,
        docs_url=None,
        redoc_url=None,
        lifespan=lifespan,
        # A redirect to the path without its slash would be built from the Host header, which the
        # client controls; an unknown path gets a 404 problem instead.
        redirect_slashes=False,
        generate_unique_id_function=operation_id,
    )
    api.state.settings = settings
    api.state.engine = engine
    api.state.snapshots = store
    api.state.keyring = keyring
    install_error_handlers(api)
    routers = [
        health_router,
        metrics_router,
        content_router,
        content_pages,
        triage_router,
        fhir_router,
        engine_router,
        infobutton_router,
        search_router,
        sync_router,
        keys_router,
        webhooks_router,
        editing_router,
        widget_router,
    ]
    for router in routers:
        api.include_router(router)

    def served_ruleset() -> RulesetDocument | None:
        snapshot = store.current
        return snapshot.triage.engine.document if snapshot is not None and snapshot.triage is not None else None

    install_docs(
        api,
        unlimited=UNLIMITED_PATHS,
        cache_control=cache_control,
        refine=lambda schema: describe_served_ruleset(schema, served_ruleset()),
        version=lambda: ruleset.version if (ruleset := served_ruleset()) else None,
    )
    templates = [route.path for router in routers for route in router.routes if isinstance(route, APIRoute)]
    guard = Guard(keyring, limits, settings)
    metrics = Metrics([*templates, "/openapi.json", "/docs"])
    return Edge(
        api,
        fast=snapshot_responder(store) if settings.fast_path_enabled else None,
        posts={TRIAGE_PATH: triage_responder(store)} if settings.fast_path_enabled else {},
        guard=guard,
        observe=metrics.record,
        trusted_proxies=[host.strip() for host in settings.forwarded_allow_ips.split(",") if host.strip()],
    )


app = create_app()
