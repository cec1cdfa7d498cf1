"""The engine on its own: every rule and boundary, completion, and any ruleset of the same shape."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.triage.engine import assess, compile_ruleset, parse_answers
from app.triage.ruleset import RulesetDocument
from seed.loader import read_ruleset
from tests.triage.answers import BOOL_QUESTIONS, EMERGENCY_SCREEN, INT_RANGES, NEGATIVE, URGENT_SCREEN, answers

ENGINE = compile_ruleset(read_ruleset())
RANK = {"emergency": 0, "urgent": 1, "routine": 2, "self_care": 3}


def level_of(given_answers: dict[str, object]) -> str | None:
    return assess(ENGINE, parse_answers(ENGINE, given_answers)).level


def test_all_negative_is_self_care() -> None:
    result = assess(ENGINE, parse_answers(ENGINE, NEGATIVE))
    assert (result.complete, result.level, result.fired, result.next_questions) == (True, "self_care", (), ())


@pytest.mark.parametrize("question", EMERGENCY_SCREEN)
def test_each_emergency_screen_alone(question: str) -> None:
    assert level_of(answers(**{question: True})) == "emergency"
    assert level_of({question: True}) == "emergency"  # complete on its own


@pytest.mark.parametrize("question", URGENT_SCREEN)
def test_each_urgent_screen_alone(question: str) -> None:
    assert level_of(answers(**{question: True})) == "urgent"
    assert level_of({question: True}) is None  # the emergency screen is still unanswered


@pytest.mark.parametrize(
    ("changes", "level"),
    [
        ({"age": 15}, "urgent"),
        ({"age": 16}, "self_care"),
        ({"age": 0}, "urgent"),
        ({"first_episode": True, "age": 49}, "self_care"),
        ({"first_episode": True, "age": 50}, "routine"),
        ({"first_episode": False, "age": 50}, "self_care"),
        ({"first_episode": True, "age": 120}, "routine"),
        ({"duration_days": 20}, "self_care"),
        ({"duration_days": 21}, "routine"),
        ({"duration_days": 3650}, "routine"),
        ({"pain_severity": 7, "painkillers_not_helping": True}, "routine"),
        ({"pain_severity": 8, "painkillers_not_helping": True}, "urgent"),
        ({"pain_severity": 10, "painkillers_not_helping": False}, "self_care"),
        ({"painkillers_not_helping": True}, "routine"),
        ({"daily_activities_limited": True}, "routine"),
        ({"recurrent_episodes": True}, "routine"),
        ({"one_leg_pain_or_numbness": True}, "routine"),
        ({"started_after_strain": True}, "self_care"),
        ({"started_after_strain": False}, "self_care"),
    ],
)
def test_step_three_rules_and_boundaries(changes: dict[str, object], level: str) -> None:
    assert level_of(answers(**changes)) == level


def test_next_questions_are_the_unanswered_required_ones_in_step_order() -> None:
    given_answers = {"chest_pain": False, "fever": False, "age": 40, "started_after_strain": True}
    result = assess(ENGINE, parse_answers(ENGINE, given_answers))
    assert result.level is None
    assert [q.id for q in result.next_questions] == [q for q in NEGATIVE if q not in given_answers]


def test_the_optional_question_is_never_asked_for() -> None:
    result = assess(ENGINE, parse_answers(ENGINE, {}))
    assert [q.id for q in result.next_questions] == list(NEGATIVE)


def test_null_means_unanswered() -> None:
    result = assess(ENGINE, parse_answers(ENGINE, answers(fever=None)))
    assert (result.complete, [q.id for q in result.next_questions]) == (False, ["fever"])


def test_reasons_are_most_urgent_first() -> None:
    result = assess(ENGINE, parse_answers(ENGINE, answers(duration_days=30, cancer_history=True, chest_pain=True)))
    assert [rule.id for rule in result.fired] == ["chest-pain", "cancer-history", "persistent-pain"]


@st.composite
def answer_sets(draw: st.DrawFn) -> dict[str, object]:
    chosen: dict[str, object] = {}
    for question in BOOL_QUESTIONS:
        flag = draw(st.sampled_from([True, False, None]))
        if flag is not None:
            chosen[question] = flag
    for question, (low, high) in INT_RANGES.items():
        number = draw(st.one_of(st.none(), st.integers(low, high)))
        if number is not None:
            chosen[question] = number
    return chosen


@given(answer_sets(), st.sampled_from(BOOL_QUESTIONS))
def test_one_more_true_never_lowers_the_level(given_answers: dict[str, object], question: str) -> None:
    before = assess(ENGINE, parse_answers(ENGINE, given_answers))
    after = assess(ENGINE, parse_answers(ENGINE, {**given_answers, question: True}))
    if before.complete:
        assert after.complete
        assert after.level is not None
        assert before.level is not None
        assert RANK[after.level] <= RANK[before.level]


@given(answer_sets())
def test_level_is_the_most_urgent_fired_rule(given_answers: dict[str, object]) -> None:
    result = assess(ENGINE, parse_answers(ENGINE, given_answers))
    fired_levels = [rule.level for rule in result.fired]
    assert fired_levels == sorted(fired_levels, key=RANK.__getitem__)
    if result.complete:
        expected = min(fired_levels, key=RANK.__getitem__) if fired_levels else "self_care"
        assert result.level == expected
    else:
        assert result.level is None
        assert "emergency" not in fired_levels


def rule(rule_id: str, level: str, *terms: dict[str, object]) -> dict[str, object]:
    """A rule of a small test ruleset."""
    return {
        "id": rule_id,
        "when": list(terms),
        "level": level,
        "explanation": "e",
        "sources": [{"source": "s", "locator": "l"}],
    }


def small_ruleset(rules: list[dict[str, object]]) -> dict[str, object]:
    """Two levels, one bool and one int question, and the given rules."""
    return {
        "version": "test-1",
        "disclaimer": "d",
        "incomplete": {"title": "t", "advice": "a"},
        "levels": [
            {"id": level, "timeframe": level, "title": "t", "advice": "a", "safety_net": []}
            for level in ("now", "later")
        ],
        "steps": [{"step": 1, "title": "s"}],
        "questions": [
            {"id": "hot", "step": 1, "type": "bool", "required": True, "text": "t", "help": "h"},
            {"id": "score", "step": 1, "type": "int", "min": 0, "max": 5, "required": True, "text": "t", "help": "h"},
        ],
        "rules": rules,
    }


def test_any_ruleset_of_the_same_shape() -> None:
    document = RulesetDocument.model_validate(
        small_ruleset(
            [
                rule("hot-and-high", "now", {"question": "hot", "is": True}, {"question": "score", ">=": 4}),
                rule("low", "now", {"question": "score", "<": 1}),
            ]
        )
    )
    engine = compile_ruleset(document)
    assert assess(engine, {"hot": True, "score": 4}).level == "now"
    assert assess(engine, {"hot": True, "score": 3}).level == "later"
    assert assess(engine, {"hot": False, "score": 0}).level == "now"
    assert assess(engine, {"score": 0}).level == "now"  # the top level completes early
    assert assess(engine, {"score": 2}).next_questions[0].id == "hot"


@pytest.mark.parametrize(
    "bad",
    [
        rule("x", "now", {"question": "nope", "is": True}),
        rule("x", "now", {"question": "hot", "<": 1}),
        rule("x", "now", {"question": "score", "is": True}),
        rule("x", "soon", {"question": "hot", "is": True}),
        rule("x", "now", {"question": "hot", "is": True, "<": 1}),
    ],
)
def test_rulesets_that_do_not_resolve_are_refused(bad: dict[str, object]) -> None:
    with pytest.raises(ValueError, match=r"rule x|term on hot"):
        RulesetDocument.model_validate(small_ruleset([bad]))
