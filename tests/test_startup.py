"""Start-up against a Discord that is down, refuses the token, or refuses the intents.

Each expected failure is one log line without a traceback: an unreachable API is retried with
backoff until it answers; a rejected token or refused intents stop the bot with exit code 2,
which the systemd unit does not restart on.
"""

from __future__ import annotations

import asyncio
import socket

import aiohttp
import pytest
from aiohttp import web

from bot.fakediscord.server import FakeDiscord
from bot.runner import unreachable
from tests.startup_helpers import TOKEN, bot_env, cli, free_port, spawn, stop, wait_for_text


def assert_calm(log: str) -> None:
    assert "Traceback" not in log, log[-3000:]
    assert "voice" not in log.lower(), log[-3000:]


async def test_an_unreachable_discord_is_retried_with_backoff_until_it_answers(tmp_path):
    port = free_port()
    db_path, log_path = tmp_path / "bot.sqlite3", tmp_path / "bot.log"
    env = bot_env(db_path, f"http://127.0.0.1:{port}/api/v10", f"ws://127.0.0.1:{port}/gateway")
    process = await spawn(env, log_path)
    fake = FakeDiscord(port=port)
    try:
        log = await wait_for_text(log_path, "cannot reach Discord", count=2)
        retries = [line for line in log.splitlines() if "cannot reach Discord" in line]
        assert "retrying in 1 s" in retries[0] and "retrying in 2 s" in retries[1]
        assert f"127.0.0.1:{port}" in retries[0] and "refused" in retries[0].lower()
        health = cli(env, "health")
        assert health.returncode == 1
        assert "not connected to Discord: cannot reach Discord" in health.stderr
        assert process.returncode is None  # still trying, not exited

        guild_id = fake.add_guild(name="Coalition Americas")
        await fake.start()
        await fake.wait_for_identify(1, timeout=60)
        await fake.gateway.barrier(30)
        await wait_for_text(log_path, f"server {guild_id}: Coalition Americas")
        assert await stop(process) == 0
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
        await fake.close()
    assert_calm(log_path.read_text(encoding="utf-8"))


async def test_a_rejected_token_is_one_line_and_exit_2(tmp_path):
    fake = FakeDiscord(token="the-real-token-" + "r" * 40)
    await fake.start()
    try:
        env = bot_env(tmp_path / "bot.sqlite3", fake.api_base, fake.gateway_url)
        result = await asyncio.to_thread(cli, env, "run")
    finally:
        await fake.close()
    assert result.returncode == 2
    [line] = [line for line in result.stderr.splitlines() if "DISCORD_TOKEN" in line]
    assert line.startswith("configuration error: DISCORD_TOKEN: Discord rejected this token")
    assert result.stderr.splitlines()[-1] == line  # the last word, after the start-up log
    assert_calm(result.stderr + result.stdout)
    assert fake.identify_payloads == []  # stopped at login


@pytest.fixture
async def refusing_gateway():
    """A gateway that says HELLO, reads IDENTIFY and closes with 4014 (disallowed intents)."""
    identified = []

    async def handle(request):
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        await ws.send_json({"op": 10, "d": {"heartbeat_interval": 45000}})
        async for msg in ws:
            if msg.json().get("op") == 2:
                identified.append(msg.json())
                await ws.close(code=4014, message=b"Disallowed intent(s).")
        return ws

    app = web.Application()
    app.router.add_get("/gateway", handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        yield f"ws://127.0.0.1:{port}/gateway", identified
    finally:
        await runner.cleanup()


async def test_refused_intents_are_one_line_and_exit_2(fake, tmp_path, refusing_gateway):
    gateway_url, identified = refusing_gateway
    env = bot_env(tmp_path / "bot.sqlite3", fake.api_base, gateway_url)
    process = await spawn(env, tmp_path / "bot.log")
    code = await asyncio.wait_for(process.wait(), 60)
    log = (tmp_path / "bot.log").read_text(encoding="utf-8")
    assert code == 2, log[-2000:]
    assert len(identified) == 1
    assert "configuration error: Discord refused the bot's gateway intents" in log
    assert_calm(log)


class NoDNS(aiohttp.abc.AbstractResolver):
    """A resolver with no answers, as when the server's DNS is down (nothing leaves the host)."""

    async def resolve(self, host, port=0, family=socket.AF_INET):
        raise OSError(socket.EAI_NONAME, "Name or service not known")

    async def close(self):
        return None


async def test_a_dns_failure_is_named_as_such():
    connector = aiohttp.TCPConnector(resolver=NoDNS())
    async with aiohttp.ClientSession(connector=connector) as session:
        with pytest.raises(aiohttp.ClientConnectorDNSError) as caught:
            await session.get("https://discord.com/api/v10/users/@me")
    reason = unreachable(caught.value, "https://discord.com/api/v10")
    assert reason == "the name discord.com does not resolve (DNS: Name or service not known)"


def test_the_token_is_checked_before_anything_connects(tmp_path):
    env = bot_env(tmp_path / "bot.sqlite3", "http://127.0.0.1:9/api/v10", "ws://127.0.0.1:9/",
                  DISCORD_TOKEN="short")
    result = cli(env, "run")
    assert result.returncode == 2 and result.stderr.count("\n") == 1
    assert TOKEN not in result.stderr
