"""/config (moderators): where announcements go, who the moderators are, and a summary."""

from __future__ import annotations

import logging
from typing import Any, Literal

import discord
from discord import app_commands
from discord.ext import commands

from bot.channel_access import require
from bot.client import CoalitionBot
from bot.errors import UserError
from bot.guild_settings import MODERATOR_ROLE
from bot.i18n import lang_of, t
from bot.kb.entry_store import REVIEW_SETTING
from bot.options import typed_id
from bot.permissions import ModeratorGroup
from bot.regions import REGIONS, region_choices, region_label
from bot.resources.errors import user_error
from bot.resources.outbox import Outbox
from bot.resources.settings import (
    ANNOUNCEMENTS_CHANNEL,
    CROSSPOST,
    MODERATORS_CHANNEL,
    own_channel,
    region_channel_key,
)
from bot.resources.text import InvalidField, valid_region

log = logging.getLogger(__name__)
Interaction = discord.Interaction[CoalitionBot]


class Config(commands.Cog):
    config = ModeratorGroup(name="config", description="This server's settings for the bot")

    def __init__(self, bot: CoalitionBot) -> None:
        self.bot = bot
        self.outbox = Outbox(bot.db)

    async def channel_changed(self, guild_id: int) -> None:
        """Announcements waiting for a channel (or parked on a deleted one) go out now."""
        await self.outbox.wake(guild_id)
        self.bot.dispatch("resources_queued", guild_id)

    async def done(self, interaction: Interaction, key: str, **kwargs: Any) -> None:
        await interaction.response.send_message(t(key, lang_of(interaction), **kwargs),
                                                ephemeral=True)

    @config.command(name="announcements", description="The channel where new resources are announced")
    @app_commands.describe(channel="A text or announcement channel of this server")
    async def announcements(self, interaction: Interaction, channel: discord.TextChannel) -> None:
        assert interaction.guild_id is not None
        channel_id = own_channel(interaction, channel)
        require(interaction, channel_id, "announcements", lang_of(interaction))
        await self.bot.guild_settings.set(interaction.guild_id, ANNOUNCEMENTS_CHANNEL, channel_id)
        await self.channel_changed(interaction.guild_id)
        await self.done(interaction, "config.announcements.done", channel=f"<#{channel_id}>")

    @config.command(name="region-channel", description="A channel for one region's announcements")
    @app_commands.describe(region="The region", channel="Its channel (leave out to remove it)")
    @app_commands.choices(region=region_choices())
    async def region_channel(self, interaction: Interaction, region: str,
                             channel: discord.TextChannel | None = None) -> None:
        assert interaction.guild_id is not None
        try:
            if valid_region(region) is None:
                raise InvalidField("bad_region")
        except InvalidField as exc:
            raise user_error(exc) from exc
        channel_id = None if channel is None else own_channel(interaction, channel)
        if channel_id is not None:
            require(interaction, channel_id, "announcements", lang_of(interaction))
        await self.bot.guild_settings.set(interaction.guild_id, region_channel_key(region),
                                          channel_id)
        await self.channel_changed(interaction.guild_id)
        label = region_label(region, lang_of(interaction))
        if channel_id is None:
            await self.done(interaction, "config.region.cleared", region=label)
        else:
            await self.done(interaction, "config.region.done", region=label,
                            channel=f"<#{channel_id}>")

    @config.command(name="moderator-role", description="Members with this role count as moderators")
    @app_commands.describe(role="The role (leave out to rely on Manage Server only)")
    async def moderator_role(self, interaction: Interaction,
                             role: discord.Role | None = None) -> None:
        assert interaction.guild_id is not None and interaction.guild is not None
        if role is not None:
            if role.id == interaction.guild_id:
                raise UserError("config.error.everyone_role")
            if interaction.guild.get_role(role.id) is None:
                raise UserError("config.error.foreign_role")
        await self.bot.guild_settings.set(interaction.guild_id, MODERATOR_ROLE,
                                          None if role is None else role.id)
        if role is None:
            await self.done(interaction, "config.role.cleared")
        else:
            await self.done(interaction, "config.role.done", role=f"<@&{role.id}>")

    @config.command(name="moderators-channel", description="Where the bot tells moderators about problems")
    @app_commands.describe(channel="A channel the moderators read")
    async def moderators_channel(self, interaction: Interaction,
                                 channel: discord.TextChannel) -> None:
        assert interaction.guild_id is not None
        channel_id = own_channel(interaction, channel)
        require(interaction, channel_id, "notices", lang_of(interaction))
        await self.bot.guild_settings.set(interaction.guild_id, MODERATORS_CHANNEL, channel_id)
        await self.done(interaction, "config.moderators.done", channel=f"<#{channel_id}>")

    @config.command(name="crosspost", description="Publish announcements to following servers")
    @app_commands.describe(state="On: publish in announcement channels; off: don't")
    async def crosspost(self, interaction: Interaction, state: Literal["on", "off"]) -> None:
        assert interaction.guild_id is not None
        if state not in ("on", "off"):
            raise UserError("config.error.bad_state")
        await self.bot.guild_settings.set(interaction.guild_id, CROSSPOST,
                                          "1" if state == "on" else "0")
        await self.done(interaction, f"config.crosspost.{state}")

    @config.command(name="kb-review", description="Make entry changes wait for a second moderator")
    @app_commands.describe(state="On: a second moderator approves each change; off: publish at once")
    async def kb_review(self, interaction: Interaction, state: Literal["on", "off"]) -> None:
        assert interaction.guild_id is not None
        if state not in ("on", "off"):
            raise UserError("config.error.bad_state")
        await self.bot.guild_settings.set(interaction.guild_id, REVIEW_SETTING,
                                          "1" if state == "on" else "0")
        await self.done(interaction, f"config.kb_review.{state}")

    @config.command(name="show", description="This server's settings for the bot")
    async def show(self, interaction: Interaction) -> None:
        assert interaction.guild_id is not None
        lang = lang_of(interaction)
        values = await self.bot.guild_settings.all(interaction.guild_id)
        counts = await self.outbox.counts(interaction.guild_id)
        embed = discord.Embed(title=t("config.show.title", lang))
        for name, value in self.summary(interaction, values, counts, lang):
            embed.add_field(name=name, value=value[:1024], inline=False)
        await interaction.response.send_message(embed=embed, ephemeral=True)

    def summary(self, interaction: Interaction, values: dict[str, str], counts: dict[str, int],
                lang: str) -> list[tuple[str, str]]:
        def channel(key: str, missing: str) -> str:
            raw = values.get(key)
            if raw is None or typed_id(raw) is None:
                return t(missing, lang)
            gone = interaction.guild is not None and interaction.guild.get_channel(int(raw)) is None
            return f"<#{raw}>" + (" " + t("config.show.deleted", lang) if gone else "")

        regions = [f"{region_label(r, lang)}: <#{values[region_channel_key(r)]}>"
                   for r in REGIONS if typed_id(values.get(region_channel_key(r), "")) is not None]
        role = values.get(MODERATOR_ROLE)
        waiting = t("config.show.outbox", lang, **{
            state: t(f"config.show.{state}", lang, count=counts.get(state, 0))
            for state in ("pending", "parked", "sent")})
        if counts.get("pending") and ANNOUNCEMENTS_CHANNEL not in values:
            waiting += "\n" + t("config.show.waiting_for_channel", lang)
        if counts.get("pending") or counts.get("parked"):
            waiting += "\n" + t("config.show.see_status", lang)
        return [
            (t("config.show.announcements", lang),
             channel(ANNOUNCEMENTS_CHANNEL, "config.show.announcements_unset")),
            (t("config.show.regions", lang), "\n".join(regions) or t("config.show.none", lang)),
            (t("config.show.role", lang),
             f"<@&{role}>" if role else t("config.show.role_unset", lang)),
            (t("config.show.moderators", lang),
             channel(MODERATORS_CHANNEL, "config.show.moderators_unset")),
            (t("config.show.crosspost", lang),
             t("config.show.on" if values.get(CROSSPOST) == "1" else "config.show.off", lang)),
            (t("config.show.announcements_queue", lang), waiting),
            (t("config.show.kb_review", lang),
             t("config.show.on" if values.get(REVIEW_SETTING) == "1" else "config.show.off",
               lang)),
        ]


async def setup(bot: CoalitionBot) -> None:
    await bot.add_cog(Config(bot))
