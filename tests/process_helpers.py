"""The bot as a real process on the fake gateway: start it, stop it, check its database.

Shared by the crash test and the `run` process test. The bot runs as `python -m bot run`
against the FakeDiscord of the test process; a second, never-connected bot builds interaction
payloads from the same command tree.
"""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from bot.client import CoalitionBot
from bot.fakediscord.harness import Harness
from bot.fakediscord.records import InteractionRecord
from bot.storage import Database
from tests.conftest import make_settings

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "process-test-token-" + "y" * 40
START_TIMEOUT = 60.0


@asynccontextmanager
async def payload_builder(fake, tmp_path: Path, extension: str) -> AsyncIterator[Harness]:
    """A harness over a bot that never connects, to build payloads from its command tree."""
    db = await Database.open(tmp_path / "builder.sqlite3")
    bot = CoalitionBot(make_settings(fake, db.path), db, extensions=[], sync_commands=False,
                       background_tasks=False)
    try:
        async with bot:
            await bot.load_extension(extension)
            yield Harness(fake, bot)
    finally:
        await db.close()


async def start_bot(fake, db_path: Path, log_path: Path, *, identifies: int = 1
                    ) -> asyncio.subprocess.Process:
    env = {**os.environ, "DISCORD_TOKEN": TOKEN, "DISCORD_API_BASE": fake.api_base,
           "DISCORD_GATEWAY_URL": fake.gateway_url, "COALITION_DB": str(db_path),
           "LOG_LEVEL": "INFO"}
    env.pop("DISCORD_GUILD_ID", None)
    with log_path.open("ab") as log:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "run", cwd=ROOT, env=env,
            stdin=asyncio.subprocess.DEVNULL, stdout=log, stderr=log)
    try:
        await fake.wait_for_identify(identifies, timeout=START_TIMEOUT)
        await fake.gateway.barrier(START_TIMEOUT)  # READY and GUILD_CREATE parsed
    except BaseException:
        process.kill()
        await process.wait()
        raise
    return process


async def db_check(db_path: Path) -> tuple[int, str]:
    env = {**os.environ, "COALITION_DB": str(db_path)}
    env.pop("DISCORD_TOKEN", None)
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "db", "check", cwd=ROOT, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
    out, _ = await asyncio.wait_for(process.communicate(), 60)
    return process.returncode, out.decode()


async def dispatch(fake, payload) -> InteractionRecord:
    await fake.dispatch("INTERACTION_CREATE", payload)
    return fake.interactions[int(payload["id"])]
