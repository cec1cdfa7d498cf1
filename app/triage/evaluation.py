"""Clinical vignettes run through the engine: correct, under- and over-triage per level."""

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from app.triage.engine import CompiledRuleset, assess, parse_answers


class Vignette(BaseModel):
    """One case: what happened, the answers the person would give, and the least urgent level a clinician
    would accept for it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    case: str = Field(min_length=1)
    group: str | None = Field(default=None, description="The kind of situation, for counting coverage.")
    answers: dict[str, Any]
    expected: str = Field(description="The least urgent level the clinician would accept.")
    rationale: str = Field(min_length=1, description="Why, citing the guidance.")
    ruleset_gives: str | None = Field(
        default=None,
        description="Where the ruleset's contract (TRIAGE.md) gives a less urgent level than the clinician asked for:"
        " that level, which the ruleset must still reach. Listed on every run, for the next clinical review.",
    )
    disagreement: str | None = Field(default=None, description="Which rule gives `ruleset_gives`, and why.")


class VignetteFile(BaseModel):
    """Answers shared by every vignette (each lays its own over them), and the vignettes."""

    model_config = ConfigDict(extra="forbid")

    defaults: dict[str, Any]
    vignettes: list[Vignette] = Field(min_length=1)

    def cases(self) -> list[Vignette]:
        """Each vignette with its answers laid over the defaults."""
        return [v.model_copy(update={"answers": {**self.defaults, **v.answers}}) for v in self.vignettes]


# What `backpain evaluate` requires, besides no under-triage at all.
MIN_SELF_CARE_REACHED = 0.60  # of the self-care vignettes, the share that reach self-care
MAX_OVER_BY_TWO = 0.05  # of all vignettes, the share sent two or more levels too high


@dataclass(frozen=True)
class Outcome:
    vignette: Vignette
    level: str | None  # what the rules gave; None when the answers were not enough for a level
    rules: tuple[str, ...] = ()  # the rules that gave that level


@dataclass(frozen=True)
class Report:
    levels: tuple[str, ...]  # most urgent first
    outcomes: tuple[Outcome, ...]

    def _rank(self, level: str | None) -> int:
        return len(self.levels) if level is None else self.levels.index(level)

    def gap(self, outcome: Outcome) -> int:
        """How many levels more urgent than the clinician's the result is (negative: less urgent)."""
        return self._rank(outcome.vignette.expected) - self._rank(outcome.level)

    def under(self, outcome: Outcome) -> bool:
        """Less urgent than the vignette needs (no level at all counts too): below the clinician's level,
        or below the ruleset's where a recorded disagreement gives one."""
        floor = outcome.vignette.ruleset_gives or outcome.vignette.expected
        return self._rank(outcome.level) > self._rank(floor)

    def as_ruleset_gives(self, outcome: Outcome) -> bool:
        """Below the clinician's level, at the level the ruleset's contract gives (a recorded disagreement)."""
        return self.gap(outcome) < 0 and not self.under(outcome)

    @property
    def under_triage(self) -> list[Outcome]:
        return [o for o in self.outcomes if self.under(o)]

    @property
    def over_by_two(self) -> list[Outcome]:
        return [o for o in self.outcomes if self.gap(o) >= 2]

    @property
    def self_care_reached(self) -> tuple[int, int]:
        """Of the self-care vignettes: how many reached self-care, and how many there are."""
        mine = [o for o in self.outcomes if o.vignette.expected == self.levels[-1]]
        return sum(o.level == self.levels[-1] for o in mine), len(mine)

    def failures(self, *, thresholds: bool = True) -> list[str]:
        """Why `backpain evaluate` fails (any under-triage; with `thresholds`, too little self-care or too
        much over-triage by two levels); empty when it passes."""
        found = []
        if self.under_triage:
            found.append(f"{len(self.under_triage)} vignettes were under-triaged")
        if not thresholds:
            return found
        reached, count = self.self_care_reached
        if count and reached / count < MIN_SELF_CARE_REACHED:
            found.append(f"only {reached} of {count} self-care vignettes reached self-care")
        if len(self.over_by_two) > MAX_OVER_BY_TWO * len(self.outcomes):
            found.append(f"{len(self.over_by_two)} vignettes were over-triaged by two levels or more")
        return found

    def table(self) -> str:
        """The figures as a Markdown table per clinician's level, then the thresholds and every miss."""
        lines = [
            "| expected level | vignettes | exact | under | below, as the ruleset gives | over by one | over by two+ |",
            "|---|---:|---:|---:|---:|---:|---:|",
        ]
        rows = [*((level, [o for o in self.outcomes if o.vignette.expected == level]) for level in self.levels)]
        rows.append(("**all**", list(self.outcomes)))
        for name, mine in rows:
            counts = (
                sum(self.gap(o) == 0 for o in mine),
                sum(self.under(o) for o in mine),
                sum(self.as_ruleset_gives(o) for o in mine),
                sum(self.gap(o) == 1 for o in mine),
                sum(self.gap(o) >= 2 for o in mine),
            )
            lines.append(f"| {name} | {len(mine)} | " + " | ".join(str(count) for count in counts) + " |")
        reached, count = self.self_care_reached
        share = 100 * reached / count if count else 100.0
        over_two = 100 * len(self.over_by_two) / len(self.outcomes)
        emergencies = [o for o in self.outcomes if o.vignette.expected == self.levels[0]]
        caught = sum(o.level == self.levels[0] for o in emergencies)
        lines += [
            "",
            f"Self-care vignettes reaching self-care: {share:.1f}% ({reached}/{count}); at least"
            f" {MIN_SELF_CARE_REACHED:.0%} required.",
            f"Over-triaged by two levels or more: {over_two:.1f}% ({len(self.over_by_two)}/{len(self.outcomes)});"
            f" at most {MAX_OVER_BY_TWO:.0%} allowed.",
            f"Emergency recall: {caught}/{len(emergencies)}.",
        ]
        for outcome in self.outcomes:
            vignette, gap = outcome.vignette, self.gap(outcome)
            if self.under(outcome):
                kind = "UNDER"
            elif gap < 0:
                kind = f"below the clinician, as the ruleset gives ({vignette.disagreement})"
            elif gap >= 1:
                kind = f"over by {gap}"
            else:
                continue
            rules = ", ".join(outcome.rules) or "no rule"
            lines.append(f"- {kind}: {vignette.case} expected {vignette.expected}, got {outcome.level} ({rules})")
        over = Counter(rule for o in self.outcomes if self.gap(o) > 0 for rule in o.rules)
        if over:
            lines += ["", "Rules behind the over-triage (vignettes each):"]
            lines += [f"- {rule}: {count}" for rule, count in over.most_common()]
        return "\n".join(lines)


def evaluate(engine: CompiledRuleset, vignettes: Sequence[Vignette]) -> Report:
    """Assess every vignette's answers with the engine."""
    outcomes = []
    for vignette in vignettes:
        result = assess(engine, parse_answers(engine, vignette.answers))
        rules = tuple(dict.fromkeys(f.spec.id for f in result.fired if f.level == result.level))
        outcomes.append(Outcome(vignette, result.level, rules))
    return Report(tuple(level.id for level in engine.document.levels), tuple(outcomes))
