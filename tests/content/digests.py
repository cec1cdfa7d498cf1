"""The digest of an item's public JSON, computed independently of the app's own code."""

import hashlib
import json
from typing import Any


def public_digest(rest: dict[str, Any]) -> str:
    """blake2b-64 of the other fields as sorted, compact JSON."""
    canonical = json.dumps(rest, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    return hashlib.blake2b(canonical, digest_size=8).hexdigest()
