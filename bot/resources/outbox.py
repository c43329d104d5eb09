"""The announcement outbox and the poster that empties it.

A row is queued in the same transaction as its resource. The poster sends it with a nonce derived
from the resource and `enforce_nonce` (discord.py sets it whenever a nonce is given), so when the
bot dies between Discord accepting the message and our marking it sent, the resend after a restart
gets the first message back instead of a second one. Failures leave the row pending with a
backoff; a deleted channel parks it until a moderator configures another channel.

Servers are served side by side: each pass takes at most PER_GUILD due rows of each server (a
server's first before anyone's second) and posts every server's rows in its own lane, in order,
lanes running at once. One server's backlog (thousands of announcements behind Discord's
per-channel rate limit) then delays another server's announcement by one pass at most, instead
of by the time it takes to post the whole backlog.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import aiohttp
import discord

from bot.guild_settings import GuildSettings
from bot.resources.clock import iso, later, utcnow
from bot.resources.delivery import refused
from bot.resources.notify import guild_lang, tell_moderators
from bot.resources.render import announcement_embed
from bot.resources.settings import announcement_channel, crosspost_enabled
from bot.resources.store import Resource
from bot.storage import Database

log = logging.getLogger(__name__)
UNKNOWN_CHANNEL = 10003
BASE_BACKOFF = 30.0
MAX_BACKOFF = 3600.0
NO_CHANNEL_RECHECK = 3600.0
# Discord allows about ten crossposts an hour per channel; past that discord.py would sleep
# through a retry_after of up to an hour with every server's announcements waiting behind it.
CROSSPOST_TIMEOUT = 10.0
CROSSPOST_PAUSE = 600.0

PER_GUILD = 5  # rows of one server per pass
LANES = 8  # servers posting at once (Discord's global limit is 50 requests a second)
SELECT_DUE = """
SELECT o.id AS outbox_id, o.nonce, o.attempts, r.*, f.channel_id AS feed_channel
FROM outbox AS o
JOIN resources AS r ON r.id = o.resource_id
LEFT JOIN feeds AS f ON f.id = r.feed_id
WHERE o.state = 'pending' AND o.next_attempt_at <= :now
ORDER BY o.next_attempt_at, o.id
LIMIT :limit
"""
# Each server's due rows numbered in its own order; every server's first, then every second...
SELECT_DUE_FAIRLY = """
WITH due AS (
    SELECT id, next_attempt_at,
           row_number() OVER (PARTITION BY guild_id ORDER BY next_attempt_at, id) AS turn
    FROM outbox
    WHERE state = 'pending' AND next_attempt_at <= :now
)
SELECT o.id AS outbox_id, o.nonce, o.attempts, r.*, f.channel_id AS feed_channel
FROM due
JOIN outbox AS o ON o.id = due.id
JOIN resources AS r ON r.id = o.resource_id
LEFT JOIN feeds AS f ON f.id = r.feed_id
WHERE due.turn <= :per_guild
ORDER BY due.turn, due.next_attempt_at, due.id
LIMIT :limit
"""
MARK_SENT = """
UPDATE outbox SET state = 'sent', channel_id = :channel_id, message_id = :message_id,
                  sent_at = :now, attempts = attempts + 1, last_error = NULL
WHERE id = :id AND guild_id = :guild_id AND state = 'pending'
"""
RETRY_LATER = """
UPDATE outbox SET attempts = attempts + :counted, next_attempt_at = :next, last_error = :error
WHERE id = :id AND guild_id = :guild_id AND state = 'pending'
"""
ALREADY_PARKED = """
SELECT 1 FROM outbox WHERE guild_id = :guild_id AND state = 'parked' AND channel_id = :channel_id
LIMIT 1
"""
PARK = """
UPDATE outbox SET state = 'parked', channel_id = :channel_id, attempts = attempts + 1,
                  last_error = :error
WHERE id = :id AND guild_id = :guild_id AND state = 'pending'
"""
WAKE = """
UPDATE outbox SET state = 'pending', next_attempt_at = :now
WHERE guild_id = :guild_id AND state IN ('pending', 'parked')
"""
COUNT_BY_STATE = "SELECT state, count(*) AS n FROM outbox WHERE guild_id = :guild_id GROUP BY state"


@dataclass(frozen=True, slots=True)
class Queued:
    """A pending announcement with what is needed to route and render it."""

    id: int
    nonce: str
    attempts: int
    feed_channel: int | None
    resource: Resource

    @property
    def guild_id(self) -> int:
        return self.resource.guild_id


class Outbox:
    """SQL for the outbox; every statement carries the row's server."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def due(self, now: datetime, limit: int, per_guild: int | None = None) -> list[Queued]:
        """Across servers by design: the poster serves them all. With `per_guild`, at most that
        many rows of each server, taken in turns; without, the oldest rows whoever's they are."""
        params = {"now": iso(now), "limit": limit, "per_guild": per_guild}
        rows = await self.db.fetchall(SELECT_DUE if per_guild is None else SELECT_DUE_FAIRLY,
                                      params)
        return [Queued(id=r["outbox_id"], nonce=r["nonce"], attempts=r["attempts"],
                       feed_channel=r["feed_channel"], resource=Resource.from_row(r))
                for r in rows]

    async def mark_sent(
        self, item: Queued, channel_id: int, message_id: int, now: datetime,
    ) -> None:
        await self.db.execute(MARK_SENT, {"id": item.id, "guild_id": item.guild_id,
                                          "channel_id": channel_id, "message_id": message_id,
                                          "now": iso(now)})

    async def retry_later(
        self, item: Queued, error: str, delay: float, now: datetime, *, counted: bool = True,
    ) -> None:
        await self.db.execute(RETRY_LATER, {"id": item.id, "guild_id": item.guild_id,
                                            "counted": int(counted), "next": later(now, delay),
                                            "error": error[:500]})

    async def park(self, item: Queued, channel_id: int, error: str) -> bool:
        """Park the row; True when it is the first parked for that channel (worth reporting)."""
        params = {"id": item.id, "guild_id": item.guild_id, "channel_id": channel_id,
                  "error": error[:500]}
        async with self.db.transaction() as conn:
            async with conn.execute(ALREADY_PARKED, params) as cur:
                first = await cur.fetchone() is None
            await conn.execute(PARK, params)
        return first

    async def wake(self, guild_id: int, now: datetime | None = None) -> int:
        """After a channel setting changed: everything waiting here is tried again now."""
        return await self.db.execute(WAKE, {"guild_id": guild_id, "now": iso(now or utcnow())})

    async def counts(self, guild_id: int) -> dict[str, int]:
        rows = await self.db.fetchall(COUNT_BY_STATE, {"guild_id": guild_id})
        return {str(r["state"]): int(r["n"]) for r in rows}


def backoff(attempts: int) -> float:
    return float(min(BASE_BACKOFF * 2 ** min(attempts, 16), MAX_BACKOFF))


def retry_after(exc: discord.HTTPException) -> float:
    """Discord's own wait for a 429 that discord.py gave up retrying (0 when there is none)."""
    headers = getattr(exc.response, "headers", None) or {}
    try:
        return max(0.0, float(headers.get("Retry-After", 0)))
    except ValueError:
        return 0.0


class Poster:
    """`fair=False` is the single FIFO the poster used to be, kept as the fairness benchmark's
    baseline."""

    def __init__(self, client: discord.Client, db: Database, settings: GuildSettings,
                 *, batch: int = 100, per_guild: int = PER_GUILD, lanes: int = LANES,
                 fair: bool = True) -> None:
        self.client = client
        self.outbox = Outbox(db)
        self.settings = settings
        self.batch = batch
        self.per_guild = per_guild
        self.lanes = lanes
        self.fair = fair
        self.wakeup = asyncio.Event()
        self.crosspost_timeout = CROSSPOST_TIMEOUT
        self._crosspost_paused: dict[int, float] = {}  # channel id -> loop time to resume

    async def run_once(self, now: datetime | None = None) -> int:
        """One pass over the due announcements (a few of each server); the number posted."""
        moment = now or utcnow()
        if not self.fair:
            return await self._run_fifo(moment)
        items = await self.outbox.due(moment, self.batch, self.per_guild)
        lanes: dict[int, list[Queued]] = {}
        for item in items:
            lanes.setdefault(item.guild_id, []).append(item)
        gate = asyncio.Semaphore(self.lanes)

        async def lane(queue: list[Queued]) -> int:
            async with gate:
                return sum([await self.deliver(item, moment) for item in queue])

        # Every lane finishes before the pass ends, even when one fails: a lane left running
        # would meet the next pass's copy of its rows.
        results = await asyncio.gather(*(lane(queue) for queue in lanes.values()),
                                       return_exceptions=True)
        if len(items) == self.batch or any(len(q) == self.per_guild for q in lanes.values()):
            self.wakeup.set()  # more may be due: the loop comes straight back
        for result in results:
            if isinstance(result, BaseException):
                raise result
        return sum(r for r in results if isinstance(r, int))

    async def _run_fifo(self, moment: datetime) -> int:
        items = await self.outbox.due(moment, self.batch)
        posted = sum([await self.deliver(item, moment) for item in items])
        if len(items) == self.batch:
            self.wakeup.set()
        return posted

    async def target(self, item: Queued) -> int | None:
        return await announcement_channel(self.settings, item.guild_id,
                                          feed_channel=item.feed_channel,
                                          region=item.resource.region)

    def channel(self, channel_id: int, guild_id: int) -> Any:
        cached = self.client.get_channel(channel_id)
        if isinstance(cached, discord.TextChannel) and cached.guild.id == guild_id:
            return cached
        return self.client.get_partial_messageable(channel_id, guild_id=guild_id)

    async def send(self, item: Queued, channel_id: int) -> discord.Message:
        """Post the announcement; Discord answers a repeated nonce with the first message."""
        embed = announcement_embed(item.resource, guild_lang(self.client, item.guild_id))
        message: discord.Message = await self.channel(channel_id, item.guild_id).send(
            embed=embed, nonce=item.nonce)
        return message

    async def deliver(self, item: Queued, now: datetime) -> int:
        channel_id = await self.target(item)
        if channel_id is None:
            await self.outbox.retry_later(item, "no channel configured", NO_CHANNEL_RECHECK, now,
                                          counted=False)
            return 0
        try:
            message = await self.send(item, channel_id)
        except discord.HTTPException as exc:
            await self.failed(item, channel_id, exc, now)
            return 0
        except discord.RateLimited as exc:
            log.warning("announcement %s: rate limited for %.0f s, retrying later", item.id,
                        exc.retry_after)
            await self.outbox.retry_later(item, f"rate limited for {exc.retry_after:.0f} s",
                                          max(backoff(item.attempts), exc.retry_after), now)
            return 0
        except (aiohttp.ClientError, TimeoutError, OSError) as exc:
            log.warning("announcement %s: network error %r, retrying later", item.id, exc)
            await self.outbox.retry_later(item, f"network: {exc!r}", backoff(item.attempts), now)
            return 0
        await self.outbox.mark_sent(item, channel_id, message.id, now)
        await self.crosspost(item, message)
        return 1

    async def failed(self, item: Queued, channel_id: int, exc: discord.HTTPException,
                     now: datetime) -> None:
        error = f"{exc.status} {exc.code}: {exc.text}"[:500]
        if isinstance(exc, discord.NotFound) and exc.code == UNKNOWN_CHANNEL:
            log.warning("announcement %s: channel %s is gone; parked", item.id, channel_id)
            if await self.outbox.park(item, channel_id, error):
                await self.report_gone(item, channel_id)
            return
        if await refused(self, item, channel_id, exc, now):
            return  # 403 or 400: reported to the moderators once, retried or parked
        delay = max(backoff(item.attempts), retry_after(exc))
        log.warning("announcement %s to channel %s failed (%s); retry in %.0f s",
                    item.id, channel_id, error, delay)
        await self.outbox.retry_later(item, error, delay, now)

    async def report_gone(self, item: Queued, channel_id: int) -> None:
        """A feed's own channel wins over every /config channel, so for it the remedy is /feeds."""
        if item.feed_channel == channel_id and item.resource.feed_id is not None:
            await tell_moderators(self.client, self.settings, item.guild_id,
                                  "resources.notice.feed_channel_gone", channel=f"<#{channel_id}>",
                                  feed=item.resource.feed_id)
            return
        await tell_moderators(self.client, self.settings, item.guild_id,
                              "resources.notice.channel_gone", channel=f"<#{channel_id}>")

    async def crosspost(self, item: Queued, message: discord.Message) -> None:
        """Publish to followers in an announcement channel; a failure here loses nothing."""
        channel = message.channel
        if not (isinstance(channel, discord.TextChannel) and channel.is_news()):
            return
        if not await crosspost_enabled(self.settings, item.guild_id):
            return
        clock = asyncio.get_running_loop().time()
        if self._crosspost_paused.get(channel.id, 0.0) > clock:
            log.warning("not crossposting message %s: channel %s is rate limited",
                        message.id, channel.id)
            return
        try:
            await asyncio.wait_for(message.publish(), timeout=self.crosspost_timeout)
        except (TimeoutError, discord.RateLimited):
            self._crosspost_paused[channel.id] = clock + CROSSPOST_PAUSE
            log.warning("gave up crossposting message %s in channel %s (rate limited); pausing "
                        "crossposts there", message.id, channel.id)
        except discord.HTTPException as exc:
            log.warning("could not crosspost message %s in channel %s: %s",
                        message.id, channel.id, exc)
