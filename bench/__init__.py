"""`make bench`: throughput of the API against a bare ASGI app serving the same bytes."""
