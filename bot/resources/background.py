"""A periodic job for the poller and the poster, started only when `bot.background_tasks` is on.

The loop itself is long-lived and named without the "coalition-" prefix; each pass runs as a
"coalition-..." task so a shutdown waits for a pass that is mid-write, never for the loop's sleep.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Coroutine
from typing import Any

import discord

log = logging.getLogger(__name__)


class Periodic:
    def __init__(self, name: str, work: Callable[[], Coroutine[Any, Any, Any]], *, interval: float,
                 wakeup: asyncio.Event | None = None) -> None:
        self.name = name
        self.work = work
        self.interval = interval
        self.wakeup = wakeup or asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def start(self, client: discord.Client) -> None:
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._run(client), name=f"resources-loop-{self.name}")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _run(self, client: discord.Client) -> None:
        await client.wait_until_ready()
        while not client.is_closed():
            self.wakeup.clear()
            one_pass: asyncio.Task[Any] = asyncio.create_task(self.work(), name=f"coalition-{self.name}")
            try:
                await asyncio.shield(one_pass)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("%s pass failed; trying again later", self.name)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.wakeup.wait(), timeout=self.interval)
