"""Sending due reminders by direct message (see bot.pledges.reminders for the guarantees)."""

from __future__ import annotations

import logging

import aiohttp
import discord

from bot.pledges import reminders
from bot.pledges.buttons import ReminderButton, view_of
from bot.pledges.reminders import Due
from bot.pledges.render import reminder_embed
from bot.pledges.store import later, utc_now
from bot.storage import Database

log = logging.getLogger(__name__)
CANNOT_MESSAGE_USER = 50007  # Discord's answer when the member does not accept our DMs
RETRY_DAYS = (5 / 1440, 30 / 1440, 2 / 24, 6 / 24, 1.0)  # 5 min, 30 min, 2 h, 6 h, 1 day


class ReminderSender:
    def __init__(self, client: discord.Client, db: Database, *, batch: int = 50) -> None:
        self.client = client
        self.db = db
        self.batch = batch
        self.undelivered = reminders.Undelivered()

    async def run_once(self, now: str | None = None) -> int:
        """Try every due reminder once; the number delivered."""
        moment = now or utc_now()
        sent = 0
        for item in await reminders.due(self.db, moment, self.batch):
            sent += await self.deliver(item, moment)
        return sent

    async def deliver(self, item: Due, now: str) -> int:
        if item.author_id is None or item.status != "active":
            await reminders.drop(self.db, item)
            return 0
        try:
            message = await self.send(item, item.author_id)
        except discord.HTTPException as exc:
            await self.failed(item, exc, now)
            return 0
        except (discord.RateLimited, aiohttp.ClientError, TimeoutError, OSError) as exc:
            await self.later(item, f"{type(exc).__name__}: {exc}", now)
            return 0
        await reminders.mark_sent(self.db, item, message.id, now)
        return 1

    async def send(self, item: Due, user_id: int) -> discord.Message:
        """The DM, with a nonce Discord uses to return the first message on a resend."""
        guild = self.client.get_guild(item.guild_id)
        channel = await self.client.create_dm(discord.Object(user_id))
        return await channel.send(
            embed=reminder_embed(item, item.lang, guild.name if guild else ""),
            view=view_of(ReminderButton(item.guild_id, item.number, item.lang)), nonce=item.nonce)

    async def failed(self, item: Due, exc: discord.HTTPException, now: str) -> None:
        error = f"{exc.status} {exc.code}: {exc.text}"
        if exc.code == CANNOT_MESSAGE_USER or item.attempts + 1 >= len(RETRY_DAYS):
            log.info("reminder %s: not delivered by DM (%s); the member is told in the server",
                     item.id, error)
            await reminders.mark_undelivered(self.db, item, error)
            if item.author_id is not None:
                self.undelivered.add(item.guild_id, item.author_id)
            return
        await self.later(item, error, now)

    async def later(self, item: Due, error: str, now: str) -> None:
        delay = RETRY_DAYS[min(item.attempts, len(RETRY_DAYS) - 1)]
        log.warning("reminder %s: %s; trying again in %.0f min", item.id, error, delay * 1440)
        await reminders.retry_later(self.db, item, error, later(now, delay))
