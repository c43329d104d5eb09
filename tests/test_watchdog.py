"""The event-loop watchdog: a blocked loop is logged (where and for how long), a busy one is not."""

from __future__ import annotations

import asyncio
import logging
import time

from bot.watchdog import LoopWatchdog


def hold_the_loop(seconds: float) -> None:
    time.sleep(seconds)  # what a slow regex or a synchronous call does to every server


async def watched(caplog, body, **kwargs) -> list[str]:
    watchdog = LoopWatchdog(asyncio.get_running_loop(), **kwargs)
    with caplog.at_level(logging.WARNING, logger="bot.watchdog"):
        watchdog.start()
        try:
            await asyncio.sleep(0.1)
            await body()
            await asyncio.sleep(0.1)
        finally:
            watchdog.stop()
    assert not watchdog.running
    return [r.getMessage() for r in caplog.records if r.name == "bot.watchdog"]


async def test_a_blocked_loop_is_logged_with_where_and_how_long(caplog):
    async def block() -> None:
        hold_the_loop(0.6)

    warnings = await watched(caplog, block)
    during = [w for w in warnings if "has been blocked" in w]
    after = [w for w in warnings if "was blocked for" in w]
    assert len(during) == 1 and "hold_the_loop" in during[0] and "time.sleep" in during[0]
    assert len(after) == 1
    assert 0.5 <= float(after[0].split("for ")[1].split(" s")[0]) < 5


async def test_a_busy_loop_that_keeps_answering_is_not_logged(caplog):
    async def busy() -> None:
        for _ in range(40):
            hold_the_loop(0.005)
            await asyncio.sleep(0.005)

    assert await watched(caplog, busy) == []


async def test_blocks_under_the_threshold_are_not_logged(caplog):
    async def short() -> None:
        hold_the_loop(0.1)

    assert await watched(caplog, short) == []


async def test_stopped_watchdog_schedules_nothing_more():
    loop = asyncio.get_running_loop()
    watchdog = LoopWatchdog(loop, interval=0.01)
    watchdog.start()
    await asyncio.sleep(0.05)
    watchdog.stop()
    assert not watchdog.running and watchdog._handle is None
    stamp = watchdog._stamp
    await asyncio.sleep(0.05)
    assert watchdog._stamp == stamp
