"""Telling a server's moderators, in their channel, about a problem only they can fix."""

from __future__ import annotations

import logging
from typing import Any

import discord

from bot.guild_settings import GuildSettings
from bot.i18n import DEFAULT_LANG, Lang, lang_from_locale, t
from bot.resources.settings import MODERATORS_CHANNEL

log = logging.getLogger(__name__)


def guild_lang(client: discord.Client, guild_id: int) -> Lang:
    guild = client.get_guild(guild_id)
    return (lang_from_locale(guild.preferred_locale) if guild else None) or DEFAULT_LANG


async def tell_moderators(
    client: discord.Client, settings: GuildSettings, guild_id: int, key: str, **kwargs: Any,
) -> bool:
    """Best effort: logged when no moderators' channel is set or Discord refuses."""
    channel_id = await settings.get_int(guild_id, MODERATORS_CHANNEL)
    text = t(key, guild_lang(client, guild_id), **kwargs)
    if channel_id is None:
        log.warning("guild %s has no moderators' channel; not told: %s", guild_id, text)
        return False
    try:
        await client.get_partial_messageable(channel_id, guild_id=guild_id).send(text[:2000])
    except discord.HTTPException as exc:
        log.warning("could not tell the moderators of guild %s (%s): %s", guild_id, exc, text)
        return False
    return True
