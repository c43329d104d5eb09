"""Running the bot against Discord (or any Discord-compatible server) until a signal stops it."""

from __future__ import annotations

import asyncio
import logging
import signal
from typing import Any

import discord
import yarl

from bot.client import CoalitionBot
from bot.config import Settings
from bot.storage import Database
from bot.watchdog import LoopWatchdog

log = logging.getLogger(__name__)
# Tasks that may be writing a member's submission: command and component handlers, the
# `on_interaction` listener that answers the pledge and comment forms, and our own workers.
HANDLER_TASK_PREFIXES = ("CommandTree-invoker", "discord-ui-", "discord.py: on_interaction",
                         "coalition-")


def point_at(settings: Settings) -> None:
    """Send REST and gateway traffic where the settings say (a proxy, the console, tests)."""
    discord.http.Route.BASE = settings.api_base
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(settings.gateway_url)


def in_flight_tasks() -> list[asyncio.Task[Any]]:
    current = asyncio.current_task()
    return [
        task for task in asyncio.all_tasks()
        if task is not current and not task.done() and task.get_name().startswith(HANDLER_TASK_PREFIXES)
    ]


async def drain(timeout: float = 10.0) -> None:
    """Let command handlers that already started finish their writes before the database closes."""
    tasks = in_flight_tasks()
    if tasks:
        log.info("waiting for %d command(s) in flight", len(tasks))
        await asyncio.wait(tasks, timeout=timeout)


async def run_bot(settings: Settings, *, sync_force: bool = False) -> int:
    assert settings.token is not None
    point_at(settings)
    db = await Database.open(settings.db_path)
    bot = CoalitionBot(settings, db)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    watchdog = LoopWatchdog(loop)
    watchdog.start()
    try:
        async with bot:
            runner = asyncio.create_task(bot.start(settings.token), name="bot-runner")
            stopper = asyncio.create_task(stop.wait(), name="bot-stopper")
            done, _ = await asyncio.wait({runner, stopper}, return_when=asyncio.FIRST_COMPLETED)
            if runner in done:
                runner.result()  # re-raise a login or connection failure
            log.info("stopping: finishing in-flight work")
            stopper.cancel()
            await drain()
            await bot.close()
            runner.cancel()
            await asyncio.gather(runner, return_exceptions=True)
    finally:
        await drain()
        await db.close()
        log.info("database closed cleanly")
        watchdog.stop()
    return 0
