"""Slugs, the public ids of every item."""

import re

SLUG_PATTERN = r"^[a-z0-9]+(-[a-z0-9]+)*$"
SLUG_MAX_LENGTH = 100
SLUG_RE = re.compile(SLUG_PATTERN)
