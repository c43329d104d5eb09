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
from tests.process_helpers import (
    bot_process,
    db_check,
    open_forms,
    payload_builder,
    receipted,
    send_submits,
    submit_payload,
    wait_for_receipts,
)


@pytest.fixture
async def builder(fake, tmp_path) -> AsyncIterator[Harness]:
    async with payload_builder(fake, tmp_path, "cogs.pledges") as harness:
        yield harness


def stored_texts(db_path: Path) -> list[str]:
    with sqlite3.connect(f"file:{db_path}?mode=ro", uri=True) as conn:
        return [row[0] for row in conn.execute("SELECT text FROM pledges ORDER BY id")]


async def test_sigkill_mid_burst_loses_no_receipted_pledge(fake, builder, tmp_path):
    guild_id = fake.add_guild(name="Coalition", preferred_locale="en-US")
    fake.add_channel(guild_id, "general")
    db_path, log_path = tmp_path / "bot.sqlite3", tmp_path / "bot.log"
    async with bot_process(fake, db_path, log_path) as process:
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
    async with bot_process(fake, db_path, log_path) as process:
        opened = await open_forms(fake, builder, guild_id, 40)
        sent = await send_submits(fake, builder, opened)
        await wait_for_receipts(sent, 1)
        process.send_signal(signal.SIGTERM)
        code = await asyncio.wait_for(process.wait(), 30)
    log = log_path.read_text(encoding="utf-8", errors="replace")
    assert code == 0, log[-3000:]
    assert "database closed cleanly" in log
    receipts = receipted(sent)
    stored = stored_texts(db_path)
    assert receipts and set(receipts) <= set(stored)
    # the timestamps the burst benchmark measures with: frame out, then receipt in
    answered = [r for _, r in sent if r.callback_type == 4]
    assert all(r.sent_at is not None and r.callback_at is not None
               and r.created <= r.sent_at <= r.callback_at for r in answered)
    check, report = await db_check(db_path)
    assert check == 0, report
