"""/pledges (campaigns, export, audit, stats) and /comments export: the moderators' side.

Both groups are ModeratorGroups. discord.py runs only the immediate parent's check before a
subcommand, so the `campaign` subgroup is a ModeratorGroup too; autocomplete runs no group
check at all, so the autocomplete callbacks ask `is_moderator` themselves.
"""

from __future__ import annotations

import asyncio
import tempfile
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Literal

import discord
from discord import app_commands
from discord.ext import commands

from bot.client import CoalitionBot
from bot.errors import UserError
from bot.i18n import lang_of, t
from bot.permissions import ModeratorGroup, is_moderator
from bot.pledges import audit, campaigns
from bot.pledges.cli import cli_command
from bot.pledges.export import FORMATS, ExportRequest, Format, file_name, fit_attachment, write_export
from bot.pledges.stats import PledgeStats, pledge_stats
from bot.pledges.topics import TopicSource
from bot.regions import REGIONS, region_choices, region_label

Interaction = discord.Interaction[CoalitionBot]
FIELD_LIMIT = 1024
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
        name="campaign", description="Open or close a pledge campaign", parent=pledges,
        guild_only=False, default_permissions=None)
    comments = ModeratorGroup(name="comments", description="Members' comments (moderators)")

    def __init__(self, bot: CoalitionBot) -> None:
        self.bot = bot
        self.topics = TopicSource(bot)

    # -- campaigns -----------------------------------------------------------------------------

    @campaign.command(name="open", description="Open a campaign; new pledges are filed under it")
    @app_commands.describe(name="Campaign name (at most 100 characters)",
                           closes="Last day to pledge, YYYY-MM-DD (optional)")
    async def campaign_open(self, interaction: Interaction,
                            name: app_commands.Range[str, 1, 100], closes: str | None = None) -> None:
        assert interaction.guild_id is not None
        lang = lang_of(interaction)
        day = None if closes is None else campaigns.parse_day(closes, "pledges_admin.campaign.bad_date")
        opened = await campaigns.open_campaign(self.bot.db, interaction.guild_id, name,
                                               interaction.user.id, closes=day)
        text = (t("pledges_admin.campaign.opened", lang, name=opened.name) if day is None else
                t("pledges_admin.campaign.opened_until", lang, name=opened.name, date=day))
        await interaction.response.send_message(text, ephemeral=True)

    @campaign.command(name="close", description="Close the open campaign")
    async def campaign_close(self, interaction: Interaction) -> None:
        assert interaction.guild_id is not None
        closed = await campaigns.close_campaign(self.bot.db, interaction.guild_id)
        await interaction.response.send_message(
            t("pledges_admin.campaign.closed", lang_of(interaction), name=closed.name), ephemeral=True)

    # -- exports -------------------------------------------------------------------------------

    @pledges.command(name="export", description="Export this server's pledges (CSV or JSON)")
    @app_commands.describe(format="File format", campaign="Only this campaign",
                           region="Only this region", since="Only from this day on, YYYY-MM-DD",
                           include_withdrawn="Include withdrawn pledges")
    @app_commands.choices(region=region_choices())
    async def pledges_export(
        self, interaction: Interaction, *, format: Literal["csv", "json"],
        campaign: str | None = None, region: str | None = None, since: str | None = None,
        include_withdrawn: bool = False,
    ) -> None:
        assert interaction.guild_id is not None
        await interaction.response.defer(ephemeral=True, thinking=True)
        fmt = _format(format)
        if region is not None and region not in REGIONS:
            raise UserError("core.error.bad_value", value=region[:100])
        if campaign is not None and await campaigns.find(
                self.bot.db, interaction.guild_id, campaign) is None:
            raise UserError("pledges_admin.campaign.unknown", name=campaign[:100])
        request = ExportRequest("pledges", interaction.guild_id, campaign=campaign, region=region,
                                since=_since(since), include_withdrawn=bool(include_withdrawn))
        await self._deliver(interaction, request, fmt)

    @comments.command(name="export", description="Export this server's comments (CSV or JSON)")
    @app_commands.describe(format="File format", topic="Only this topic",
                           since="Only from this day on, YYYY-MM-DD")
    async def comments_export(self, interaction: Interaction, format: Literal["csv", "json"],
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
        with tempfile.TemporaryDirectory(prefix="coalition-export-") as folder:
            name = file_name(request, fmt, campaigns.now_iso())
            path = Path(folder) / name
            with path.open("wb") as sink:
                count = await write_export(self.bot.db, request, fmt, sink)
            attachment = await asyncio.to_thread(fit_attachment, path, name,
                                                 interaction.filesize_limit)
            delivery = ("too_large" if attachment is None else
                        "gzip" if attachment.compressed else "attached")
            await audit.record_export(
                self.bot.db, request.guild_id, interaction.user.id, kind=request.kind, fmt=fmt,
                filters={**request.filters(), "delivery": delivery}, row_count=count)
            if attachment is None:
                await interaction.followup.send(t("pledges_admin.export.too_large", lang, count=count,
                                                  command=cli_command(request, fmt)), ephemeral=True)
                return
            text = t("pledges_admin.export.done", lang, count=count)
            if attachment.compressed:
                text += "\n" + t("pledges_admin.export.compressed", lang)
            await interaction.followup.send(
                text, file=discord.File(attachment.path, filename=attachment.filename), ephemeral=True)

    # -- audit and stats -----------------------------------------------------------------------

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

    @pledges.command(name="stats", description="Pledges by region, topic and status")
    @app_commands.describe(campaign="Only this campaign")
    async def pledges_stats(self, interaction: Interaction, campaign: str | None = None) -> None:
        assert interaction.guild_id is not None
        lang = lang_of(interaction)
        found = None
        if campaign is not None:
            found = await campaigns.find(self.bot.db, interaction.guild_id, campaign)
            if found is None:
                raise UserError("pledges_admin.campaign.unknown", name=campaign[:100])
        stats = await pledge_stats(self.bot.db, interaction.guild_id, found.id if found else None)
        title = (t("pledges_admin.stats.title", lang) if found is None else
                 t("pledges_admin.stats.title_campaign", lang, name=found.name))
        await interaction.response.send_message(embed=self.stats_embed(stats, title, lang),
                                                ephemeral=True)

    def stats_embed(self, stats: PledgeStats, title: str, lang: str) -> discord.Embed:
        embed = discord.Embed(title=title[:256], colour=discord.Colour.dark_gold(),
                              description=t("pledges_admin.stats.summary", lang,
                                            pledges=t("units.pledges", lang, count=stats.total),
                                            comments=t("units.comments", lang,
                                                       count=stats.comments)))
        regions = [f"{region_label(r, lang)}: **{stats.by_region.get(r, 0)}**" for r in REGIONS]
        topics = [f"{self.topics.title(slug, lang)}: **{n}**"
                  for slug, n in sorted(stats.by_topic.items(), key=lambda kv: (-kv[1], kv[0]))]
        statuses = [f"{t(f'pledges_admin.status.{s}', lang)}: **{stats.by_status.get(s, 0)}**"
                    for s in ("active", "withdrawn")]
        for key, lines in (("region", regions), ("topic", topics), ("status", statuses)):
            embed.add_field(name=t(f"pledges_admin.stats.{key}", lang),
                            value=fit_field(lines) or "—", inline=key != "topic")
        return embed

    # -- autocomplete (moderators only: no group check runs here) -------------------------------

    @pledges_export.autocomplete("campaign")
    @pledges_stats.autocomplete("campaign")
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


def fit_field(lines: list[str], limit: int = FIELD_LIMIT) -> str:
    """As many whole lines as fit an embed field, then an ellipsis line."""
    text = ""
    for line in lines:
        if len(text) + len(line) + 2 + 1 > limit:
            return text + "\n…"
        text = f"{text}\n{line}" if text else line
    return text


def audit_line(entry: audit.AuditEntry, lang: str, topic_title: Callable[[str, str], str]) -> str:
    moment = datetime.strptime(entry.created_at, campaigns.ISO_FORMAT).replace(tzinfo=UTC)
    who = t("pledges_admin.audit.cli", lang) if entry.via_cli else f"<@{entry.moderator_id}>"
    filters = audit.describe_filters(entry.filters, lang, topic_title)
    return t("pledges_admin.audit.line", lang, id=entry.id, when=discord.utils.format_dt(moment, "f"),
             who=who, kind=t(f"pledges_admin.kind.{entry.kind}", lang), format=entry.format,
             rows=t("units.rows", lang, count=entry.row_count),
             filters=discord.utils.escape_markdown(filters)[:300])


async def setup(bot: CoalitionBot) -> None:
    await bot.add_cog(PledgesAdmin(bot))
