"""The resources' periodic job (bot.resources.background) under this feature's task name.

Loops are told apart, in logs and by the tests that count them, by their task's name.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any

import discord

from bot.resources.background import Periodic


class NamedLoop(Periodic):
    def __init__(self, prefix: str, name: str, work: Callable[[], Coroutine[Any, Any, Any]], *,
                 interval: float) -> None:
        super().__init__(name, work, interval=interval)
        self.prefix = prefix

    def start(self, client: discord.Client) -> None:
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._run(client), name=f"{self.prefix}-loop-{self.name}")
