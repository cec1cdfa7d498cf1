"""The application: FastAPI with its routers, behind the edge's pipeline of stages, and what runs beside it."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI
from fastapi.routing import APIRoute
from starlette.concurrency import run_in_threadpool

from app import __version__
from app.content.router import pages as content_pages
from app.content.router import router as content_router
from app.core.background import background
from app.core.config import Settings, get_settings
from app.core.db import make_engine
from app.core.deps import Services
from app.core.edge import Edge, Stage
from app.core.errors import install_error_handlers
from app.core.health import router as health_router
from app.core.logs import install_log_redaction
from app.core.openapi import install_docs, operation_id
from app.core.representation import public_cache_control
from app.core.stages import body_limit, cors_preflight, head_as_get, plain_query, proxy_headers, request_id
from app.core.watchdog import watching
from app.infobutton.router import router as infobutton_router
from app.platform.access.guard import UNLIMITED_PATHS, Guard
from app.platform.access.keys.router import router as keys_router
from app.platform.access.keys.service import KeyRing
from app.platform.access.ratelimit import RateLimits
from app.platform.editing.router import router as editing_router
from app.platform.observability.metrics import Metrics
from app.platform.observability.metrics import router as metrics_router
from app.platform.webhooks.router import router as webhooks_router
from app.platform.webhooks.worker import run_deliveries
from app.search.router import router as search_router
from app.serving.fastpath import prepared_gets, prepared_triage
from app.serving.refresher import Refresher
from app.serving.snapshot import SnapshotStore
from app.sync.router import router as sync_router
from app.triage.regions import LocalServices
from app.triage.request_schema import describe_served_ruleset
from app.triage.router import engine_router, fhir_router
from app.triage.router import router as triage_router
from app.triage.ruleset import RulesetDocument
from app.widget.router import router as widget_router

DESCRIPTION = """Structured, cited guidance on back spasms: causes, symptoms, treatments and
red flags. Every error is an RFC 9457 problem (`application/problem+json`)."""


ROUTERS = [
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


def create_app(settings: Settings | None = None) -> Edge:
    """The API: FastAPI behind the edge's stages, which answer what they can first (see the pipeline below)."""
    settings = settings or get_settings()
    install_log_redaction()
    engine = make_engine(settings.database_url, connect_timeout=settings.db_connect_timeout)
    store = SnapshotStore(engine, cache_control=public_cache_control(settings), local=local_services(settings))
    keyring = KeyRing(engine)
    limits = RateLimits(settings.redis_url) if settings.rate_limit_enabled else None
    refresher = Refresher(store, keyring, settings.snapshot_refresh_seconds)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        await run_in_threadpool(refresher.refresh)  # content and keys in memory before the first request
        async with (
            background(refresher.run(), run_deliveries(engine, settings)),
            watching(settings.worker_stall_seconds),
        ):
            yield
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
    api.state.services = Services(settings=settings, engine=engine, snapshots=store, keyring=keyring)
    install_error_handlers(api)
    for router in ROUTERS:
        api.include_router(router)
    describe_api(api, store, settings)
    fast = settings.fast_path_enabled

    # The pipeline: every request passes these stages in order until one answers it; FastAPI answers the rest.
    pipeline: list[Stage] = [
        *([proxy_headers(settings.trusted_proxies)] if settings.trusted_proxies else []),  # X-Forwarded-*: the client
        request_id,  # X-Request-ID, CORS and nosniff on every response
        head_as_get,  # HEAD answered as the GET, without the body
        cors_preflight,  # 204 to every CORS preflight
        Guard(keyring, limits, settings),  # API keys, their origins, rate limits (401, 403, 429)
        plain_query,  # 422 for control characters in the query string
        *([prepared_gets(store)] if fast else []),  # hot GETs from the snapshot's prepared bytes
        body_limit,  # the body read whole: 413 over 64 KiB
        *([prepared_triage(store)] if fast else []),  # triage POSTs answered by the ruleset in memory
    ]
    metrics = Metrics([*route_templates(ROUTERS), "/openapi.json", "/docs"])
    return Edge(api, pipeline, observe=metrics.record)


def describe_api(api: FastAPI, store: SnapshotStore, settings: Settings) -> None:
    """/openapi.json and /docs, describing the triage ruleset the snapshot serves."""

    def served_ruleset() -> RulesetDocument | None:
        snapshot = store.current
        return snapshot.triage.engine.document if snapshot is not None and snapshot.triage is not None else None

    install_docs(
        api,
        unlimited=UNLIMITED_PATHS,
        cache_control=public_cache_control(settings),
        refine=lambda schema: describe_served_ruleset(schema, served_ruleset()),
        version=lambda: ruleset.version if (ruleset := served_ruleset()) else None,
    )


def local_services(settings: Settings) -> LocalServices:
    """The deployment's region and its own service numbers, from the settings."""
    return LocalServices(
        region=settings.region,
        emergency_number=settings.emergency_number,
        urgent_service_name=settings.urgent_service_name,
        urgent_service_number=settings.urgent_service_number,
        maternity_service_name=settings.maternity_service_name,
        maternity_service_number=settings.maternity_service_number,
    )


def route_templates(routers: list[APIRouter]) -> list[str]:
    """The path templates of the routes, for the metrics' labels."""
    return [route.path for router in routers for route in router.routes if isinstance(route, APIRoute)]


app = create_app()
