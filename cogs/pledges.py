"""/pledge: members make, list, edit and withdraw their pledges.

Forms are answered through `on_interaction` by custom_id (see bot.pledges.forms for why), and
the receipt's buttons are persistent dynamic items, so a receipt still works after a restart.
Every action re-reads the pledge by (server, author, id): a button or id is never trusted.
"""

from __future__ import annotations

import re
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.client import CoalitionBot
from bot.errors import UserError
from bot.i18n import lang_of, t
from bot.l10n import day
from bot.pledges.forms import (
    PAGE_SIZE,
    Pager,
    answer_form,
    fit,
    guild_member,
    modal_custom_id,
    page_count,
    pledge_modal,
    single,
    submitted_values,
)
from bot.pledges.ratelimit import SubmissionLimiter
from bot.pledges.store import Pledge, PledgeDraft, PledgeStore
from bot.pledges.text import (
    ON_BEHALF_OF,
    PLEDGE_TEXT,
    check_region,
    check_topic,
    checked_id,
    clean,
)
from bot.pledges.topics import TopicSource
from bot.regions import region_label
from bot.tree import report_component_error

EDIT_MODAL = re.compile(r"pledge:edit:([0-9]{1,19})")
SNIPPET = 300


class PledgeButton(discord.ui.DynamicItem[discord.ui.Button[Any]],
                   template=r"pledge:(?P<action>edit|withdraw):(?P<id>[0-9]{1,19})"):
    """Edit and withdraw on a receipt; persistent, and owned by whoever owns the pledge now."""

    def __init__(self, action: str, pledge_id: int, lang: str = "en") -> None:
        style = discord.ButtonStyle.primary if action == "edit" else discord.ButtonStyle.danger
        super().__init__(discord.ui.Button(
            label=t(f"pledges.button.{action}", lang), style=style,
            custom_id=f"pledge:{action}:{pledge_id}"))
        self.action = action
        self.pledge_id = pledge_id

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction[Any],
                             item: discord.ui.Item[Any], match: re.Match[str], /) -> PledgeButton:
        return cls(match["action"], int(match["id"]), lang_of(interaction))

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        cog = interaction.client.get_cog("Pledges")
        try:
            assert isinstance(cog, Pledges)
            # The template admits 19 digits, more than SQLite's integer range: a crafted
            # custom_id past it is "not found", like any other id that is not the member's.
            pledge_id = checked_id(self.pledge_id, "pledges.not_found")
            if self.action == "edit":
                await cog.open_edit(interaction, pledge_id)
            else:
                await cog.withdraw_from_button(interaction, pledge_id)
        except Exception as error:  # the plain View a dynamic item lives in only logs errors
            await report_component_error(interaction, error, f"button {self.custom_id}")


def receipt_view(pledge: Pledge, lang: str) -> discord.ui.View:
    """The receipt's buttons, sent but not kept: they are dynamic items the bot routes by
    custom_id (cog_load), so a stopped view is enough, and discord.py then neither stores it
    nor keeps a 15-minute timeout task for every receipt of a burst."""
    view = discord.ui.View(timeout=None)
    if pledge.active:
        view.add_item(PledgeButton("edit", pledge.id, lang))
        view.add_item(PledgeButton("withdraw", pledge.id, lang))
    view.stop()
    return view


class Pledges(commands.Cog):
    pledge = app_commands.Group(name="pledge", description="Make and manage your pledges",
                                guild_only=True)

    def __init__(self, bot: CoalitionBot) -> None:
        self.bot = bot
        self.store = PledgeStore(bot.db)
        self.topics = TopicSource(bot)
        self.limiter = SubmissionLimiter()

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(PledgeButton)

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(PledgeButton)

    # --- rendering -------------------------------------------------------------------------

    def receipt(self, pledge: Pledge, lang: str, title_key: str) -> discord.Embed:
        colour = discord.Colour.green() if pledge.active else discord.Colour.dark_grey()
        embed = discord.Embed(title=t(title_key, lang, id=pledge.id), description=pledge.text,
                              colour=colour)
        embed.add_field(name=t("pledges.field.behalf", lang), value=pledge.on_behalf_of,
                        inline=False)
        embed.add_field(name=t("pledges.field.region", lang), value=region_label(pledge.region, lang))
        embed.add_field(name=t("pledges.field.topic", lang),
                        value=self.topics.title(pledge.topic, lang))
        embed.set_footer(text=t("pledges.receipt.footer", lang))
        return embed

    def line(self, pledge: Pledge, lang: str) -> tuple[str, str]:
        status = t(f"pledges.status.{pledge.status}", lang)
        name = t("pledges.mine.item", lang, id=pledge.id, status=status,
                 region=region_label(pledge.region, lang),
                 topic=self.topics.title(pledge.topic, lang), date=day(pledge.created_at, lang))
        value = f"{fit(pledge.on_behalf_of, 100)}: {fit(pledge.text, SNIPPET)}"
        return fit(name, 256), value

    async def mine_page(self, guild_id: int, user_id: int, lang: str,
                        page: int) -> tuple[discord.Embed, int]:
        page = max(0, page)
        pledges, total = await self.store.mine(guild_id, user_id, limit=PAGE_SIZE,
                                               offset=page * PAGE_SIZE)
        pages = page_count(total)
        embed = discord.Embed(title=t("pledges.mine.title", lang, total=total),
                              colour=discord.Colour.blurple())
        for pledge in pledges:
            name, value = self.line(pledge, lang)
            embed.add_field(name=name, value=value, inline=False)
        embed.set_footer(text=t("pledges.mine.footer", lang, page=page + 1, pages=pages))
        return embed, pages

    # --- commands ----------------------------------------------------------------------------

    @pledge.command(name="make", description="Make a pledge (opens a form)")
    async def make(self, interaction: discord.Interaction[CoalitionBot]) -> None:
        guild_id, user_id = guild_member(interaction)
        self.limiter.check((guild_id, user_id))
        state = await self.store.campaign_state(guild_id)
        if state.closed:
            raise UserError("pledges.campaign_closed", name=state.last_name)
        lang = lang_of(interaction)
        await interaction.response.send_modal(pledge_modal(lang, self.topics.choices(lang)))

    @pledge.command(name="mine", description="See your pledges in this server")
    async def mine(self, interaction: discord.Interaction[CoalitionBot]) -> None:
        guild_id, user_id = guild_member(interaction)
        lang = lang_of(interaction)
        embed, pages = await self.mine_page(guild_id, user_id, lang, 0)
        if pages <= 1:
            if not embed.fields:
                embed.description = t("pledges.mine.empty", lang)
            await interaction.response.send_message(embed=embed, ephemeral=True)
            return

        async def render(page: int) -> tuple[discord.Embed, int]:
            return await self.mine_page(guild_id, user_id, lang, page)

        view = Pager(user_id, lang, render, pages)
        await interaction.response.send_message(embed=embed, view=view, ephemeral=True)

    @pledge.command(name="edit", description="Change one of your pledges (opens a form)")
    @app_commands.describe(id="The pledge number shown on your receipt")
    async def edit(self, interaction: discord.Interaction[CoalitionBot], id: int) -> None:
        await self.open_edit(interaction, checked_id(id, "pledges.not_found"))

    @pledge.command(name="withdraw", description="Withdraw one of your pledges (kept, marked withdrawn)")
    @app_commands.describe(id="The pledge number shown on your receipt")
    async def withdraw(self, interaction: discord.Interaction[CoalitionBot], id: int) -> None:
        guild_id, user_id = guild_member(interaction)
        lang = lang_of(interaction)
        pledge = await self.store.withdraw(guild_id, user_id, checked_id(id, "pledges.not_found"))
        await interaction.response.send_message(
            embed=self.receipt(pledge, lang, "pledges.withdrawn.title"), ephemeral=True)

    # --- shared by commands, buttons and forms -------------------------------------------

    async def open_edit(self, interaction: discord.Interaction[Any], pledge_id: int) -> None:
        guild_id, user_id = guild_member(interaction)
        self.limiter.check((guild_id, user_id))
        pledge = await self.store.editable(guild_id, user_id, pledge_id)
        lang = lang_of(interaction)
        await interaction.response.send_modal(pledge_modal(lang, self.topics.choices(lang), pledge))

    async def withdraw_from_button(self, interaction: discord.Interaction[Any],
                                   pledge_id: int) -> None:
        guild_id, user_id = guild_member(interaction)
        lang = lang_of(interaction)
        pledge = await self.store.withdraw(guild_id, user_id, pledge_id)
        await interaction.response.edit_message(
            embed=self.receipt(pledge, lang, "pledges.withdrawn.title"), view=None)

    def draft(self, interaction: discord.Interaction[Any]) -> PledgeDraft:
        values = submitted_values(interaction.data)
        return PledgeDraft(
            text=clean(values.get("pledge_text"), PLEDGE_TEXT),
            on_behalf_of=clean(values.get("on_behalf_of"), ON_BEHALF_OF),
            region=check_region(single(values.get("region"))),
            topic=check_topic(single(values.get("topic")), self.topics.slugs()),
        )

    async def submit(self, interaction: discord.Interaction[Any], pledge_id: int | None) -> None:
        """A `pledge` form: validate, count against the limit, commit, and only then answer."""
        guild_id, user_id = guild_member(interaction)
        lang = lang_of(interaction)
        draft = self.draft(interaction)
        key = (guild_id, user_id)
        self.limiter.hit(key)
        try:
            if pledge_id is None:
                pledge = await self.store.create(guild_id, user_id, draft, lang)
            else:
                pledge = await self.store.update(guild_id, user_id, pledge_id, draft)
        except Exception:
            self.limiter.refund(key)
            raise
        title = "pledges.receipt.title" if pledge_id is None else "pledges.receipt.edited"
        await interaction.response.send_message(
            embed=self.receipt(pledge, lang, title), view=receipt_view(pledge, lang), ephemeral=True)

    @commands.Cog.listener()
    async def on_interaction(self, interaction: discord.Interaction[Any]) -> None:
        custom_id = modal_custom_id(interaction)
        edit = EDIT_MODAL.fullmatch(custom_id) if custom_id else None
        if custom_id != "pledge" and edit is None:
            return

        async def answer() -> None:
            pledge_id = checked_id(int(edit.group(1)), "pledges.not_found") if edit else None
            await self.submit(interaction, pledge_id)

        await answer_form(interaction, f"modal {custom_id}", answer)


async def setup(bot: CoalitionBot) -> None:
    await bot.add_cog(Pledges(bot))
