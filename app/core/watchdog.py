"""A thread that notices a worker whose event loop has stopped turning, logs where it is stuck, and ends
the process so that its supervisor (uvicorn's with several workers, else the container's) starts anew.

A blocked loop answers nothing, `/healthz` included, and cannot run the handler that SIGTERM sets off:
only something outside the loop can end it. The loop marks each turn of a timer; the thread checks
the mark, and once it is older than the stall limit, the worker is past saving.
"""

import asyncio
import logging
import os
import sys
import threading
import time
import traceback
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

logger = logging.getLogger("app.watchdog")

EXIT_CODE = 70  # EX_SOFTWARE: an internal error, as a supervisor's log shows it


class Watchdog:
    """Watches one event loop from a daemon thread; `end` is what ends the process."""

    def __init__(self, stall_seconds: float, *, end: Callable[[int], object] = os._exit) -> None:
        self.stall_seconds = stall_seconds
        self.interval = min(1.0, stall_seconds / 4)
        self._end = end
        self._stopped = threading.Event()
        self._beat = time.monotonic()
        self._timer: asyncio.TimerHandle | None = None

    def start(self, loop: asyncio.AbstractEventLoop) -> None:
        """Begin marking the loop's turns and watching them; call from the loop's own thread."""
        self._loop = loop
        self._loop_thread = threading.get_ident()
        self._mark()
        threading.Thread(target=self._watch, name="watchdog", daemon=True).start()

    def stop(self) -> None:
        """Stop watching, as the worker shuts down normally."""
        self._stopped.set()
        if self._timer is not None:
            self._timer.cancel()

    def _mark(self) -> None:
        self._beat = time.monotonic()
        self._timer = self._loop.call_later(self.interval, self._mark)

    def _watch(self) -> None:
        while not self._stopped.wait(self.interval):
            blocked = time.monotonic() - self._beat
            if blocked > self.stall_seconds:
                self._stalled(blocked)
                return

    def _stalled(self, blocked: float) -> None:
        frame = sys._current_frames().get(self._loop_thread)
        stack = "".join(traceback.format_stack(frame)) if frame is not None else "(no stack)\n"
        try:
            logger.critical(
                "event loop blocked for %.1f s (limit %g s): ending worker %d so that it is replaced; it was at:\n%s",
                blocked,
                self.stall_seconds,
                os.getpid(),
                stack.rstrip(),
            )
            for handler in logging.getLogger().handlers:
                handler.flush()
        finally:
            self._end(EXIT_CODE)


@asynccontextmanager
async def watching(stall_seconds: float) -> AsyncIterator[None]:
    """A watchdog on the running loop while the context lasts; none when `stall_seconds` is 0."""
    if not stall_seconds:
        yield
        return
    watchdog = Watchdog(stall_seconds)
    watchdog.start(asyncio.get_running_loop())
    try:
        yield
    finally:
        watchdog.stop()
