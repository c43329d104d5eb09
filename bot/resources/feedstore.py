"""SQL for feeds: each server's subscriptions, their polling state and what they already showed."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

import aiosqlite

from bot.resources.clock import iso, later
from bot.storage import Database

MAX_FEEDS_PER_GUILD = 50
DEFAULT_INTERVAL = 1800
FAILURE_BACKOFF = 300.0
MAX_FAILURE_BACKOFF = 12 * 3600.0
_KEY_BATCH = 400

INSERT_FEED = """
INSERT INTO feeds (guild_id, url, channel_id, region, added_by, added_at, etag, last_modified,
                   body_sha256, last_success_at, next_attempt_at, interval_seconds)
VALUES (:guild_id, :url, :channel_id, :region, :added_by, :now, :etag, :last_modified,
        :body_sha256, :now, :next, :interval)
RETURNING id
"""
SELECT_FEED = "SELECT * FROM feeds WHERE guild_id = :guild_id AND id = :id"
SELECT_FEED_BY_URL = "SELECT * FROM feeds WHERE guild_id = :guild_id AND url = :url"
SELECT_GUILD_FEEDS = "SELECT * FROM feeds WHERE guild_id = :guild_id ORDER BY id"
COUNT_GUILD_FEEDS = "SELECT count(*) FROM feeds WHERE guild_id = :guild_id"
DELETE_FEED = "DELETE FROM feeds WHERE guild_id = :guild_id AND id = :id"
SELECT_DUE = """
SELECT * FROM feeds WHERE enabled = 1 AND next_attempt_at <= :now
ORDER BY next_attempt_at, id LIMIT :limit
"""
RECORD_SUCCESS = """
UPDATE feeds SET etag = coalesce(:etag, etag),
                 last_modified = coalesce(:last_modified, last_modified),
                 body_sha256 = coalesce(:body_sha256, body_sha256), last_success_at = :now,
                 failures = 0, enabled = 1, next_attempt_at = :next
WHERE guild_id = :guild_id AND id = :id
"""
RECORD_FAILURE = """
UPDATE feeds SET failures = failures + 1, last_error = :error, last_error_at = :now,
                 enabled = CASE WHEN failures + 1 >= :max_failures THEN 0 ELSE enabled END,
                 next_attempt_at = :next
WHERE guild_id = :guild_id AND id = :id
RETURNING failures, enabled
"""
INSERT_ENTRY = """
INSERT INTO feed_entries (feed_id, key, guild_id) VALUES (:feed_id, :key, :guild_id)
ON CONFLICT (feed_id, key) DO NOTHING
"""


@dataclass(frozen=True, slots=True)
class Feed:
    id: int
    guild_id: int
    url: str
    channel_id: int | None
    region: str | None
    enabled: bool
    interval_seconds: int
    etag: str | None
    last_modified: str | None
    body_sha256: str | None
    last_success_at: str | None
    last_error: str | None
    last_error_at: str | None
    failures: int
    next_attempt_at: str

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> Feed:
        return cls(
            id=row["id"], guild_id=row["guild_id"], url=row["url"], channel_id=row["channel_id"],
            region=row["region"], enabled=bool(row["enabled"]),
            interval_seconds=row["interval_seconds"], etag=row["etag"],
            last_modified=row["last_modified"], body_sha256=row["body_sha256"],
            last_success_at=row["last_success_at"], last_error=row["last_error"],
            last_error_at=row["last_error_at"], failures=row["failures"],
            next_attempt_at=row["next_attempt_at"],
        )


@dataclass(frozen=True, slots=True)
class Validators:
    """What the server gave us to make the next request conditional."""

    etag: str | None = None
    last_modified: str | None = None
    body_sha256: str | None = None


def failure_backoff(failures: int) -> float:
    return float(min(FAILURE_BACKOFF * 2 ** min(max(failures - 1, 0), 16), MAX_FAILURE_BACKOFF))


class FeedStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def get(self, guild_id: int, feed_id: int) -> Feed | None:
        row = await self.db.fetchone(SELECT_FEED, {"guild_id": guild_id, "id": feed_id})
        return None if row is None else Feed.from_row(row)

    async def by_url(self, guild_id: int, url: str) -> Feed | None:
        row = await self.db.fetchone(SELECT_FEED_BY_URL, {"guild_id": guild_id, "url": url})
        return None if row is None else Feed.from_row(row)

    async def for_guild(self, guild_id: int) -> list[Feed]:
        rows = await self.db.fetchall(SELECT_GUILD_FEEDS, {"guild_id": guild_id})
        return [Feed.from_row(r) for r in rows]

    async def count(self, guild_id: int) -> int:
        return int(await self.db.fetchval(COUNT_GUILD_FEEDS, {"guild_id": guild_id}))

    async def remove(self, guild_id: int, feed_id: int) -> bool:
        """Its resources stay (they were announced); only the subscription goes."""
        return await self.db.execute(DELETE_FEED, {"guild_id": guild_id, "id": feed_id}) > 0

    async def due(self, now: datetime, limit: int) -> list[Feed]:
        """Across servers by design: the poller serves them all, feed by feed."""
        rows = await self.db.fetchall(SELECT_DUE, {"now": iso(now), "limit": limit})
        return [Feed.from_row(r) for r in rows]

    async def record_failure(
        self, feed: Feed, error: str, now: datetime, max_failures: int,
    ) -> tuple[int, bool]:
        """(consecutive failures, still enabled) after this failure."""
        async with self.db.transaction() as conn, conn.execute(RECORD_FAILURE, {
            "guild_id": feed.guild_id, "id": feed.id, "error": error[:300], "now": iso(now),
            "max_failures": max_failures, "next": later(now, failure_backoff(feed.failures + 1)),
        }) as cur:
            row = await cur.fetchone()
        return (int(row[0]), bool(row[1])) if row else (feed.failures + 1, False)


async def insert_feed(
    conn: aiosqlite.Connection, guild_id: int, url: str, *, channel_id: int | None,
    region: str | None, added_by: int, validators: Validators, now: datetime,
) -> int:
    async with conn.execute(INSERT_FEED, {
        "guild_id": guild_id, "url": url, "channel_id": channel_id, "region": region,
        "added_by": added_by, "now": iso(now), "etag": validators.etag,
        "last_modified": validators.last_modified, "body_sha256": validators.body_sha256,
        "next": later(now, DEFAULT_INTERVAL), "interval": DEFAULT_INTERVAL,
    }) as cur:
        row = await cur.fetchone()
    assert row is not None
    return int(row[0])


async def record_success(
    conn: aiosqlite.Connection, feed: Feed, validators: Validators, now: datetime,
) -> None:
    await conn.execute(RECORD_SUCCESS, {
        "guild_id": feed.guild_id, "id": feed.id, "etag": validators.etag,
        "last_modified": validators.last_modified, "body_sha256": validators.body_sha256,
        "now": iso(now), "next": later(now, feed.interval_seconds),
    })


async def seen_keys(
    conn: aiosqlite.Connection, guild_id: int, feed_id: int, keys: Iterable[str],
) -> set[str]:
    """Which of `keys` this feed has already shown (one query per few hundred keys)."""
    wanted = list(dict.fromkeys(keys))
    found: set[str] = set()
    for start in range(0, len(wanted), _KEY_BATCH):
        batch = wanted[start:start + _KEY_BATCH]
        marks = ", ".join("?" * len(batch))
        sql = ("SELECT key FROM feed_entries WHERE guild_id = ? AND feed_id = ? "
               f"AND key IN ({marks})")
        async with conn.execute(sql, (guild_id, feed_id, *batch)) as cur:
            found.update(str(r[0]) for r in await cur.fetchall())
    return found


async def remember_keys(
    conn: aiosqlite.Connection, guild_id: int, feed_id: int, keys: Iterable[str],
) -> None:
    await conn.executemany(INSERT_ENTRY, [
        {"feed_id": feed_id, "key": key, "guild_id": guild_id} for key in keys
    ])
