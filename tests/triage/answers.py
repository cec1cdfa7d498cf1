"""Answer sets for triage tests: everything negative, then what a test changes."""

from typing import Any

NEGATIVE: dict[str, Any] = {
    "bladder_or_bowel_change": False,
    "saddle_numbness": False,
    "both_legs_symptoms": False,
    "leg_weakness_worsening": False,
    "chest_pain": False,
    "major_trauma": False,
    "sudden_severe_pain_with_collapse": False,
    "tearing_pain": False,
    "very_unwell": False,
    "pregnant_labour_signs": False,
    "fever": False,
    "cancer_history": False,
    "unexplained_weight_loss": False,
    "immune_or_injection_risk": False,
    "recent_spine_procedure_or_infection": False,
    "minor_trauma_bone_risk": False,
    "constant_night_pain": False,
    "back_lump_or_deformity": False,
    "pain_between_shoulder_blades": False,
    "worse_with_cough_sneeze": False,
    "pain_spreads_to_abdomen": False,
    "pulsing_tummy_or_known_aneurysm": False,
    "sexual_dysfunction_new": False,
    "age": 30,
    "first_episode": False,
    "pregnant": False,
    "pain_severity": 3,
    "painkillers_not_helping": False,
    "duration_days": 2,
    "daily_activities_limited": False,
    "recurrent_episodes": False,
    "one_leg_pain_or_numbness": False,
}
REQUIRED_IN_ORDER = list(NEGATIVE)
EMERGENCY_SCREEN = REQUIRED_IN_ORDER[:10]
URGENT_SCREEN = REQUIRED_IN_ORDER[10:23]
ABOUT_THE_PAIN = [q for q in REQUIRED_IN_ORDER[23:] if isinstance(NEGATIVE[q], bool)] + ["started_after_strain"]
BOOL_QUESTIONS = [q for q, v in NEGATIVE.items() if isinstance(v, bool)] + ["started_after_strain"]
INT_RANGES = {"age": (0, 120), "pain_severity": (0, 10), "duration_days": (0, 3650)}
# The version-1 questionnaire's ids: a client that knows only these never gets a level.
VERSION_1_IDS = [
    q
    for q in REQUIRED_IN_ORDER
    if q
    not in {
        "tearing_pain",
        "very_unwell",
        "pregnant_labour_signs",
        "recent_spine_procedure_or_infection",
        "pulsing_tummy_or_known_aneurysm",
        "sexual_dysfunction_new",
        "pregnant",
    }
]


def answers(**changes: Any) -> dict[str, Any]:
    """A complete, all-negative answer set with the given changes."""
    return {**NEGATIVE, **changes}
