"""Keeps what each process holds in memory fresh: the content snapshot, the key ring and the metrics
files other workers' scrapes read. Once before the first request, then every SNAPSHOT_REFRESH_SECONDS."""

import asyncio
from contextlib import suppress

from starlette.concurrency import run_in_threadpool

from app.platform.access.keys.service import KeyRing
from app.platform.observability.metrics import FIGURES
from app.serving.snapshot import SnapshotStore


class Refresher:
    """Refreshes the snapshot and the keys from the database; an outage leaves both as they are."""

    def __init__(self, store: SnapshotStore, keyring: KeyRing, seconds: float) -> None:
        self.store = store
        self.keyring = keyring
        self.seconds = seconds

    def refresh(self) -> None:
        """One refresh, in the calling thread (it reads the database)."""
        self.store.try_refresh()
        with suppress(Exception):  # keys in memory keep working through an outage
            self.keyring.refresh()
        FIGURES.flush()  # for the other workers' scrapes, at most once a refresh

    async def run(self) -> None:
        """Refresh every `seconds`, off the event loop, until cancelled."""
        while True:
            await asyncio.sleep(self.seconds)
            await run_in_threadpool(self.refresh)
