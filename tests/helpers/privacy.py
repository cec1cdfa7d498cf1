"""What a person answered, marked so that a leak is found: the answers, and the log lines that would show them."""

from tests.helpers.answers import answers

MARKED = answers(age=97, duration_days=3187, pain_severity=9, painkillers_not_helping=True)
# What a logged body or answer would show: question ids, and a value nothing else contains.
MARKERS = ("duration_days", "painkillers_not_helping", "bladder_or_bowel_change", "sekret-value")


def leaks(logged: str) -> list[str]:
    """Log lines that show anything a person answered."""
    return [
        line
        for line in logged.splitlines()
        if any(marker in line for marker in MARKERS) or ("/v1/triage" in line and "3187" in line)
    ]
