"""What the bot may do in a channel, by Discord's own rules (roles, then channel overwrites) on the
state the gateway keeps current, so a moderator hears at once which permission is missing
instead of finding announcements silently stuck later.

Announcements are embeds (View Channel, Send Messages, Embed Links); notices to moderators are
plain text (View Channel, Send Messages). Nothing the bot posts in a channel carries a file:
exports are attached to the moderator's own interaction reply, which needs no channel permission.
"""

from __future__ import annotations

from typing import Any, Literal

import discord

from bot.errors import UserError
from bot.i18n import t

Purpose = Literal["announcements", "notices"]
NEEDS: dict[Purpose, tuple[str, ...]] = {
    "announcements": ("view_channel", "send_messages", "embed_links"),
    "notices": ("view_channel", "send_messages"),
}


def missing(channel: Any, purpose: Purpose) -> list[str] | None:
    """The permissions the bot lacks in `channel` (Permissions attribute names); None when the
    gateway has not told us enough to know (then nothing is refused)."""
    if not isinstance(channel, discord.abc.GuildChannel):
        return None
    me = channel.guild.me
    if me is None:
        return None
    allowed = channel.permissions_for(me)
    return [name for name in NEEDS[purpose] if not getattr(allowed, name)]


def labels(names: list[str], lang: str) -> str:
    """Permission names as the member's Discord client shows them."""
    return ", ".join(t(f"config.perm.{name}", lang) for name in names)


def require(interaction: discord.Interaction[Any], channel_id: int, purpose: Purpose, lang: str) -> None:
    """Refuse a channel the bot could not post in, naming what it lacks there."""
    guild = interaction.guild
    lacking = missing(guild.get_channel(channel_id) if guild else None, purpose)
    if lacking:
        raise UserError("config.error.missing_permissions", channel=f"<#{channel_id}>",
                        missing=labels(lacking, lang))
