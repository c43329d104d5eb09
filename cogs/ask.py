"""/ask, /topic and /topics: sourced answers from the knowledge base, in the member's language.

The search finds topics, and this server's own entries, whatever language the question is in;
the answer is shown in the member's own language (`lang_of`), with buttons for the other two.
An entry and a topic that both answer are both offered (bot.kb.entry_index decides which first).
"""

from __future__ import annotations

import asyncio
import logging

import discord
from babel.lists import format_list
from discord import app_commands
from discord.ext import commands

from bot.client import CoalitionBot
from bot.errors import UserError
from bot.i18n import lang_of, t
from bot.kb.entries import Entry, entry_number
from bot.kb.entry_desk import send_entry
from bot.kb.entry_index import GuildEntries, ServerAnswer, ServerEntries, ask_server, attach_entries
from bot.kb.gaps import GapStore, clean_question
from bot.kb.model import Topic
from bot.kb.render import CHOICE_NAME, clip
from bot.kb.search import Hit
from bot.kb.service import KnowledgeBase, attach
from bot.kb.text import fold, words
from bot.kb.views import DYNAMIC_ITEMS, browse_view, send_topic, suggestions_view

log = logging.getLogger(__name__)
MAX_QUESTION = 300
MAX_PARTIAL = 200
# Other hits are offered as buttons only when they are not far behind the best one.
OTHER_SHARE = 0.3


class Ask(commands.Cog):
    def __init__(self, bot: CoalitionBot, kb: KnowledgeBase, entries: ServerEntries) -> None:
        self.bot = bot
        self.kb = kb
        self.entries = entries
        self.gaps = GapStore(bot.db)
        self._preload: asyncio.Task[None] | None = None

    async def cog_load(self) -> None:
        """Servers' entry indexes are built in the background once the bot is up (only read:
        a shutdown need not wait for it)."""
        if self.bot.background_tasks:
            self._preload = asyncio.create_task(self.preload(), name="kb-entries-preload")

    async def cog_unload(self) -> None:
        if self._preload is not None:
            self._preload.cancel()

    async def preload(self) -> None:
        await self.bot.wait_until_ready()
        try:
            await self.entries.preload()
        except Exception:
            log.exception("could not load the servers' entries; each loads on its first question")

    @app_commands.command(name="ask", description="Ask a question about cooperation with the ICC")
    @app_commands.describe(question="Your question, in English, French or Spanish",
                           private="Show the answer to you only (default: no)")
    async def ask(self, interaction: discord.Interaction[CoalitionBot],
                  question: app_commands.Range[str, 1, MAX_QUESTION],
                  private: bool = False) -> None:
        lang = lang_of(interaction)
        text = clean_question(str(question))
        if len(str(question)) > MAX_QUESTION:
            raise UserError("kb.ask.too_long", count=MAX_QUESTION)
        if not words(text):
            raise UserError("kb.ask.empty")
        here = await self.entries.of(interaction.guild_id)
        answer = ask_server(self.kb, here, text)
        best = answer.best
        if best is not None:
            await self.answer(interaction, answer, best, here, question=text,
                              private=bool(private))
            return
        noted = False
        if interaction.guild_id is not None:
            noted = await self.gaps.record(interaction.guild_id, text, lang)
        closest = answer.closest()
        topics = [self.kb.topics[h.slug] for h in closest if h.slug in self.kb.topics]
        found = [e for e in (here.get(entry_number(h.slug) or 0) for h in closest) if e]
        await interaction.response.send_message(
            refusal(lang, answer.missing, topics, noted=noted),
            view=suggestions_view(topics, lang, found), ephemeral=True)

    async def answer(self, interaction: discord.Interaction[CoalitionBot], answer: ServerAnswer,
                     best: Hit, here: GuildEntries, *, question: str, private: bool) -> None:
        """The best answer, with the other side's confident answer and close topics offered."""
        lang, text = lang_of(interaction), question
        also = answer.also()
        entries = [e for e in (here.get(entry_number(h.slug) or 0) for h in also) if e]
        topics = [self.kb.topics[h.slug] for h in also if h.slug in self.kb.topics]
        number = entry_number(best.slug)
        if number is not None:
            entry = here.get(number)
            assert entry is not None
            await send_entry(interaction, entry, lang, ephemeral=private, topics=topics,
                             entries=entries)
            return
        topic = self.kb.topics[best.slug]
        # Other matches first; the topic's related topics fill any remaining place.
        slugs = [h.slug for h in answer.topics.others if h.score >= best.score * OTHER_SHARE]
        slugs += [s for s in topic.related if s not in slugs]
        others = [self.kb.topics[s] for s in slugs if s in self.kb.topics][:2]
        await send_topic(interaction, topic, lang, ephemeral=private, question=text,
                         others=others, entries=entries)

    @app_commands.command(name="topic", description="Show one topic from the knowledge base")
    @app_commands.describe(name="The topic (start typing to search)",
                           private="Show the answer to you only (default: no)")
    async def topic(self, interaction: discord.Interaction[CoalitionBot], name: str,
                    private: bool = False) -> None:
        found = self.find(str(name))
        if found is None:
            entry = (await self.entries.of(interaction.guild_id)).find(str(name))
            if entry is not None:
                await send_entry(interaction, entry, lang_of(interaction),
                                 ephemeral=bool(private))
                return
            shown = discord.utils.escape_markdown(clip(" ".join(str(name).split()), 80))
            raise UserError("kb.topic.unknown", name=shown)
        await send_topic(interaction, found, lang_of(interaction), ephemeral=bool(private))

    @topic.autocomplete("name")
    async def topic_name(self, interaction: discord.Interaction[CoalitionBot],
                         current: str) -> list[app_commands.Choice[str]]:
        lang = lang_of(interaction)
        partial = clean_question(str(current))[:MAX_PARTIAL]
        topics: list[Topic | Entry] = list(self.kb.complete(partial, lang, limit=25))
        here = await self.entries.of(interaction.guild_id)
        entries: list[Topic | Entry] = list(here.complete(partial, lang, limit=25))
        mixed = interleave(topics, entries) if partial.strip() else topics + entries
        return [app_commands.Choice(name=clip(found.title(lang), CHOICE_NAME), value=found.slug)
                for found in mixed[:25]]

    @app_commands.command(name="topics", description="Browse every topic in the knowledge base")
    async def topics(self, interaction: discord.Interaction[CoalitionBot]) -> None:
        lang = lang_of(interaction)
        self.kb.refresh_if_changed()
        listed = sorted(self.kb.topics.values(), key=lambda found: fold(found.title(lang)))
        if not listed:
            raise UserError("kb.topics.empty")
        await interaction.response.send_message(
            t("kb.topics.intro", lang, count=len(listed)), view=browse_view(listed, lang),
            ephemeral=True)

    def find(self, name: str) -> Topic | None:
        """A slug (what autocomplete sends) or, typed by hand, a title in any language."""
        key = name.strip().lower()
        if key in self.kb.topics:
            return self.kb.topics[key]
        folded = fold(" ".join(name.split()))
        return next((found for found in self.kb.topics.values()
                     if any(fold(text.title) == folded for text in found.text.values())), None)


def interleave(first: list[Topic | Entry], second: list[Topic | Entry]) -> list[Topic | Entry]:
    """Best matches of both kinds near the top: one of each in turn."""
    mixed: list[Topic | Entry] = []
    for index in range(max(len(first), len(second))):
        mixed += first[index:index + 1] + second[index:index + 1]
    return mixed


def refusal(lang: str, missing: tuple[str, ...], closest: list[Topic], *, noted: bool) -> str:
    """Why there is no answer: what the question names that no topic covers, or that none
    is sure enough; then where to look instead."""
    lines = []
    if missing:
        shown = [discord.utils.escape_markdown(clip(word, 60)) for word in missing[:5]]
        lines.append(t("kb.ask.missing", lang, missing=format_list(shown, locale=lang)))
    else:
        lines.append(t("kb.ask.unknown", lang))
    if noted:
        lines.append(t("kb.ask.noted", lang))
    if missing and closest:
        title = discord.utils.escape_markdown(closest[0].title(lang))
        lines.append(t("kb.ask.closest_one", lang, title=title))
    else:
        lines.append(t("kb.ask.closest" if closest else "kb.ask.browse", lang))
    return "\n".join(lines)


async def setup(bot: CoalitionBot) -> None:
    kb = attach(bot)
    bot.add_dynamic_items(*DYNAMIC_ITEMS)
    await bot.add_cog(Ask(bot, kb, attach_entries(bot)))
