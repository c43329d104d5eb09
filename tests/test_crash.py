"""The bot as a real process on the fake gateway: killed mid-burst, and stopped with SIGTERM.

A member is told their pledge is saved only after the commit, so whatever happens to the
process afterwards, every receipt Discord delivered must match a row, and the file must pass
`db check`. The bot runs as `python -m bot run` against the FakeDiscord of this test process;
interactions arrive over the fake gateway exactly as Discord would send them.
"""

from __future__ import annotations

import asyncio
import signal
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.fakediscord.harness import Harness
from bot.fakediscord.records import InteractionRecord
from tests.process_helpers import db_check, dispatch, payload_builder, start_bot


@pytest.fixture
async def builder(fake, tmp_path) -> AsyncIterator[Harness]:
    async with payload_builder(fake, tmp_path, "cogs.pledges") as harness:
        yield harness


async def open_forms(fake, h: Harness, guild_id: int, count: int, wave: int = 25):
    """`/pledge make` for `count` members, in waves so each modal comes well inside 3 s."""
    opened = []
    for start in range(0, count, wave):
        batch = []
        for i in range(start, min(count, start + wave)):
            user = h.member(guild_id, f"member{i}")
            record = await dispatch(fake, h.slash_payload("pledge make", {}, user=user))
            batch.append((user, record))
        await asyncio.wait_for(asyncio.gather(*(r.acknowledged.wait() for _, r in batch)), 30)
        opened += batch
    assert all(r.modal and r.modal["custom_id"] == "pledge" for _, r in opened), opened[0][1]
    return opened


def submit_payload(h: Harness, user, record: InteractionRecord, text: str):
    modal = record.modal
    topics = [c for c in _walk(modal["components"]) if c.get("custom_id") == "topic"]
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


def _walk(components):
    for component in components:
        yield component
        for key in ("components", "component"):
            inner = component.get(key)
            if isinstance(inner, dict):
                yield from _walk([inner])
            elif isinstance(inner, list):
                yield from _walk(inner)


async def send_submits(fake, h, opened) -> list[tuple[str, InteractionRecord]]:
    sent = []
    for user, form in opened:
        text = f"crash-test pledge by {user.id}"
        sent.append((text, await dispatch(fake, submit_payload(h, user, form, text))))
    return sent


def receipted(sent) -> list[str]:
    return [text for text, record in sent if record.callback_type == 4]


async def wait_for_receipts(sent, at_least: int, timeout: float = 30.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while len(receipted(sent)) < at_least:
        assert loop.time() < deadline, f"only {len(receipted(sent))} receipts"
        await asyncio.sleep(0.002)


def stored_texts(db_path: Path) -> list[str]:
    with sqlite3.connect(f"file:{db_path}?mode=ro", uri=True) as conn:
        return [row[0] for row in conn.execute("SELECT text FROM pledges ORDER BY id")]


async def test_sigkill_mid_burst_loses_no_receipted_pledge(fake, builder, tmp_path):
    guild_id = fake.add_guild(name="Coalition", preferred_locale="en-US")
    fake.add_channel(guild_id, "general")
    db_path, log_path = tmp_path / "bot.sqlite3", tmp_path / "bot.log"
    process = await start_bot(fake, db_path, log_path)
    try:
        opened = await open_forms(fake, builder, guild_id, 300)
        # the burst: a first part and its first receipts, then 250 more written to the socket at
        # once and SIGKILL as soon as they left (the bot cannot have answered all of those)
        sent = await send_submits(fake, builder, opened[:50])
        await wait_for_receipts(sent, 10)
        payloads = [(f"crash-test pledge by {user.id}",
                     submit_payload(builder, user, form, f"crash-test pledge by {user.id}"))
                    for user, form in opened[50:]]
        for _, payload in payloads:
            fake.emit("INTERACTION_CREATE", payload, intent=0)
        await fake.gateway.flush()
        process.send_signal(signal.SIGKILL)
        sent += [(text, fake.interactions[int(p["id"])]) for text, p in payloads]
        await process.wait()
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    receipts = receipted(sent)
    assert process.returncode == -signal.SIGKILL
    assert 0 < len(receipts) < len(sent), (len(receipts), len(sent))  # killed mid-burst
    code, report = await db_check(db_path)
    assert code == 0, report
    assert "ok" in report
    stored = stored_texts(db_path)
    assert set(receipts) <= set(stored), sorted(set(receipts) - set(stored))[:5]
    assert len(stored) == len(set(stored))  # nothing stored twice


async def test_sigterm_finishes_in_flight_work_and_exits_cleanly(fake, builder, tmp_path):
    guild_id = fake.add_guild(name="Coalition", preferred_locale="en-US")
    fake.add_channel(guild_id, "general")
    db_path, log_path = tmp_path / "bot.sqlite3", tmp_path / "bot.log"
    process = await start_bot(fake, db_path, log_path)
    try:
        opened = await open_forms(fake, builder, guild_id, 40)
        sent = await send_submits(fake, builder, opened)
        await wait_for_receipts(sent, 1)
        process.send_signal(signal.SIGTERM)
        code = await asyncio.wait_for(process.wait(), 30)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    log = log_path.read_text(encoding="utf-8", errors="replace")
    assert code == 0, log[-3000:]
    assert "database closed cleanly" in log
    receipts = receipted(sent)
    stored = stored_texts(db_path)
    assert receipts and set(receipts) <= set(stored)
    check, report = await db_check(db_path)
    assert check == 0, report
