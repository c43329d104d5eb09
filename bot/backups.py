"""Automatic backups while the bot runs: on a schedule, into a folder beside the database,
kept with rotation.

Backups are named by their UTC time (`coalition-20250102T030405Z.sqlite3`); only names of that
form are ever rotated, so a file an operator put there by hand is left alone. What is kept: the
newest backup of each of the last KEEP_DAILY days that have one, and the newest of each of the
last KEEP_WEEKLY ISO weeks. The outcome of the last run is recorded in bot_meta for /status.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from bot.config import Settings
from bot.resources.clock import iso, utcnow
from bot.storage import Database
from bot.storage.backup import STAMP, BackupError, schema_version, write_backup
from bot.storage.database import migration_files

log = logging.getLogger(__name__)
KEEP_DAILY = 7
KEEP_WEEKLY = 4
RETRY_AFTER_FAILURE = 3600.0
FIRST_DELAY = 60.0  # let start-up settle before the first backup of a fresh install
META_KEY = "backup"
NAME = re.compile(r"^coalition-(\d{8}T\d{6}Z)\.sqlite3$")
UPSERT = ("INSERT INTO bot_meta (key, value) VALUES (?, ?) "
          "ON CONFLICT (key) DO UPDATE SET value = excluded.value")


def backup_name(moment: datetime) -> str:
    return f"coalition-{moment.strftime(STAMP)}.sqlite3"


def stamp_of(path: Path) -> datetime | None:
    match = NAME.match(path.name)
    if match is None:
        return None
    return datetime.strptime(match[1], STAMP).replace(tzinfo=UTC)


def scheduled(folder: Path) -> dict[datetime, Path]:
    """The rotated backups in `folder` by time (hand-made files are not among them)."""
    if not folder.is_dir():
        return {}
    return {stamp: path for path in folder.iterdir()
            if (stamp := stamp_of(path)) is not None and path.is_file()}


def to_keep(stamps: list[datetime], daily: int = KEEP_DAILY, weekly: int = KEEP_WEEKLY) -> set[datetime]:
    newest_first = sorted(stamps, reverse=True)
    keep: set[datetime] = set()
    days: list[date] = []
    weeks: list[tuple[int, int]] = []
    for stamp in newest_first:
        if stamp.date() not in days and len(days) < daily:
            days.append(stamp.date())
            keep.add(stamp)
        week = stamp.isocalendar()[:2]
        if week not in weeks and len(weeks) < weekly:
            weeks.append((week[0], week[1]))
            keep.add(stamp)
    return keep


def rotate(folder: Path) -> list[Path]:
    """Delete the scheduled backups the policy no longer keeps; the ones removed."""
    found = scheduled(folder)
    keep = to_keep(list(found))
    removed = [path for stamp, path in sorted(found.items()) if stamp not in keep]
    for path in removed:
        path.unlink(missing_ok=True)
    return removed


class Backups:
    def __init__(self, settings: Settings, db: Database) -> None:
        self.settings = settings
        self.db = db
        self.folder = settings.backup_dir
        self.interval = settings.backup_hours * 3600

    async def run_once(self, now: datetime | None = None) -> Path:
        """One verified backup now, then rotation; the outcome is recorded either way."""
        moment = now or utcnow()
        target = self.folder / backup_name(moment)
        try:
            await asyncio.to_thread(write_backup, self.settings.db_path, target)
        except (BackupError, OSError) as exc:
            log.error("automatic backup failed: %s", exc)
            await self.record({"at": iso(moment), "ok": False, "error": str(exc)[:300]})
            raise
        try:
            removed = await asyncio.to_thread(rotate, self.folder)
        except OSError as exc:  # the new backup is good; an old one lingers until next time
            log.warning("could not remove old backups: %s", exc)
            removed = []
        log.info("backup written to %s%s", target,
                 f"; removed {len(removed)} old backup(s)" if removed else "")
        await self.record({"at": iso(moment), "ok": True, "file": target.name})
        return target

    async def record(self, outcome: dict[str, object]) -> None:
        await self.db.execute(UPSERT, (META_KEY, json.dumps(outcome)))

    def delay(self, now: datetime) -> float:
        """Seconds until the next backup: an interval after the newest, soon if none or overdue."""
        found = scheduled(self.folder)
        if not found:
            return FIRST_DELAY
        due = max(found) + timedelta(seconds=self.interval)
        return max(FIRST_DELAY, (due - now).total_seconds())

    async def run(self, stop: asyncio.Event) -> None:
        if self.interval <= 0:
            log.info("automatic backups are off (COALITION_BACKUP_HOURS=0)")
            return
        wait = min(self.delay(utcnow()), self.interval)
        while not stop.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=wait)
            if stop.is_set():
                return
            # Named like a command handler, so a shutdown waits for a backup half written.
            task = asyncio.create_task(self.run_once(), name="coalition-backup")
            try:
                await asyncio.shield(task)
                wait = self.interval
            except (BackupError, OSError):
                wait = RETRY_AFTER_FAILURE  # logged and recorded by run_once
            except Exception:  # a bug: keep the schedule alive, with the traceback to fix it
                log.exception("automatic backup failed unexpectedly")
                wait = RETRY_AFTER_FAILURE


async def before_migrating(settings: Settings, now: datetime | None = None) -> Path | None:
    """A copy of the database as it was before an upgrade's migrations change it for good, so
    going back to the older code is a restore away. Kept outside the rotation."""
    path = settings.db_path
    if not path.is_file():
        return None
    version = await asyncio.to_thread(schema_version, path)
    if version == 0 or version >= len(migration_files()):
        return None
    moment = now or utcnow()
    target = settings.backup_dir / f"pre-migration-v{version}-{moment.strftime(STAMP)}.sqlite3"
    await asyncio.to_thread(write_backup, path, target)
    log.info("schema version %d is about to be migrated; the database as it was is in %s",
             version, target)
    return target
