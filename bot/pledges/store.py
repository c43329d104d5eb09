"""Pledges as their authors see them: create, list, edit, withdraw, restore.

Members name a pledge by its number in the server (pledge 12 of this server), never by the
database id, so no counter shared by every server leaks their activity. Every query names the
server and, for anything a member reads or changes, the author too, so a number guessed from
another member or another server finds nothing. A pledge that is not the member's and one that
does not exist produce the same error: the bot is no oracle for which numbers exist.
"""

from __future__ import annotations

import asyncio
import secrets
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import aiosqlite

from bot.errors import UserError
from bot.storage import Database

ISO_FORMAT = "%Y-%m-%dT%H:%M:%SZ"
BATCH_LIMIT = 100  # pledges per transaction: enough to batch a burst, small enough to answer early ones early
# The columns of a Pledge, in field order; `p` is pledges, `c` the campaign (LEFT JOIN).
PLEDGE_SELECT = (
    "SELECT p.id, p.guild_id, p.number, p.author_id, p.campaign_id, c.name AS campaign, p.text, "
    "p.on_behalf_of, p.region, p.topic, p.lang, p.status, p.created_at, p.updated_at, "
    "p.withdrawn_at, p.progress, p.progress_at, p.progress_updates "
    "FROM pledges AS p LEFT JOIN campaigns AS c ON c.id = p.campaign_id AND c.guild_id = p.guild_id"
)

SQL_OPEN_CAMPAIGN = """
SELECT id, name, remind_days FROM campaigns WHERE guild_id = :guild AND closed_at IS NULL
  AND (closes_at IS NULL OR closes_at > :now)
"""
SQL_PLEDGE_INSERT = """
INSERT INTO pledges (guild_id, author_id, campaign_id, text, on_behalf_of, region, topic, lang,
                     created_at, updated_at)
VALUES (:guild, :author, :campaign, :text, :behalf, :region, :topic, :lang, :now, :now)
"""
SQL_REMINDER_INSERT = """
INSERT INTO pledge_reminders (pledge_id, guild_id, due_at, nonce, created_at)
VALUES (:pledge, :guild, :due, :nonce, :now)
"""
SQL_PLEDGE_HIGHEST = "SELECT coalesce(max(id), 0) FROM pledges"
SQL_PLEDGE_NEW = "SELECT id, guild_id, author_id, number FROM pledges WHERE id > :before ORDER BY id"
SQL_PLEDGE_OWN = (f"{PLEDGE_SELECT} "
                  "WHERE p.number = :number AND p.guild_id = :guild AND p.author_id = :author")
SQL_PLEDGE_MINE = (f"{PLEDGE_SELECT} WHERE p.guild_id = :guild AND p.author_id = :author "
                   "ORDER BY p.number DESC LIMIT :limit OFFSET :offset")
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
SQL_PLEDGE_RESTORE = """
UPDATE pledges SET status = 'active', withdrawn_at = NULL, updated_at = :now
WHERE id = :id AND guild_id = :guild AND author_id = :author AND status = 'withdrawn'
"""
SQL_CAMPAIGN_CLOSED = """
SELECT 1 FROM campaigns WHERE id = :campaign AND guild_id = :guild
  AND (closed_at IS NOT NULL OR (closes_at IS NOT NULL AND closes_at <= :now))
"""


def utc_now() -> str:
    return datetime.now(UTC).strftime(ISO_FORMAT)


def later(now: str, days: float) -> str:
    moment = datetime.strptime(now, ISO_FORMAT).replace(tzinfo=UTC) + timedelta(days=days)
    return moment.strftime(ISO_FORMAT)


def reminder_row(pledge_id: int, guild_id: int, days: float, now: str) -> dict[str, object]:
    """A pending reminder; its random nonce lets Discord recognise a resend of its DM."""
    return {"pledge": pledge_id, "guild": guild_id, "due": later(now, days),
            "nonce": secrets.token_hex(10), "now": now}


@dataclass(frozen=True, slots=True)
class PledgeDraft:
    """What a member submitted, already cleaned and validated (see bot.pledges.text)."""

    text: str
    on_behalf_of: str
    region: str
    topic: str
    remind_days: int = 0  # a reminder by direct message after this many days (0: none)


@dataclass(frozen=True, slots=True)
class Pledge:
    id: int  # the database id: in exports and logs, never asked of members
    guild_id: int
    number: int  # what members and moderators see: pledge `number` of this server
    author_id: int | None
    campaign_id: int | None
    campaign: str | None
    text: str
    on_behalf_of: str
    region: str
    topic: str
    lang: str
    status: str
    created_at: str
    updated_at: str
    withdrawn_at: str | None
    progress: str | None = None
    progress_at: str | None = None
    progress_updates: int = 0

    @property
    def active(self) -> bool:
        return self.status == "active"

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> Pledge:
        return cls(*tuple(row))


@dataclass(frozen=True, slots=True)
class OpenCampaign:
    id: int
    name: str
    remind_days: int | None = None  # the reminder the pledge form offers first


async def open_campaign_in(conn: aiosqlite.Connection, guild_id: int, now: str) -> OpenCampaign | None:
    async with conn.execute(SQL_OPEN_CAMPAIGN, {"guild": guild_id, "now": now}) as cur:
        row = await cur.fetchone()
    return None if row is None else OpenCampaign(int(row["id"]), str(row["name"]), row["remind_days"])


async def own_pledge(conn: aiosqlite.Connection, guild_id: int, author_id: int,
                     number: int) -> Pledge:
    params = {"number": number, "guild": guild_id, "author": author_id}
    async with conn.execute(SQL_PLEDGE_OWN, params) as cur:
        row = await cur.fetchone()
    if row is None:
        raise UserError("pledges.not_found", id=number)
    return Pledge.from_row(row)


async def campaign_closed(conn: aiosqlite.Connection, pledge: Pledge, now: str) -> bool:
    if pledge.campaign_id is None:
        return False
    params = {"campaign": pledge.campaign_id, "guild": pledge.guild_id, "now": now}
    async with conn.execute(SQL_CAMPAIGN_CLOSED, params) as cur:
        return await cur.fetchone() is not None


@dataclass(slots=True)
class _Queued:
    guild_id: int
    author_id: int
    draft: PledgeDraft
    lang: str
    now: str
    future: asyncio.Future[Pledge]


async def _insert_rows(conn: aiosqlite.Connection,
                       accepted: list[tuple[_Queued, OpenCampaign | None]]) -> list[tuple[int, int]]:
    """Insert many pledges in one round trip and read back (id, number) of each.

    Inside the transaction nobody else writes, so the new rows are exactly those above the
    previous highest id, in insertion order; that is checked rather than assumed.
    """
    async with conn.execute(SQL_PLEDGE_HIGHEST) as cur:
        highest = await cur.fetchone()
    before = int(highest[0]) if highest else 0
    await conn.executemany(SQL_PLEDGE_INSERT, [
        {"guild": item.guild_id, "author": item.author_id,
         "campaign": campaign.id if campaign else None,
         "text": item.draft.text, "behalf": item.draft.on_behalf_of, "region": item.draft.region,
         "topic": item.draft.topic, "lang": item.lang, "now": item.now}
        for item, campaign in accepted])
    async with conn.execute(SQL_PLEDGE_NEW, {"before": before}) as cur:
        rows = list(await cur.fetchall())
    if [(r["guild_id"], r["author_id"]) for r in rows] != [
            (item.guild_id, item.author_id) for item, _ in accepted]:
        raise RuntimeError("new pledge ids did not follow insertion order; batch rolled back")
    return [(int(r["id"]), int(r["number"])) for r in rows]


def _made(item: _Queued, campaign: OpenCampaign | None, ids: tuple[int, int]) -> Pledge:
    return Pledge(ids[0], item.guild_id, ids[1], item.author_id,
                  campaign.id if campaign else None, campaign.name if campaign else None,
                  item.draft.text, item.draft.on_behalf_of, item.draft.region, item.draft.topic,
                  item.lang, "active", item.now, item.now, None)


class PledgeStore:
    def __init__(self, db: Database) -> None:
        self.db = db
        self._queue: list[_Queued] = []
        self._writer: asyncio.Task[None] | None = None

    async def open_campaign(self, guild_id: int, *, now: str | None = None) -> OpenCampaign | None:
        row = await self.db.fetchone(SQL_OPEN_CAMPAIGN, {"guild": guild_id, "now": now or utc_now()})
        return None if row is None else OpenCampaign(int(row["id"]), str(row["name"]),
                                                     row["remind_days"])

    async def create(self, guild_id: int, author_id: int, draft: PledgeDraft, lang: str, *,
                     now: str | None = None) -> Pledge:
        """Store a pledge, under the open campaign if there is one; committed when this returns.

        Pledging never depends on a campaign: without an open one, the pledge has none.
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
                results: list[Pledge | Exception] = list(await self._insert_batch(batch))
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

    async def _insert_batch(self, batch: list[_Queued]) -> list[Pledge]:
        async with self.db.transaction() as conn:
            campaigns: dict[int, OpenCampaign | None] = {}
            for item in batch:
                if item.guild_id not in campaigns:
                    campaigns[item.guild_id] = await open_campaign_in(conn, item.guild_id, item.now)
            accepted = [(item, campaigns[item.guild_id]) for item in batch]
            ids = await _insert_rows(conn, accepted)
            await conn.executemany(SQL_REMINDER_INSERT, [
                reminder_row(pledge_id, item.guild_id, item.draft.remind_days, item.now)
                for item, (pledge_id, _) in zip(batch, ids, strict=True) if item.draft.remind_days])
        return [_made(item, campaign, pair)
                for (item, campaign), pair in zip(accepted, ids, strict=True)]

    async def get_own(self, guild_id: int, author_id: int, number: int) -> Pledge:
        row = await self.db.fetchone(SQL_PLEDGE_OWN,
                                     {"number": number, "guild": guild_id, "author": author_id})
        if row is None:
            raise UserError("pledges.not_found", id=number)
        return Pledge.from_row(row)

    async def editable(self, guild_id: int, author_id: int, number: int, *,
                       now: str | None = None) -> Pledge:
        """The member's pledge if its words may still change: active, its campaign not closed."""
        async with self.db.transaction() as conn:
            return await self._editable(conn, guild_id, author_id, number, now or utc_now())

    async def _editable(self, conn: aiosqlite.Connection, guild_id: int, author_id: int,
                        number: int, now: str) -> Pledge:
        pledge = await own_pledge(conn, guild_id, author_id, number)
        if not pledge.active:
            raise UserError("pledges.already_withdrawn", id=number)
        if await campaign_closed(conn, pledge, now):
            raise UserError("pledges.edit_closed", id=number)
        return pledge

    async def update(self, guild_id: int, author_id: int, number: int, draft: PledgeDraft, *,
                     now: str | None = None) -> Pledge:
        now = now or utc_now()
        async with self.db.transaction() as conn:
            pledge = await self._editable(conn, guild_id, author_id, number, now)
            await conn.execute(SQL_PLEDGE_UPDATE, {
                "id": pledge.id, "guild": guild_id, "author": author_id, "text": draft.text,
                "behalf": draft.on_behalf_of, "region": draft.region, "topic": draft.topic,
                "now": now})
            return await own_pledge(conn, guild_id, author_id, number)

    async def withdraw(self, guild_id: int, author_id: int, number: int, *,
                       now: str | None = None) -> Pledge:
        """Mark withdrawn, keeping the row: the record of what was pledged stays."""
        now = now or utc_now()
        async with self.db.transaction() as conn:
            pledge = await own_pledge(conn, guild_id, author_id, number)
            if not pledge.active:
                raise UserError("pledges.already_withdrawn", id=number)
            await conn.execute(SQL_PLEDGE_WITHDRAW,
                               {"id": pledge.id, "guild": guild_id, "author": author_id, "now": now})
            return await own_pledge(conn, guild_id, author_id, number)

    async def restore(self, guild_id: int, author_id: int, number: int, *,
                      now: str | None = None) -> Pledge:
        """Undo a withdrawal while the pledge's campaign still runs (always, without one)."""
        now = now or utc_now()
        async with self.db.transaction() as conn:
            pledge = await own_pledge(conn, guild_id, author_id, number)
            if pledge.active:
                raise UserError("pledges.not_withdrawn", id=number)
            if await campaign_closed(conn, pledge, now):
                raise UserError("pledges.restore_closed", id=number, campaign=pledge.campaign)
            await conn.execute(SQL_PLEDGE_RESTORE,
                               {"id": pledge.id, "guild": guild_id, "author": author_id, "now": now})
            return await own_pledge(conn, guild_id, author_id, number)

    async def restorable(self, pledge: Pledge, *, now: str | None = None) -> bool:
        """Whether a withdrawn pledge's receipt should offer to restore it."""
        if pledge.active:
            return False
        if pledge.campaign_id is None:
            return True
        params = {"campaign": pledge.campaign_id, "guild": pledge.guild_id, "now": now or utc_now()}
        return await self.db.fetchone(SQL_CAMPAIGN_CLOSED, params) is None

    async def mine(self, guild_id: int, author_id: int, *, limit: int = 5,
                   offset: int = 0) -> tuple[list[Pledge], int]:
        """One page of the member's pledges, newest first, and how many they have in all."""
        params = {"guild": guild_id, "author": author_id, "limit": limit, "offset": offset}
        rows = await self.db.fetchall(SQL_PLEDGE_MINE, params)
        total = await self.db.fetchval(SQL_PLEDGE_COUNT, params)
        return [Pledge.from_row(r) for r in rows], int(total or 0)

    async def choices(self, guild_id: int, author_id: int, limit: int = 25) -> list[Pledge]:
        """The member's active pledges, newest first, for the progress form's list."""
        rows = await self.db.fetchall(
            f"{PLEDGE_SELECT} WHERE p.guild_id = :guild AND p.author_id = :author "
            "AND p.status = 'active' ORDER BY p.number DESC LIMIT :limit",
            {"guild": guild_id, "author": author_id, "limit": limit})
        return [Pledge.from_row(r) for r in rows]
