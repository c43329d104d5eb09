"""/pledge: members make, list, edit, withdraw, restore and follow up their pledges.

Forms are answered through `on_interaction` by custom_id (see bot.pledges.forms for why), and
the buttons are persistent dynamic items (bot.pledges.buttons), so a receipt or a reminder
still works after a restart. Members name pledges by their number in the server, and every
action re-reads the pledge by (server, author, number): a button or number is never trusted.
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
from bot.pledges import progress, reminders
from bot.pledges.buttons import PledgeButton, ReminderButton, view_of
from bot.pledges.forms import (
    PAGE_SIZE,
    Pager,
    answer_form,
    guild_member,
    modal_custom_id,
    page_count,
    parse_target,
    pledge_modal,
    single,
    submitted_values,
    update_modal,
)
from bot.pledges.loop import NamedLoop
from bot.pledges.ratelimit import SubmissionLimiter
from bot.pledges.reminder_sender import ReminderSender
from bot.pledges.render import line, receipt
from bot.pledges.store import Pledge, PledgeDraft, PledgeStore, later
from bot.pledges.text import ON_BEHALF_OF, PLEDGE_TEXT, check_region, check_topic, checked_id, clean
from bot.pledges.topics import TopicSource

EDIT_MODAL = re.compile(r"pledge:edit:([0-9]{1,19})")
REMINDER_INTERVAL = 300.0
Interaction = discord.Interaction[Any]


class Pledges(commands.Cog):
    pledge = app_commands.Group(name="pledge", description="Make and manage your pledges",
                                guild_only=True)

    def __init__(self, bot: CoalitionBot) -> None:
        self.bot = bot
        self.store = PledgeStore(bot.db)
        self.topics = TopicSource(bot)
        self.limiter = SubmissionLimiter()
        self.progress_limiter = SubmissionLimiter()
        self.sender = ReminderSender(bot, bot.db)
        self.loop = NamedLoop("pledges", "reminders", self.sender.run_once,
                              interval=REMINDER_INTERVAL)

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(PledgeButton, ReminderButton)
        await self.sender.undelivered.load(self.bot.db)
        if self.bot.background_tasks:
            self.loop.start(self.bot)

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(PledgeButton, ReminderButton)
        await self.loop.stop()

    # --- replies -------------------------------------------------------------------------------

    async def reply(self, interaction: Interaction, guild_id: int, **kwargs: Any) -> None:
        """An ephemeral answer, led by the news of any reminder the member's closed DMs stopped
        (told once: marked only after Discord took the answer)."""
        member = (guild_id, interaction.user.id)
        untold = (await reminders.untold(self.bot.db, *member)
                  if member in self.sender.undelivered else [])
        if untold:
            numbers = ", ".join(f"#{number}" for _, number in untold)
            kwargs["content"] = t("pledges.remind.undelivered", lang_of(interaction),
                                  numbers=numbers, id=untold[0][1])
        await interaction.response.send_message(ephemeral=True, **kwargs)
        if untold:
            await reminders.mark_told(self.bot.db, [reminder_id for reminder_id, _ in untold])
        self.sender.undelivered.discard(*member)

    async def receipt_of(self, pledge: Pledge, lang: str, title_key: str, note: str | None = None,
                         *, due: str | None = None, look_up_due: bool = True,
                         ) -> tuple[discord.Embed, discord.ui.View]:
        """The receipt and its buttons; `due` is the pending reminder, read unless the caller
        knows it (a new pledge: spares a query per member in a burst of pledges)."""
        if look_up_due and pledge.active:
            due = await reminders.pending_due(self.bot.db, pledge)
        embed = receipt(pledge, lang, title_key, self.topics, note=note, reminder=due)
        if pledge.active:
            return embed, view_of(*(PledgeButton(action, pledge.number, lang)
                                    for action in ("edit", "progress", "withdraw")))
        if await self.store.restorable(pledge):
            return embed, view_of(PledgeButton("restore", pledge.number, lang))
        return embed, discord.ui.View()

    async def mine_page(self, guild_id: int, user_id: int, lang: str,
                        page: int) -> tuple[discord.Embed, int]:
        page = max(0, page)
        pledges, total = await self.store.mine(guild_id, user_id, limit=PAGE_SIZE,
                                               offset=page * PAGE_SIZE)
        pages = page_count(total)
        embed = discord.Embed(title=t("pledges.mine.title", lang, total=total),
                              colour=discord.Colour.blurple())
        for pledge in pledges:
            name, value = line(pledge, lang, self.topics)
            embed.add_field(name=name, value=value, inline=False)
        if not pledges:
            embed.description = t("pledges.mine.empty", lang)
        embed.set_footer(text=t("pledges.mine.footer", lang, page=page + 1, pages=pages))
        return embed, pages

    # --- commands ------------------------------------------------------------------------------

    @pledge.command(name="make", description="Make a pledge (opens a form)")
    async def make(self, interaction: discord.Interaction[CoalitionBot]) -> None:
        guild_id, user_id = guild_member(interaction)
        self.limiter.check((guild_id, user_id))
        lang = lang_of(interaction)
        campaign = await self.store.open_campaign(guild_id)
        await interaction.response.send_modal(pledge_modal(
            lang, self.topics.choices(lang, other=True),
            remind_days=campaign.remind_days if campaign else None))

    @pledge.command(name="mine", description="See your pledges in this server")
    async def mine(self, interaction: discord.Interaction[CoalitionBot]) -> None:
        guild_id, user_id = guild_member(interaction)
        lang = lang_of(interaction)
        embed, pages = await self.mine_page(guild_id, user_id, lang, 0)

        async def render(page: int) -> tuple[discord.Embed, int]:
            return await self.mine_page(guild_id, user_id, lang, page)

        view = Pager(user_id, lang, render, pages) if pages > 1 else discord.utils.MISSING
        await self.reply(interaction, guild_id, embed=embed, view=view)

    @pledge.command(name="edit", description="Change one of your pledges (opens a form)")
    @app_commands.describe(id="The pledge number shown on your receipt")
    async def edit(self, interaction: discord.Interaction[CoalitionBot], id: int) -> None:
        await self.open_edit(interaction, checked_id(id, "pledges.not_found"))

    @pledge.command(name="withdraw",
                    description="Withdraw one of your pledges (asks first; it is kept, marked withdrawn)")
    @app_commands.describe(id="The pledge number shown on your receipt")
    async def withdraw(self, interaction: discord.Interaction[CoalitionBot], id: int) -> None:
        guild_id, user_id = guild_member(interaction)
        lang = lang_of(interaction)
        pledge = await self.store.get_own(guild_id, user_id, checked_id(id, "pledges.not_found"))
        if not pledge.active:
            raise UserError("pledges.already_withdrawn", id=pledge.number)
        embed, view = self.confirmation(pledge, lang)
        await self.reply(interaction, guild_id, embed=embed, view=view)

    @pledge.command(name="restore", description="Restore a pledge you withdrew, while its campaign runs")
    @app_commands.describe(id="The pledge number shown on your receipt")
    async def restore(self, interaction: discord.Interaction[CoalitionBot], id: int) -> None:
        guild_id, user_id = guild_member(interaction)
        pledge = await self.store.restore(guild_id, user_id, checked_id(id, "pledges.not_found"))
        embed, view = await self.receipt_of(pledge, lang_of(interaction), "pledges.restored.title")
        await self.reply(interaction, guild_id, embed=embed, view=view)

    @pledge.command(name="update", description="Report progress on one of your pledges (opens a form)")
    @app_commands.describe(id="The pledge number shown on your receipt")
    async def update(self, interaction: discord.Interaction[CoalitionBot], id: int) -> None:
        guild_id, _ = guild_member(interaction)
        await self.open_update(interaction, guild_id, checked_id(id, "pledges.not_found"))

    @pledge.command(name="remind", description="Get a direct message reminding you to report progress")
    @app_commands.describe(id="The pledge number shown on your receipt",
                           days="In how many days (0 cancels; default: the campaign's, else 30)")
    async def remind(self, interaction: discord.Interaction[CoalitionBot], id: int,
                     days: app_commands.Range[int, 0, 365] | None = None) -> None:
        guild_id, user_id = guild_member(interaction)
        lang = lang_of(interaction)
        number = checked_id(id, "pledges.not_found")
        wanted = None if days is None else reminders.check_days(days)
        pledge, due = await reminders.schedule_own(self.bot.db, guild_id, user_id, number, wanted)
        text = (t("pledges.remind.cancelled", lang, id=pledge.number) if due is None else
                t("pledges.remind.set", lang, id=pledge.number, date=day(due, lang)))
        await self.reply(interaction, guild_id, embed=discord.Embed(description=text))

    # --- buttons -------------------------------------------------------------------------------

    def confirmation(self, pledge: Pledge, lang: str) -> tuple[discord.Embed, discord.ui.View]:
        embed = receipt(pledge, lang, "pledges.withdraw.confirm_title", self.topics)
        embed.colour = discord.Colour.orange()
        embed.set_footer(text=t("pledges.withdraw.confirm", lang))
        return embed, view_of(PledgeButton("confirm", pledge.number, lang),
                              PledgeButton("keep", pledge.number, lang))

    async def pledge_button(self, interaction: Interaction, action: str, number: int) -> None:
        """The receipt's buttons; each re-reads the pledge as the clicking member's."""
        if action == "edit":
            await self.open_edit(interaction, number)
            return
        guild_id, user_id = guild_member(interaction)
        if action == "progress":
            await self.open_update(interaction, guild_id, number)
            return
        lang = lang_of(interaction)
        pledge = await self.store.get_own(guild_id, user_id, number)
        if action == "withdraw":
            if not pledge.active:
                raise UserError("pledges.already_withdrawn", id=number)
            embed, view = self.confirmation(pledge, lang)
            await interaction.response.edit_message(embed=embed, view=view)
            return
        title = "pledges.receipt.title"
        if action == "confirm":
            pledge, title = await self.store.withdraw(guild_id, user_id, number), "pledges.withdrawn.title"
        elif action == "restore":
            pledge, title = await self.store.restore(guild_id, user_id, number), "pledges.restored.title"
        embed, view = await self.receipt_of(pledge, lang, title)
        await interaction.response.edit_message(embed=embed, view=view)

    async def reminder_button(self, interaction: Interaction, guild_id: int, number: int) -> None:
        """"Update" under a reminder: in a direct message no server comes with the click, so
        the button names it, and the pledge must still be the clicking member's."""
        if interaction.guild_id is not None and interaction.guild_id != guild_id:
            raise UserError("pledges.not_found", id=number)
        await self.open_update(interaction, guild_id, number)

    async def open_edit(self, interaction: Interaction, number: int) -> None:
        guild_id, user_id = guild_member(interaction)
        self.limiter.check((guild_id, user_id))
        pledge = await self.store.editable(guild_id, user_id, number)
        lang = lang_of(interaction)
        await interaction.response.send_modal(
            pledge_modal(lang, self.topics.choices(lang, other=True), pledge))

    async def open_update(self, interaction: Interaction, guild_id: int, number: int) -> None:
        user_id = interaction.user.id
        self.progress_limiter.check((guild_id, user_id))
        pledge = await self.store.get_own(guild_id, user_id, number)
        if not pledge.active:
            raise UserError("pledges.progress_withdrawn", id=number)
        choices = await self.store.choices(guild_id, user_id)
        await interaction.response.send_modal(update_modal(lang_of(interaction), choices, pledge))

    # --- forms ---------------------------------------------------------------------------------

    def draft(self, interaction: Interaction) -> PledgeDraft:
        values = submitted_values(interaction.data)
        return PledgeDraft(
            text=clean(values.get("pledge_text"), PLEDGE_TEXT),
            on_behalf_of=clean(values.get("on_behalf_of"), ON_BEHALF_OF),
            region=check_region(single(values.get("region"))),
            topic=check_topic(single(values.get("topic")), self.topics.slugs(other=True)),
            remind_days=reminders.parse_form_days(values.get("remind")),
        )

    async def submit(self, interaction: Interaction, number: int | None) -> None:
        """A `pledge` form: validate, count against the limit, commit, and only then answer."""
        guild_id, user_id = guild_member(interaction)
        lang = lang_of(interaction)
        draft = self.draft(interaction)
        key = (guild_id, user_id)
        self.limiter.hit(key)
        try:
            if number is None:
                pledge = await self.store.create(guild_id, user_id, draft, lang)
            else:
                pledge = await self.store.update(guild_id, user_id, number, draft)
        except Exception:
            self.limiter.refund(key)
            raise
        if number is None:
            due = later(pledge.created_at, draft.remind_days) if draft.remind_days else None
            embed, view = await self.receipt_of(pledge, lang, "pledges.receipt.title", due=due,
                                                look_up_due=False)
        else:
            embed, view = await self.receipt_of(pledge, lang, "pledges.receipt.edited")
        await self.reply(interaction, guild_id, embed=embed, view=view)

    async def submit_update(self, interaction: Interaction) -> None:
        """A `pledge_update` form, from a server or from a reminder's direct message."""
        values = submitted_values(interaction.data)
        guild_id, number = parse_target(values.get("pledge"), interaction.guild_id)
        status = progress.check_status(single(values.get("progress")))
        note = progress.clean_note(values.get("progress_note"))
        key = (guild_id, interaction.user.id)
        self.progress_limiter.hit(key)
        try:
            pledge = await progress.record(self.bot.db, guild_id, interaction.user.id, number,
                                           status=status, note=note)
        except Exception:
            self.progress_limiter.refund(key)
            raise
        embed, view = await self.receipt_of(pledge, lang_of(interaction), "pledges.update.saved",
                                            note=note)
        if interaction.guild_id is None:  # a direct message: the receipt's buttons need a server
            await interaction.response.send_message(embed=embed)
            return
        await self.reply(interaction, guild_id, embed=embed, view=view)

    @commands.Cog.listener()
    async def on_interaction(self, interaction: Interaction) -> None:
        custom_id = modal_custom_id(interaction)
        if custom_id == "pledge_update":
            await answer_form(interaction, "modal pledge_update", lambda: self.submit_update(interaction))
            return
        edit = EDIT_MODAL.fullmatch(custom_id) if custom_id else None
        if custom_id != "pledge" and edit is None:
            return

        async def answer() -> None:
            number = checked_id(int(edit.group(1)), "pledges.not_found") if edit else None
            await self.submit(interaction, number)

        await answer_form(interaction, f"modal {custom_id}", answer)


async def setup(bot: CoalitionBot) -> None:
    await bot.add_cog(Pledges(bot))
