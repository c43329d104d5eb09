"""The resource store: one row per (server, canonical URL), whoever brought it in.

A new resource and its announcement are written in one transaction, so a resource is never
stored without its announcement queued, and an announcement never exists without its resource.
"""

from __future__ import annotations

import hashlib
import re
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import aiosqlite

from bot.resources.clock import iso, utcnow
from bot.storage import Database

SEARCH_LIMIT = 10
MAX_SEARCH_WORDS = 8
_WORDS = re.compile(r"[^\W_]+")

INSERT_RESOURCE = """
INSERT INTO resources (guild_id, url, title, author, published, region, kind, language, source,
                       feed_id, added_by, created_at)
VALUES (:guild_id, :url, :title, :author, :published, :region, :kind, :language, :source,
        :feed_id, :added_by, :now)
ON CONFLICT (guild_id, url) DO NOTHING
"""
# Ids only grow inside one write transaction, so rows above the highest id before the insert are
# exactly the ones it added (the highest id is global: ids are shared by all servers).
HIGHEST_ID = "SELECT coalesce(max(id), 0) FROM resources"
INSERTED_SINCE = """
SELECT id, url FROM resources WHERE guild_id = :guild_id AND id > :floor ORDER BY id
"""
INSERT_OUTBOX = """
INSERT INTO outbox (guild_id, resource_id, nonce, next_attempt_at, created_at)
VALUES (:guild_id, :resource_id, :nonce, :now, :now)
"""
SELECT_BY_URL = "SELECT * FROM resources WHERE guild_id = :guild_id AND url = :url"
SELECT_BY_ID = "SELECT * FROM resources WHERE guild_id = :guild_id AND id = :id"
DELETE_BY_ID = "DELETE FROM resources WHERE guild_id = :guild_id AND id = :id"
SELECT_LATEST = """
SELECT * FROM resources
WHERE guild_id = :guild_id
  AND (:region IS NULL OR region = :region)
  AND (:kind IS NULL OR kind = :kind)
ORDER BY coalesce(published, substr(created_at, 1, 10)) DESC, id DESC
LIMIT :limit
"""
SELECT_SEARCH = """
SELECT r.* FROM resources_fts AS f JOIN resources AS r ON r.id = f.rowid
WHERE resources_fts MATCH :query
  AND r.guild_id = :guild_id
  AND (:region IS NULL OR r.region = :region)
ORDER BY bm25(resources_fts), r.id DESC
LIMIT :limit
"""
COUNT_RESOURCES = "SELECT count(*) FROM resources WHERE guild_id = :guild_id"


@dataclass(frozen=True, slots=True)
class NewResource:
    """A resource about to be stored; `url` is already canonical, texts already cleaned."""

    url: str
    title: str
    author: str | None = None
    published: str | None = None
    region: str | None = None
    kind: str = "other"
    language: str | None = None
    source: str = "moderator"
    feed_id: int | None = None
    added_by: int | None = None


@dataclass(frozen=True, slots=True)
class Resource:
    id: int
    guild_id: int
    url: str
    title: str
    author: str | None
    published: str | None
    region: str | None
    kind: str
    language: str | None
    source: str
    feed_id: int | None
    created_at: str

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> Resource:
        return cls(
            id=row["id"], guild_id=row["guild_id"], url=row["url"], title=row["title"],
            author=row["author"], published=row["published"], region=row["region"],
            kind=row["kind"], language=row["language"], source=row["source"],
            feed_id=row["feed_id"], created_at=row["created_at"],
        )


def resource_nonce(guild_id: int, url: str) -> str:
    """Discord keeps a nonce for a few minutes and, with enforce_nonce, answers a repeat with the
    first message: a nonce derived from the resource makes a retried post land once. 25 chars is
    Discord's maximum."""
    return hashlib.sha256(f"{guild_id}\n{url}".encode()).hexdigest()[:25]


def fts_query(text: str) -> str | None:
    """Member text as an FTS5 query of quoted prefix terms: FTS operators and quotes in the text
    become plain words, so no query can be a syntax error."""
    words = _WORDS.findall(text)[:MAX_SEARCH_WORDS]
    return " ".join(f'"{word[:64]}"*' for word in words) or None


async def insert_resources(
    conn: aiosqlite.Connection, guild_id: int, news: Sequence[NewResource], *, announce: bool,
    now: datetime | None = None, announce_limit: int | None = None,
) -> list[int]:
    """Store `news` inside the caller's transaction; the ids of those new to this server (a URL
    it already has is skipped), in the order given. Their announcements are queued with them when
    `announce`, for the first `announce_limit` of them only when that is given.

    A few statements for the whole batch: a feed brings up to a few hundred items at once."""
    if not news:
        return []
    stamp = iso(now or utcnow())
    async with conn.execute(HIGHEST_ID) as cur:
        row = await cur.fetchone()
    floor = int(row[0]) if row else 0
    await conn.executemany(INSERT_RESOURCE, [{
        "guild_id": guild_id, "url": new.url, "title": new.title, "author": new.author,
        "published": new.published, "region": new.region, "kind": new.kind,
        "language": new.language, "source": new.source, "feed_id": new.feed_id,
        "added_by": new.added_by, "now": stamp,
    } for new in news])
    async with conn.execute(INSERTED_SINCE, {"guild_id": guild_id, "floor": floor}) as cur:
        added = [(int(r[0]), str(r[1])) for r in await cur.fetchall()]
    if announce and added:
        await conn.executemany(INSERT_OUTBOX, [{
            "guild_id": guild_id, "resource_id": resource_id,
            "nonce": resource_nonce(guild_id, url), "now": stamp,
        } for resource_id, url in added[:announce_limit]])
    return [resource_id for resource_id, _ in added]


class ResourceStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def add(self, guild_id: int, new: NewResource, *, announce: bool = True) -> int | None:
        """Committed when this returns: the id, or None if the URL is already known here."""
        async with self.db.transaction() as conn:
            added = await insert_resources(conn, guild_id, [new], announce=announce)
        return added[0] if added else None

    async def get_by_url(self, guild_id: int, url: str) -> Resource | None:
        row = await self.db.fetchone(SELECT_BY_URL, {"guild_id": guild_id, "url": url})
        return None if row is None else Resource.from_row(row)

    async def get(self, guild_id: int, resource_id: int) -> Resource | None:
        row = await self.db.fetchone(SELECT_BY_ID, {"guild_id": guild_id, "id": resource_id})
        return None if row is None else Resource.from_row(row)

    async def remove(self, guild_id: int, resource_id: int) -> bool:
        """Its announcement goes too if still pending; a posted message stays in Discord."""
        return await self.db.execute(DELETE_BY_ID, {"guild_id": guild_id, "id": resource_id}) > 0

    async def latest(
        self, guild_id: int, *, region: str | None = None, kind: str | None = None,
        limit: int = SEARCH_LIMIT,
    ) -> list[Resource]:
        rows = await self.db.fetchall(SELECT_LATEST, {
            "guild_id": guild_id, "region": region, "kind": kind, "limit": limit,
        })
        return [Resource.from_row(r) for r in rows]

    async def search(
        self, guild_id: int, text: str, *, region: str | None = None, limit: int = SEARCH_LIMIT,
    ) -> list[Resource]:
        query = fts_query(text)
        if query is None:
            return []
        rows = await self.db.fetchall(SELECT_SEARCH, {
            "query": query, "guild_id": guild_id, "region": region, "limit": limit,
        })
        return [Resource.from_row(r) for r in rows]

    async def count(self, guild_id: int) -> int:
        return int(await self.db.fetchval(COUNT_RESOURCES, {"guild_id": guild_id}))
