"""Posting each server's weekly digest: once per ISO week, exactly once across restarts.

A server opts in with /config digest (a channel and a weekday). On or after that weekday, the
poster claims the week in `digests` (one row per server and week, committed before anything is
sent), then posts with the row's nonce (`enforce_nonce`), so a post that Discord accepted just
before the bot died comes back as the same message when the restarted bot tries again, and a
week already marked sent is never posted again. A week the bot was down for entirely is not
caught up later: the digest is about the last seven days, and the next one covers them.
"""

from __future__ import annotations

import logging
import secrets
from datetime import UTC, datetime

import aiohttp
import discord

from bot.digest import content
from bot.guild_settings import GuildSettings
from bot.resources.notify import guild_lang
from bot.storage import Database

log = logging.getLogger(__name__)
DIGEST_CHANNEL = "digest_channel"
DIGEST_DAY = "digest_day"  # 0 = Monday ... 6 = Sunday
DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
MAX_ATTEMPTS = 5
ISO_FORMAT = "%Y-%m-%dT%H:%M:%SZ"

SQL_SUBSCRIBED = """
SELECT c.guild_id, c.value AS channel, coalesce(d.value, '0') AS day
FROM guild_settings AS c
LEFT JOIN guild_settings AS d ON d.guild_id = c.guild_id AND d.key = 'digest_day'
WHERE c.key = 'digest_channel'
"""
SQL_CLAIM = ("INSERT INTO digests (guild_id, week, nonce, created_at) VALUES (:guild, :week, "
             ":nonce, :now) ON CONFLICT (guild_id, week) DO NOTHING")
SQL_ROW = "SELECT state, nonce, attempts FROM digests WHERE guild_id = :guild AND week = :week"
SQL_SENT = ("UPDATE digests SET state = 'sent', channel_id = :channel, message_id = :message, "
            "sent_at = :now, attempts = attempts + 1 WHERE guild_id = :guild AND week = :week "
            "AND state = 'pending'")
SQL_FAILED = ("UPDATE digests SET attempts = attempts + 1, last_error = :error, "
              "state = iif(attempts + 1 >= :most, 'failed', 'pending') "
              "WHERE guild_id = :guild AND week = :week AND state = 'pending'")


def week_of(moment: datetime) -> str:
    year, week, _ = moment.isocalendar()
    return f"{year}-W{week:02d}"


class DigestPoster:
    def __init__(self, client: discord.Client, db: Database, settings: GuildSettings) -> None:
        self.client = client
        self.db = db
        self.settings = settings

    async def run_once(self, now: datetime | None = None) -> int:
        """Post every digest due now; the number posted."""
        moment = now or datetime.now(UTC)
        posted = 0
        for row in await self.db.fetchall(SQL_SUBSCRIBED):
            day = int(row["day"]) if str(row["day"]).isdigit() else 0
            if moment.weekday() >= day and str(row["channel"]).isdigit():
                posted += await self.post(int(row["guild_id"]), int(row["channel"]), moment)
        return posted

    async def post(self, guild_id: int, channel_id: int, moment: datetime) -> int:
        week = week_of(moment)
        key = {"guild": guild_id, "week": week}
        async with self.db.transaction() as conn:
            await conn.execute(SQL_CLAIM, {**key, "nonce": secrets.token_hex(10),
                                           "now": moment.strftime(ISO_FORMAT)})
            async with conn.execute(SQL_ROW, key) as cur:
                claimed = await cur.fetchone()
        if claimed is None or claimed["state"] != "pending":
            return 0
        body = content.embed(await content.gather(self.db, guild_id, moment),
                             guild_lang(self.client, guild_id))
        channel = self.client.get_partial_messageable(channel_id, guild_id=guild_id)
        try:
            message = await channel.send(embed=body, nonce=claimed["nonce"])
        except (discord.HTTPException, discord.RateLimited, aiohttp.ClientError, TimeoutError,
                OSError) as exc:
            log.warning("digest for guild %s, week %s: not posted (%s)", guild_id, week, exc)
            await self.db.execute(SQL_FAILED, {**key, "error": str(exc)[:500],
                                               "most": MAX_ATTEMPTS})
            return 0
        await self.db.execute(SQL_SENT, {**key, "channel": channel_id, "message": message.id,
                                         "now": moment.strftime(ISO_FORMAT)})
        return 1
