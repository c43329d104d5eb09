"""Who counts as a moderator, checked on our side as well as by Discord.

`default_permissions` only hides commands in the Discord client, and server admins can change
it; a crafted request can still arrive. The check here is what actually guards moderator data.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, TypeVar

import discord
from discord import app_commands

from bot.errors import NotModerator
from bot.guild_settings import MODERATOR_ROLE, GuildSettings

log = logging.getLogger(__name__)
T = TypeVar("T")


async def is_moderator(interaction: discord.Interaction[Any]) -> bool:
    if interaction.guild_id is None or not isinstance(interaction.user, discord.Member):
        return False
    # Discord resolves the member's permissions into the interaction itself (it cannot be forged
    # by the client); unlike `guild_permissions` it does not depend on the bot's role cache.
    resolved = interaction.permissions
    if resolved.manage_guild or resolved.administrator:
        return True
    settings: GuildSettings | None = getattr(interaction.client, "guild_settings", None)
    if settings is None:
        return False
    role_id = await settings.get_int(interaction.guild_id, MODERATOR_ROLE)
    return role_id is not None and any(role.id == role_id for role in interaction.user.roles)


async def _check(interaction: discord.Interaction[Any]) -> bool:
    if await is_moderator(interaction):
        return True
    command = interaction.command.qualified_name if interaction.command else "?"
    log.warning(
        "refused moderator command %r for user %s in guild %s",
        command, interaction.user.id, interaction.guild_id,
    )
    raise NotModerator(command)


def moderator_only() -> Callable[[T], T]:
    """Hide from non-moderators in the client and refuse them on the server; guild only."""

    def decorator(func: T) -> T:
        func = app_commands.guild_only()(func)
        func = app_commands.default_permissions(manage_guild=True)(func)
        return app_commands.check(_check)(func)  # type: ignore[arg-type,return-value]

    return decorator


class ModeratorGroup(app_commands.Group):
    """A command group for moderators: hidden by default and re-checked for every subcommand."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("guild_only", True)
        kwargs.setdefault("default_permissions", discord.Permissions(manage_guild=True))
        super().__init__(**kwargs)

    async def interaction_check(self, interaction: discord.Interaction[Any], /) -> bool:
        return await _check(interaction)
