"""Answer sets for triage tests: everything negative, then what a test changes."""

from typing import Any

# An adult who is not pregnant: the questions asked only in pregnancy or of a child are left out.
NEGATIVE: dict[str, Any] = {
    "age": 30,
    "pregnant": False,
    "bladder_or_bowel_change": False,
    "saddle_numbness": False,
    "both_legs_symptoms": False,
    "leg_weakness_worsening": False,
    "chest_pain": False,
    "heart_warning_signs": False,
    "major_trauma": False,
    "sudden_severe_pain_with_collapse": False,
    "tearing_pain": False,
    "very_unwell": False,
    "fever": False,
    "burning_when_peeing": False,
    "cancer_history": False,
    "unexplained_weight_loss": False,
    "immune_or_injection_risk": False,
    "recent_spine_procedure_or_infection": False,
    "leg_weakness_new": False,
    "recent_fall_or_injury": False,
    "sudden_onset_at_rest": False,
    "constant_night_pain": False,
    "back_lump_or_deformity": False,
    "pain_between_shoulder_blades": False,
    "worse_with_cough_sneeze": False,
    "pain_spreads_to_abdomen": False,
    "pulsing_tummy": False,
    "known_aneurysm": False,
    "sexual_dysfunction_new": False,
    "first_episode": False,
    "pain_severity": 3,
    "painkillers_not_helping": False,
    "duration_days": 2,
    "daily_activities_limited": False,
    "getting_worse_or_struggling": False,
    "recurrent_episodes": False,
    "one_leg_pain_or_numbness": False,
    "inflammatory_pattern": False,
    "bone_weakness_risk": False,
    "blood_thinners": False,
}
REQUIRED_IN_ORDER = list(NEGATIVE)
# Asked only when `pregnant` holds (yes or unsure), or of a child (age 15 or under).
PREGNANCY_ONLY = ["pregnant_labour_signs", "pregnancy_warning_signs"]
CHILD_ONLY = ["child_walking_problem"]
EMERGENCY_SCREEN = REQUIRED_IN_ORDER[2:12]
URGENT_SCREEN = REQUIRED_IN_ORDER[12:29]
# Step-2 questions with no level alone: they count only inside combined rules.
NO_LEVEL_ALONE = ["recent_fall_or_injury", "sudden_onset_at_rest"]
ABOUT_THE_PAIN = [q for q in REQUIRED_IN_ORDER[29:] if isinstance(NEGATIVE[q], bool)] + ["started_after_strain"]
BOOL_QUESTIONS = (
    [q for q, v in NEGATIVE.items() if isinstance(v, bool)] + PREGNANCY_ONLY + CHILD_ONLY + ["started_after_strain"]
)
INT_RANGES = {"age": (0, 120), "pain_severity": (0, 10), "duration_days": (0, 3650)}
# Question ids of version 2 that version 3 replaced: answering one is a 422 naming its replacements.
REPLACED = {
    "minor_trauma_bone_risk": ["recent_fall_or_injury", "bone_weakness_risk"],
    "pulsing_tummy_or_known_aneurysm": ["pulsing_tummy", "known_aneurysm"],
}
# The questions a version-1 client knows that version 3 still asks: such a client never gets a level.
VERSION_1_IDS = [
    "bladder_or_bowel_change",
    "saddle_numbness",
    "both_legs_symptoms",
    "leg_weakness_worsening",
    "chest_pain",
    "major_trauma",
    "sudden_severe_pain_with_collapse",
    "fever",
    "cancer_history",
    "unexplained_weight_loss",
    "immune_or_injection_risk",
    "constant_night_pain",
    "back_lump_or_deformity",
    "pain_between_shoulder_blades",
    "worse_with_cough_sneeze",
    "pain_spreads_to_abdomen",
    "age",
    "first_episode",
    "pain_severity",
    "painkillers_not_helping",
    "duration_days",
    "daily_activities_limited",
    "recurrent_episodes",
    "one_leg_pain_or_numbness",
]


def answers(**changes: Any) -> dict[str, Any]:
    """A complete, all-negative answer set with the given changes."""
    return {**NEGATIVE, **changes}
