"""/kb: the moderators' side of the knowledge base: reload the shipped topics, and keep this
server's own entries (write, translate, review, history) and its unanswered questions.

Thin on purpose: the flows live in bot.kb.entry_desk and bot.kb.entry_board; the entry form
is answered here by custom_id (see bot.kb.entry_views).
"""

from __future__ import annotations

from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.client import CoalitionBot
from bot.i18n import lang_of, t
from bot.kb.entry_board import EntryBoard, waiting_by_entry
from bot.kb.entry_desk import entry_choices
from bot.kb.entry_index import attach_entries
from bot.kb.entry_views import DYNAMIC_ITEMS, MODAL_ID
from bot.kb.gaps import GapStore
from bot.kb.render import LANG_NAMES, clip
from bot.kb.service import KnowledgeBase, attach
from bot.permissions import ModeratorGroup, is_moderator
from bot.pledges.forms import answer_form, modal_custom_id

PROBLEMS_SHOWN = 1500
Interaction = discord.Interaction[CoalitionBot]
LANG_CHOICES = [app_commands.Choice(name=name, value=value) for value, name in LANG_NAMES.items()]


class KbAdmin(commands.Cog):
    kb_group = ModeratorGroup(name="kb", description="Manage the knowledge base (moderators)")
    entry_group = ModeratorGroup(name="entry", description="This server's own entries",
                                 parent=kb_group, guild_only=False, default_permissions=None)

    def __init__(self, bot: CoalitionBot, kb: KnowledgeBase, desk: EntryBoard) -> None:
        self.bot = bot
        self.kb = kb
        self.desk = desk

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(*DYNAMIC_ITEMS)

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(*DYNAMIC_ITEMS)

    @kb_group.command(name="reload", description="Re-read the topic files without restarting")
    async def reload(self, interaction: Interaction) -> None:
        lang = lang_of(interaction)
        result = self.kb.reload()
        if not result.problems:
            text = t("kb.reload.ok", lang, count=result.topics)
        else:
            listing = "\n".join(f"- {p}" for p in result.problems)
            text = (t("kb.reload.failed", lang, count=len(result.problems),
                      topics=t("units.topics", lang, count=result.topics))
                    + "\n```\n" + clip(listing, PROBLEMS_SHOWN).replace("```", "'''") + "\n```")
        await interaction.response.send_message(text, ephemeral=True)

    @kb_group.command(name="gaps", description="Unanswered questions, most frequent first")
    async def gaps(self, interaction: Interaction) -> None:
        await self.desk.show_gaps(interaction)

    @kb_group.command(name="entries", description="This server's entries and the languages they lack")
    async def entries(self, interaction: Interaction) -> None:
        await self.desk.show_entries(interaction)

    @kb_group.command(name="pending", description="Changes waiting for a second moderator")
    async def pending(self, interaction: Interaction) -> None:
        await self.desk.show_pending(interaction)

    @entry_group.command(name="add", description="Write a new entry (opens a form)")
    async def add(self, interaction: Interaction) -> None:
        await self.desk.open_add(interaction)

    @entry_group.command(name="edit", description="Change an entry (opens the form, filled in)")
    @app_commands.describe(entry="The entry (start typing its number or question)")
    async def edit(self, interaction: Interaction, entry: str) -> None:
        await self.desk.open_change(interaction, entry, None)

    @entry_group.command(name="translate", description="Add or fix another language of an entry")
    @app_commands.describe(entry="The entry (start typing its number or question)",
                           lang="The language to write")
    @app_commands.choices(lang=LANG_CHOICES)
    async def translate(self, interaction: Interaction, entry: str, lang: str) -> None:
        await self.desk.open_change(interaction, entry, lang if lang in ("en", "fr", "es")
                                    else None)

    @entry_group.command(name="history", description="Every version of an entry: who, when, what")
    @app_commands.describe(entry="The entry (start typing its number or question)")
    async def history(self, interaction: Interaction, entry: str) -> None:
        await self.desk.show_history(interaction, entry)

    @entry_group.command(name="revert", description="Bring back an earlier version of an entry")
    @app_commands.describe(entry="The entry (start typing its number or question)",
                           version="The version number shown by the history")
    async def revert(self, interaction: Interaction, entry: str,
                     version: app_commands.Range[int, 1, 1_000_000_000]) -> None:
        await self.desk.revert(interaction, entry, int(version))

    @entry_group.command(name="remove", description="Retire an entry (its history is kept)")
    @app_commands.describe(entry="The entry (start typing its number or question)")
    async def remove(self, interaction: Interaction, entry: str) -> None:
        await self.desk.remove(interaction, entry)

    @edit.autocomplete("entry")
    @translate.autocomplete("entry")
    @history.autocomplete("entry")
    @revert.autocomplete("entry")
    @remove.autocomplete("entry")
    async def entry_names(self, interaction: Interaction,
                          current: str) -> list[app_commands.Choice[str]]:
        """This server's entries, for moderators only (autocomplete runs no checks)."""
        if interaction.guild_id is None or not await is_moderator(interaction):
            return []
        entries = await self.desk.store.active(interaction.guild_id)
        waiting = waiting_by_entry(await self.desk.store.pending(interaction.guild_id))
        return entry_choices(entries, waiting, str(current), lang_of(interaction))

    @commands.Cog.listener()
    async def on_interaction(self, interaction: discord.Interaction[Any]) -> None:
        custom_id = modal_custom_id(interaction)
        if custom_id is None or not (custom_id == MODAL_ID
                                     or custom_id.startswith(MODAL_ID + ":")):
            return

        async def answer() -> None:
            await self.desk.submit(interaction, custom_id)

        await answer_form(interaction, f"modal {custom_id}", answer)


async def setup(bot: CoalitionBot) -> None:
    kb = attach(bot)
    desk = EntryBoard(bot, attach_entries(bot), GapStore(bot.db))
    bot.kb_desk = desk  # type: ignore[attr-defined]
    await bot.add_cog(KbAdmin(bot, kb, desk))
