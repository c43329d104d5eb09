"""The weekly digest's poster, started with the bot's background tasks (/config digest sets
the channel and the day; bot.digest does the work)."""

from __future__ import annotations

from discord.ext import commands

from bot.client import CoalitionBot
from bot.digest.poster import DigestPoster
from bot.pledges.loop import NamedLoop

INTERVAL = 600.0  # the digest goes out within ten minutes of its day starting (UTC)


class Digest(commands.Cog):
    def __init__(self, bot: CoalitionBot) -> None:
        self.bot = bot
        self.poster = DigestPoster(bot, bot.db, bot.guild_settings)
        self.loop = NamedLoop("digest", "weekly", self.poster.run_once, interval=INTERVAL)

    async def cog_load(self) -> None:
        if self.bot.background_tasks:
            self.loop.start(self.bot)

    async def cog_unload(self) -> None:
        await self.loop.stop()


async def setup(bot: CoalitionBot) -> None:
    await bot.add_cog(Digest(bot))
