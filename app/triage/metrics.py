"""The triage domain's own metric: anonymous counts of results by level, never what anyone answered."""

from prometheus_client import Counter

TRIAGE_LEVELS = Counter("backpain_triage_assessments", "Triage assessments answered, by level.", ["level"])
_BY_LEVEL: dict[str, Counter] = {}  # each level's series, found once


def count_level(level: str) -> None:
    """Count one result at this level ("incomplete" when it has none)."""
    series = _BY_LEVEL.get(level)
    if series is None:
        series = _BY_LEVEL[level] = TRIAGE_LEVELS.labels(level)
    series.inc()
