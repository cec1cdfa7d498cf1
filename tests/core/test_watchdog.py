"""The watchdog on its own: a loop that turns is left alone, a blocked one is logged with its stack and ended.

test_watchdog_served.py runs it in `backpain serve`."""

import asyncio
import logging
import time

import pytest

from app.core.watchdog import EXIT_CODE, Watchdog


def test_a_blocked_loop_is_logged_with_its_stack_and_ended(caplog: pytest.LogCaptureFixture) -> None:
    ended: list[int] = []
    watchdog = Watchdog(0.3, end=ended.append)

    async def block_the_loop() -> None:
        watchdog.start(asyncio.get_running_loop())
        await asyncio.sleep(0.6)  # a loop that turns is left alone
        assert ended == []
        time.sleep(1.0)  # noqa: ASYNC251 - blocking the loop is the point
        watchdog.stop()

    with caplog.at_level(logging.CRITICAL, "app.watchdog"):
        asyncio.run(block_the_loop())
    assert ended == [EXIT_CODE]
    [record] = caplog.records
    assert "event loop blocked for" in record.getMessage()
    assert "in block_the_loop" in record.getMessage()  # where it was stuck
