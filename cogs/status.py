"""/status (moderators): is the bot well in this server, and if not, what is wrong and who can
fix it. Also notices when moderators fix a missing permission, so refused announcements go out
at once instead of on the next retry."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.channel_access import NEEDS, labels, missing
from bot.client import CoalitionBot
from bot.i18n import lang_of, t
from bot.l10n import day
from bot.permissions import moderator_only
from bot.resources.clock import parse_iso, utcnow
from bot.resources.delivery import Waiting, wake_forbidden
from bot.resources.feedstore import Feed
from bot.status import Status, collect

Interaction = discord.Interaction[CoalitionBot]
MAX_LINES = 8
FIELD = 1024


def when(moment, style: str = "R") -> str:
    return discord.utils.format_dt(moment, style)


def clipped(lines: list[str], lang: str) -> str:
    shown = lines[:MAX_LINES]
    if len(lines) > MAX_LINES:
        shown.append(t("status.more", lang, count=len(lines) - MAX_LINES))
    text = "\n".join(shown)
    return text if len(text) <= FIELD else text[: FIELD - 1] + "…"


class StatusCog(commands.Cog, name="Status"):
    def __init__(self, bot: CoalitionBot) -> None:
        self.bot = bot

    @app_commands.command(name="status", description="Is the bot well here? Version, connection, "
                                                     "feeds, announcements, backups")
    @moderator_only()
    async def status(self, interaction: Interaction) -> None:
        assert interaction.guild_id is not None
        lang = lang_of(interaction)
        report = await collect(self.bot, interaction.guild_id)
        await interaction.response.send_message(embed=self.render(report, interaction, lang),
                                                ephemeral=True)

    def render(self, report: Status, interaction: Interaction, lang: str) -> discord.Embed:
        healthy = not (report.failing_feeds or report.backup.ok is False
                       or any(w.why in ("forbidden", "rejected", "channel_gone", "no_channel")
                              for w in report.waiting))
        embed = discord.Embed(title=t("status.title", lang),
                              colour=discord.Colour.green() if healthy else discord.Colour.orange())
        latency = (t("status.latency_value", lang, ms=report.latency_ms)
                   if report.latency_ms is not None else t("status.latency_unknown", lang))
        for name, value in (
            ("status.version", report.version),
            ("status.running", f"{when(report.started_at, 'f')} ({when(report.started_at)})"),
            ("status.latency", latency),
            ("status.server", t("status.server_value", lang, id=report.guild_id)),
            ("status.feeds", self.feeds(report, lang)),
            ("status.waiting", self.waiting(report.waiting, interaction, lang)),
            ("status.backup", self.backup(report, lang)),
            ("status.kb", self.kb(report, lang)),
        ):
            embed.add_field(name=t(name, lang), value=value[:FIELD], inline=False)
        return embed

    def feeds(self, report: Status, lang: str) -> str:
        if not report.feeds:
            return t("status.feeds_none", lang)
        if not report.failing_feeds:
            return t("status.feeds_ok", lang, count=report.feeds)
        return clipped([self.feed_line(feed, lang) for feed in report.failing_feeds], lang)

    @staticmethod
    def feed_line(feed: Feed, lang: str) -> str:
        url, error = feed.url[:100], (feed.last_error or "?")[:120]
        if not feed.enabled:
            return t("status.feed_disabled", lang, url=url, error=error)
        moment = when(parse_iso(feed.last_error_at)) if feed.last_error_at else "?"
        return t("status.feed_failing", lang, url=url, count=feed.failures, when=moment, error=error)

    def waiting(self, rows: list[Waiting], interaction: Interaction, lang: str) -> str:
        if not rows:
            return t("status.waiting_none", lang)
        lines = []
        for row in rows:
            channel = f"<#{row.channel_id}>" if row.channel_id else t("status.no_channel_yet", lang)
            lacking = None
            if row.why == "forbidden" and interaction.guild and row.channel_id:
                lacking = missing(interaction.guild.get_channel(row.channel_id), "announcements")
            reason = t(f"status.reason.{row.why}", lang, error=(row.error or "?")[:120],
                       missing=labels(lacking or list(NEEDS["announcements"]), lang))
            lines.append(t("status.waiting_line", lang, channel=channel, total=row.count,
                           reason=reason))
        return clipped(lines, lang)

    @staticmethod
    def backup(report: Status, lang: str) -> str:
        state = report.backup
        if not state.enabled:
            return t("status.backup_off", lang)
        if state.at is None:
            return t("status.backup_none", lang)
        if not state.ok:
            return t("status.backup_failed", lang, when=when(state.at), error=state.detail[:200])
        return t("status.backup_ok", lang, when=f"{when(state.at, 'f')} ({when(state.at)})")

    @staticmethod
    def kb(report: Status, lang: str) -> str:
        kb = report.kb
        if kb is None:
            return t("status.kb_missing", lang)
        text = t("status.kb_value", lang, count=kb.topics,
                 reviewed=day(kb.reviewed, lang) if kb.reviewed else "?",
                 fingerprint=kb.fingerprint)
        if kb.problems:
            text += "\n" + t("status.kb_problems", lang, count=kb.problems)
        return text

    async def permissions_changed(self, guild: discord.Guild) -> None:
        if await wake_forbidden(self.bot.db, guild.id, utcnow()):
            self.bot.dispatch("resources_queued", guild.id)

    @commands.Cog.listener()
    async def on_guild_channel_update(self, before: discord.abc.GuildChannel,
                                      after: discord.abc.GuildChannel) -> None:
        await self.permissions_changed(after.guild)

    @commands.Cog.listener()
    async def on_guild_role_update(self, before: discord.Role, after: discord.Role) -> None:
        await self.permissions_changed(after.guild)


async def setup(bot: CoalitionBot) -> None:
    await bot.add_cog(StatusCog(bot))
