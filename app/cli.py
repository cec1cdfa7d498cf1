"""The `backpain` command: serve, migrate, seed and export."""

import sys

import orjson
import typer
import uvicorn
from alembic import command
from sqlmodel import Session

from app.content.service import published_content
from app.content.snapshot import COLLECTIONS
from app.core.config import get_settings
from app.core.db import alembic_config, get_engine
from seed.loader import load_seed

cli = typer.Typer(help="Back-pain guidance API.", no_args_is_help=True, add_completion=False)


@cli.command()
def migrate() -> None:
    """Upgrade the database to the newest migration."""
    command.upgrade(alembic_config(), "head")


@cli.command()
def seed() -> None:
    """Load the seed content; running it again changes nothing."""
    with Session(get_engine()) as session:
        added = load_seed(session=session)
    typer.echo(f"seed: {added} items added", err=True)


@cli.command()
def serve(
    host: str = typer.Option("127.0.0.1", envvar="HOST", help="Interface to listen on."),
    port: int = typer.Option(8000, envvar="PORT", help="Port to listen on."),
    workers: int = typer.Option(1, envvar="WORKERS", min=1, help="Number of worker processes."),
) -> None:
    """Migrate and seed, then serve the API with uvicorn."""
    migrate()
    seed()
    uvicorn.run(
        "app.main:app",
        host=host,
        port=port,
        workers=workers,
        log_level=get_settings().log_level,
        proxy_headers=True,
    )


@cli.command()
def export() -> None:
    """Write every published item as JSON to stdout."""
    with Session(get_engine()) as session:
        content = published_content(session=session)
    document = {
        collection: [model.model_dump(mode="json") for model in content.models(kind)]
        for collection, kind in COLLECTIONS.items()
    }
    sys.stdout.buffer.write(orjson.dumps(document, option=orjson.OPT_INDENT_2) + b"\n")


def main() -> None:
    """Console-script entry point."""
    cli()
