"""The `backpain` command: serve, migrate, wait-db, keys, export and openapi, and the commands the seed adds."""

import ipaddress
import sys
import time
from collections.abc import Callable
from importlib.metadata import entry_points
from pathlib import Path
from typing import Annotated, NoReturn, cast

import orjson
import typer
import uvicorn
from alembic import command
from fastapi import FastAPI
from pydantic import ValidationError
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError, SQLAlchemyError
from sqlmodel import Session

from app.content.queries import COLLECTIONS
from app.content.service import published_content
from app.core.config import get_settings
from app.core.db import alembic_config, get_engine, migration_head, schema_version
from app.core.errors import Conflict
from app.core.protocol import BoundedHttpToolsProtocol
from app.platform.access.keys.schemas import KeyCreate
from app.platform.access.keys.service import KeyScope, create_key

cli = typer.Typer(help="Back-pain guidance API.", no_args_is_help=True, add_completion=False)
keys = typer.Typer(help="API keys.", no_args_is_help=True)
cli.add_typer(keys, name="keys")


def _fail(message: str) -> NoReturn:
    typer.echo(f"backpain: {message}", err=True)
    raise typer.Exit(1)


def _migrated() -> None:
    """Exit with one line saying what to do, unless the database exists, answers and is migrated."""
    url = make_url(get_settings().database_url)
    shown = url.render_as_string(hide_password=True)
    if url.get_backend_name() == "sqlite" and url.database and not Path(url.database).exists():
        _fail(f"no database at {shown} (DATABASE_URL): run `backpain migrate` first, or run from the project folder")
    try:
        with get_engine().connect() as connection:
            connection.execute(text("SELECT 1"))
    except SQLAlchemyError as exc:
        _fail(f"the database at {shown} does not answer ({type(exc).__name__}); check DATABASE_URL")
    try:
        at = schema_version(get_engine())
    except SQLAlchemyError:
        at = None
    if at != migration_head():
        _fail(f"the database at {shown} is not migrated (at {at or 'nothing'}): run `backpain migrate` first")


@cli.command()
def migrate() -> None:
    """Upgrade the database to the newest migration."""
    command.upgrade(alembic_config(), "head")


@cli.command("wait-db")
def wait_db(
    timeout: float = typer.Option(60.0, envvar="DB_WAIT_SECONDS", min=0, help="Seconds to wait before giving up."),
) -> None:
    """Wait until the database accepts connections; exit 1 if it does not within the timeout."""
    engine = get_engine()
    deadline = time.monotonic() + timeout
    while True:
        try:
            with engine.connect() as connection:
                connection.execute(text("SELECT 1"))
        except OperationalError as exc:
            if time.monotonic() >= deadline:
                reason = type(exc).__name__
                typer.echo(f"wait-db: the database did not answer within {timeout:g} s ({reason})", err=True)
                raise typer.Exit(1) from None
            time.sleep(0.5)
        else:
            typer.echo("wait-db: the database answers", err=True)
            return


@cli.command()
def serve(
    host: str = typer.Option("127.0.0.1", envvar="HOST", help="Interface to listen on."),
    port: int = typer.Option(8000, envvar="PORT", help="Port to listen on."),
    workers: int = typer.Option(1, envvar="WORKERS", min=1, help="Number of worker processes."),
    prepare_first: bool = typer.Option(
        True, "--prepare/--no-prepare", help="Migrate and seed before serving; replicas leave it to one job."
    ),
) -> None:
    """Migrate and seed (unless --no-prepare), then serve the API with uvicorn. On an address other
    people can reach, PUBLIC_BASE_URL is required: canonical URLs never come from a request's Host."""
    if not get_settings().public_base_url and not _loopback(host):
        typer.echo(
            f"serve: PUBLIC_BASE_URL is not set. On {host}, others can reach the API, and the absolute"
            " links it serves and caches (FHIR canonical URLs, JSON-LD, Atom) must not come from their Host"
            " header: set PUBLIC_BASE_URL to the API's public address (e.g. https://api.example.org).",
            err=True,
        )
        raise typer.Exit(2)
    if prepare_first:
        _registered("prepare")()
    run_server("app.main:app", host=host, port=port, workers=workers)


def _loopback(host: str) -> bool:
    """Whether an interface is this machine's alone."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def run_server(target: str, *, host: str, port: int, workers: int, factory: bool = False) -> None:
    """Serve an ASGI app with uvicorn as the service runs: `serve` gives it the API."""
    settings = get_settings()
    uvicorn.run(
        target,
        factory=factory,
        host=host,
        port=port,
        workers=workers,
        log_level=settings.log_level,
        # The app applies FORWARDED_ALLOW_IPS itself, so the server must not rewrite the client first.
        proxy_headers=False,
        # Bounded header size and time, and problem+json for what the server itself refuses.
        http=BoundedHttpToolsProtocol,
        # After SIGTERM, requests still open (a slow client, a long body) are closed at this limit;
        # a worker whose loop is blocked is ended by its watchdog sooner.
        timeout_graceful_shutdown=settings.graceful_shutdown_seconds,
    )


@keys.command("create")
def create_key_command(
    name: Annotated[str, typer.Option("--name", help="Who uses the key.")],
    scope: Annotated[list[KeyScope], typer.Option("--scope", help="read, edit or admin; repeat for several.")],
    origin: Annotated[
        list[str] | None, typer.Option("--origin", help="An origin the key may be used from; repeatable.")
    ] = None,
    rate_limit: Annotated[
        int | None, typer.Option("--rate-limit", min=1, help="Requests per minute for this key.")
    ] = None,
) -> None:
    """Create an API key and print it alone on the last line; it is never shown again."""
    try:
        body = KeyCreate(name=name, scopes=scope, allowed_origins=origin or [], rate_limit_per_minute=rate_limit)
    except ValidationError as exc:
        for error in exc.errors():
            typer.echo(f"error: {'.'.join(map(str, error['loc']))}: {error['msg']}", err=True)
        raise typer.Exit(2) from None
    _migrated()
    with Session(get_engine()) as session:
        try:
            row, key = create_key(session=session, **body.model_dump(), actor="cli")
        except Conflict as exc:
            typer.echo(f"error: {exc.detail}", err=True)
            raise typer.Exit(2) from None
    typer.echo(f"created key {row.prefix}... ({row.id}) for {row.name} with scopes {', '.join(row.scopes)}")
    typer.echo(key)


@cli.command()
def export() -> None:
    """Write every published item as JSON to stdout."""
    _migrated()
    with Session(get_engine()) as session:
        content = published_content(session=session)
    document = {collection: list(content.items(kind)) for collection, kind in COLLECTIONS.items()}
    sys.stdout.buffer.write(orjson.dumps(document, option=orjson.OPT_INDENT_2) + b"\n")


@cli.command()
def openapi() -> None:
    """Write the OpenAPI document, as served at /openapi.json, to stdout."""
    from app.main import create_app  # the app is built only for this command

    api = create_app().app
    assert isinstance(api, FastAPI)
    api.state.services.snapshots.try_refresh()  # so that the document describes the ruleset the database serves
    document = api.state.openapi_document()
    sys.stdout.buffer.write(orjson.dumps(document, option=orjson.OPT_INDENT_2) + b"\n")


def _registered(name: str) -> Callable[[], None]:
    """A command another package added (the seed adds `seed`, `prepare` and `evaluate`)."""
    for info in cli.registered_commands:
        if info.callback is not None and (info.name or info.callback.__name__) == name:
            return cast(Callable[[], None], info.callback)
    _fail(f"no `{name}` command: install the project with its seed (`make setup`)")


# Packages that add commands of their own name a function that takes this Typer app, under the
# `backpain.commands` entry point: the seed does, so that the app itself never imports it.
for _plugin in entry_points(group="backpain.commands"):
    _plugin.load()(cli)


def main() -> None:
    """Console-script entry point."""
    cli()
