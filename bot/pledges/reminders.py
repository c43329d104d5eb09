"""Reminders members ask for: "remind me in N days to report progress on this pledge".

A reminder is a row, pending until due. The sender delivers it by direct message with a nonce
stored on the row, so when the bot dies between Discord accepting the message and our marking
it sent, the resend after a restart gets the first message back instead of a second one
(`enforce_nonce`, which discord.py sets whenever a nonce is given). A member whose direct
messages are closed cannot be reached that way: the reminder becomes `undelivered`, and the
next time they use a /pledge command the bot tells them there, once (`told`).
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.errors import UserError
from bot.pledges.store import SQL_REMINDER_INSERT, Pledge, own_pledge, reminder_row, utc_now
from bot.storage import Database

MAX_DAYS = 365
FORM_CHOICES = (7, 30, 90, 180, 365)  # offered in the pledge form, with the campaign's default
DEFAULT_DAYS = 30  # /pledge remind without days, when the campaign sets no default
MAX_ATTEMPTS = 5  # Discord errors other than closed DMs, before giving up on the DM

SQL_CANCEL_PENDING = ("UPDATE pledge_reminders SET state = 'cancelled' "
                      "WHERE pledge_id = :pledge AND guild_id = :guild AND state = 'pending'")
SQL_CAMPAIGN_DAYS = "SELECT remind_days FROM campaigns WHERE id = :campaign AND guild_id = :guild"
SQL_DUE = """
SELECT r.id, r.guild_id, r.nonce, r.attempts, p.number, p.author_id, p.status, p.lang, p.text,
       p.on_behalf_of
FROM pledge_reminders AS r JOIN pledges AS p ON p.id = r.pledge_id AND p.guild_id = r.guild_id
WHERE r.state = 'pending' AND r.due_at <= :now
ORDER BY r.due_at, r.id LIMIT :limit
"""
SQL_SENT = ("UPDATE pledge_reminders SET state = 'sent', sent_at = :now, message_id = :message, "
            "attempts = attempts + 1, last_error = NULL WHERE id = :id AND state = 'pending'")
SQL_UNDELIVERED = ("UPDATE pledge_reminders SET state = 'undelivered', attempts = attempts + 1, "
                   "last_error = :error WHERE id = :id AND state = 'pending'")
SQL_RETRY = ("UPDATE pledge_reminders SET due_at = :due, attempts = attempts + 1, "
             "last_error = :error WHERE id = :id AND state = 'pending'")
SQL_DROP = "UPDATE pledge_reminders SET state = 'cancelled' WHERE id = :id AND state = 'pending'"
SQL_UNTOLD = """
SELECT r.id, p.number FROM pledge_reminders AS r
JOIN pledges AS p ON p.id = r.pledge_id AND p.guild_id = r.guild_id
WHERE r.guild_id = :guild AND p.author_id = :author AND r.state = 'undelivered'
ORDER BY r.id
"""
SQL_UNTOLD_MEMBERS = """
SELECT DISTINCT r.guild_id, p.author_id FROM pledge_reminders AS r
JOIN pledges AS p ON p.id = r.pledge_id AND p.guild_id = r.guild_id
WHERE r.state = 'undelivered' AND p.author_id IS NOT NULL
"""
SQL_TOLD = "UPDATE pledge_reminders SET state = 'told' WHERE id = :id AND state = 'undelivered'"
SQL_PENDING = ("SELECT due_at FROM pledge_reminders "
               "WHERE pledge_id = :pledge AND guild_id = :guild AND state = 'pending'")


def check_days(value: object) -> int:
    """0 (no reminder) to 365 days; anything else is refused with a message."""
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_DAYS:
        raise UserError("pledges.remind.bad_days", limit=MAX_DAYS)
    return value


def parse_form_days(value: object) -> int:
    """The form's `remind` select: one option, a number of days as text; none is no reminder."""
    if value is None or value == []:
        return 0
    chosen = value[0] if isinstance(value, list) and len(value) == 1 else None
    if not isinstance(chosen, str) or not chosen.isdigit() or len(chosen) > 3:
        raise UserError("pledges.remind.bad_days", limit=MAX_DAYS)
    return check_days(int(chosen))


@dataclass(frozen=True, slots=True)
class Due:
    id: int
    guild_id: int
    nonce: str
    attempts: int
    number: int
    author_id: int | None
    status: str
    lang: str
    text: str
    on_behalf_of: str


async def campaign_default(db: Database, guild_id: int, campaign_id: int | None) -> int | None:
    if campaign_id is None:
        return None
    value = await db.fetchval(SQL_CAMPAIGN_DAYS, {"campaign": campaign_id, "guild": guild_id})
    return None if value is None else int(value)


async def schedule(db: Database, pledge: Pledge, days: int, *, now: str | None = None) -> str | None:
    """Replace the pledge's pending reminder with one due in `days` (0: none); its due time."""
    now = now or utc_now()
    params = {"pledge": pledge.id, "guild": pledge.guild_id}
    async with db.transaction() as conn:
        await conn.execute(SQL_CANCEL_PENDING, params)
        if not days:
            return None
        row = reminder_row(pledge.id, pledge.guild_id, days, now)
        await conn.execute(SQL_REMINDER_INSERT, row)
    return str(row["due"])


async def schedule_own(db: Database, guild_id: int, author_id: int, number: int, days: int | None,
                       *, now: str | None = None) -> tuple[Pledge, str | None]:
    """/pledge remind: the member's own active pledge; `days` None means the campaign's default."""
    async with db.transaction() as conn:
        pledge = await own_pledge(conn, guild_id, author_id, number)
    if not pledge.active:
        raise UserError("pledges.progress_withdrawn", id=number)
    if days is None:
        days = await campaign_default(db, guild_id, pledge.campaign_id) or DEFAULT_DAYS
    return pledge, await schedule(db, pledge, days, now=now)


async def pending_due(db: Database, pledge: Pledge) -> str | None:
    value = await db.fetchval(SQL_PENDING, {"pledge": pledge.id, "guild": pledge.guild_id})
    return None if value is None else str(value)


async def due(db: Database, now: str, limit: int = 50) -> list[Due]:
    """Across servers by design: the sender serves them all, row by row."""
    rows = await db.fetchall(SQL_DUE, {"now": now, "limit": limit})
    return [Due(*tuple(r)) for r in rows]


async def mark_sent(db: Database, reminder: Due, message_id: int, now: str) -> None:
    await db.execute(SQL_SENT, {"id": reminder.id, "message": message_id, "now": now})


async def mark_undelivered(db: Database, reminder: Due, error: str) -> None:
    await db.execute(SQL_UNDELIVERED, {"id": reminder.id, "error": error[:500]})


async def retry_later(db: Database, reminder: Due, error: str, due_at: str) -> None:
    await db.execute(SQL_RETRY, {"id": reminder.id, "error": error[:500], "due": due_at})


async def drop(db: Database, reminder: Due) -> None:
    """A reminder for a pledge since withdrawn or anonymised has nobody to remind."""
    await db.execute(SQL_DROP, {"id": reminder.id})


async def untold(db: Database, guild_id: int, author_id: int) -> list[tuple[int, int]]:
    """(reminder id, pledge number) of this member's undelivered reminders in this server."""
    rows = await db.fetchall(SQL_UNTOLD, {"guild": guild_id, "author": author_id})
    return [(int(r["id"]), int(r["number"])) for r in rows]


async def mark_told(db: Database, reminder_ids: list[int]) -> None:
    async with db.transaction() as conn:
        await conn.executemany(SQL_TOLD, [{"id": i} for i in reminder_ids])


class Undelivered:
    """The members (server, member) with a reminder their closed DMs stopped, kept in memory so
    that answering a /pledge command costs no query for the many who have none. Filled from
    the database when the bot starts; the sender adds to it, telling the member removes."""

    def __init__(self) -> None:
        self.members: set[tuple[int, int]] = set()

    async def load(self, db: Database) -> None:
        rows = await db.fetchall(SQL_UNTOLD_MEMBERS)
        self.members = {(int(r["guild_id"]), int(r["author_id"])) for r in rows}

    def __contains__(self, member: object) -> bool:
        return member in self.members

    def add(self, guild_id: int, author_id: int) -> None:
        self.members.add((guild_id, author_id))

    def discard(self, guild_id: int, author_id: int) -> None:
        self.members.discard((guild_id, author_id))
