"""/pledges (campaigns, export, audit, stats, report) and /comments export: the moderators' side.

Both groups are ModeratorGroups. discord.py runs only the immediate parent's check before a
subcommand, so the `campaign` subgroup is a ModeratorGroup too; autocomplete runs no group
check at all, so the autocomplete callbacks ask `is_moderator` themselves.
"""

from __future__ import annotations

import asyncio
import io
import tempfile
from datetime import date
from pathlib import Path
from typing import Literal

import discord
from discord import app_commands
from discord.ext import commands

from bot.client import CoalitionBot
from bot.errors import UserError
from bot.i18n import lang_of, t
from bot.permissions import ModeratorGroup, is_moderator
from bot.pledges import audit, campaigns, report
from bot.pledges.admin_render import audit_line, campaigns_embed, stats_embed
from bot.pledges.charts import render_png
from bot.pledges.cli import cli_command
from bot.pledges.delivery import produce
from bot.pledges.export import FORMATS, ExportRequest, Format
from bot.pledges.stats import pledge_stats
from bot.pledges.topics import TopicSource
from bot.regions import PLEDGE_REGIONS, region_choices

Interaction = discord.Interaction[CoalitionBot]
TOPIC_LIMIT = 100
AUDIT_ENTRIES = 10


def _since(raw: str | None) -> date | None:
    return None if raw is None else campaigns.parse_day(raw, "pledges_admin.export.bad_since")


def _format(raw: str) -> Format:
    """Choices are not enforced by discord.py: a crafted payload can send anything."""
    for fmt in FORMATS:
        if raw == fmt:
            return fmt
    raise UserError("core.error.bad_value", value=raw[:100])


class PledgesAdmin(commands.Cog):
    pledges = ModeratorGroup(
        name="pledges", description="Members' pledges: campaigns, exports, statistics (moderators)")
    campaign = ModeratorGroup(
        name="campaign", description="Open, close or list pledge campaigns", parent=pledges,
        guild_only=False, default_permissions=None)
    comments = ModeratorGroup(name="comments", description="Members' comments (moderators)")

    def __init__(self, bot: CoalitionBot) -> None:
        self.bot = bot
        self.topics = TopicSource(bot)

    async def find_campaign(self, guild_id: int, name: str | None) -> campaigns.Campaign | None:
        if name is None:
            return None
        found = await campaigns.find(self.bot.db, guild_id, name)
        if found is None:
            raise UserError("pledges_admin.campaign.unknown", name=name[:100])
        return found

    # -- campaigns -----------------------------------------------------------------------------

    @campaign.command(name="open", description="Open a campaign; new pledges are filed under it")
    @app_commands.describe(name="Campaign name (at most 100 characters)",
                           closes="Last day to file pledges under it, YYYY-MM-DD (optional)",
                           remind_after="Reminder the pledge form offers first, in days (optional)")
    async def campaign_open(self, interaction: Interaction, name: app_commands.Range[str, 1, 100],
                            closes: str | None = None,
                            remind_after: app_commands.Range[int, 1, 365] | None = None) -> None:
        assert interaction.guild_id is not None
        lang = lang_of(interaction)
        day = None if closes is None else campaigns.parse_day(closes, "pledges_admin.campaign.bad_date")
        opened = await campaigns.open_campaign(self.bot.db, interaction.guild_id, name,
                                               interaction.user.id, closes=day,
                                               remind_days=remind_after)
        text = (t("pledges_admin.campaign.opened", lang, name=opened.name) if day is None else
                t("pledges_admin.campaign.opened_until", lang, name=opened.name, date=day))
        if remind_after:
            text += "\n" + t("pledges_admin.campaign.opened_reminder", lang,
                                    count=remind_after)
        await interaction.response.send_message(text, ephemeral=True)

    @campaign.command(name="close", description="Close the open campaign (pledging goes on without it)")
    async def campaign_close(self, interaction: Interaction) -> None:
        assert interaction.guild_id is not None
        closed = await campaigns.close_campaign(self.bot.db, interaction.guild_id)
        await interaction.response.send_message(
            t("pledges_admin.campaign.closed", lang_of(interaction), name=closed.name), ephemeral=True)

    @campaign.command(name="list", description="Every campaign of this server, with its counts")
    async def campaign_list(self, interaction: Interaction) -> None:
        assert interaction.guild_id is not None
        listed, without = await campaigns.listing(self.bot.db, interaction.guild_id)
        await interaction.response.send_message(
            embed=campaigns_embed(listed, without, lang_of(interaction)), ephemeral=True)

    # -- exports -------------------------------------------------------------------------------

    @pledges.command(name="export", description="Export this server's pledges (CSV, JSON or Excel)")
    @app_commands.describe(format="File format", campaign="Only this campaign",
                           region="Only this region", since="Only from this day on, YYYY-MM-DD",
                           include_withdrawn="Include withdrawn pledges")
    @app_commands.choices(region=region_choices(pledges=True))
    async def pledges_export(
        self, interaction: Interaction, *, format: Literal["csv", "json", "xlsx"],
        campaign: str | None = None, region: str | None = None, since: str | None = None,
        include_withdrawn: bool = False,
    ) -> None:
        assert interaction.guild_id is not None
        await interaction.response.defer(ephemeral=True, thinking=True)
        fmt = _format(format)
        if region is not None and region not in PLEDGE_REGIONS:
            raise UserError("core.error.bad_value", value=region[:100])
        await self.find_campaign(interaction.guild_id, campaign)
        request = ExportRequest("pledges", interaction.guild_id, campaign=campaign, region=region,
                                since=_since(since), include_withdrawn=bool(include_withdrawn))
        await self._deliver(interaction, request, fmt)

    @comments.command(name="export", description="Export this server's comments (CSV, JSON or Excel)")
    @app_commands.describe(format="File format", topic="Only this topic",
                           since="Only from this day on, YYYY-MM-DD")
    async def comments_export(self, interaction: Interaction, format: Literal["csv", "json", "xlsx"],
                              topic: str | None = None, since: str | None = None) -> None:
        assert interaction.guild_id is not None
        await interaction.response.defer(ephemeral=True, thinking=True)
        fmt = _format(format)
        if topic is not None and not 0 < len(topic) <= TOPIC_LIMIT:
            raise UserError("core.error.bad_value", value=topic[:100])
        request = ExportRequest("comments", interaction.guild_id, topic=topic, since=_since(since))
        await self._deliver(interaction, request, fmt)

    async def _deliver(self, interaction: Interaction, request: ExportRequest, fmt: Format) -> None:
        """Write the file, record it in the audit log, then attach it (gzip if it must)."""
        lang = lang_of(interaction)
        titles = {c.slug: c.title for c in self.topics.choices(lang, other=True)}
        with tempfile.TemporaryDirectory(prefix="coalition-export-") as folder:
            produced = await produce(self.bot.db, request, fmt, Path(folder),
                                     stamp=campaigns.now_iso(), limit=interaction.filesize_limit,
                                     lang=lang, topics=titles)
            await audit.record_export(
                self.bot.db, request.guild_id, interaction.user.id, kind=request.kind, fmt=fmt,
                filters={**request.filters(), "delivery": produced.delivery},
                row_count=produced.count)
            attachment = produced.attachment
            if attachment is None:
                await interaction.followup.send(t(
                    "pledges_admin.export.too_large", lang, count=produced.count,
                    command=cli_command(request, fmt)), ephemeral=True)
                return
            text = t("pledges_admin.export.done", lang, count=produced.count)
            if attachment.compressed:
                text += "\n" + t("pledges_admin.export.compressed", lang)
            await interaction.followup.send(
                text, file=discord.File(attachment.path, filename=attachment.filename), ephemeral=True)

    # -- audit, stats and the report ------------------------------------------------------------

    @pledges.command(name="audit", description="Latest exports on this server: who, when, filters")
    async def pledges_audit(self, interaction: Interaction) -> None:
        assert interaction.guild_id is not None
        lang = lang_of(interaction)
        entries = await audit.latest(self.bot.db, interaction.guild_id, AUDIT_ENTRIES)
        if not entries:
            await interaction.response.send_message(t("pledges_admin.audit.empty", lang), ephemeral=True)
            return
        lines = [audit_line(entry, lang, self.topics.title) for entry in entries]
        embed = discord.Embed(title=t("pledges_admin.audit.title", lang),
                              description="\n".join(lines)[:4096], colour=discord.Colour.dark_gold())
        await interaction.response.send_message(embed=embed, ephemeral=True)

    @pledges.command(name="stats", description="Pledges by region, topic, status and progress")
    @app_commands.describe(campaign="Only this campaign")
    async def pledges_stats(self, interaction: Interaction, campaign: str | None = None) -> None:
        assert interaction.guild_id is not None
        lang = lang_of(interaction)
        found = await self.find_campaign(interaction.guild_id, campaign)
        stats = await pledge_stats(self.bot.db, interaction.guild_id, found.id if found else None)
        title = (t("pledges_admin.stats.title", lang) if found is None else
                 t("pledges_admin.stats.title_campaign", lang, name=found.name))
        await interaction.response.send_message(
            embed=stats_embed(stats, title, lang, self.topics), ephemeral=True)

    @pledges.command(name="report", description="Charts of pledges by region, topic, progress and time (PNG)")
    @app_commands.describe(campaign="Only this campaign (default: every pledge of this server)")
    async def pledges_report(self, interaction: Interaction, campaign: str | None = None) -> None:
        assert interaction.guild_id is not None
        await interaction.response.defer(ephemeral=True, thinking=True)
        lang = lang_of(interaction)
        found = await self.find_campaign(interaction.guild_id, campaign)
        data = await report.gather(self.bot.db, interaction.guild_id, found.id if found else None,
                                   found.name if found else None)
        if data.total == 0:
            await interaction.followup.send(t("pledges_admin.report.empty", lang), ephemeral=True)
            return
        titles = {c.slug: c.title for c in self.topics.choices(lang, other=True)}
        server = interaction.guild.name if interaction.guild else None
        png = await asyncio.to_thread(render_png, data, lang, titles, server=server)
        name = f"pledges-report-{interaction.guild_id}.png"
        embed = discord.Embed(title=t("pledges_admin.report.embed_title", lang),
                              description=report.summary(data, lang), colour=discord.Colour.dark_gold())
        embed.set_image(url=f"attachment://{name}")
        await interaction.followup.send(embed=embed, file=discord.File(io.BytesIO(png), filename=name),
                                        ephemeral=True)

    # -- autocomplete (moderators only: no group check runs here) -------------------------------

    @pledges_export.autocomplete("campaign")
    @pledges_stats.autocomplete("campaign")
    @pledges_report.autocomplete("campaign")
    async def campaign_autocomplete(self, interaction: Interaction,
                                    current: str) -> list[app_commands.Choice[str]]:
        if interaction.guild_id is None or not await is_moderator(interaction):
            return []
        found = await campaigns.names(self.bot.db, interaction.guild_id, current)
        return [app_commands.Choice(name=name[:100], value=name) for name in found]

    @comments_export.autocomplete("topic")
    async def topic_autocomplete(self, interaction: Interaction,
                                 current: str) -> list[app_commands.Choice[str]]:
        if interaction.guild_id is None or not await is_moderator(interaction):
            return []
        return [app_commands.Choice(name=c.title[:100], value=c.slug)
                for c in self.topics.search(current, lang_of(interaction))]


async def setup(bot: CoalitionBot) -> None:
    await bot.add_cog(PledgesAdmin(bot))
