"""Pledge campaigns: at most one open per server, optionally closing by itself on a date.

A campaign groups the pledges made during one drive (as states pledged around the 2010 Review
Conference). The database enforces "one open per server" with a partial unique index; a
campaign whose closing date has passed is treated as closed everywhere, and its row is marked
closed the next time a moderator opens or closes one, so the index never blocks a new drive.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import UTC, date, datetime

import aiosqlite

from bot.errors import UserError
from bot.storage import Database
from bot.text import member_line

NAME_MAX = 100
ISO_FORMAT = "%Y-%m-%dT%H:%M:%SZ"

SQL_COLUMNS = "id, guild_id, name, opened_by, opened_at, closes_at, closed_at"
SQL_OPEN_ROW = f"SELECT {SQL_COLUMNS} FROM campaigns WHERE guild_id = :guild AND closed_at IS NULL"
SQL_LATEST = (f"SELECT {SQL_COLUMNS} FROM campaigns WHERE guild_id = :guild "
              "ORDER BY opened_at DESC, id DESC LIMIT 1")
SQL_BY_NAME = f"SELECT {SQL_COLUMNS} FROM campaigns WHERE guild_id = :guild AND name = :name"
SQL_NAMES = ("SELECT name FROM campaigns WHERE guild_id = :guild "
             "ORDER BY opened_at DESC, id DESC LIMIT :limit")
SQL_EXPIRE = (
    "UPDATE campaigns SET closed_at = closes_at WHERE guild_id = :guild AND closed_at IS NULL "
    "AND closes_at IS NOT NULL AND closes_at <= :now"
)
SQL_INSERT = (
    "INSERT INTO campaigns (guild_id, name, opened_by, opened_at, closes_at) "
    "VALUES (:guild, :name, :by, :now, :closes)"
)
SQL_CLOSE = "UPDATE campaigns SET closed_at = :now WHERE id = :id AND guild_id = :guild"


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime(ISO_FORMAT)


def now_iso() -> str:
    return iso(datetime.now(UTC))


@dataclass(frozen=True, slots=True)
class Campaign:
    id: int
    guild_id: int
    name: str
    opened_by: int
    opened_at: str
    closes_at: str | None
    closed_at: str | None

    def is_open(self, now: str | None = None) -> bool:
        """Open until closed by a moderator or until its closing date has passed."""
        if self.closed_at is not None:
            return False
        return self.closes_at is None or (now or now_iso()) < self.closes_at

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> Campaign:
        return cls(*(row[k] for k in ("id", "guild_id", "name", "opened_by", "opened_at",
                                       "closes_at", "closed_at")))


def clean_name(raw: str) -> str:
    """Names are shown in exports and stats: one line, no control characters, 1..100 chars.

    Bidirectional controls go too, so a name cannot display reversed in a moderator's list, and
    a name with nothing visible is empty.
    """
    text = member_line(raw)
    if not text:
        raise UserError("pledges_admin.campaign.name_empty")
    if len(text) > NAME_MAX:
        raise UserError("pledges_admin.campaign.name_too_long", count=NAME_MAX)
    return text


def parse_day(raw: str, error_key: str) -> date:
    """A calendar date typed by a moderator (YYYY-MM-DD); anything else is their mistake."""
    try:
        return date.fromisoformat(raw.strip())
    except ValueError:
        raise UserError(error_key, value=raw.strip()[:40]) from None


def closing_moment(day: date) -> str:
    """A campaign 'closing on' a day accepts pledges until the end of that day (UTC)."""
    return f"{day.isoformat()}T23:59:59Z"


async def current(db: Database, guild_id: int, *, now: str | None = None) -> Campaign | None:
    """The campaign new pledges attach to, if one is open right now."""
    row = await db.fetchone(SQL_OPEN_ROW, {"guild": guild_id})
    campaign = None if row is None else Campaign.from_row(row)
    return campaign if campaign is not None and campaign.is_open(now) else None


async def latest(db: Database, guild_id: int) -> Campaign | None:
    """The most recently opened campaign, open or not (to tell members one has closed)."""
    row = await db.fetchone(SQL_LATEST, {"guild": guild_id})
    return None if row is None else Campaign.from_row(row)


async def find(db: Database, guild_id: int, name: str) -> Campaign | None:
    row = await db.fetchone(SQL_BY_NAME, {"guild": guild_id, "name": name})
    return None if row is None else Campaign.from_row(row)


async def names(db: Database, guild_id: int, query: str = "", limit: int = 25) -> list[str]:
    """Recent campaign names containing `query` (case-insensitive), for autocomplete."""
    rows = await db.fetchall(SQL_NAMES, {"guild": guild_id, "limit": 500})
    needle = query.strip().casefold()
    return [row["name"] for row in rows if needle in row["name"].casefold()][:limit]


async def _fetch_open(conn: aiosqlite.Connection, guild_id: int) -> Campaign | None:
    async with conn.execute(SQL_OPEN_ROW, {"guild": guild_id}) as cur:
        row = await cur.fetchone()
    return None if row is None else Campaign.from_row(row)


async def open_campaign(
    db: Database, guild_id: int, name: str, opened_by: int, *,
    closes: date | None = None, now: str | None = None,
) -> Campaign:
    name = clean_name(name)
    now = now or now_iso()
    closes_at = None if closes is None else closing_moment(closes)
    if closes_at is not None and closes_at <= now:
        raise UserError("pledges_admin.campaign.closes_past", date=closes if closes else "")
    async with db.transaction() as conn:
        await conn.execute(SQL_EXPIRE, {"guild": guild_id, "now": now})
        existing = await _fetch_open(conn, guild_id)
        if existing is not None:
            raise UserError("pledges_admin.campaign.already_open", name=existing.name)
        params = {"guild": guild_id, "name": name, "by": opened_by, "now": now, "closes": closes_at}
        try:
            cursor = await conn.execute(SQL_INSERT, params)
        except sqlite3.IntegrityError:
            raise UserError("pledges_admin.campaign.name_taken", name=name) from None
        campaign_id = cursor.lastrowid
    assert campaign_id is not None
    return Campaign(campaign_id, guild_id, name, opened_by, now, closes_at, None)


async def close_campaign(db: Database, guild_id: int, *, now: str | None = None) -> Campaign:
    """Close this server's open campaign; a campaign already past its date counts as open here
    only for the purpose of marking it closed (returned with the date it really closed)."""
    now = now or now_iso()
    async with db.transaction() as conn:
        existing = await _fetch_open(conn, guild_id)
        if existing is None:
            raise UserError("pledges_admin.campaign.none_open")
        closed_at = now if existing.is_open(now) else existing.closes_at or now
        await conn.execute(SQL_CLOSE, {"now": closed_at, "id": existing.id, "guild": guild_id})
    return Campaign(existing.id, guild_id, existing.name, existing.opened_by, existing.opened_at,
                    existing.closes_at, closed_at)
