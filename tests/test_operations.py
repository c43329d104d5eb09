"""Operating the bot as an admin would, beside a running `coalition-bot run` process: one process
per database, readers that still work, backups and restore, and `health` for monitors."""

from __future__ import annotations

import asyncio
import json
import os
import sqlite3
import stat
from datetime import timedelta

from bot.heartbeat import STALE_AFTER, check, judge
from bot.resources.clock import iso, utcnow
from bot.storage import Database
from tests.process_helpers import bot_process
from tests.startup_helpers import TOKEN, cli, stop


def cli_env(db_path, **extra):
    env = {**os.environ, "COALITION_DB": str(db_path), **extra}
    env.pop("DISCORD_TOKEN", None)
    return env


async def run_cli(env, *args):
    return await asyncio.to_thread(cli, env, *args)


async def wait_health(env, healthy, timeout=30.0):
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        result = await run_cli(env, "health")
        if (result.returncode == 0) == healthy:
            return result
        assert loop.time() < deadline, (result.stdout, result.stderr)
        await asyncio.sleep(0.2)


async def test_one_bot_per_database_while_readers_backups_and_health_work(fake, tmp_path):
    guild_id = fake.add_guild(name="Coalition Europe")
    fake.add_channel(guild_id, "general")
    db_path, log_path = tmp_path / "state" / "bot.sqlite3", tmp_path / "bot.log"
    env = cli_env(db_path)
    async with bot_process(fake, db_path, log_path) as process:
        healthy = await wait_health(env, True)
        assert healthy.stdout.startswith("ok: connected as") and "1 server(s)" in healthy.stdout

        for command in (("run",), ("console", "--script", "-"), ("db", "migrate"),
                        ("db", "restore", str(tmp_path / "any.sqlite3"))):
            second = await run_cli({**env, "DISCORD_TOKEN": TOKEN}, *command)
            assert second.returncode == 2, (command, second.stderr)
            assert second.stderr.count("\n") == 1 and "Traceback" not in second.stderr
            assert f"is in use by another process (pid {process.pid}, coalition-bot run)" in second.stderr

        assert (await run_cli(env, "db", "check")).returncode == 0
        export = await run_cli(env, "export", "pledges", "--guild", str(guild_id), "--format", "csv")
        assert export.returncode == 0, export.stderr
        backup = tmp_path / "manual.sqlite3"
        first = await run_cli(env, "db", "backup", str(backup))
        assert first.returncode == 0 and stat.S_IMODE(backup.stat().st_mode) == 0o600
        again = await run_cli(env, "db", "backup", str(backup))
        assert again.returncode == 1 and "--force" in again.stderr
        assert (await run_cli(env, "db", "backup", str(backup), "--force")).returncode == 0

        async with fake.disconnected():
            lost = await wait_health(env, False)
            assert "not connected to Discord" in lost.stderr
        await wait_health(env, True)
        assert await stop(process) == 0

    stopped = await run_cli(env, "health")
    assert stopped.returncode == 1 and "not running" in stopped.stderr
    restored = await run_cli(env, "db", "restore", str(backup))
    assert restored.returncode == 0, restored.stderr
    [kept] = [p for p in db_path.parent.glob("bot.sqlite3.replaced-*") if not p.name.endswith("-wal")
              and not p.name.endswith("-shm")]
    assert f"kept as {kept}" in restored.stdout
    assert (await run_cli(env, "db", "check")).returncode == 0
    log = log_path.read_text(encoding="utf-8")
    assert "Traceback" not in log and "voice" not in log.lower()


async def test_health_names_each_way_the_bot_can_be_unwell(tmp_path):
    db_path = tmp_path / "bot.sqlite3"
    assert check(db_path) == (False, f"no database at {db_path}")
    db = await Database.open(db_path)
    try:
        assert check(db_path)[1] == "the bot has never run on this database"
        now = utcnow().replace(microsecond=0)

        async def beat(**fields):
            value = {"at": iso(now), "state": "connected", "pid": 1, "user": "Coalition Bot#0001",
                     "guilds": 2, "latency_ms": 41, **fields}
            await db.execute("INSERT INTO bot_meta (key, value) VALUES ('heartbeat', ?) ON CONFLICT "
                             "(key) DO UPDATE SET value = excluded.value", (json.dumps(value),))
            return check(db_path, now)

        assert await beat() == (True, "ok: connected as Coalition Bot#0001 to 2 server(s), gateway "
                                      "latency 41 ms, heartbeat 0 s ago")
        old = iso(now - timedelta(seconds=STALE_AFTER + 5))
        healthy, line = await beat(at=old)
        assert not healthy and "no heartbeat for" in line and "killed or is stuck" in line
        healthy, line = await beat(state="disconnected", detail="cannot reach Discord: refused")
        assert not healthy and line.endswith("not connected to Discord: cannot reach Discord: refused")
        assert not (await beat(state="stopped"))[0]
    finally:
        await db.close()
    with sqlite3.connect(db_path) as conn:
        conn.execute("PRAGMA user_version = 99")
    healthy, line = check(db_path)
    assert not healthy and "schema version 99" in line
    db_path.write_bytes(b"this is not a database" * 100)
    healthy, line = check(db_path)
    assert not healthy and line.startswith(f"database {db_path} cannot be read")
    assert judge(None, utcnow())[0] is False
