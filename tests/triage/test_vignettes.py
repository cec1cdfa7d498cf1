"""Clinical vignettes: a person's story, their answers, and the level TRIAGE.md's table gives."""

from typing import Any

import httpx
import pytest

from tests.triage.answers import answers

pytestmark = pytest.mark.anyio

VIGNETTES: list[tuple[str, dict[str, Any], str]] = [
    (
        "30-year-old, 2 days of pain after lifting, nothing else",
        answers(age=30, duration_days=2, started_after_strain=True),
        "self_care",
    ),
    ("new difficulty passing urine", {"bladder_or_bowel_change": True}, "emergency"),
    ("a fever, everything else negative", answers(fever=True), "urgent"),
    ("30 days of pain and a history of cancer", answers(duration_days=30, cancer_history=True), "urgent"),
    ("first episode at exactly 50", answers(age=50, first_episode=True), "routine"),
    ("first episode at 49", answers(age=49, first_episode=True), "self_care"),
    (
        "recurring spasms at 50, not a first episode",
        answers(age=50, first_episode=False, recurrent_episodes=True),
        "routine",
    ),
    ("numb saddle area after a golf swing", answers(saddle_numbness=True, started_after_strain=True), "emergency"),
    (
        "tingling in both legs and trouble walking",
        answers(both_legs_symptoms=True, leg_weakness_worsening=True),
        "emergency",
    ),
    ("foot drop getting worse over a week", answers(leg_weakness_worsening=True, duration_days=7), "emergency"),
    ("back pain with chest tightness", answers(chest_pain=True, age=58), "emergency"),
    ("pain after a car crash", answers(major_trauma=True), "emergency"),
    ("sudden tearing pain and fainting at 70", answers(sudden_severe_pain_with_collapse=True, age=70), "emergency"),
    ("osteoporosis and a slip in the kitchen", answers(minor_trauma_bone_risk=True, age=72), "urgent"),
    ("long-term steroids, no fall, 3 days of pain", answers(immune_or_injection_risk=True, duration_days=3), "urgent"),
    ("injects drugs, fever", answers(immune_or_injection_risk=True, fever=True), "urgent"),
    ("lost weight without trying", answers(unexplained_weight_loss=True), "urgent"),
    ("pain that wakes them every night and never eases", answers(constant_night_pain=True), "urgent"),
    ("a new lump on the spine", answers(back_lump_or_deformity=True), "urgent"),
    (
        "pain between the shoulder blades after painting a ceiling",
        answers(pain_between_shoulder_blades=True, started_after_strain=True),
        "urgent",
    ),
    ("pain shoots when sneezing", answers(worse_with_cough_sneeze=True), "urgent"),
    ("pain has moved to the lower abdomen", answers(pain_spreads_to_abdomen=True), "urgent"),
    ("a 15-year-old footballer", answers(age=15, started_after_strain=True), "urgent"),
    ("a 16-year-old footballer", answers(age=16, started_after_strain=True), "self_care"),
    ("severity 8 and painkillers not working", answers(pain_severity=8, painkillers_not_helping=True), "urgent"),
    ("severity 7 and painkillers not working", answers(pain_severity=7, painkillers_not_helping=True), "routine"),
    ("severity 9 but painkillers help", answers(pain_severity=9), "self_care"),
    ("pain for exactly 3 weeks", answers(duration_days=21), "routine"),
    ("pain for 20 days", answers(duration_days=20), "self_care"),
    ("cannot work or sleep for the pain", answers(daily_activities_limited=True), "routine"),
    ("pain running down one leg", answers(one_leg_pain_or_numbness=True), "routine"),
    ("sciatica plus a history of cancer", answers(one_leg_pain_or_numbness=True, cancer_history=True), "urgent"),
    (
        "sciatica plus new bladder trouble",
        answers(one_leg_pain_or_numbness=True, bladder_or_bowel_change=True),
        "emergency",
    ),
    ("recurrent spasms, first episode false, 65", answers(age=65, recurrent_episodes=True), "routine"),
    (
        "every routine rule together",
        answers(
            age=55,
            first_episode=True,
            painkillers_not_helping=True,
            duration_days=40,
            daily_activities_limited=True,
            recurrent_episodes=True,
            one_leg_pain_or_numbness=True,
        ),
        "routine",
    ),
    ("an under-16 with a first episode", answers(age=12, first_episode=True), "urgent"),
    ("fever answered, emergency screen unanswered", {"fever": True}, "incomplete"),
    ("everything negative but age missing", {k: v for k, v in answers().items() if k != "age"}, "incomplete"),
    ("chest pain with everything else unanswered", {"chest_pain": True}, "emergency"),
]


@pytest.mark.parametrize(("story", "given", "expected"), VIGNETTES, ids=[v[0] for v in VIGNETTES])
async def test_vignette(client: httpx.AsyncClient, story: str, given: dict[str, Any], expected: str) -> None:
    body = (await client.post("/v1/triage", json={"answers": given})).json()
    if expected == "incomplete":
        assert (body["complete"], body["level"]) == (False, None), story
        assert body["next_questions"], story
    else:
        assert (body["complete"], body["level"]) == (True, expected), story
