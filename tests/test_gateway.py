"""Our bot over the full fake gateway: startup, intents, resume, and command sync rules."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import discord

from bot.client import CoalitionBot
from bot.fakediscord.harness import Harness
from bot.storage import Database
from tests.conftest import TOKEN, make_settings, running_bot

ROOT = Path(__file__).resolve().parent.parent


class GatewayBot(CoalitionBot):
    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
        """discord.py sleeps 5 s before every re-IDENTIFY; not in tests."""


async def test_resume_after_a_dropped_connection_keeps_answering(fake, tmp_path):
    fake.heartbeat_interval = 1.0
    guild_id = fake.add_guild(name="Coalition Asia-Pacific")
    fake.add_channel(guild_id, "general")
    db = await Database.open(tmp_path / "gw.sqlite3")
    bot = GatewayBot(make_settings(fake, db.path), db, sync_commands=True, background_tasks=False)
    h = Harness(fake, bot, gateway=True)
    await h.start()
    try:
        assert fake.identify_payloads[0]["intents"] == discord.Intents(guilds=True).value
        assert fake.sync_count == 1
        assert [g.id for g in bot.guilds] == [guild_id]
        first = await h.slash("help", guild_id=guild_id)
        assert first.callback_type == 4

        await fake.drop_connection(4000)
        await fake.gateway.wait_for(lambda: len(fake.resume_payloads) == 1 and fake.connected, 10)
        assert len(fake.identify_payloads) == 1  # resumed, not re-identified
        again = await h.slash("help", guild_id=guild_id, locale="es-ES")
        assert "Comandos" in again.text()

        await fake.invalid_session(False)
        await fake.wait_for_identify(2)
        after = await h.slash("help", guild_id=guild_id)
        assert after.callback_type == 4
        assert fake.sync_count == 1  # reconnecting never re-syncs
    finally:
        await h.close()
        await db.close()


async def test_guild_sync_goes_to_that_server_and_only_when_commands_change(fake, tmp_path):
    guild_id = fake.add_guild(name="Dev server")
    async with running_bot(fake, tmp_path / "sync.sqlite3", guild_id=guild_id) as (bot, _):
        assert await bot.sync_if_changed() is True
        assert fake.sync_count == 1
        assert {c["name"] for c in fake.commands[guild_id]} >= {"help", "ask", "pledge"}
        assert not fake.commands.get(None)
        assert await bot.sync_if_changed() is False  # unchanged: no request at all
        assert fake.sync_count == 1

        @bot.tree.command(name="brandnew", description="a command added by an update")
        async def brandnew(interaction: discord.Interaction) -> None:
            await interaction.response.send_message("new")

        assert await bot.sync_if_changed() is True  # the tree changed
        assert fake.sync_count == 2
        assert await bot.sync_if_changed(force=True) is True
        assert fake.sync_count == 3


async def test_sync_cli_forces_a_sync(fake, tmp_path):
    import asyncio

    env = {**os.environ, "DISCORD_TOKEN": TOKEN, "DISCORD_API_BASE": fake.api_base,
           "DISCORD_GATEWAY_URL": fake.gateway_url, "COALITION_DB": str(tmp_path / "s.sqlite3")}
    env.pop("DISCORD_GUILD_ID", None)

    async def run() -> tuple[int, str]:
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "sync", cwd=ROOT, env=env,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
        out, _ = await asyncio.wait_for(proc.communicate(), 60)
        return proc.returncode or 0, out.decode()

    code, out = await run()
    assert code == 0, out
    assert "commands synced" in out
    code, out = await run()
    assert code == 0, out
    assert fake.sync_count == 2  # forced, even though nothing changed
    assert "help" in {c["name"] for c in fake.commands[None]}


def test_sync_without_a_token_is_a_clear_configuration_error(tmp_path):
    env = {**os.environ, "COALITION_DB": str(tmp_path / "s.sqlite3")}
    env.pop("DISCORD_TOKEN", None)
    result = subprocess.run([sys.executable, "-m", "bot", "sync"], cwd=tmp_path,
                            env={**env, "PYTHONPATH": str(ROOT)}, capture_output=True, text=True,
                            timeout=60, check=False)
    assert result.returncode == 2
    assert result.stderr.startswith("configuration error: DISCORD_TOKEN:")
