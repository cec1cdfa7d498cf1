"""Reading the change feed as a mobile app does."""

from typing import Any

import httpx


async def follow(client: httpx.AsyncClient, cursor: str, limit: int = 2) -> tuple[list[dict[str, Any]], str]:
    """Every change after the cursor, page by page; the cursor to store afterwards."""
    changes: list[dict[str, Any]] = []
    while True:
        page = (await client.get(f"/v1/changes?since={cursor}&limit={limit}")).json()
        changes += page["data"]
        cursor = page["next_cursor"]
        if not page["has_more"]:
            return changes, cursor
