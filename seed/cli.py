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
    thresholds: Annotated[
        bool,
        typer.Option(
            help="Also fail when under 60 % of the self-care vignettes reach self-care, or over 5 % are over-triaged"
            " by two levels; with --no-thresholds, only under-triage fails (the figures are printed either way)."
        ),
    ] = True,
) -> None:
    """Run the clinical vignettes against the served ruleset; exit 1 on any under-triage, on fewer than 60 % of
    the self-care vignettes reaching self-care, or on more than 5 % over-triaged by two levels."""
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
    failures = report.failures(thresholds=thresholds)
    if failures:
        typer.echo(f"\nevaluate: {'; '.join(failures)}", err=True)
        raise typer.Exit(1)


def register(cli: typer.Typer) -> None:
    """Add the seed's commands to the `backpain` command (the `backpain.commands` entry point)."""
    cli.command()(seed)
    cli.command()(prepare)
    cli.command()(evaluate)
