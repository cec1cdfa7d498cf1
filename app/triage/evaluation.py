"""Clinical vignettes run through the engine: correct, under- and over-triage per level."""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from app.triage.engine import Engine, assess, parse_answers


class Vignette(BaseModel):
    """One case: what happened, the answers the person would give, and the level the rules must give."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    case: str = Field(min_length=1)
    answers: dict[str, Any]
    expected: str
    rationale: str = Field(min_length=1, description="Why, citing the guidance.")


class VignetteFile(BaseModel):
    """Answers shared by every vignette (each lays its own over them), and the vignettes."""

    model_config = ConfigDict(extra="forbid")

    defaults: dict[str, Any]
    vignettes: list[Vignette] = Field(min_length=1)

    def cases(self) -> list[Vignette]:
        """Each vignette with its answers laid over the defaults."""
        return [v.model_copy(update={"answers": {**self.defaults, **v.answers}}) for v in self.vignettes]


@dataclass(frozen=True)
class Outcome:
    vignette: Vignette
    level: str | None  # what the rules gave; None when the answers were not enough for a level


@dataclass(frozen=True)
class Report:
    levels: tuple[str, ...]  # most urgent first
    outcomes: tuple[Outcome, ...]

    def _rank(self, level: str | None) -> int:
        return len(self.levels) if level is None else self.levels.index(level)

    def under(self, outcome: Outcome) -> bool:
        """Sent somewhere less urgent than the vignette needs (no level at all counts too)."""
        return self._rank(outcome.level) > self._rank(outcome.vignette.expected)

    def over(self, outcome: Outcome) -> bool:
        return self._rank(outcome.level) < self._rank(outcome.vignette.expected)

    @property
    def under_triage(self) -> list[Outcome]:
        return [o for o in self.outcomes if self.under(o)]

    @property
    def over_triage(self) -> list[Outcome]:
        return [o for o in self.outcomes if self.over(o)]

    def table(self) -> str:
        """The figures as a Markdown table, then emergency recall and the misses."""
        lines = [
            "| expected level | vignettes | correct | under-triage | over-triage |",
            "|---|---:|---:|---:|---:|",
        ]
        for level in self.levels:
            mine = [o for o in self.outcomes if o.vignette.expected == level]
            correct = sum(o.level == level for o in mine)
            under = sum(self.under(o) for o in mine)
            lines.append(f"| {level} | {len(mine)} | {correct} | {under} | {sum(self.over(o) for o in mine)} |")
        total_correct = sum(o.level == o.vignette.expected for o in self.outcomes)
        lines.append(
            f"| **all** | {len(self.outcomes)} | {total_correct} | {len(self.under_triage)} | {len(self.over_triage)} |"
        )
        emergencies = [o for o in self.outcomes if o.vignette.expected == self.levels[0]]
        caught = sum(o.level == self.levels[0] for o in emergencies)
        recall = 100 * caught / len(emergencies) if emergencies else 100.0
        lines += ["", f"Emergency recall: {recall:.1f}% ({caught}/{len(emergencies)})."]
        for outcome in [*self.under_triage, *self.over_triage]:
            kind = "UNDER" if self.under(outcome) else "over"
            lines.append(f"- {kind}: {outcome.vignette.case} expected {outcome.vignette.expected}, got {outcome.level}")
        return "\n".join(lines)


def evaluate(engine: Engine, vignettes: Sequence[Vignette]) -> Report:
    """Assess every vignette's answers with the engine."""
    outcomes = tuple(Outcome(v, assess(engine, parse_answers(engine, v.answers)).level) for v in vignettes)
    return Report(tuple(level.id for level in engine.document.levels), outcomes)
