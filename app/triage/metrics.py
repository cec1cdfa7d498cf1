"""The triage domain's own metric: anonymous counts of results by level, never what anyone answered."""

from prometheus_client import Counter

TRIAGE_LEVELS = Counter("backpain_triage_assessments", "Triage assessments answered, by level.", ["level"])
