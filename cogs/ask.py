"""/ask, /topic and /topics: sourced answers from the knowledge base, in the member's language.

The search finds topics whatever language the question is in; the answer is shown in the
member's own language (`lang_of`), with buttons for the other two.
"""

from __future__ import annotations

import discord
from babel.lists import format_list
from discord import app_commands
from discord.ext import commands

from bot.client import CoalitionBot
from bot.errors import UserError
from bot.i18n import lang_of, t
from bot.kb.gaps import GapStore, clean_question
from bot.kb.model import Topic
from bot.kb.render import CHOICE_NAME, clip
from bot.kb.service import KnowledgeBase, attach
from bot.kb.text import fold, words
from bot.kb.views import DYNAMIC_ITEMS, browse_view, send_topic, suggestions_view

MAX_QUESTION = 300
MAX_PARTIAL = 200
# Other hits are offered as buttons only when they are not far behind the best one.
OTHER_SHARE = 0.3


class Ask(commands.Cog):
    def __init__(self, bot: CoalitionBot, kb: KnowledgeBase) -> None:
        self.bot = bot
        self.kb = kb
        self.gaps = GapStore(bot.db)

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
        answer = self.kb.ask(text)
        best = answer.best
        if best is not None:
            topic = self.kb.topics[best.slug]
            # Other matches first; the topic's related topics fill any remaining place.
            slugs = [h.slug for h in answer.others if h.score >= best.score * OTHER_SHARE]
            slugs += [s for s in topic.related if s not in slugs]
            others = [self.kb.topics[s] for s in slugs if s in self.kb.topics][:2]
            await send_topic(interaction, topic, lang, ephemeral=bool(private), question=text,
                             others=others)
            return
        noted = False
        if interaction.guild_id is not None:
            noted = await self.gaps.record(interaction.guild_id, text, lang)
        closest = [self.kb.topics[h.slug] for h in answer.hits if h.slug in self.kb.topics]
        await interaction.response.send_message(
            refusal(lang, answer.missing, closest, noted=noted),
            view=suggestions_view(closest, lang), ephemeral=True)

    @app_commands.command(name="topic", description="Show one topic from the knowledge base")
    @app_commands.describe(name="The topic (start typing to search)",
                           private="Show the answer to you only (default: no)")
    async def topic(self, interaction: discord.Interaction[CoalitionBot], name: str,
                    private: bool = False) -> None:
        found = self.find(str(name))
        if found is None:
            shown = discord.utils.escape_markdown(clip(" ".join(str(name).split()), 80))
            raise UserError("kb.topic.unknown", name=shown)
        await send_topic(interaction, found, lang_of(interaction), ephemeral=bool(private))

    @topic.autocomplete("name")
    async def topic_name(self, interaction: discord.Interaction[CoalitionBot],
                         current: str) -> list[app_commands.Choice[str]]:
        lang = lang_of(interaction)
        partial = clean_question(str(current))[:MAX_PARTIAL]
        return [app_commands.Choice(name=clip(found.title(lang), CHOICE_NAME), value=found.slug)
                for found in self.kb.complete(partial, lang, limit=25)]

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
    await bot.add_cog(Ask(bot, kb))
