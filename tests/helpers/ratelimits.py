"""Rate-limit storage for tests: counters in memory that answer slowly, as a network store does."""

import asyncio

from limits.aio.storage import MemoryStorage


class SlowStorage(MemoryStorage):
    """Counters in memory that answer after a pause, as a network store does: concurrent requests overlap."""

    def __init__(self, pause: float = 0.002) -> None:
        super().__init__()
        self.pause = pause

    async def incr(self, key: str, expiry: float, amount: int = 1) -> int:
        await asyncio.sleep(self.pause)
        return await super().incr(key, expiry, amount=amount)
