"""Buttons and menus on knowledge-base answers.

They are dynamic items: the custom id carries the action, topic and language
("kb:more:arrest-warrants:fr"), so an answer posted last month still works after a restart or a
reload, and anyone who sees a public answer can use its buttons. Replies to clicks are
ephemeral: one member's click never changes what the others see.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import discord

from bot.errors import UserError
from bot.i18n import LANGS, lang_of, t
from bot.kb.model import Topic
from bot.kb.render import (
    BUTTON_LABEL,
    LANG_NAMES,
    answer_embed,
    body_embed,
    clip,
    has_more_sources,
    source_pages,
)
from bot.kb.service import KnowledgeBase
from bot.tree import report_component_error
from bot.ui import OwnedView

if TYPE_CHECKING:
    from bot.kb.entries import Entry

SELECT_OPTIONS = 25
SELECT_ROWS = 5
OPTION_LABEL = 100


def knowledge_base(interaction: discord.Interaction[Any]) -> KnowledgeBase:
    kb: KnowledgeBase = interaction.client.kb
    return kb


def member_locale(interaction: discord.Interaction[Any]) -> str | None:
    """The client's own locale ("en-GB"): dates follow it when the reply is in its language."""
    locale = interaction.locale
    return str(locale.value) if isinstance(locale, discord.Locale) else None


def topic_or_gone(interaction: discord.Interaction[Any], slug: str) -> Topic:
    topic = knowledge_base(interaction).get(slug)
    if topic is None:
        raise UserError("kb.topic.gone")
    return topic


async def send_topic(interaction: discord.Interaction[Any], topic: Topic, lang: str, *,
                     ephemeral: bool, question: str | None = None,
                     others: list[Topic] | None = None,
                     entries: Sequence[Entry] = ()) -> None:
    """An answer embed with its buttons; `others` default to the topic's related topics, and
    `entries` (this server's entries that also answer the question) come before them."""
    kb = knowledge_base(interaction)
    if others is None:
        others = [r for r in (kb.get(s) for s in topic.related) if r is not None]
    await interaction.response.send_message(
        embed=answer_embed(topic, lang, question=question, locale=member_locale(interaction)),
        view=topic_view(topic, lang, others, entries), ephemeral=ephemeral,
    )


class TopicButton(discord.ui.DynamicItem[discord.ui.Button[Any]],
                  template=r"kb:(?P<action>more|lang|open):(?P<slug>[a-z0-9-]{1,60})"
                           r"(?::(?P<lang>en|fr|es))?"):
    def __init__(self, action: str, slug: str, lang: str | None, *, label: str,
                 style: discord.ButtonStyle = discord.ButtonStyle.secondary,
                 row: int | None = None) -> None:
        custom_id = f"kb:{action}:{slug}" + (f":{lang}" if lang else "")
        super().__init__(discord.ui.Button(label=clip(label, BUTTON_LABEL), style=style,
                                           custom_id=custom_id, row=row))
        self.action, self.slug, self.lang = action, slug, lang

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction[Any],
                             item: discord.ui.Item[Any], match: Any, /) -> TopicButton:
        label = getattr(item, "label", None) or "?"
        return cls(match["action"], match["slug"], match["lang"], label=label)

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        try:
            topic = topic_or_gone(interaction, self.slug)
            lang = self.lang or lang_of(interaction)
            if self.action == "more":
                await interaction.response.send_message(
                    embed=body_embed(topic, lang, locale=member_locale(interaction)),
                    ephemeral=True)
            else:
                await send_topic(interaction, topic, lang, ephemeral=True)
        except Exception as exc:  # dynamic items have no view to report errors for them
            await report_component_error(interaction, exc, f"button {self.custom_id}")


class SourcesButton(discord.ui.DynamicItem[discord.ui.Button[Any]],
                    template=r"kb:src:(?P<slug>[a-z0-9-]{1,60}):(?P<lang>en|fr|es)"
                             r"(?::(?P<page>[0-9]{1,3}))?"):
    """Every source of a topic, a page at a time, in the language of the answer it came from.

    Without a page number the button sits on an answer and opens page 1 as a new private
    message; with one it turns the pages of that private message in place.
    """

    def __init__(self, slug: str, lang: str, page: int | None, *, label: str,
                 row: int | None = None) -> None:
        custom_id = f"kb:src:{slug}:{lang}" + ("" if page is None else f":{page}")
        super().__init__(discord.ui.Button(label=clip(label, BUTTON_LABEL), custom_id=custom_id,
                                           style=discord.ButtonStyle.secondary, row=row))
        self.slug, self.lang, self.page = slug, lang, page

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction[Any],
                             item: discord.ui.Item[Any], match: Any, /) -> SourcesButton:
        page = int(match["page"]) if match["page"] is not None else None
        return cls(match["slug"], match["lang"], page,
                   label=getattr(item, "label", None) or "?")

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        try:
            topic = topic_or_gone(interaction, self.slug)
            pages = source_pages(topic, self.lang)
            number = min(max(self.page or 1, 1), len(pages))
            view = pages_view(topic.slug, self.lang, number, len(pages))
            if self.page is None:
                await interaction.response.send_message(embed=pages[number - 1], view=view,
                                                        ephemeral=True)
            else:
                await interaction.response.edit_message(embed=pages[number - 1], view=view)
        except Exception as exc:
            await report_component_error(interaction, exc, f"button {self.custom_id}")


def pages_view(slug: str, lang: str, page: int, pages: int) -> OwnedView:
    """Previous / next buttons for a list of sources longer than one page (else none)."""
    view = OwnedView(None, timeout=None)
    if page > 1:
        view.add_item(SourcesButton(slug, lang, page - 1, label=t("kb.sources.previous", lang)))
    if page < pages:
        view.add_item(SourcesButton(slug, lang, page + 1, label=t("kb.sources.next", lang)))
    return view


class TopicSelect(discord.ui.DynamicItem[discord.ui.Select[Any]],
                  template=r"kb:browse:(?P<page>[0-9])"):
    def __init__(self, page: int, options: list[discord.SelectOption], placeholder: str) -> None:
        super().__init__(discord.ui.Select(custom_id=f"kb:browse:{page}", options=options,
                                           placeholder=placeholder, min_values=1, max_values=1))

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction[Any],
                             item: discord.ui.Item[Any], match: Any, /) -> TopicSelect:
        options = list(getattr(item, "options", []))
        return cls(int(match["page"]), options, getattr(item, "placeholder", None) or "")

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        try:
            values = self.item.values
            slug = str(values[0]) if values else ""
            topic = topic_or_gone(interaction, slug)
            await send_topic(interaction, topic, lang_of(interaction), ephemeral=True)
        except Exception as exc:
            await report_component_error(interaction, exc, f"select {self.custom_id}")


def topic_view(topic: Topic, lang: str, others: list[Topic],
               entries: Sequence[Entry] = ()) -> OwnedView:
    """Read more, all sources (when there are more than the key ones), the other two
    languages, then up to two other answers."""
    view = OwnedView(None, timeout=None)
    view.add_item(TopicButton("more", topic.slug, lang, label=t("kb.read_more", lang),
                              style=discord.ButtonStyle.primary, row=0))
    if has_more_sources(topic):
        view.add_item(SourcesButton(topic.slug, lang, None, label=t("kb.sources.all", lang),
                                    row=0))
    for other_lang in LANGS:
        if other_lang != lang:
            view.add_item(TopicButton("lang", topic.slug, other_lang,
                                      label=LANG_NAMES[other_lang], row=0))
    add_others(view, lang, [o for o in others if o.slug != topic.slug], entries)
    return view


class EntryButton(discord.ui.DynamicItem[discord.ui.Button[Any]],
                  template=r"kb:entry:(?P<number>[0-9]{1,9})(?::(?P<lang>en|fr|es))?"):
    """Open one of this server's entries (in the member's language, or the one named).

    The number is looked up in the server the click comes from, never anywhere else.
    """

    def __init__(self, number: int, lang: str | None, *, label: str,
                 row: int | None = None) -> None:
        custom_id = f"kb:entry:{number}" + (f":{lang}" if lang else "")
        super().__init__(discord.ui.Button(label=clip(label, BUTTON_LABEL), custom_id=custom_id,
                                           style=discord.ButtonStyle.secondary, row=row))
        self.number, self.lang = number, lang

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction[Any],
                             item: discord.ui.Item[Any], match: Any, /) -> EntryButton:
        return cls(int(match["number"]), match["lang"], label=getattr(item, "label", None) or "?")

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        try:
            desk = getattr(interaction.client, "kb_desk", None)
            if desk is None:
                raise UserError("kb.entry.gone")
            await desk.show_entry(interaction, self.number, self.lang)
        except Exception as exc:
            await report_component_error(interaction, exc, f"button {self.custom_id}")


def add_others(view: discord.ui.View, lang: str, topics: Sequence[Topic],
               entries: Sequence[Entry], *, exclude: int | None = None) -> None:
    """Up to two other answers on the second row, this server's entries first."""
    buttons: list[discord.ui.Item[Any]] = [
        EntryButton(e.number, None, label=e.title(lang), row=1)
        for e in entries if e.number != exclude]
    buttons += [TopicButton("open", topic.slug, None, label=topic.title(lang), row=1)
                for topic in topics]
    for button in buttons[:2]:
        view.add_item(button)


def suggestions_view(topics: list[Topic], lang: str, entries: Sequence[Entry] = ()
                     ) -> OwnedView:
    """The closest answers to a question we cannot answer: at most three."""
    view = OwnedView(None, timeout=None)
    for topic in topics[:3 - len(entries[:1])]:
        view.add_item(TopicButton("open", topic.slug, None, label=topic.title(lang)))
    for entry in entries[:1]:
        view.add_item(EntryButton(entry.number, None, label=entry.title(lang)))
    return view


def browse_view(topics: list[Topic], lang: str) -> OwnedView:
    """Every topic in select menus of 25, at most five menus (125 topics)."""
    view = OwnedView(None, timeout=None)
    placeholder = t("kb.topics.placeholder", lang)
    for page in range(min(SELECT_ROWS, -(-len(topics) // SELECT_OPTIONS))):
        chunk = topics[page * SELECT_OPTIONS:(page + 1) * SELECT_OPTIONS]
        options = [discord.SelectOption(label=clip(topic.title(lang), OPTION_LABEL),
                                        value=topic.slug) for topic in chunk]
        view.add_item(TopicSelect(page, options, placeholder))
    return view


DYNAMIC_ITEMS: tuple[type[discord.ui.DynamicItem[Any]], ...] = (
    TopicButton, SourcesButton, TopicSelect, EntryButton)
