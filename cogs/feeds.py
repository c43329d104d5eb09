"""/feeds (moderators): the RSS and Atom feeds whose new items this server announces, and the
poller that reads them."""

from __future__ import annotations

import logging
from collections.abc import Callable

import discord
from discord import app_commands
from discord.ext import commands

from bot.client import CoalitionBot
from bot.errors import UserError
from bot.i18n import lang_of, t
from bot.permissions import ModeratorGroup, is_moderator
from bot.regions import region_choices, region_label
from bot.resources.background import Periodic
from bot.resources.clock import parse_iso, utcnow
from bot.resources.cooldown import Cooldown
from bot.resources.errors import user_error
from bot.resources.feeds import FeedRefused, Poller, PollResult
from bot.resources.feedstore import Feed
from bot.resources.fetch import FeedError, FeedFetcher
from bot.resources.notify import guild_lang, tell_moderators
from bot.resources.outbox import Outbox
from bot.resources.render import fit_lines
from bot.resources.settings import own_channel
from bot.resources.text import InvalidField, valid_region
from bot.resources.urls import MAX_URL_LENGTH, InvalidURL, canonical_url

log = logging.getLogger(__name__)
POLL_INTERVAL = 60.0
REFRESH_COOLDOWN = 300.0
EMBED_TEXT = 4000
Interaction = discord.Interaction[CoalitionBot]


def when(stamp: str | None, lang: str) -> str:
    """A Discord timestamp: every member sees it in their own time zone and language."""
    return discord.utils.format_dt(parse_iso(stamp), "R") if stamp else t("feeds.never", lang)


def short(url: str, width: int = 70) -> str:
    return url if len(url) <= width else url[: width - 1] + "…"


class Feeds(commands.Cog):
    feeds = ModeratorGroup(name="feeds", description="Feeds whose new items are announced here")

    def __init__(self, bot: CoalitionBot) -> None:
        self.bot = bot
        # Against a fake Discord (tests, the local console) feeds are served from this machine.
        self.fetcher = FeedFetcher(allow_private=bot.settings.allow_private_feeds)
        self.poller = Poller(bot.db, self.fetcher, on_disabled=self.feed_disabled,
                             on_queued=self.queued, on_capped=self.feed_capped)
        self.refresh_gate = Cooldown(REFRESH_COOLDOWN)
        self.loop = Periodic("feeds", self.poller.poll_due, interval=POLL_INTERVAL)

    async def cog_load(self) -> None:
        if self.bot.background_tasks:
            self.loop.start(self.bot)

    async def cog_unload(self) -> None:
        await self.loop.stop()
        await self.fetcher.close()

    def queued(self, guild_id: int) -> None:
        self.bot.dispatch("resources_queued", guild_id)

    async def feed_disabled(self, feed: Feed, error: str) -> None:
        await tell_moderators(self.bot, self.bot.guild_settings, feed.guild_id,
                              "feeds.notice.disabled", url=short(feed.url, 300), error=error[:200])

    async def feed_capped(self, feed: Feed, new: int, announced: int) -> None:
        await tell_moderators(self.bot, self.bot.guild_settings, feed.guild_id,
                              "feeds.notice.capped", id=feed.id, url=short(feed.url, 300),
                              count=new, limit=announced,
                              held=t("feeds.notice.held", guild_lang(self.bot, feed.guild_id),
                                     count=new - announced))

    @feeds.command(name="add", description="Follow a feed; only items published from now on are announced")
    @app_commands.describe(url="The feed's address (RSS or Atom)",
                           channel="Announce its items here instead of the usual channel",
                           region="The region its items concern")
    @app_commands.choices(region=region_choices())
    async def add(self, interaction: Interaction, url: app_commands.Range[str, 1, MAX_URL_LENGTH],
                  channel: discord.TextChannel | None = None, region: str | None = None) -> None:
        assert interaction.guild_id is not None
        lang = lang_of(interaction)
        channel_id = None if channel is None else own_channel(interaction, channel)
        try:
            canonical, region = canonical_url(url), valid_region(region)
        except (InvalidURL, InvalidField) as exc:
            raise user_error(exc) from exc
        await interaction.response.defer(ephemeral=True, thinking=True)
        try:
            feed, seen = await self.poller.add_feed(
                interaction.guild_id, canonical, channel_id=channel_id, region=region,
                added_by=interaction.user.id)
        except (InvalidURL, FeedError, FeedRefused) as exc:
            raise user_error(exc) from exc
        self.bot.dispatch("resources_queued", interaction.guild_id)
        await interaction.followup.send(
            t("feeds.add.done", lang, id=feed.id, url=short(feed.url, 300), count=seen), ephemeral=True)

    async def show_feeds(self, interaction: Interaction, title_key: str,
                         line: Callable[[Feed, str], str]) -> None:
        assert interaction.guild_id is not None
        lang = lang_of(interaction)
        feeds = await self.poller.feeds.for_guild(interaction.guild_id)
        if not feeds:
            await interaction.response.send_message(t("feeds.none", lang), ephemeral=True)
            return
        lines = [line(feed, lang) for feed in feeds]
        embed = discord.Embed(title=t(title_key, lang, total=len(feeds)),
                              description=fit_lines(lines, EMBED_TEXT,
                                                    lambda n: t("feeds.more", lang, count=n)))
        await interaction.response.send_message(embed=embed, ephemeral=True)

    @feeds.command(name="list", description="The feeds this server follows")
    async def list_feeds(self, interaction: Interaction) -> None:
        await self.show_feeds(interaction, "feeds.list.title", self.list_line)

    @staticmethod
    def list_line(feed: Feed, lang: str) -> str:
        parts = [f"**#{feed.id}** `{short(feed.url)}`"]
        if feed.channel_id:
            parts.append(f"<#{feed.channel_id}>")
        if feed.region:
            parts.append(region_label(feed.region, lang))
        if not feed.enabled:
            parts.append(t("feeds.state.disabled", lang))
        return " · ".join(parts)

    @feeds.command(name="status", description="When each feed was last read, its last error, the next try")
    async def status(self, interaction: Interaction) -> None:
        await self.show_feeds(interaction, "feeds.status.title", self.status_line)

    @staticmethod
    def status_line(feed: Feed, lang: str) -> str:
        state = "ok" if feed.enabled and not feed.failures else (
            "failing" if feed.enabled else "disabled")
        next_try = when(feed.next_attempt_at, lang) if feed.enabled else "—"
        line = t("feeds.status.line", lang, id=feed.id, url=short(feed.url, 60),
                 state=t(f"feeds.state.{state}", lang), success=when(feed.last_success_at, lang),
                 next=next_try)
        if feed.last_error:
            error = discord.utils.escape_markdown(feed.last_error[:120])
            line += "\n" + t("feeds.status.error", lang, when=when(feed.last_error_at, lang),
                             error=error, count=feed.failures)
        return line

    @feeds.command(name="remove", description="Stop following a feed (its resources stay)")
    @app_commands.describe(feed="The feed to stop following")
    async def remove(self, interaction: Interaction, feed: app_commands.Range[int, 1]) -> None:
        assert interaction.guild_id is not None
        found = await self.poller.feeds.get(interaction.guild_id, feed)
        if found is None or not await self.poller.feeds.remove(interaction.guild_id, feed):
            raise UserError("feeds.remove.not_found")
        if found.channel_id:  # its announcements now go to the usual channels: held ones too
            await Outbox(self.bot.db).wake(interaction.guild_id)
            self.bot.dispatch("resources_queued", interaction.guild_id)
        await interaction.response.send_message(
            t("feeds.remove.done", lang_of(interaction), url=short(found.url, 300)), ephemeral=True)

    @remove.autocomplete("feed")
    async def remove_choices(self, interaction: Interaction,
                             current: str) -> list[app_commands.Choice[int]]:
        if interaction.guild_id is None or not await is_moderator(interaction):
            return []
        needle = str(current).lower()
        feeds = await self.poller.feeds.for_guild(interaction.guild_id)
        return [app_commands.Choice(name=short(f"#{f.id} {f.url}", 100), value=f.id)
                for f in feeds if needle in f.url.lower() or needle == str(f.id)][:25]

    @feeds.command(name="refresh", description="Read every feed of this server now")
    async def refresh(self, interaction: Interaction) -> None:
        assert interaction.guild_id is not None
        lang = lang_of(interaction)
        ready = self.refresh_gate.claim(interaction.guild_id, utcnow())
        if ready is not None:
            raise UserError("feeds.refresh.cooldown", count=round(REFRESH_COOLDOWN / 60),
                            when=discord.utils.format_dt(ready, "R"))
        await interaction.response.defer(ephemeral=True, thinking=True)
        results = await self.poller.refresh(interaction.guild_id)
        await interaction.followup.send(self.refresh_summary(results, lang), ephemeral=True)

    @staticmethod
    def refresh_summary(results: list[PollResult], lang: str) -> str:
        if not results:
            return t("feeds.none", lang)
        failed = [r for r in results if r.status in ("failed", "disabled")]
        text = t("feeds.refresh.done", lang,
                 feeds=t("feeds.refresh.feeds", lang, count=len(results)),
                 new=t("feeds.refresh.new", lang, count=sum(r.new for r in results)),
                 failed=t("feeds.refresh.failed", lang, count=len(failed)))
        return text[:2000]


async def setup(bot: CoalitionBot) -> None:
    await bot.add_cog(Feeds(bot))
