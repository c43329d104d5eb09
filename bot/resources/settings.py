"""The per-server settings resources use, and where an announcement goes.

Stored in guild_settings through `bot.guild_settings`; the moderator role key lives in
`bot.guild_settings.MODERATOR_ROLE` because permissions read it.
"""

from __future__ import annotations

from typing import Any

import discord

from bot.errors import UserError
from bot.guild_settings import GuildSettings

ANNOUNCEMENTS_CHANNEL = "announcements_channel"
MODERATORS_CHANNEL = "moderators_channel"
CROSSPOST = "crosspost"
REGION_CHANNEL_PREFIX = "region_channel:"


def region_channel_key(region: str) -> str:
    return f"{REGION_CHANNEL_PREFIX}{region}"


async def announcement_channel(
    settings: GuildSettings, guild_id: int, *, feed_channel: int | None, region: str | None,
) -> int | None:
    """The feed's own channel, else the region's, else the server's announcements channel; None
    while nothing is configured (the announcement waits)."""
    if feed_channel:
        return feed_channel
    if region:
        regional = await settings.get_int(guild_id, region_channel_key(region))
        if regional:
            return regional
    return await settings.get_int(guild_id, ANNOUNCEMENTS_CHANNEL)


async def crosspost_enabled(settings: GuildSettings, guild_id: int) -> bool:
    return await settings.get(guild_id, CROSSPOST) == "1"


def own_channel(interaction: discord.Interaction[Any], channel: discord.abc.Snowflake) -> int:
    """The id of a channel of this server; a crafted id of another server's channel is refused
    (discord.py already drops channels it cannot find in this server; this is the second lock)."""
    guild = interaction.guild
    if guild is None or guild.get_channel(channel.id) is None:
        raise UserError("config.error.foreign_channel")
    return int(channel.id)
