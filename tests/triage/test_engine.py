"""The engine on its own: every rule and boundary, "unsure", combined rules, and any ruleset of the same shape."""

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.core.errors import InvalidInput
from app.triage.engine import ENGINE_VERSION, RulesetRefused, assess, compile_ruleset, parse_answers
from app.triage.ruleset import RulesetDocument
from seed.loader import read_ruleset
from tests.helpers.answers import (
    ABOUT_THE_PAIN,
    BOOL_QUESTIONS,
    CHILD_ONLY,
    EMERGENCY_SCREEN,
    INT_RANGES,
    NEGATIVE,
    NO_LEVEL_ALONE,
    PREGNANCY_ONLY,
    REPLACED,
    URGENT_SCREEN,
    VERSION_1_IDS,
    answers,
)

ENGINE = compile_ruleset(read_ruleset())
RANK = {"emergency": 0, "urgent": 1, "routine": 2, "self_care": 3}
# Each answer of a yes/no question, in the order that may only make a result more urgent.
ESCALATING = [False, "unsure", True]


def level_of(given_answers: dict[str, object]) -> str | None:
    return assess(ENGINE, parse_answers(ENGINE, given_answers)).level


def fired(given_answers: dict[str, object]) -> list[str]:
    return [rule.spec.id for rule in assess(ENGINE, parse_answers(ENGINE, given_answers)).fired]


def test_all_negative_is_self_care() -> None:
    result = assess(ENGINE, parse_answers(ENGINE, NEGATIVE))
    assert (result.complete, result.level, result.fired, result.next_questions) == (True, "self_care", (), ())


@pytest.mark.parametrize("question", EMERGENCY_SCREEN)
def test_each_emergency_screen_alone(question: str) -> None:
    assert level_of(answers(**{question: True})) == "emergency"
    assert level_of({question: True}) == "emergency"  # complete on its own


# TRIAGE.md: "unsure" on these gives emergency; on these three, urgent with a same-day hospital action.
TIME_CRITICAL = ["chest_pain", "heart_warning_signs", "sudden_severe_pain_with_collapse", "tearing_pain"]
CAUDA_EQUINA = ["bladder_or_bowel_change", "saddle_numbness", "both_legs_symptoms"]


@pytest.mark.parametrize("question", EMERGENCY_SCREEN)
def test_unsure_on_the_emergency_screen(question: str) -> None:
    expected = "emergency" if question in TIME_CRITICAL else "urgent"
    assert level_of(answers(**{question: "unsure"})) == expected
    assert fired(answers(**{question: "unsure"})) == [f"unsure-{question.replace('_', '-')}"]
    if expected == "urgent":
        assert level_of({question: "unsure"}) is None  # not an emergency, so every answer is still needed


@pytest.mark.parametrize("question", CAUDA_EQUINA)
def test_unsure_on_a_cauda_equina_sign_sends_to_hospital_today(question: str) -> None:
    result = assess(ENGINE, parse_answers(ENGINE, answers(**{question: "unsure"})))
    assert result.level == "urgent"
    assert result.fired[0].action is not None
    assert "emergency department today" in result.fired[0].action


def test_unsure_about_feeling_very_unwell_is_urgent_with_the_same_day_service_now() -> None:
    result = assess(ENGINE, parse_answers(ENGINE, answers(very_unwell="unsure")))
    assert result.level == "urgent"
    assert result.fired[0].action == "Contact {urgent} now. Call {emergency} if you get worse."


@pytest.mark.parametrize("question", [q for q in URGENT_SCREEN if q not in NO_LEVEL_ALONE])
def test_each_urgent_screen_alone(question: str) -> None:
    assert level_of(answers(**{question: True})) == "urgent"
    assert level_of({question: True}) is None  # the emergency screen is still unanswered


@pytest.mark.parametrize("question", URGENT_SCREEN)
def test_unsure_on_the_urgent_screen(question: str) -> None:
    if question in NO_LEVEL_ALONE:  # no level alone, unsure or not: it counts only in combined rules
        assert level_of(answers(**{question: "unsure"})) == level_of(answers(**{question: True})) == "self_care"
    elif question in ("pulsing_tummy", "known_aneurysm"):
        assert level_of(answers(**{question: "unsure"})) == "urgent"
    else:
        assert level_of(answers(**{question: "unsure"})) == "routine"


def test_an_unsure_answer_keeps_its_rules_action() -> None:
    pregnant = {"pregnant": True, "pregnancy_warning_signs": False}
    result = assess(ENGINE, parse_answers(ENGINE, answers(**pregnant, pregnant_labour_signs="unsure")))
    assert result.level == "urgent"
    assert result.fired[0].spec.id == "unsure-pregnant-labour-signs"
    assert result.fired[0].action is not None
    assert result.fired[0].action.startswith("Contact your maternity unit or labour ward now.")
    known = assess(ENGINE, parse_answers(ENGINE, answers(known_aneurysm="unsure")))
    assert known.level == "urgent"
    assert known.fired[0].action is not None
    assert "Say you have an aortic aneurysm" in known.fired[0].action


@pytest.mark.parametrize("question", ABOUT_THE_PAIN)
def test_unsure_about_the_pain_is_read_as_yes(question: str) -> None:
    older = {"age": 55}  # so that first_episode's rule can fire
    assert level_of(answers(**older, **{question: "unsure"})) == level_of(answers(**older, **{question: True}))
    assert fired(answers(**older, **{question: "unsure"})) == fired(answers(**older, **{question: True}))


@pytest.mark.parametrize(
    ("changes", "level"),
    [
        # age bands: under 4, 4 to 15, then 50, 60 and 65 in combined rules
        ({"age": 0, "child_walking_problem": False}, "urgent"),
        ({"age": 3, "child_walking_problem": False}, "urgent"),
        ({"age": 4, "child_walking_problem": False}, "routine"),
        ({"age": 15, "child_walking_problem": False}, "routine"),
        ({"age": 15, "child_walking_problem": True}, "urgent"),
        ({"age": 16}, "self_care"),
        ({"first_episode": True, "age": 17}, "self_care"),  # the 16-19 rule of version 2 is gone
        ({"first_episode": True, "age": 49}, "self_care"),
        ({"first_episode": True, "age": 50}, "routine"),
        ({"first_episode": False, "age": 50}, "self_care"),
        ({"first_episode": True, "age": 120}, "routine"),
        # pregnancy has no level alone
        ({"pregnant": True, "pregnant_labour_signs": False, "pregnancy_warning_signs": False}, "self_care"),
        ({"pregnant": "unsure", "pregnant_labour_signs": False, "pregnancy_warning_signs": False}, "self_care"),
        ({"duration_days": 20}, "self_care"),
        ({"duration_days": 21}, "routine"),
        ({"duration_days": 3650}, "routine"),
        ({"pain_severity": 7, "painkillers_not_helping": True}, "routine"),
        ({"pain_severity": 8, "painkillers_not_helping": True}, "urgent"),
        ({"pain_severity": 8, "painkillers_not_helping": "unsure"}, "urgent"),
        ({"pain_severity": 10, "painkillers_not_helping": False}, "self_care"),
        ({"painkillers_not_helping": True}, "routine"),
        ({"daily_activities_limited": True}, "routine"),
        ({"getting_worse_or_struggling": True}, "routine"),
        ({"recurrent_episodes": True}, "self_care"),  # no level alone in version 3
        ({"one_leg_pain_or_numbness": True}, "routine"),
        ({"inflammatory_pattern": True}, "routine"),
        ({"bone_weakness_risk": True}, "routine"),
        ({"blood_thinners": True}, "self_care"),
        ({"started_after_strain": True}, "self_care"),
        ({"started_after_strain": False}, "self_care"),
        ({"started_after_strain": "unsure"}, "self_care"),
    ],
)
def test_step_zero_and_three_rules_and_boundaries(changes: dict[str, object], level: str) -> None:
    assert level_of(answers(**changes)) == level


@pytest.mark.parametrize(
    ("changes", "level", "rule"),
    [
        # new sexual problems with leg symptoms: emergency, also when the leg part is unsure
        (
            {"sexual_dysfunction_new": True, "one_leg_pain_or_numbness": True},
            "emergency",
            "cauda-equina-sexual-dysfunction",
        ),
        ({"sexual_dysfunction_new": True}, "urgent", "sexual-dysfunction-new"),
        (
            {"sexual_dysfunction_new": True, "one_leg_pain_or_numbness": "unsure"},
            "emergency",
            "cauda-equina-sexual-dysfunction",
        ),
        (
            {"sexual_dysfunction_new": True, "both_legs_symptoms": "unsure"},
            "emergency",
            "cauda-equina-sexual-dysfunction",
        ),
        # an unsure sexual part holds, but caps the combined rule at urgent
        (
            {"sexual_dysfunction_new": "unsure", "one_leg_pain_or_numbness": True},
            "urgent",
            "cauda-equina-sexual-dysfunction",
        ),
        # an unsure cauda equina sign with sciatica
        (
            {"saddle_numbness": "unsure", "one_leg_pain_or_numbness": True},
            "emergency",
            "cauda-equina-unsure-with-sciatica",
        ),
        # cancer with new nerve symptoms
        ({"cancer_history": True, "one_leg_pain_or_numbness": True}, "emergency", "spinal-cord-compression"),
        ({"cancer_history": True, "leg_weakness_new": True}, "emergency", "spinal-cord-compression"),
        ({"cancer_history": "unsure", "one_leg_pain_or_numbness": True}, "urgent", "spinal-cord-compression"),
        # a throbbing tummy, at and below severity 7
        ({"pulsing_tummy": True, "pain_severity": 7}, "emergency", "leaking-aortic-aneurysm"),
        ({"pulsing_tummy": True, "pain_severity": 6}, "urgent", "possible-aortic-aneurysm"),
        ({"pulsing_tummy": "unsure", "pain_severity": 9}, "urgent", "leaking-aortic-aneurysm"),
        # a known aneurysm with severe, sudden or tummy pain
        ({"known_aneurysm": True, "pain_severity": 7}, "emergency", "known-aneurysm-pain"),
        ({"known_aneurysm": True, "sudden_onset_at_rest": True}, "emergency", "known-aneurysm-pain"),
        ({"known_aneurysm": True, "pain_spreads_to_abdomen": "unsure"}, "urgent", "known-aneurysm-pain"),
        ({"known_aneurysm": True, "pain_severity": 6}, "urgent", "known-aneurysm"),
        # pain spreading to the tummy, at 65 and severity 7, and just below each
        ({"pain_spreads_to_abdomen": True, "age": 65, "pain_severity": 7}, "emergency", "aneurysm-over-65"),
        ({"pain_spreads_to_abdomen": "unsure", "age": 71, "pain_severity": 7}, "urgent", "aneurysm-over-65"),
        ({"pain_spreads_to_abdomen": True, "age": 64, "pain_severity": 10}, "urgent", "pain-spreads-to-abdomen"),
        ({"pain_spreads_to_abdomen": True, "age": 90, "pain_severity": 6}, "urgent", "pain-spreads-to-abdomen"),
        # sudden pain at rest
        (
            {"sudden_onset_at_rest": True, "pain_severity": 7, "age": 60},
            "emergency",
            "sudden-severe-pain-with-risk",
        ),
        (
            {"sudden_onset_at_rest": True, "pain_severity": 8, "age": 69, "blood_thinners": True},
            "emergency",
            "sudden-severe-pain-with-risk",
        ),
        (
            {"sudden_onset_at_rest": True, "pain_severity": 7, "pain_between_shoulder_blades": True},
            "emergency",
            "sudden-upper-back-pain",
        ),
        ({"sudden_onset_at_rest": True, "pain_severity": 7, "age": 59}, "urgent", "sudden-severe-pain"),
        ({"sudden_onset_at_rest": True, "pain_severity": 6, "age": 60}, "urgent", "sudden-pain-with-risk"),
        ({"sudden_onset_at_rest": True, "bone_weakness_risk": True}, "urgent", "sudden-pain-with-risk"),
        ({"sudden_onset_at_rest": "unsure", "pain_severity": 9, "age": 70}, "urgent", "sudden-severe-pain-with-risk"),
        # a fall with a risk
        ({"recent_fall_or_injury": True, "age": 65}, "urgent", "fall-with-risk"),
        ({"recent_fall_or_injury": True, "age": 84, "bone_weakness_risk": "unsure"}, "urgent", "fall-with-risk"),
        ({"recent_fall_or_injury": True, "blood_thinners": True}, "urgent", "fall-with-risk"),
        # pregnancy with tummy pain or a fever
        (
            {"pregnant": True, "pregnant_labour_signs": False, "pregnancy_warning_signs": False, "fever": True},
            "urgent",
            "pregnancy-tummy-or-fever",
        ),
        # a baby with a fever
        ({"age": 0, "child_walking_problem": False, "fever": True}, "emergency", "baby-with-fever"),
        ({"age": 1, "child_walking_problem": False, "fever": True}, "urgent", "child-under-4"),
        # severe pain that painkillers do not help
        ({"pain_severity": 8, "painkillers_not_helping": True}, "urgent", "severe-pain-not-helped"),
    ],
)
def test_combined_rules_at_and_below_their_thresholds(changes: dict[str, object], level: str, rule: str) -> None:
    assert level_of(answers(**changes)) == level
    assert fired(answers(**changes))[0] == rule


def test_a_combined_rule_capped_by_unsure_gives_the_urgent_advice_unless_it_keeps_its_action() -> None:
    capped = assess(ENGINE, parse_answers(ENGINE, answers(cancer_history="unsure", one_leg_pain_or_numbness=True)))
    assert (capped.fired[0].spec.id, capped.fired[0].level, capped.fired[0].action) == (
        "spinal-cord-compression",
        "urgent",
        None,
    )
    kept = assess(ENGINE, parse_answers(ENGINE, answers(known_aneurysm="unsure", pain_severity=8)))
    assert (kept.fired[0].spec.id, kept.fired[0].level) == ("known-aneurysm-pain", "urgent")
    assert kept.fired[0].action is not None


def test_in_an_or_a_part_that_holds_outright_wins() -> None:
    from app.triage.engine import parts

    given_answers = answers(cancer_history=True, leg_weakness_new="unsure", one_leg_pain_or_numbness=True)
    result = assess(ENGINE, parse_answers(ENGINE, given_answers))
    combined = next(f for f in result.fired if f.spec.id == "spinal-cord-compression")
    assert (combined.level, combined.capped) == ("emergency", False)
    assert parts(ENGINE, combined, given_answers) == ["cancer_history", "one_leg_pain_or_numbness"]


def test_sexual_problems_with_both_legs_list_both_parts() -> None:
    given_answers = answers(sexual_dysfunction_new=True, both_legs_symptoms=True, one_leg_pain_or_numbness=True)
    result = assess(ENGINE, parse_answers(ENGINE, given_answers))
    combined = next(rule for rule in result.fired if rule.spec.id == "cauda-equina-sexual-dysfunction")
    from app.triage.engine import parts

    assert parts(ENGINE, combined, given_answers) == [
        "sexual_dysfunction_new",
        "one_leg_pain_or_numbness",
        "both_legs_symptoms",
    ]


def test_pregnancy_excludes_nsaids_and_muscle_relaxants_even_when_unsure() -> None:
    for answer in (True, "unsure"):
        given_answers = answers(pregnant=answer, pregnant_labour_signs=False, pregnancy_warning_signs=False)
        result = assess(ENGINE, parse_answers(ENGINE, given_answers))
        assert (result.level, result.excluded) == ("self_care", frozenset({"nsaids", "muscle-relaxants"}))
    assert assess(ENGINE, parse_answers(ENGINE, NEGATIVE)).excluded == frozenset()


@pytest.mark.parametrize(
    ("changes", "excluded"),
    [
        ({"blood_thinners": True}, {"nsaids"}),
        ({"one_leg_pain_or_numbness": True}, {"muscle-relaxants"}),
        ({"one_leg_pain_or_numbness": "unsure"}, {"muscle-relaxants"}),
    ],
)
def test_blood_thinners_and_sciatica_take_treatments_out(changes: dict[str, object], excluded: set[str]) -> None:
    assert assess(ENGINE, parse_answers(ENGINE, answers(**changes))).excluded == excluded


@pytest.mark.parametrize(
    ("changes", "asked"),
    [
        ({"pregnant": False}, []),
        ({"pregnant": True}, PREGNANCY_ONLY),
        ({"pregnant": "unsure"}, PREGNANCY_ONLY),
        ({"age": 15}, CHILD_ONLY),
        ({"age": 16}, []),
    ],
)
def test_a_question_with_ask_if_is_asked_only_when_it_holds(changes: dict[str, object], asked: list[str]) -> None:
    result = assess(ENGINE, parse_answers(ENGINE, answers(**changes)))
    assert [q.id for q in result.next_questions] == asked
    assert result.complete == (not asked)


def test_an_answer_to_a_question_not_asked_still_counts() -> None:
    assert level_of(answers(pregnancy_warning_signs=True)) == "urgent"


def test_an_incomplete_result_carries_the_level_reached_so_far() -> None:
    result = assess(ENGINE, parse_answers(ENGINE, {"age": 40, "fever": True}))
    assert (result.complete, result.level, result.minimum_level) == (False, None, "urgent")
    assert assess(ENGINE, parse_answers(ENGINE, {"age": 40})).minimum_level is None


@pytest.mark.parametrize(("old", "new"), sorted(REPLACED.items()))
def test_a_replaced_version_2_id_is_refused_naming_its_replacement(old: str, new: list[str]) -> None:
    with pytest.raises(InvalidInput) as refused:
        parse_answers(ENGINE, answers(**{old: False}))
    assert refused.value.errors == [
        {"loc": ["body", "answers", old], "msg": f"replaced in ruleset 3 by {' and '.join(new)}"}
    ]


def test_a_version_1_client_never_gets_a_level_from_a_partial_set() -> None:
    result = assess(ENGINE, parse_answers(ENGINE, {q: NEGATIVE[q] for q in VERSION_1_IDS}))
    assert (result.complete, result.level) == (False, None)
    assert [q.id for q in result.next_questions] == [q for q in NEGATIVE if q not in VERSION_1_IDS]


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


def test_reasons_are_most_urgent_first_then_in_questionnaire_order() -> None:
    given_answers = answers(duration_days=30, cancer_history=True, chest_pain=True, fever=True, tearing_pain="unsure")
    assert fired(given_answers) == [
        "chest-pain",
        "unsure-tearing-pain",
        "infection-fever",
        "cancer-history",
        "persistent-pain",
    ]


@st.composite
def answer_sets(draw: st.DrawFn) -> dict[str, object]:
    """Any answers: each yes/no question yes, no, unsure or unanswered; numbers in range or unanswered."""
    chosen: dict[str, object] = {}
    for question in BOOL_QUESTIONS:
        answer = draw(st.sampled_from([*ESCALATING, None]))
        if answer is not None:
            chosen[question] = answer
    for question, (low, high) in INT_RANGES.items():
        number = draw(st.one_of(st.none(), st.integers(low, high)))
        if number is not None:
            chosen[question] = number
    return chosen


def rank(given_answers: dict[str, object]) -> int | None:
    level = level_of(given_answers)
    return None if level is None else RANK[level]


@given(answer_sets(), st.sampled_from(BOOL_QUESTIONS))
def test_no_to_unsure_to_yes_never_lowers_the_level(given_answers: dict[str, Any], question: str) -> None:
    ranks = [rank({**given_answers, question: answer}) for answer in ESCALATING]
    complete = [r for r in ranks if r is not None]
    assert complete == sorted(complete, reverse=True)  # never less urgent
    if ranks[0] is not None and question != "pregnant":  # `pregnant` may open questions still to answer
        assert complete == ranks
    minimums = [assess(ENGINE, parse_answers(ENGINE, {**given_answers, question: a})).minimum_level for a in ESCALATING]
    reached = [RANK[m] for m in minimums if m is not None]
    assert reached == sorted(reached, reverse=True)
    assert [m is not None for m in minimums] == sorted(m is not None for m in minimums)


@given(answer_sets(), st.sampled_from(["pain_severity", "duration_days"]), st.integers(1, 10))
def test_raising_a_number_never_lowers_the_level(given_answers: dict[str, Any], question: str, step: int) -> None:
    # Age is left out on purpose: TRIAGE.md's bands (under 4, 4 to 15) go in either direction.
    low, high = INT_RANGES[question]
    before = given_answers.get(question, low)
    before_rank = rank({**given_answers, question: before})
    after_rank = rank({**given_answers, question: min(before + step, high)})
    if before_rank is not None:
        assert after_rank is not None
        assert after_rank <= before_rank


@given(answer_sets())
def test_an_emergency_completes_the_result_at_once(given_answers: dict[str, Any]) -> None:
    result = assess(ENGINE, parse_answers(ENGINE, given_answers))
    if any(f.level == "emergency" for f in result.fired):
        assert (result.complete, result.level, result.next_questions) == (True, "emergency", ())
    if not result.complete:
        assert result.level is None
        assert result.next_questions


@given(answer_sets())
def test_level_is_the_most_urgent_fired_rule_and_deterministic(given_answers: dict[str, Any]) -> None:
    result = assess(ENGINE, parse_answers(ENGINE, given_answers))
    assert result == assess(ENGINE, parse_answers(ENGINE, dict(reversed(list(given_answers.items())))))
    fired_levels = [f.level for f in result.fired]
    assert fired_levels == sorted(fired_levels, key=RANK.__getitem__)
    if result.complete:
        expected = min(fired_levels, key=RANK.__getitem__) if fired_levels else "self_care"
        assert result.level == expected


@given(answer_sets())
def test_unsure_on_an_emergency_question_is_at_least_urgent(given_answers: dict[str, Any]) -> None:
    unsure = {**given_answers, **dict.fromkeys(EMERGENCY_SCREEN[:1], "unsure")}
    result = assess(ENGINE, parse_answers(ENGINE, unsure))
    if result.complete:
        assert result.level is not None
        assert RANK[result.level] <= RANK["urgent"]


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
    """Two levels, two steps, two bool and one int question, and the given rules."""
    bool_question = {"step": 1, "type": "bool", "required": True, "text": "t", "help": "h"}
    return {
        "version": 7,
        "engine_version": ENGINE_VERSION,
        "combined_unsure_level": "later",
        "intro": "i",
        "disclaimer": "d",
        "incomplete": {"title": "t", "advice": "a"},
        "regions": [
            {
                "code": "GB",
                "emergency": {"name": "999", "number": "999", "source": "https://example.org/"},
                "urgent": {"name": "u"},
            }
        ],
        "unknown_region": {"emergency": {"name": "the emergency number"}, "urgent": {"name": "u"}},
        "emergency_signs": ["Call {emergency}."],
        "levels": [
            {"id": level, "timeframe": level, "title": "t", "advice": "a", "safety_net": []}
            for level in ("now", "later")
        ],
        "steps": [
            {
                "step": 1,
                "title": "s",
                "unsure": {"level": "now", "explanation": "e", "sources": [{"source": "s", "locator": "l"}]},
            },
            {"step": 2, "title": "s", "unsure": {"as_yes": True}},
        ],
        "questions": [
            {"id": "hot", **bool_question},
            {"id": "cold", **bool_question, "step": 2},
            {"id": "score", "step": 2, "type": "int", "min": 0, "max": 5, "required": True, "text": "t", "help": "h"},
        ],
        "rules": rules,
    }


def test_any_ruleset_of_the_same_shape() -> None:
    document = RulesetDocument.model_validate(
        small_ruleset(
            [
                rule("hot-and-high", "now", {"question": "hot", "is": True}, {"question": "score", ">=": 4}),
                rule("low", "now", {"question": "score", "<": 1}),
                rule("either", "now", {"any": [{"question": "cold", "is": True}, {"question": "score", ">=": 5}]}),
                rule("hot", "later", {"question": "hot", "is": True}),
            ]
        )
    )
    engine = compile_ruleset(document)
    assert assess(engine, {"hot": True, "cold": False, "score": 4}).level == "now"
    assert assess(engine, {"hot": True, "cold": False, "score": 3}).level == "later"
    assert assess(engine, {"hot": False, "cold": False, "score": 0}).level == "now"
    assert assess(engine, {"hot": False, "cold": "unsure", "score": 2}).level == "now"  # step 2 reads unsure as yes
    assert assess(engine, {"hot": "unsure", "cold": False, "score": 2}).level == "now"  # step 1's own level
    assert assess(engine, {"hot": False, "cold": False, "score": 5}).level == "now"
    assert assess(engine, {"score": 0}).level == "now"  # the top level completes early
    assert assess(engine, {"score": 2}).next_questions[0].id == "hot"
    capped = assess(engine, {"hot": "unsure", "cold": False, "score": 4}).fired
    assert [(f.spec.id, f.level, f.capped) for f in capped] == [
        ("unsure-hot", "now", False),
        ("hot-and-high", "later", True),
    ]


def test_a_rule_with_an_unknown_operator_at_emergency_level_is_refused_not_skipped() -> None:
    unknown = rule("x", "now", {"question": "score", "gt": 0})
    with pytest.raises(ValueError, match="gt"):
        RulesetDocument.model_validate(small_ruleset([unknown]))
    with pytest.raises(ValueError, match="weight"):
        RulesetDocument.model_validate(
            small_ruleset([{**rule("x", "now", {"question": "hot", "is": True}), "weight": 2}])
        )


def test_a_ruleset_for_a_newer_engine_is_refused() -> None:
    newer = RulesetDocument.model_validate({**small_ruleset([]), "engine_version": ENGINE_VERSION + 1})
    with pytest.raises(RulesetRefused, match=f"needs engine version {ENGINE_VERSION + 1}"):
        compile_ruleset(newer)


@pytest.mark.parametrize(
    "bad",
    [
        rule("x", "now", {"question": "nope", "is": True}),
        rule("x", "now", {"question": "hot", "<": 1}),
        rule("x", "now", {"question": "score", "is": True}),
        rule("x", "soon", {"question": "hot", "is": True}),
        rule("x", "now", {"question": "hot", "is": True, "<": 1}),
        rule("x", "now", {"question": "hot", "is": False}),
        rule("x", "now", {"question": "score", "is": "unsure"}),
        rule("x", "now", {"any": [{"question": "hot", "is": True}]}),
    ],
)
def test_rulesets_that_do_not_resolve_are_refused(bad: dict[str, object]) -> None:
    with pytest.raises(ValueError, match=r"rule x|term on hot|any|Input should be True|at least 2"):
        RulesetDocument.model_validate(small_ruleset([bad]))


def test_unknown_placeholders_are_refused() -> None:
    document = small_ruleset([])
    document["disclaimer"] = "Call {ambulance}."
    with pytest.raises(ValueError, match="unknown placeholder"):
        RulesetDocument.model_validate(document)
