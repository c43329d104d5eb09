"""The bot as a real process on the fake gateway: start it, stop it, check its database.

Shared by the crash test, the `run` process test and the pledge burst benchmark (process mode).
The bot runs as `python -m bot run` against the FakeDiscord of the calling process; a second,
never-connected bot builds interaction payloads from the same command tree.
"""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from bot.client import CoalitionBot
from bot.fakediscord.harness import Harness
from bot.fakediscord.records import InteractionRecord
from bot.fakediscord.reply import FakeUser
from bot.fakediscord.server import FakeDiscord
from bot.storage import Database
from tests.conftest import make_settings

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "process-test-token-" + "y" * 40
START_TIMEOUT = 60.0


@asynccontextmanager
async def payload_builder(fake: FakeDiscord, tmp_path: Path, extension: str) -> AsyncIterator[Harness]:
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


async def start_bot(fake: FakeDiscord, db_path: Path, log_path: Path, *, identifies: int = 1,
                    log_level: str = "INFO") -> asyncio.subprocess.Process:
    env = {**os.environ, "DISCORD_TOKEN": TOKEN, "DISCORD_API_BASE": fake.api_base,
           "DISCORD_GATEWAY_URL": fake.gateway_url, "COALITION_DB": str(db_path),
           "LOG_LEVEL": log_level}
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


@asynccontextmanager
async def bot_process(fake: FakeDiscord, db_path: Path, log_path: Path, *, identifies: int = 1
                      ) -> AsyncIterator[asyncio.subprocess.Process]:
    """The bot process for the block; killed on the way out if the test left it running."""
    process = await start_bot(fake, db_path, log_path, identifies=identifies)
    try:
        yield process
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()


async def db_check(db_path: Path) -> tuple[int, str]:
    env = {**os.environ, "COALITION_DB": str(db_path)}
    env.pop("DISCORD_TOKEN", None)
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "db", "check", cwd=ROOT, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
    out, _ = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode is not None
    return process.returncode, out.decode()


async def dispatch(fake: FakeDiscord, payload: dict[str, Any]) -> InteractionRecord:
    await fake.dispatch("INTERACTION_CREATE", payload)
    return fake.interactions[int(payload["id"])]


async def open_forms(fake: FakeDiscord, h: Harness, guild_id: int, count: int, *, wave: int = 25,
                     prefix: str = "member") -> list[tuple[FakeUser, InteractionRecord]]:
    """`/pledge make` for `count` members, in waves so each modal comes well inside 3 s."""
    opened = []
    for start in range(0, count, wave):
        batch = []
        for i in range(start, min(count, start + wave)):
            user = h.member(guild_id, f"{prefix}{i}")
            record = await dispatch(fake, h.slash_payload("pledge make", {}, user=user))
            batch.append((user, record))
        await asyncio.wait_for(asyncio.gather(*(r.acknowledged.wait() for _, r in batch)), 30)
        opened += batch
    assert all(r.modal and r.modal["custom_id"] == "pledge" for _, r in opened), opened[0][1]
    return opened


def submit_payload(h: Harness, user: FakeUser, record: InteractionRecord, text: str
                   ) -> dict[str, Any]:
    """The modal submit the member's client would send for the form `record` opened."""
    modal = record.modal
    assert modal is not None, record.callback
    topics = [c for c in walk_components(modal["components"]) if c.get("custom_id") == "topic"]
    values = {"pledge_text": text, "on_behalf_of": "Republic of Testland",
              "region": ["europe"], "topic": [topics[0]["options"][0]["value"]]}
    origin = record.payload
    guild_id = int(origin["guild_id"])
    payload = h.payloads.envelope(5, user, guild_id=guild_id, channel_id=int(origin["channel_id"]),
                                  locale=user.locale, guild_locale=origin.get("guild_locale"),
                                  app_permissions=None)
    payload["data"] = {"custom_id": modal["custom_id"],
                       "components": h.payloads.modal_components(modal, values, guild_id, {},
                                                                 check=True)}
    return payload


def walk_components(components: list[Any]) -> Iterator[Any]:
    for component in components:
        yield component
        for key in ("components", "component"):
            inner = component.get(key)
            if isinstance(inner, dict):
                yield from walk_components([inner])
            elif isinstance(inner, list):
                yield from walk_components(inner)


async def send_submits(fake: FakeDiscord, h: Harness,
                       opened: list[tuple[FakeUser, InteractionRecord]]
                       ) -> list[tuple[str, InteractionRecord]]:
    """Submit each opened form, one frame at a time; (pledge text, record) per member."""
    sent = []
    for user, form in opened:
        text = f"crash-test pledge by {user.id}"
        sent.append((text, await dispatch(fake, submit_payload(h, user, form, text))))
    return sent


def receipted(sent: list[tuple[str, InteractionRecord]]) -> list[str]:
    return [text for text, record in sent if record.callback_type == 4]


async def wait_for_receipts(sent: list[tuple[str, InteractionRecord]], at_least: int,
                            timeout: float = 30.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while len(receipted(sent)) < at_least:
        assert loop.time() < deadline, f"only {len(receipted(sent))} receipts"
        await asyncio.sleep(0.002)
