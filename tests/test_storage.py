import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from bot.storage import Database, DatabaseTooNew
from bot.storage.database import migration_files

ROOT = Path(__file__).resolve().parent.parent


async def test_migrations_apply_once_and_set_user_version(tmp_path):
    db = await Database.open(tmp_path / "a.sqlite3")
    try:
        assert await db.user_version() == len(migration_files())
        assert await db.migrate() == []
        assert await db.fetchval("PRAGMA journal_mode") == "wal"
        assert await db.fetchval("PRAGMA foreign_keys") == 1
        assert await db.fetchval("PRAGMA synchronous") == 2  # FULL
        assert await db.fetchval("PRAGMA busy_timeout") == 5000
    finally:
        await db.close()


async def test_a_newer_database_refuses_to_start(tmp_path):
    path = tmp_path / "new.sqlite3"
    with sqlite3.connect(path) as conn:
        conn.execute(f"PRAGMA user_version = {len(migration_files()) + 5}")
    with pytest.raises(DatabaseTooNew, match="upgrade the bot"):
        await Database.open(path)


async def test_a_failed_transaction_leaves_nothing(tmp_path):
    db = await Database.open(tmp_path / "t.sqlite3")
    try:
        with pytest.raises(RuntimeError):
            async with db.transaction() as conn:
                await conn.execute(
                    "INSERT INTO guild_settings (guild_id, key, value) VALUES (1, 'k', 'v')"
                )
                raise RuntimeError("boom")
        assert await db.fetchall("SELECT * FROM guild_settings") == []
    finally:
        await db.close()


async def test_backup_and_streaming_read(tmp_path):
    db = await Database.open(tmp_path / "s.sqlite3")
    try:
        async with db.transaction() as conn:
            await conn.executemany(
                "INSERT INTO guild_settings (guild_id, key, value) VALUES (?, ?, ?)",
                [(1, f"k{i}", str(i)) for i in range(1200)],
            )
        seen = [row["key"] async for row in db.iterate("SELECT key FROM guild_settings", batch=100)]
        assert len(seen) == 1200
        await db.backup(tmp_path / "copy.sqlite3")
    finally:
        await db.close()
    with sqlite3.connect(tmp_path / "copy.sqlite3") as conn:
        assert conn.execute("SELECT count(*) FROM guild_settings").fetchone()[0] == 1200


def test_db_cli_migrate_backup_check(tmp_path):
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "COALITION_DB": str(tmp_path / "c.sqlite3")}

    def run(*args):
        return subprocess.run([sys.executable, "-m", "bot", "db", *args], cwd=tmp_path, env=env,
                              capture_output=True, text=True, timeout=60, check=False)

    migrate = run("migrate")
    assert migrate.returncode == 0, migrate.stderr
    assert "schema version" in migrate.stdout
    check = run("check")
    assert check.returncode == 0 and check.stdout.strip().endswith("ok")
    backup = run("backup", str(tmp_path / "b.sqlite3"))
    assert backup.returncode == 0, backup.stderr
    assert (tmp_path / "b.sqlite3").stat().st_size > 0
    (tmp_path / "c.sqlite3-wal").unlink(missing_ok=True)
    (tmp_path / "c.sqlite3").write_bytes(b"SQLite format 3\x00" + b"\x00" * 200)
    broken = run("check")
    assert broken.returncode != 0


def test_readers_find_a_migration_by_name_not_by_a_typed_number():
    from bot.kb.cli import ENTRIES_SCHEMA
    from bot.pledges.cli import SCHEMA_VERSION
    from bot.storage import migration_version
    from bot.storage.database import migration_files

    names = {name: version for version, name, _ in migration_files()}
    assert names[f"{SCHEMA_VERSION:04d}_pledge_records.sql"] == SCHEMA_VERSION
    assert names[f"{ENTRIES_SCHEMA:04d}_kb_entries.sql"] == ENTRIES_SCHEMA
    with pytest.raises(LookupError):
        migration_version("no_such_migration")
