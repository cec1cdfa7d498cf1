"""The commands the seed adds to `backpain`: seed, prepare (migrate, then seed) and evaluate."""

from pathlib import Path
from typing import Annotated

import typer
from sqlmodel import Session, col, select

from app.cli import _migrated, migrate
from app.core.db import get_engine
from app.triage.engine import compile_ruleset
from app.triage.evaluation import evaluate as evaluate_vignettes
from app.triage.models import TriageRuleset
from app.triage.ruleset import RulesetDocument
from seed.loader import load_seed, read_vignettes


def seed() -> None:
    """Load the seed content; running it again changes nothing."""
    _migrated()
    with Session(get_engine()) as session:
        added = load_seed(session=session)
    typer.echo(f"seed: {added} items added", err=True)


def prepare() -> None:
    """Migrate, then seed: what a deployment runs once before it starts serving."""
    migrate()
    seed()


def evaluate(
    file: Annotated[Path | None, typer.Option("--file", help="A vignettes file; the shipped one by default.")] = None,
) -> None:
    """Run the clinical vignettes against the served ruleset; exit 1 on any under-triage."""
    _migrated()
    with Session(get_engine()) as session:
        row = session.exec(select(TriageRuleset).order_by(col(TriageRuleset.loaded_at).desc())).first()
    if row is None:
        typer.echo("evaluate: no triage ruleset is loaded; run `backpain prepare` first", err=True)
        raise typer.Exit(2)
    engine = compile_ruleset(RulesetDocument.model_validate(row.document))
    report = evaluate_vignettes(engine, (read_vignettes(file) if file else read_vignettes()).cases())
    typer.echo(f"Triage ruleset {engine.document.version}: {len(report.outcomes)} vignettes\n")
    typer.echo(report.table())
    if report.under_triage:
        typer.echo(f"\nevaluate: {len(report.under_triage)} vignettes were under-triaged", err=True)
        raise typer.Exit(1)


def register(cli: typer.Typer) -> None:
    """Add the seed's commands to the `backpain` command (the `backpain.commands` entry point)."""
    cli.command()(seed)
    cli.command()(prepare)
    cli.command()(evaluate)
