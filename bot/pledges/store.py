"""Pledges and comments as their authors see them: create, list, edit, withdraw, delete.

Every query names the server and, for anything a member reads or changes, the author too, so
an id guessed from another member or another server finds nothing. A pledge that is not the
member's and one that does not exist produce the same error: the bot is no oracle for which
ids exist.
"""

from __future__ import annotations

import asyncio
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime

import aiosqlite

from bot.errors import UserError
from bot.storage import Database

ISO_FORMAT = "%Y-%m-%dT%H:%M:%SZ"
BATCH_LIMIT = 100  # pledges per transaction: enough to batch a burst, small enough to answer early ones early
PLEDGE_COLUMNS = ("id, guild_id, author_id, campaign_id, text, on_behalf_of, region, topic, lang, "
                  "status, created_at, updated_at, withdrawn_at")
COMMENT_COLUMNS = "id, guild_id, author_id, topic, text, lang, created_at"

SQL_CAMPAIGN_STATE = """
SELECT (SELECT id FROM campaigns WHERE guild_id = :guild AND closed_at IS NULL
          AND (closes_at IS NULL OR closes_at > :now)) AS open_id,
       (SELECT name FROM campaigns WHERE guild_id = :guild
          ORDER BY opened_at DESC, id DESC LIMIT 1) AS last_name
"""
SQL_PLEDGE_INSERT = """
INSERT INTO pledges (guild_id, author_id, campaign_id, text, on_behalf_of, region, topic, lang,
                     created_at, updated_at)
VALUES (:guild, :author, :campaign, :text, :behalf, :region, :topic, :lang, :now, :now)
"""
SQL_PLEDGE_HIGHEST = "SELECT coalesce(max(id), 0) FROM pledges"
SQL_PLEDGE_NEW = "SELECT id, guild_id, author_id FROM pledges WHERE id > :before ORDER BY id"
SQL_PLEDGE_OWN = (f"SELECT {PLEDGE_COLUMNS} FROM pledges "
                  "WHERE id = :id AND guild_id = :guild AND author_id = :author")
SQL_PLEDGE_MINE = (f"SELECT {PLEDGE_COLUMNS} FROM pledges WHERE guild_id = :guild "
                   "AND author_id = :author ORDER BY id DESC LIMIT :limit OFFSET :offset")
SQL_PLEDGE_COUNT = "SELECT count(*) FROM pledges WHERE guild_id = :guild AND author_id = :author"
SQL_PLEDGE_UPDATE = """
UPDATE pledges SET text = :text, on_behalf_of = :behalf, region = :region, topic = :topic,
                   updated_at = :now
WHERE id = :id AND guild_id = :guild AND author_id = :author AND status = 'active'
"""
SQL_PLEDGE_WITHDRAW = """
UPDATE pledges SET status = 'withdrawn', withdrawn_at = :now, updated_at = :now
WHERE id = :id AND guild_id = :guild AND author_id = :author AND status = 'active'
"""
SQL_CAMPAIGN_CLOSED = """
SELECT 1 FROM campaigns WHERE id = :campaign AND guild_id = :guild
  AND (closed_at IS NOT NULL OR (closes_at IS NOT NULL AND closes_at <= :now))
"""
SQL_COMMENT_INSERT = """
INSERT INTO comments (guild_id, author_id, topic, text, lang, created_at)
VALUES (:guild, :author, :topic, :text, :lang, :now)
"""
SQL_COMMENT_MINE = (f"SELECT {COMMENT_COLUMNS} FROM comments WHERE guild_id = :guild "
                    "AND author_id = :author ORDER BY id DESC LIMIT :limit OFFSET :offset")
SQL_COMMENT_COUNT = "SELECT count(*) FROM comments WHERE guild_id = :guild AND author_id = :author"
SQL_COMMENT_DELETE = "DELETE FROM comments WHERE id = :id AND guild_id = :guild AND author_id = :author"


def utc_now() -> str:
    return datetime.now(UTC).strftime(ISO_FORMAT)


@dataclass(frozen=True, slots=True)
class PledgeDraft:
    """What a member submitted, already cleaned and validated (see bot.pledges.text)."""

    text: str
    on_behalf_of: str
    region: str
    topic: str


@dataclass(frozen=True, slots=True)
class Pledge:
    id: int
    guild_id: int
    author_id: int | None
    campaign_id: int | None
    text: str
    on_behalf_of: str
    region: str
    topic: str
    lang: str
    status: str
    created_at: str
    updated_at: str
    withdrawn_at: str | None

    @property
    def active(self) -> bool:
        return self.status == "active"

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> Pledge:
        return cls(*tuple(row))


@dataclass(frozen=True, slots=True)
class Comment:
    id: int
    guild_id: int
    author_id: int | None
    topic: str
    text: str
    lang: str
    created_at: str

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> Comment:
        return cls(*tuple(row))


@dataclass(frozen=True, slots=True)
class CampaignState:
    open_id: int | None
    last_name: str | None

    @property
    def closed(self) -> bool:
        """Campaigns were run here but none takes pledges now.

        A server that never opened a campaign takes pledges without one: campaigns are an
        optional way to group a drive, not a gate on pledging.
        """
        return self.open_id is None and self.last_name is not None


async def _campaign_state(conn: aiosqlite.Connection, guild_id: int, now: str) -> CampaignState:
    async with conn.execute(SQL_CAMPAIGN_STATE, {"guild": guild_id, "now": now}) as cur:
        row = await cur.fetchone()
    assert row is not None
    return CampaignState(row["open_id"], row["last_name"])


async def _own_pledge(conn: aiosqlite.Connection, guild_id: int, author_id: int,
                      pledge_id: int) -> Pledge:
    params = {"id": pledge_id, "guild": guild_id, "author": author_id}
    async with conn.execute(SQL_PLEDGE_OWN, params) as cur:
        row = await cur.fetchone()
    if row is None:
        raise UserError("pledges.not_found", id=pledge_id)
    return Pledge.from_row(row)


@dataclass(slots=True)
class _Queued:
    guild_id: int
    author_id: int
    draft: PledgeDraft
    lang: str
    now: str
    future: asyncio.Future[Pledge]


async def _insert_rows(conn: aiosqlite.Connection,
                       accepted: list[tuple[_Queued, int | None]]) -> list[int]:
    """Insert many pledges in one round trip and read back the ids SQLite gave them.

    Inside the transaction nobody else writes, so the new rows are exactly those above the
    previous highest id, in insertion order; that is checked rather than assumed.
    """
    if not accepted:
        return []
    async with conn.execute(SQL_PLEDGE_HIGHEST) as cur:
        highest = await cur.fetchone()
    before = int(highest[0]) if highest else 0
    await conn.executemany(SQL_PLEDGE_INSERT, [
        {"guild": item.guild_id, "author": item.author_id, "campaign": campaign_id,
         "text": item.draft.text, "behalf": item.draft.on_behalf_of, "region": item.draft.region,
         "topic": item.draft.topic, "lang": item.lang, "now": item.now}
        for item, campaign_id in accepted])
    async with conn.execute(SQL_PLEDGE_NEW, {"before": before}) as cur:
        rows = list(await cur.fetchall())
    if [(r["guild_id"], r["author_id"]) for r in rows] != [
            (item.guild_id, item.author_id) for item, _ in accepted]:
        raise RuntimeError("new pledge ids did not follow insertion order; batch rolled back")
    return [int(r["id"]) for r in rows]


def _made(item: _Queued, campaign_id: int | None, pledge_id: int) -> Pledge:
    return Pledge(pledge_id, item.guild_id, item.author_id, campaign_id, item.draft.text,
                  item.draft.on_behalf_of, item.draft.region, item.draft.topic, item.lang,
                  "active", item.now, item.now, None)


class PledgeStore:
    def __init__(self, db: Database) -> None:
        self.db = db
        self._queue: list[_Queued] = []
        self._writer: asyncio.Task[None] | None = None

    async def campaign_state(self, guild_id: int, *, now: str | None = None) -> CampaignState:
        row = await self.db.fetchone(SQL_CAMPAIGN_STATE, {"guild": guild_id, "now": now or utc_now()})
        assert row is not None
        return CampaignState(row["open_id"], row["last_name"])

    async def create(self, guild_id: int, author_id: int, draft: PledgeDraft, lang: str, *,
                     now: str | None = None) -> Pledge:
        """Store a pledge under the open campaign; committed when this returns.

        Pledges arriving together are written in one transaction (group commit): in a burst,
        a commit and a handful of database round trips per pledge would queue every member
        behind all the others.
        """
        item = _Queued(guild_id, author_id, draft, lang, now or utc_now(),
                       asyncio.get_running_loop().create_future())
        self._queue.append(item)
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write_queued(),
                                               name="coalition-pledge-writer")
        return await item.future

    async def _write_queued(self) -> None:
        while self._queue:
            batch, self._queue = self._queue[:BATCH_LIMIT], self._queue[BATCH_LIMIT:]
            try:
                results = await self._insert_batch(batch)
            except asyncio.CancelledError:
                for item in batch:
                    item.future.cancel()
                raise
            except Exception as error:
                results = [error] * len(batch)
            for item, result in zip(batch, results, strict=True):
                if item.future.done():  # the member's interaction was cancelled meanwhile
                    continue
                if isinstance(result, Exception):
                    item.future.set_exception(result)
                else:
                    item.future.set_result(result)

    async def _insert_batch(self, batch: list[_Queued]) -> list[Pledge | Exception]:
        outcome: list[Pledge | Exception | None] = []
        accepted: list[tuple[_Queued, int | None]] = []
        async with self.db.transaction() as conn:
            states: dict[int, CampaignState] = {}
            for item in batch:
                if item.guild_id not in states:
                    states[item.guild_id] = await _campaign_state(conn, item.guild_id, item.now)
                state = states[item.guild_id]
                if state.closed:
                    outcome.append(UserError("pledges.campaign_closed", name=state.last_name))
                else:
                    accepted.append((item, state.open_id))
                    outcome.append(None)
            ids = await _insert_rows(conn, accepted)
        made = iter([_made(item, campaign_id, pledge_id)
                     for (item, campaign_id), pledge_id in zip(accepted, ids, strict=True)])
        return [next(made) if result is None else result for result in outcome]

    async def get_own(self, guild_id: int, author_id: int, pledge_id: int) -> Pledge:
        row = await self.db.fetchone(SQL_PLEDGE_OWN,
                                     {"id": pledge_id, "guild": guild_id, "author": author_id})
        if row is None:
            raise UserError("pledges.not_found", id=pledge_id)
        return Pledge.from_row(row)

    async def editable(self, guild_id: int, author_id: int, pledge_id: int, *,
                       now: str | None = None) -> Pledge:
        """The member's pledge if it may still change: active, and its campaign not closed."""
        async with self.db.transaction() as conn:
            return await self._editable(conn, guild_id, author_id, pledge_id, now or utc_now())

    async def _editable(self, conn: aiosqlite.Connection, guild_id: int, author_id: int,
                        pledge_id: int, now: str) -> Pledge:
        pledge = await _own_pledge(conn, guild_id, author_id, pledge_id)
        if not pledge.active:
            raise UserError("pledges.already_withdrawn", id=pledge_id)
        if pledge.campaign_id is not None:
            params = {"campaign": pledge.campaign_id, "guild": guild_id, "now": now}
            async with conn.execute(SQL_CAMPAIGN_CLOSED, params) as cur:
                if await cur.fetchone() is not None:
                    raise UserError("pledges.edit_closed", id=pledge_id)
        return pledge

    async def update(self, guild_id: int, author_id: int, pledge_id: int, draft: PledgeDraft, *,
                     now: str | None = None) -> Pledge:
        now = now or utc_now()
        async with self.db.transaction() as conn:
            await self._editable(conn, guild_id, author_id, pledge_id, now)
            await conn.execute(SQL_PLEDGE_UPDATE, {
                "id": pledge_id, "guild": guild_id, "author": author_id, "text": draft.text,
                "behalf": draft.on_behalf_of, "region": draft.region, "topic": draft.topic,
                "now": now})
            return await _own_pledge(conn, guild_id, author_id, pledge_id)

    async def withdraw(self, guild_id: int, author_id: int, pledge_id: int, *,
                       now: str | None = None) -> Pledge:
        """Mark withdrawn, keeping the row: the record of what was pledged stays."""
        now = now or utc_now()
        async with self.db.transaction() as conn:
            pledge = await _own_pledge(conn, guild_id, author_id, pledge_id)
            if not pledge.active:
                raise UserError("pledges.already_withdrawn", id=pledge_id)
            await conn.execute(SQL_PLEDGE_WITHDRAW,
                               {"id": pledge_id, "guild": guild_id, "author": author_id, "now": now})
            return await _own_pledge(conn, guild_id, author_id, pledge_id)

    async def mine(self, guild_id: int, author_id: int, *, limit: int = 5,
                   offset: int = 0) -> tuple[list[Pledge], int]:
        """One page of the member's pledges, newest first, and how many they have in all."""
        params = {"guild": guild_id, "author": author_id, "limit": limit, "offset": offset}
        rows = await self.db.fetchall(SQL_PLEDGE_MINE, params)
        total = await self.db.fetchval(SQL_PLEDGE_COUNT, params)
        return [Pledge.from_row(r) for r in rows], int(total or 0)


class CommentStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def create(self, guild_id: int, author_id: int, topic: str, text: str, lang: str, *,
                     now: str | None = None) -> Comment:
        now = now or utc_now()
        params = {"guild": guild_id, "author": author_id, "topic": topic, "text": text,
                  "lang": lang, "now": now}
        async with self.db.transaction() as conn:
            cursor = await conn.execute(SQL_COMMENT_INSERT, params)
            comment_id = cursor.lastrowid
        assert comment_id is not None
        return Comment(comment_id, guild_id, author_id, topic, text, lang, now)

    async def mine(self, guild_id: int, author_id: int, *, limit: int = 5,
                   offset: int = 0) -> tuple[list[Comment], int]:
        params = {"guild": guild_id, "author": author_id, "limit": limit, "offset": offset}
        rows = await self.db.fetchall(SQL_COMMENT_MINE, params)
        total = await self.db.fetchval(SQL_COMMENT_COUNT, params)
        return [Comment.from_row(r) for r in rows], int(total or 0)

    async def delete(self, guild_id: int, author_id: int, comment_id: int) -> None:
        """Really delete: a comment is the member's to take back entirely."""
        params = {"id": comment_id, "guild": guild_id, "author": author_id}
        async with self.db.transaction() as conn, conn.execute(SQL_COMMENT_DELETE, params) as cur:
            if cur.rowcount != 1:
                raise UserError("comments.not_found", id=comment_id)
