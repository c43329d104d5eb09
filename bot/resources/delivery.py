"""Announcements Discord refuses (403, 400): what it means, what moderators can do, said once.

A 403 means the bot lacks a permission in the channel, which a moderator fixes in the channel's
settings: the row stays pending and is tried again on a backoff, and at once when the server's
channels or roles change. A 400 means Discord refused the message itself; sending it again
cannot work, so it is parked (a change of channel in /config wakes it for one more try). Either
way the moderators' channel hears of it once per channel and reason, however many
announcements wait behind it, and /status shows why each channel's announcements wait.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

import discord

from bot.channel_access import NEEDS, labels, missing
from bot.guild_settings import GuildSettings
from bot.resources.clock import iso, later
from bot.resources.notify import guild_lang, tell_moderators
from bot.storage import Database

if TYPE_CHECKING:
    from bot.resources.outbox import Poster, Queued

log = logging.getLogger(__name__)
FORBIDDEN = "forbidden"
REJECTED = "rejected"
FORBIDDEN_RETRY = 3600.0  # a fix made in Discord's settings is also noticed at once (wake_forbidden)

REPORTED = """
SELECT 1 FROM outbox
WHERE guild_id = :guild_id AND state IN ('pending', 'parked') AND channel_id = :channel_id
  AND reason = :reason
LIMIT 1
"""
HOLD = """
UPDATE outbox SET state = :state, channel_id = :channel_id, reason = :reason,
                  attempts = attempts + 1, last_error = :error, next_attempt_at = :next
WHERE id = :id AND guild_id = :guild_id AND state = 'pending'
"""
WAKE_FORBIDDEN = """
UPDATE outbox SET next_attempt_at = :now
WHERE guild_id = :guild_id AND state = 'pending' AND reason = 'forbidden'
"""
# What /status groups waiting announcements by. 'no channel configured' is the poster's own
# note for a server without a channel (bot/resources/outbox.py).
WAITING = """
SELECT CASE
         WHEN reason IS NOT NULL THEN reason
         WHEN state = 'parked' THEN 'channel_gone'
         WHEN last_error = 'no channel configured' THEN 'no_channel'
         WHEN last_error IS NOT NULL THEN 'retrying'
         ELSE 'queued'
       END AS why,
       channel_id, count(*) AS n, max(last_error) AS error
FROM outbox
WHERE guild_id = :guild_id AND state IN ('pending', 'parked')
GROUP BY why, channel_id
ORDER BY n DESC, why
"""


@dataclass(frozen=True, slots=True)
class Waiting:
    why: str  # forbidden, rejected, channel_gone, no_channel, retrying, queued
    channel_id: int | None
    count: int
    error: str | None


def reason_for(exc: discord.HTTPException) -> str | None:
    if exc.status == 403:
        return FORBIDDEN
    if exc.status == 400:
        return REJECTED
    return None


async def hold(db: Database, item: Queued, channel_id: int, reason: str, *, error: str,
               next_at: str) -> bool:
    """Record why the row waits; True when no waiting row had this channel and reason yet."""
    params = {"id": item.id, "guild_id": item.guild_id, "channel_id": channel_id, "reason": reason,
              "error": error, "next": next_at,
              "state": "parked" if reason == REJECTED else "pending"}
    async with db.transaction() as conn:
        async with conn.execute(REPORTED, params) as cur:
            first = await cur.fetchone() is None
        await conn.execute(HOLD, params)
    return first


async def refused(poster: Poster, item: Queued, channel_id: int, exc: discord.HTTPException,
                  now: datetime) -> bool:
    """Handle a 403 or 400 for the poster; False for any other error (the poster retries it)."""
    reason = reason_for(exc)
    if reason is None:
        return False
    error = f"{exc.status} {exc.code}: {exc.text}"[:500]
    next_at = later(now, FORBIDDEN_RETRY) if reason == FORBIDDEN else iso(now)
    first = await hold(poster.outbox.db, item, channel_id, reason, error=error, next_at=next_at)
    log.warning("announcement %s to channel %s refused (%s); %s", item.id, channel_id, error,
                "parked" if reason == REJECTED else f"retry at {next_at}")
    if first:
        await report(poster.client, poster.settings, item, channel_id, exc)
    return True


async def report(client: discord.Client, settings: GuildSettings, item: Queued, channel_id: int,
                 exc: discord.HTTPException) -> None:
    reason = reason_for(exc)
    lang = guild_lang(client, item.guild_id)
    lacking = missing(client.get_channel(channel_id), "announcements") or list(NEEDS["announcements"])
    await tell_moderators(client, settings, item.guild_id, f"delivery.notice.{reason}",
                          channel=f"<#{channel_id}>", missing=labels(lacking, lang),
                          error=f"{exc.status} {exc.code}: {exc.text}"[:200], id=item.id)


async def wake_forbidden(db: Database, guild_id: int, now: datetime) -> int:
    """Channels or roles changed: announcements refused for want of a permission try again now."""
    return await db.execute(WAKE_FORBIDDEN, {"guild_id": guild_id, "now": iso(now)})


async def waiting(db: Database, guild_id: int) -> list[Waiting]:
    rows = await db.fetchall(WAITING, {"guild_id": guild_id})
    return [Waiting(str(r["why"]), r["channel_id"], int(r["n"]), r["error"]) for r in rows]
