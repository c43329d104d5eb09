"""One aiosqlite connection, serialised by a lock.

SQLite allows one writer at a time anyway; owning a single connection and serialising its use
keeps transactions from interleaving on it. `synchronous=FULL` is deliberate: a member is told
their pledge is saved only after a commit that survives power loss.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from importlib import resources
from pathlib import Path
from typing import Any

import aiosqlite

log = logging.getLogger(__name__)

Row = sqlite3.Row
Params = Sequence[Any] | dict[str, Any]
FOREIGN_KEYS_OFF = "-- requires: foreign_keys=OFF"


class DatabaseTooNew(Exception):
    """The file was migrated by a newer version of the bot; running older code could corrupt it."""


def migration_files() -> list[tuple[int, str, str]]:
    """(version, name, sql) for every numbered migration shipped with the package, in order."""
    folder = resources.files("bot.storage") / "migrations"
    found = []
    for entry in folder.iterdir():
        name = entry.name
        if name.endswith(".sql") and name[:4].isdigit():
            found.append((int(name[:4]), name, entry.read_text(encoding="utf-8")))
    found.sort()
    versions = [v for v, _, _ in found]
    if versions != list(range(1, len(versions) + 1)):
        raise RuntimeError(f"migrations must be numbered 1..n without gaps, found {versions}")
    return found


def migration_version(stem: str) -> int:
    """The number of the shipped migration named NNNN_<stem>.sql: readers that need its tables
    ask by name, so renumbering migrations cannot leave a hand-typed version behind."""
    for version, name, _ in migration_files():
        if name[5:-4] == stem:
            return version
    raise LookupError(f"no migration named {stem!r}")


class Database:
    def __init__(self, conn: aiosqlite.Connection, path: Path) -> None:
        self.conn = conn
        self.path = path
        self._lock = asyncio.Lock()

    @classmethod
    async def open(cls, path: Path | str, *, migrate: bool = True) -> Database:
        path = Path(path)
        if str(path) != ":memory:":
            path.parent.mkdir(parents=True, exist_ok=True)
        conn = await aiosqlite.connect(path, isolation_level=None)
        conn.row_factory = sqlite3.Row
        db = cls(conn, path)
        try:
            await db._configure()
            if migrate:
                await db.migrate()
        except BaseException:
            await conn.close()
            raise
        return db

    async def _configure(self) -> None:
        for pragma in (
            "PRAGMA journal_mode=WAL",
            "PRAGMA foreign_keys=ON",
            "PRAGMA busy_timeout=5000",
            "PRAGMA synchronous=FULL",
        ):
            await self.conn.execute(pragma)

    async def user_version(self) -> int:
        async with self.conn.execute("PRAGMA user_version") as cur:
            row = await cur.fetchone()
        return int(row[0]) if row else 0

    async def migrate(self) -> list[str]:
        """Apply pending migrations, each in its own transaction together with its version bump."""
        files = migration_files()
        applied: list[str] = []
        async with self._lock:
            current = await self.user_version()
            if current > len(files):
                raise DatabaseTooNew(
                    f"database {self.path} is at schema version {current}, but this code knows "
                    f"only up to {len(files)}: upgrade the bot or restore a matching backup"
                )
            for version, name, sql in files[current:]:
                await self._apply(version, sql)
                log.info("applied migration %s", name)
                applied.append(name)
        return applied

    async def _apply(self, version: int, sql: str) -> None:
        """One migration and its version bump in one transaction.

        A migration that rebuilds a parent table (SQLite's way to change a column or add
        AUTOINCREMENT) starts with `-- requires: foreign_keys=OFF`: with them on, dropping the
        old table would cascade into its children. The pragma only works outside a transaction,
        so it is set around it, and the keys are checked before the commit instead.
        """
        keys_off = sql.startswith(FOREIGN_KEYS_OFF)
        if keys_off:
            await self.conn.execute("PRAGMA foreign_keys=OFF")
        try:
            await self.conn.execute("BEGIN IMMEDIATE")
            try:
                for statement in _split_sql(sql):
                    await self.conn.execute(statement)
                if keys_off:
                    async with self.conn.execute("PRAGMA foreign_key_check") as cur:
                        broken = list(await cur.fetchall())
                    if broken:
                        raise RuntimeError(f"migration {version} breaks foreign keys: {broken[:5]}")
                await self.conn.execute(f"PRAGMA user_version = {version:d}")
            except BaseException:
                await self.conn.execute("ROLLBACK")
                raise
            await self.conn.execute("COMMIT")
        finally:
            if keys_off:
                await self.conn.execute("PRAGMA foreign_keys=ON")

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        """BEGIN IMMEDIATE ... COMMIT; the commit has happened when the block exits."""
        async with self._lock:
            await self.conn.execute("BEGIN IMMEDIATE")
            try:
                yield self.conn
            except BaseException:
                await self.conn.execute("ROLLBACK")
                raise
            await self.conn.execute("COMMIT")

    async def fetchall(self, sql: str, params: Params = ()) -> list[Row]:
        async with self._lock, self.conn.execute(sql, params) as cur:
            return list(await cur.fetchall())

    async def fetchone(self, sql: str, params: Params = ()) -> Row | None:
        async with self._lock, self.conn.execute(sql, params) as cur:
            row: Row | None = await cur.fetchone()
            return row

    async def fetchval(self, sql: str, params: Params = ()) -> Any:
        row = await self.fetchone(sql, params)
        return None if row is None else row[0]

    async def execute(self, sql: str, params: Params = ()) -> int:
        """One statement in its own transaction; returns the affected row count."""
        async with self.transaction() as conn, conn.execute(sql, params) as cur:
            return cur.rowcount

    async def iterate(self, sql: str, params: Params = (), *, batch: int = 500) -> AsyncIterator[Row]:
        """Stream rows in batches so exports keep memory flat whatever the row count.

        Uses its own read-only connection so a long export never blocks the bot's writes.
        """
        async with aiosqlite.connect(f"file:{self.path}?mode=ro", uri=True) as ro:
            ro.row_factory = sqlite3.Row
            async with ro.execute(sql, params) as cur:
                while rows := await cur.fetchmany(batch):
                    for row in rows:
                        yield row

    async def backup(self, target: Path | str) -> None:
        """Online backup: consistent even while the bot keeps writing."""
        target = Path(target)
        target.parent.mkdir(parents=True, exist_ok=True)
        async with self._lock, aiosqlite.connect(target) as dest:
            await self.conn.backup(dest)

    async def integrity_check(self) -> list[str]:
        rows = await self.fetchall("PRAGMA integrity_check")
        problems = [str(r[0]) for r in rows if str(r[0]) != "ok"]
        fk = await self.fetchall("PRAGMA foreign_key_check")
        problems += [f"foreign key violation in {r[0]} rowid {r[1]}" for r in fk]
        return problems

    async def close(self) -> None:
        async with self._lock:
            await self.conn.close()


def _split_sql(sql: str) -> Iterable[str]:
    """Split a migration into complete statements (triggers contain semicolons)."""
    buffer = ""
    for line in sql.splitlines(keepends=True):
        buffer += line
        if sqlite3.complete_statement(buffer):
            if buffer.strip():
                yield buffer.strip()
            buffer = ""
    if buffer.strip():
        yield buffer.strip()
