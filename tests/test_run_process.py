"""`coalition-bot run` as a real process against a Discord-compatible server on loopback.

Checks what a deployment depends on: the bot identifies with the guilds intent only, syncs its
commands once (not again on a restart with the same commands), answers /help, and stops on
SIGTERM with a database that passes `db check`.
"""

from __future__ import annotations

import asyncio
import signal
from collections.abc import AsyncIterator

import discord
import pytest

from bot.fakediscord.harness import Harness
from tests.process_helpers import bot_process, db_check, dispatch, payload_builder


@pytest.fixture
async def help_builder(fake, tmp_path) -> AsyncIterator[Harness]:
    async with payload_builder(fake, tmp_path, "cogs.help") as harness:
        yield harness


async def wait_answered(record, timeout: float = 20.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while record.callback_type is None:
        assert loop.time() < deadline, "the bot never answered"
        await asyncio.sleep(0.01)


async def stop(process) -> int:
    process.send_signal(signal.SIGTERM)
    return await asyncio.wait_for(process.wait(), 30)


async def test_run_identifies_minimally_syncs_once_and_answers_help(fake, help_builder, tmp_path):
    guild_id = fake.add_guild(name="Coalition Afrique", preferred_locale="fr")
    fake.add_channel(guild_id, "général")
    db_path, log_path = tmp_path / "bot.sqlite3", tmp_path / "bot.log"

    async with bot_process(fake, db_path, log_path) as process:
        identify = fake.identify_payloads[-1]
        intents = identify.get("d", identify)["intents"]
        assert intents == discord.Intents(guilds=True).value
        assert not discord.Intents._from_value(intents).message_content
        assert not discord.Intents._from_value(intents).members
        assert fake.sync_count == 1
        synced = {c["name"] for c in fake.commands[None]}
        assert {"help", "ask", "pledge", "pledges"} <= synced
        help_json = next(c for c in fake.commands[None] if c["name"] == "help")
        assert help_json["name_localizations"]["fr"] == "aide"

        member = help_builder.member(guild_id, name="amina", locale="fr")
        payload = help_builder.slash_payload("help", user=member, guild_id=guild_id,
                                             locale="fr", guild_locale="fr")
        record = await dispatch(fake, payload)
        await wait_answered(record)
        assert record.callback_type == 4
        assert await stop(process) == 0
    answer = [r for r in fake.requests if r.path.endswith("/callback")][-1].json
    embed = answer["data"]["embeds"][0]
    assert "Commandes" in str(embed)  # French, from the interaction's locale
    assert answer["data"]["flags"] & 64
    assert answer["data"]["allowed_mentions"]["parse"] == []

    # a restart with the same commands does not sync again (200 creates a day per server)
    async with bot_process(fake, db_path, log_path, identifies=2) as process:
        assert fake.sync_count == 1
        assert await stop(process) == 0
    code, report = await db_check(db_path)
    assert code == 0, report
    log = log_path.read_text(encoding="utf-8", errors="replace")
    assert "commands unchanged since the last sync" in log
    assert "watching the event loop: a block longer than 250 ms is logged" in log
    assert "event loop: uvloop" in log  # the default (bot.loop), as deployed
    assert "Traceback" not in log
