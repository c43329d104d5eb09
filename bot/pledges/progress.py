"""Progress on a pledge, reported by its author: what was done, as the Review Conference asked.

Every update is kept (date, status, note), and the latest is copied onto the pledge in the same
transaction so lists, exports and reports read it without a join. Only the author reports
progress on their own pledge (found by server, author and number); there is no path for
anybody else, moderators included, to set a member's status or words.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.errors import UserError
from bot.pledges.store import Pledge, own_pledge, utc_now
from bot.pledges.text import Field, clean
from bot.storage import Database
from bot.text import strip_controls

STATUSES = ("planned", "in_progress", "fulfilled", "not_fulfilled")
FINAL = ("fulfilled", "not_fulfilled")  # a pending reminder has nothing left to ask for
NOTE = Field(500, "pledges.error.note_empty", "pledges.error.note_too_long")

SQL_INSERT = """
INSERT INTO pledge_updates (pledge_id, guild_id, status, note, created_at)
VALUES (:pledge, :guild, :status, :note, :now)
"""
SQL_LATEST = """
UPDATE pledges SET progress = :status, progress_at = :now, progress_updates = progress_updates + 1
WHERE id = :pledge AND guild_id = :guild
"""
SQL_CANCEL_REMINDERS = ("UPDATE pledge_reminders SET state = 'cancelled' "
                        "WHERE pledge_id = :pledge AND guild_id = :guild AND state = 'pending'")
SQL_HISTORY = ("SELECT status, note, created_at FROM pledge_updates "
               "WHERE pledge_id = :pledge AND guild_id = :guild ORDER BY id DESC LIMIT :limit")


@dataclass(frozen=True, slots=True)
class Update:
    status: str
    note: str
    created_at: str


def check_status(value: object) -> str:
    if not isinstance(value, str) or value not in STATUSES:
        raise UserError("pledges.error.bad_progress")
    return value


def clean_note(value: object) -> str:
    """The note is optional: nothing (or only blanks) is no note; anything else is cleaned as
    member text is, so a note of only invisible characters is refused like an empty pledge."""
    if value is None or (isinstance(value, str) and not strip_controls(value).strip()):
        return ""
    return clean(value, NOTE)


async def record(db: Database, guild_id: int, author_id: int, number: int, *, status: str,
                 note: str, now: str | None = None) -> Pledge:
    """Add an update to the member's own active pledge; committed when this returns."""
    now = now or utc_now()
    async with db.transaction() as conn:
        pledge = await own_pledge(conn, guild_id, author_id, number)
        if not pledge.active:
            raise UserError("pledges.progress_withdrawn", id=number)
        params = {"pledge": pledge.id, "guild": guild_id, "status": status, "note": note,
                  "now": now}
        await conn.execute(SQL_INSERT, params)
        await conn.execute(SQL_LATEST, params)
        if status in FINAL:
            await conn.execute(SQL_CANCEL_REMINDERS, params)
        return await own_pledge(conn, guild_id, author_id, number)


async def history(db: Database, pledge: Pledge, limit: int = 100) -> list[Update]:
    """The pledge's updates, newest first."""
    rows = await db.fetchall(SQL_HISTORY, {"pledge": pledge.id, "guild": pledge.guild_id,
                                           "limit": limit})
    return [Update(r["status"], r["note"], r["created_at"]) for r in rows]
