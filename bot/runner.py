"""Running the bot against Discord (or any Discord-compatible server) until a signal stops it.

Start-up has to survive the network: a server often boots before its network is up, and Discord
has outages. Failing to reach Discord is one log line and a retry with backoff, never an exit
or a traceback; what retrying cannot fix (a rejected token, refused intents) stops the program
with one line (see `bot.cli`). Backups and the heartbeat run from the start, whether or not
Discord is reachable.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
from collections.abc import Coroutine
from typing import Any

import aiohttp
import discord
import yarl

from bot.backups import Backups, before_migrating
from bot.client import CoalitionBot
from bot.config import Settings
from bot.heartbeat import Heartbeat
from bot.logs import short_reason
from bot.loop import describe
from bot.storage import Database
from bot.storage.lock import exclusive
from bot.watchdog import LoopWatchdog

log = logging.getLogger(__name__)
# Tasks that may be writing a member's submission: command and component handlers, the
# `on_interaction` listener that answers the pledge and comment forms, and our own workers.
HANDLER_TASK_PREFIXES = ("CommandTree-invoker", "discord-ui-", "discord.py: on_interaction",
                         "coalition-")
NETWORK_ERRORS = (aiohttp.ClientError, OSError, TimeoutError, discord.DiscordServerError)
FIRST_RETRY = 1.0
MAX_RETRY = 120.0


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


def os_reason(error: OSError) -> str:
    """"Connection refused" rather than asyncio's "Connect call failed ('127.0.0.1', 443)"."""
    if isinstance(error.errno, int) and error.errno > 0:
        return os.strerror(error.errno)
    return error.strerror or str(error)


def unreachable(exc: BaseException, api_base: str) -> str:
    """Why Discord could not be reached, in one line an operator can act on."""
    if isinstance(exc, aiohttp.ClientConnectorDNSError):
        return f"the name {exc.host} does not resolve (DNS: {os_reason(exc.os_error)})"
    if isinstance(exc, aiohttp.ClientConnectorError):
        return f"{api_base}: {os_reason(exc.os_error)}"
    if isinstance(exc, discord.DiscordServerError):
        return f"Discord answered {exc.status} (an outage on its side)"
    if isinstance(exc, TimeoutError):
        return f"{api_base}: no answer in time"
    return f"{api_base}: {short_reason(exc)}"


async def until_stopped(work: Coroutine[Any, Any, Any], stop: asyncio.Event) -> bool:
    """Run `work` unless `stop` comes first (then it is cancelled); True when it finished."""
    task = asyncio.create_task(work)
    stopper = asyncio.create_task(stop.wait())
    await asyncio.wait({task, stopper}, return_when=asyncio.FIRST_COMPLETED)
    stopper.cancel()
    if not task.done():
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        return False
    task.result()
    return True


async def connected(bot: CoalitionBot, stop: asyncio.Event) -> None:
    """The gateway session: discord.py reconnects by itself; we leave on a signal or a refusal."""
    runner = asyncio.create_task(bot.connect(reconnect=True), name="bot-runner")
    stopper = asyncio.create_task(stop.wait(), name="bot-stopper")
    done, _ = await asyncio.wait({runner, stopper}, return_when=asyncio.FIRST_COMPLETED)
    stopper.cancel()
    if runner in done:
        runner.result()  # re-raise a refusal (intents, a token revoked since login)
        return
    log.info("stopping: finishing in-flight work")
    await drain()
    await bot.close()
    runner.cancel()
    await asyncio.gather(runner, return_exceptions=True)


async def serve(settings: Settings, db: Database, heartbeat: Heartbeat, stop: asyncio.Event) -> None:
    """Log in (a fresh client per attempt, so nothing half set up is reused), then stay connected."""
    assert settings.token is not None
    delay = FIRST_RETRY
    while not stop.is_set():
        bot = CoalitionBot(settings, db)
        heartbeat.watch(bot)
        async with bot:
            try:
                if not await until_stopped(bot.login(settings.token), stop):
                    return
            except NETWORK_ERRORS as exc:
                reason = unreachable(exc, settings.api_base)
                log.warning("cannot reach Discord: %s; retrying in %.0f s", reason, delay)
                await heartbeat.trouble(f"cannot reach Discord: {reason}")
            else:
                await connected(bot, stop)
                return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=delay)
        delay = min(delay * 2, MAX_RETRY)


async def run_bot(settings: Settings) -> int:
    assert settings.token is not None
    point_at(settings)
    with exclusive(settings.db_path, "coalition-bot run"):
        await before_migrating(settings)
        db = await Database.open(settings.db_path)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        log.info("event loop: %s", describe(loop))
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        watchdog = LoopWatchdog(loop)
        watchdog.start()
        heartbeat = Heartbeat(db)
        services = [asyncio.create_task(heartbeat.run(stop), name="heartbeat"),
                    asyncio.create_task(Backups(settings, db).run(stop), name="backups")]
        try:
            await serve(settings, db, heartbeat, stop)
        finally:
            watchdog.stop()
            stop.set()
            await drain()
            await asyncio.gather(*services, return_exceptions=True)
            await heartbeat.write("stopped")
            await db.close()
            log.info("database closed cleanly")
    return 0
