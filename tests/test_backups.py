"""Backups as files on disk: rotation, owner-only permissions, verification, restore."""

from __future__ import annotations

import asyncio
import json
import os
import sqlite3
import stat
from datetime import UTC, datetime, timedelta

import pytest

from bot.backups import FIRST_DELAY, Backups, backup_name, before_migrating, rotate, scheduled, to_keep
from bot.config import Settings
from bot.storage import Database
from bot.storage.backup import BackupError, restore_backup, verify, write_backup
from bot.storage.database import migration_files
from tests.conftest import ROOT


def at(day: str, hour: int = 3) -> datetime:
    return datetime.fromisoformat(day).replace(hour=hour, tzinfo=UTC)


def test_keeps_the_newest_of_each_of_7_days_and_of_4_weeks():
    daily = [at("2025-01-01") + timedelta(days=n) for n in range(90)]  # to 2025-03-31 (a Monday)
    hourly_today = [at("2025-03-31", hour) for hour in (0, 1, 2)]
    kept = to_keep(daily + hourly_today)
    days = sorted(stamp.date().isoformat() for stamp in kept)
    assert days == ["2025-03-16", "2025-03-23", "2025-03-25", "2025-03-26", "2025-03-27",
                    "2025-03-28", "2025-03-29", "2025-03-30", "2025-03-31"]
    assert at("2025-03-31") in kept and at("2025-03-31", 2) not in kept  # newest of the day
    assert to_keep([]) == set()
    assert to_keep(hourly_today) == {at("2025-03-31", 2)}


def touch(path, mode=0o600):
    path.write_bytes(b"x")
    path.chmod(mode)
    return path


def test_rotation_deletes_only_scheduled_backups_the_policy_drops(tmp_path):
    for n in range(40):
        touch(tmp_path / backup_name(at("2025-02-20") + timedelta(days=n)))
    by_hand = touch(tmp_path / "before-upgrade.sqlite3")
    lookalike = touch(tmp_path / "coalition-2025.sqlite3")
    folder = tmp_path / backup_name(at("2025-02-19"))
    folder.mkdir()  # not a file: never taken for a backup
    removed = rotate(tmp_path)
    assert len(removed) == 40 - len(scheduled(tmp_path))
    assert len(scheduled(tmp_path)) == 9
    assert by_hand.exists() and lookalike.exists() and folder.is_dir()


async def filled_database(path):
    db = await Database.open(path)
    async with db.transaction() as conn:
        await conn.executemany("INSERT INTO guild_settings (guild_id, key, value) VALUES (?, ?, ?)",
                               [(1, f"k{i}", "é" * i) for i in range(300)])
    return db


def rows(path):
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
        return conn.execute("SELECT count(*) FROM guild_settings").fetchone()[0]


async def test_a_backup_is_private_verified_single_file_and_never_overwritten_silently(tmp_path):
    old_umask = os.umask(0o022)
    db = await filled_database(tmp_path / "live.sqlite3")
    try:
        target = tmp_path / "out" / "copy.sqlite3"
        write_backup(db.path, target)  # while the bot's connection is open
        assert stat.S_IMODE(target.stat().st_mode) == 0o600
        assert verify(target) == [] and rows(target) == 300
        assert sorted(p.name for p in target.parent.iterdir()) == ["copy.sqlite3"]  # no -wal
        with sqlite3.connect(target) as conn:
            assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
        await db.execute("DELETE FROM guild_settings WHERE key = 'k1'")
        with pytest.raises(BackupError, match=r"already exists.*--force"):
            write_backup(db.path, target)
        assert rows(target) == 300
        write_backup(db.path, target, overwrite=True)
        assert rows(target) == 299 and stat.S_IMODE(target.stat().st_mode) == 0o600
        with pytest.raises(BackupError, match="no database"):
            write_backup(tmp_path / "missing.sqlite3", tmp_path / "x.sqlite3")
    finally:
        os.umask(old_umask)
        await db.close()


def corrupt(path):
    """Overwrite the middle of a table's pages, as a failing disk would."""
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA journal_mode=DELETE")
    data = bytearray(path.read_bytes())
    page = 4096
    for offset in range(2 * page, len(data) - page, page):
        data[offset + 100: offset + 400] = b"\xff" * 300
    path.write_bytes(bytes(data))


async def test_a_corrupt_copy_never_takes_the_backup_name(tmp_path):
    db = await filled_database(tmp_path / "live.sqlite3")
    await db.close()
    corrupt(db.path)
    target = tmp_path / "copy.sqlite3"
    with pytest.raises(BackupError):
        write_backup(db.path, target)
    assert not target.exists()
    assert list(tmp_path.glob(".copy*")) == []  # no partial file left behind


async def test_restore_keeps_the_replaced_database_beside_it(tmp_path):
    db = await filled_database(tmp_path / "live.sqlite3")
    write_backup(db.path, tmp_path / "good.sqlite3")
    await db.execute("DELETE FROM guild_settings")
    await db.close()
    aside = restore_backup(tmp_path / "good.sqlite3", db.path, at("2025-05-01"))
    assert aside is not None and aside.name == "live.sqlite3.replaced-20250501T030000Z"
    assert rows(db.path) == 300 and rows(aside) == 0
    assert stat.S_IMODE(db.path.stat().st_mode) == 0o600
    reopened = await Database.open(db.path)  # migrations and WAL come back on start
    await reopened.close()


async def test_restore_refuses_what_is_not_a_sound_backup_of_ours(tmp_path):
    db = await filled_database(tmp_path / "live.sqlite3")
    await db.close()
    before = db.path.read_bytes()
    (tmp_path / "notes.txt").write_text("SELECT * FROM pledges;", encoding="utf-8")
    with sqlite3.connect(tmp_path / "other.sqlite3") as conn:
        conn.execute("CREATE TABLE t (x)")
    newer = tmp_path / "newer.sqlite3"
    write_backup(db.path, newer)
    with sqlite3.connect(newer) as conn:
        conn.execute(f"PRAGMA user_version = {len(migration_files()) + 1}")
    broken = tmp_path / "broken.sqlite3"
    write_backup(db.path, broken)
    corrupt(broken)
    for name, reason in (("notes.txt", "not a readable SQLite"), ("other.sqlite3", "not a Coalition"),
                         ("newer.sqlite3", "newer than this code"), ("broken.sqlite3", "not a sound"),
                         ("missing.sqlite3", "no file")):
        with pytest.raises(BackupError, match=reason):
            restore_backup(tmp_path / name, db.path, at("2025-05-01"))
    assert db.path.read_bytes() == before
    assert not list(tmp_path.glob("*.replaced-*"))


def settings_for(db_path, hours):
    return Settings(token=None, db_path=db_path, guild_id=None, api_base="http://127.0.0.1:9",
                    gateway_url="ws://127.0.0.1:9", log_level="INFO", data_dir=ROOT / "data",
                    backup_hours=hours)


async def test_scheduled_backups_run_rotate_and_record_their_outcome(tmp_path):
    db = await filled_database(tmp_path / "live.sqlite3")
    try:
        backups = Backups(settings_for(db.path, 24), db)
        assert backups.folder == tmp_path / "backups"
        assert backups.delay(at("2025-05-01")) == FIRST_DELAY  # nothing yet: soon
        backups.folder.mkdir()
        for n in range(1, 20):
            touch(backups.folder / backup_name(at("2025-05-01") - timedelta(days=n)))
        assert backups.delay(at("2025-04-30", 9)) == pytest.approx(18 * 3600)
        assert backups.delay(at("2025-05-01", 9)) == FIRST_DELAY  # overdue: soon
        written = await backups.run_once(at("2025-05-01"))
        assert verify(written) == [] and stat.S_IMODE(written.stat().st_mode) == 0o600
        assert len(scheduled(backups.folder)) == 9
        outcome = json.loads(await db.fetchval("SELECT value FROM bot_meta WHERE key = 'backup'"))
        assert outcome == {"at": "2025-05-01T03:00:00Z", "ok": True, "file": written.name}

        (backups.folder / backup_name(at("2025-05-02"))).mkdir()  # a name that cannot be written
        with pytest.raises(BackupError):
            await backups.run_once(at("2025-05-02"))
        outcome = json.loads(await db.fetchval("SELECT value FROM bot_meta WHERE key = 'backup'"))
        assert outcome["ok"] is False and outcome["error"]
    finally:
        await db.close()


async def test_the_schedule_loop_backs_up_on_its_interval_and_stops_on_request(tmp_path):
    db = await filled_database(tmp_path / "live.sqlite3")
    try:
        backups = Backups(settings_for(db.path, 0.0003), db)  # about a second
        stop = asyncio.Event()
        loop = asyncio.create_task(backups.run(stop))
        for _ in range(200):
            if len(scheduled(backups.folder)) >= 1:
                break
            await asyncio.sleep(0.05)
        stop.set()
        await asyncio.wait_for(loop, 10)
        assert len(scheduled(backups.folder)) >= 1
        off = Backups(settings_for(db.path, 0), db)
        await asyncio.wait_for(off.run(asyncio.Event()), 1)  # returns at once: no backups
    finally:
        await db.close()


async def test_an_upgrade_keeps_the_database_as_it_was_before_migrating(tmp_path):
    db = await filled_database(tmp_path / "live.sqlite3")
    await db.close()
    settings = settings_for(db.path, 24)
    assert await before_migrating(settings) is None  # up to date: nothing to keep
    with sqlite3.connect(db.path) as conn:
        conn.execute("PRAGMA user_version = 3")  # as left by older code
    kept = await before_migrating(settings, at("2025-05-01"))
    assert kept == tmp_path / "backups" / "pre-migration-v3-20250501T030000Z.sqlite3"
    assert verify(kept) == [] and stat.S_IMODE(kept.stat().st_mode) == 0o600
    assert scheduled(kept.parent) == {}  # never rotated away
    assert await before_migrating(settings_for(tmp_path / "none.sqlite3", 24)) is None
