"""Plain English: every patient-facing text reads at about age 11 (Flesch reading ease); no edit raises it unseen."""

import re
import statistics

import pytest
import textstat  # type: ignore[import-untyped]

from seed.loader import read_ruleset, read_seed

# Each text as a patient sees it where no region is known.
GENERIC = {"{emergency}": "the emergency number", "{urgent}": "an urgent care service"}
SEED = read_seed()
RULESET = read_ruleset()


def filled(text: str) -> str:
    for placeholder, words in GENERIC.items():
        text = text.replace(placeholder, words)
    return text


def patient_texts() -> dict[str, str]:
    """Summaries, cautions, actions and when-to-use of the content; questions, help, advice, safety nets,
    explanations, actions (and what they add after another's), added sentences, intro and disclaimer of the
    triage ruleset. Titles and names are too short to score."""
    texts: dict[str, str] = {}
    for kind, items in SEED.by_type().items():
        for item in items:
            for field in ("summary", "cautions", "action", "when_to_use"):
                value = getattr(item, field)
                if value:
                    texts[f"{kind.value}/{item.slug}.{field}"] = value
    document = RULESET
    texts |= {"intro": document.intro, "disclaimer": document.disclaimer, "incomplete": document.incomplete.advice}
    texts |= {f"emergency_signs[{i}]": line for i, line in enumerate(document.emergency_signs)}
    for level in document.levels:
        texts[f"{level.id}.advice"] = level.advice
        texts |= {f"{level.id}.advice_when.{q}": text for q, text in level.advice_when.items()}
        texts |= {f"{level.id}.safety_net[{i}]": line for i, line in enumerate(level.safety_net)}
    for step in document.steps:
        if step.unsure.explanation:
            texts[f"step {step.step}.unsure"] = step.unsure.explanation
    for question in document.questions:
        texts |= {f"{question.id}.text": question.text, f"{question.id}.help": question.help}
        if question.unsure is not None:
            texts[f"{question.id}.unsure"] = question.unsure.explanation
            if question.unsure.action:
                texts[f"{question.id}.unsure.action"] = question.unsure.action
    for rule in document.rules:
        texts[f"{rule.id}.explanation"] = rule.explanation
        if rule.action:
            texts[f"{rule.id}.action"] = rule.action
        if rule.then:
            texts[f"{rule.id}.then"] = rule.then
    texts |= {f"additions[{i}]": addition.text for i, addition in enumerate(document.additions)}
    return {name: filled(text) for name, text in texts.items()}


TEXTS = patient_texts()


@pytest.mark.parametrize("name", sorted(TEXTS))
def test_each_patient_facing_text_scores_at_least_60(name: str) -> None:
    assert textstat.flesch_reading_ease(TEXTS[name]) >= 60, TEXTS[name]


def test_the_median_scores_at_least_70() -> None:
    assert len(TEXTS) > 200
    assert statistics.median(textstat.flesch_reading_ease(text) for text in TEXTS.values()) >= 70


@pytest.mark.parametrize("slug", sorted(item.slug for items in SEED.by_type().values() for item in items if item.body))
def test_bodies_stay_plain(slug: str) -> None:
    body = next(item.body for items in SEED.by_type().values() for item in items if item.slug == slug)
    assert textstat.flesch_reading_ease(body) >= 50, body


ITEMS = {f"{kind.value}/{item.slug}": item for kind, items in SEED.by_type().items() for item in items}


@pytest.mark.parametrize("name", sorted(ITEMS))
def test_no_text_leans_on_the_article(name: str) -> None:
    """Advice stands on its own; where it comes from is said in `sources`."""
    item = ITEMS[name]
    fields = (item.name, item.summary, item.body, item.action, item.when_to_use, item.cautions)
    text = " ".join(field for field in fields if field)
    assert not re.search(r"\b(the|this) article\b|according to", text, re.IGNORECASE), text
