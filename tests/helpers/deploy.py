"""The checkout as the image sees it: its root, and the script the Dockerfile starts."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def entrypoint() -> Path:
    """The script the Dockerfile's ENTRYPOINT names, in this checkout."""
    found = re.search(r'^ENTRYPOINT \["/app/([^"]+)"\]$', (ROOT / "Dockerfile").read_text(), re.MULTILINE)
    assert found is not None, "the Dockerfile has no exec-form ENTRYPOINT under /app"
    return ROOT / found[1]
