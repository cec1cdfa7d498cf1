"""The API with every request counted in the store itself (leases of one token), as plain counting with
the `limits` library would: one increment and one expiry read a request. `make bench ARGS=--plain`
measures it beside the leased limits, for ADR 0002."""

import app.platform.access.ratelimit as ratelimit

ratelimit.LEASE_FRACTION = 2**62  # every lease is one token, taken by the request that asked for it

from app.main import app  # noqa: E402 - built after the change above

__all__ = ["app"]
