"""/resources for members (latest, search), /resource for moderators (add, remove), and the
announcement poster that runs behind them."""

from __future__ import annotations

import logging

import discord
from discord import app_commands
from discord.ext import commands

from bot.client import CoalitionBot
from bot.errors import UserError
from bot.i18n import lang_of, t
from bot.options import typed_id
from bot.permissions import ModeratorGroup, is_moderator
from bot.regions import region_choices
from bot.resources.background import Periodic
from bot.resources.errors import user_error
from bot.resources.outbox import Poster
from bot.resources.render import listing_embed
from bot.resources.seed import ensure_seeded
from bot.resources.settings import announcement_channel
from bot.resources.store import NewResource, Resource, ResourceStore
from bot.resources.text import (
    KINDS,
    MAX_AUTHOR,
    MAX_TITLE,
    InvalidField,
    optional_author,
    parse_published,
    required_title,
    valid_kind,
    valid_region,
)
from bot.resources.urls import MAX_URL_LENGTH, InvalidURL, canonical_url
from bot.text import clean_text

log = logging.getLogger(__name__)
POSTER_INTERVAL = 30.0
Interaction = discord.Interaction[CoalitionBot]


def kind_choices() -> list[app_commands.Choice[str]]:
    return [app_commands.Choice(name=label, value=value) for value, label in KINDS.items()]


class Resources(commands.Cog):
    resources = app_commands.Group(name="resources", guild_only=True,
                                   description="Find reports, videos and statements shared here")
    resource = ModeratorGroup(name="resource", description="Add or remove a resource (moderators)")

    def __init__(self, bot: CoalitionBot) -> None:
        self.bot = bot
        self.store = ResourceStore(bot.db)
        self.poster = Poster(bot, bot.db, bot.guild_settings)
        self.loop = Periodic("outbox", self.poster.run_once, interval=POSTER_INTERVAL,
                             wakeup=self.poster.wakeup)

    async def cog_load(self) -> None:
        if self.bot.background_tasks:
            self.loop.start(self.bot)

    async def cog_unload(self) -> None:
        await self.loop.stop()

    async def seed(self, guild_id: int) -> None:
        await ensure_seeded(self.bot.db, guild_id, self.bot.settings.data_dir)

    @commands.Cog.listener()
    async def on_guild_available(self, guild: discord.Guild) -> None:
        await self.seed(guild.id)

    @commands.Cog.listener()
    async def on_guild_join(self, guild: discord.Guild) -> None:
        await self.seed(guild.id)

    @commands.Cog.listener()
    async def on_resources_queued(self, guild_id: int) -> None:
        self.poster.wakeup.set()

    @resources.command(name="latest", description="The newest resources shared in this server")
    @app_commands.describe(region="Only this region", kind="Only this kind of resource")
    @app_commands.choices(region=region_choices(), kind=kind_choices())
    async def latest(self, interaction: Interaction, region: str | None = None,
                     kind: str | None = None) -> None:
        assert interaction.guild_id is not None
        lang = lang_of(interaction)
        await self.seed(interaction.guild_id)
        try:
            region, kind_value = valid_region(region), (valid_kind(kind) if kind else None)
        except InvalidField as exc:
            raise user_error(exc) from exc
        found = await self.store.latest(interaction.guild_id, region=region, kind=kind_value)
        await self.show(interaction, t("resources.latest.title", lang), found)

    @resources.command(name="search", description="Search titles and authors of resources")
    @app_commands.describe(query="Words from the title or the author", region="Only this region")
    @app_commands.choices(region=region_choices())
    async def search(self, interaction: Interaction, query: app_commands.Range[str, 1, 100],
                     region: str | None = None) -> None:
        assert interaction.guild_id is not None
        lang = lang_of(interaction)
        await self.seed(interaction.guild_id)
        try:
            region = valid_region(region)
        except InvalidField as exc:
            raise user_error(exc) from exc
        text = clean_text(query, 100)
        if not text:
            raise UserError("resources.search.empty")
        found = await self.store.search(interaction.guild_id, text, region=region)
        await self.show(interaction, t("resources.search.title", lang, query=text), found)

    async def show(self, interaction: Interaction, title: str, found: list[Resource]) -> None:
        lang = lang_of(interaction)
        if not found:
            await interaction.response.send_message(t("resources.none", lang), ephemeral=True)
            return
        await interaction.response.send_message(embed=listing_embed(title, found, lang),
                                                ephemeral=True)

    @resource.command(name="add", description="Add a resource; it is announced once")
    @app_commands.describe(
        url="Its web address (http or https)", title="Its title", author="Who published it",
        published="Publication date, YYYY-MM-DD", region="The region it concerns",
        kind="Report, video, statement, article or other",
    )
    @app_commands.choices(region=region_choices(), kind=kind_choices())
    async def add(  # noqa: PLR0917 (one parameter per slash-command option)
        self, interaction: Interaction, url: app_commands.Range[str, 1, MAX_URL_LENGTH],
        title: app_commands.Range[str, 1, MAX_TITLE],
        author: app_commands.Range[str, 1, MAX_AUTHOR] | None = None,
        published: app_commands.Range[str, 1, 10] | None = None,
        region: str | None = None, kind: str | None = None,
    ) -> None:
        assert interaction.guild_id is not None
        guild_id, lang = interaction.guild_id, lang_of(interaction)
        try:
            new = NewResource(
                url=canonical_url(url), title=required_title(title),
                author=optional_author(author), published=parse_published(published),
                region=valid_region(region), kind=valid_kind(kind), source="moderator",
                added_by=interaction.user.id,
            )
        except (InvalidURL, InvalidField) as exc:
            raise user_error(exc) from exc
        await self.seed(guild_id)
        if await self.store.add(guild_id, new) is None:
            existing = await self.store.get_by_url(guild_id, new.url)
            raise UserError("resources.add.exists", title=existing.title if existing else new.url)
        self.poster.wakeup.set()
        channel = await announcement_channel(self.bot.guild_settings, guild_id,
                                             feed_channel=None, region=new.region)
        text = (t("resources.add.done", lang, title=new.title, channel=f"<#{channel}>")
                if channel else t("resources.add.waiting", lang, title=new.title))
        await interaction.response.send_message(text, ephemeral=True)

    @resource.command(name="remove", description="Remove a resource from this server's list")
    @app_commands.describe(resource="The resource (start typing its title) or its URL")
    async def remove(self, interaction: Interaction,
                     resource: app_commands.Range[str, 1, MAX_URL_LENGTH]) -> None:
        assert interaction.guild_id is not None
        guild_id = interaction.guild_id
        number = typed_id(resource)  # autocomplete sends the id; "²" is no id
        if number is not None:
            found = await self.store.get(guild_id, number)
        else:
            try:
                found = await self.store.get_by_url(guild_id, canonical_url(resource))
            except InvalidURL as exc:
                raise user_error(exc) from exc
        if found is None or not await self.store.remove(guild_id, found.id):
            raise UserError("resources.remove.not_found")
        await interaction.response.send_message(
            t("resources.remove.done", lang_of(interaction), title=found.title), ephemeral=True)

    @remove.autocomplete("resource")
    async def remove_choices(self, interaction: Interaction,
                             current: str) -> list[app_commands.Choice[str]]:
        if interaction.guild_id is None or not await is_moderator(interaction):
            return []
        text = clean_text(current, 100)
        found = (await self.store.search(interaction.guild_id, text, limit=25) if text
                 else await self.store.latest(interaction.guild_id, limit=25))
        return [app_commands.Choice(name=clean_text(r.title, 100), value=str(r.id))
                for r in found]


async def setup(bot: CoalitionBot) -> None:
    await bot.add_cog(Resources(bot))
