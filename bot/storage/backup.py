"""Backup files of the database: written online, readable by their owner only, verified.

A backup holds every member's pledges and ids, so it is created 0600 before a byte goes in, and
it only takes its final name after SQLite's integrity check passed on it: a file with the final
name is a good backup. It is written in rollback-journal mode, so one self-contained file is
the whole backup. A restore keeps the database it replaces beside it, never deletes it.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sqlite3
from datetime import datetime
from pathlib import Path

from bot.storage.database import migration_files

STAMP = "%Y%m%dT%H%M%SZ"


class BackupError(Exception):
    """The backup or restore did not happen; the message says why and what to do."""


def verify(path: Path) -> list[str]:
    """Problems found in a database file; [] when it is sound and ours."""
    try:
        with contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as conn:
            problems = [str(r[0]) for r in conn.execute("PRAGMA integrity_check") if r[0] != "ok"]
            problems += [f"foreign key violation in {r[0]} rowid {r[1]}"
                         for r in conn.execute("PRAGMA foreign_key_check")]
            tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    except sqlite3.Error as exc:
        return [f"not a readable SQLite database ({exc})"]
    if not problems and "bot_meta" not in tables:
        problems.append("not a Coalition Bot database (no bot_meta table)")
    return problems


def schema_version(path: Path) -> int:
    with contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as conn:
        return int(conn.execute("PRAGMA user_version").fetchone()[0])


def _private_empty_file(path: Path) -> None:
    """Created 0600 whatever the umask; SQLite keeps an existing file's mode."""
    path.unlink(missing_ok=True)
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    os.chmod(path, 0o600)


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _checked(partial: Path) -> None:
    """The copy passed SQLite's checks and is on disk; else it is removed and nothing changes."""
    problems = verify(partial)
    if problems:
        partial.unlink(missing_ok=True)
        raise BackupError(f"the copy failed its integrity check ({'; '.join(problems)[:300]}); "
                          "nothing was replaced")
    _fsync(partial)


def _rename(partial: Path, target: Path) -> None:
    os.replace(partial, target)
    _fsync(target.parent)


def write_backup(source: Path, target: Path, *, overwrite: bool = False) -> None:
    """Copy the live database (safe while the bot writes to it) to `target`."""
    if not source.is_file():
        raise BackupError(f"no database at {source}")
    if target.exists() and not overwrite:
        raise BackupError(f"{target} already exists: choose another name, or add --force to replace it")
    if target.exists() and target.resolve() == source.resolve():
        raise BackupError("the backup must not replace the database itself")
    target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    partial = target.with_name(f".{target.name}.partial")
    _private_empty_file(partial)
    try:
        with contextlib.closing(sqlite3.connect(f"file:{source}?mode=ro", uri=True, timeout=30)) as src, \
                contextlib.closing(sqlite3.connect(partial)) as dest:
            src.backup(dest)
            dest.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
    except sqlite3.Error as exc:
        partial.unlink(missing_ok=True)
        raise BackupError(f"could not copy {source}: {exc}") from exc
    _checked(partial)
    _rename(partial, target)


def restore_backup(backup: Path, db_path: Path, now: datetime) -> Path | None:
    """Put `backup` in place of the database; the replaced files move to a `.replaced-…` name
    (returned). The caller makes sure the bot is not running."""
    if not backup.is_file():
        raise BackupError(f"no file at {backup}")
    if db_path.exists() and backup.resolve() == db_path.resolve():
        raise BackupError("that file is the database itself")
    problems = verify(backup)
    if problems:
        raise BackupError(f"{backup} is not a sound backup: {'; '.join(problems)[:300]}")
    version, known = schema_version(backup), len(migration_files())
    if version > known:
        raise BackupError(f"{backup} has schema version {version}, newer than this code knows "
                          f"({known}): upgrade the bot first")
    db_path.parent.mkdir(parents=True, exist_ok=True)
    partial = db_path.with_name(f".{db_path.name}.restoring")
    _private_empty_file(partial)
    shutil.copyfile(backup, partial)
    _checked(partial)
    aside = db_path.with_name(f"{db_path.name}.replaced-{now.strftime(STAMP)}") if db_path.exists() else None
    if aside is not None:
        for suffix in ("", "-wal", "-shm"):  # the WAL may hold the newest commits: keep it too
            current = Path(f"{db_path}{suffix}")
            if current.exists():
                os.replace(current, Path(f"{aside}{suffix}"))
    _rename(partial, db_path)
    return aside
