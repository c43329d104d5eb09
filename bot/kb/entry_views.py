"""The entry form, and the buttons on entries, unanswered questions and waiting changes.

Buttons are dynamic items whose custom_id carries what they act on ("kb:entry:12:fr",
"kb:review:approve:12:3"): they keep working after a restart. The number in them is only ever
looked up in the server the click comes from, so a button copied to (or crafted in) another
server finds nothing there. Moderators' buttons are checked again on every click.

The form is rendered here but answered by custom_id in the KbAdmin cog (as the pledge form is,
see bot.pledges.forms): "kb_entry" for a new entry, "kb_entry:<number>" for new text in one
language of an entry, "kb_entry:gap:<key>" for an entry answering an unanswered question.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

import discord

from bot.errors import UserError
from bot.i18n import LANGS, t
from bot.kb.entries import Entry
from bot.kb.entry_text import ANSWER_LIMIT, KEYWORDS_LIMIT, QUESTION_LIMIT, SOURCE_LIMIT
from bot.kb.gaps import Gap
from bot.kb.model import Topic
from bot.kb.render import BUTTON_LABEL, LANG_NAMES, clip
from bot.kb.views import EntryButton, add_others
from bot.pledges.forms import RenderedModal, label
from bot.tree import report_component_error
from bot.ui import OwnedView

MODAL_ID = "kb_entry"
GAPS_WITH_BUTTONS = 10


class Desk(Protocol):
    """What the moderators' buttons call (the KbAdmin cog's EntryDesk)."""

    async def open_gap(self, interaction: discord.Interaction[Any], key: str) -> None: ...

    async def dismiss_gap(self, interaction: discord.Interaction[Any], key: str) -> None: ...

    async def review(self, interaction: discord.Interaction[Any], action: str, number: int,
                     version: int) -> None: ...


def desk_of(interaction: discord.Interaction[Any]) -> Desk:
    desk: Desk | None = getattr(interaction.client, "kb_desk", None)
    if desk is None:
        raise UserError("kb.entry.unavailable")
    return desk


def entry_modal(lang: str, *, custom_id: str, title: str, selected: str,
                prefill: dict[str, str] | None = None) -> RenderedModal:
    """The one form for adding, editing, translating and answering a question."""
    values = prefill or {}
    modal = RenderedModal(title=title, custom_id=custom_id)
    inputs = (("entry_question", discord.TextStyle.short, QUESTION_LIMIT, True, "question"),
              ("entry_answer", discord.TextStyle.paragraph, ANSWER_LIMIT, True, "answer"),
              ("entry_keywords", discord.TextStyle.short, KEYWORDS_LIMIT, False, "keywords"),
              ("entry_source", discord.TextStyle.short, SOURCE_LIMIT, True, "source"))
    for field_id, style, limit, required, name in inputs:
        modal.add_item(label(t(f"kb.form.{name}", lang), discord.ui.TextInput(
            custom_id=field_id, style=style, max_length=limit, required=required,
            placeholder=clip(t(f"kb.form.{name}_hint", lang), 100),
            default=values.get(name) or None)))
    options = [discord.SelectOption(label=LANG_NAMES[code], value=code, default=code == selected)
               for code in LANGS]
    modal.add_item(label(t("kb.form.lang", lang), discord.ui.Select(
        custom_id="entry_lang", options=options, min_values=1, max_values=1)))
    return modal.finish()


def entry_view(entry: Entry, lang: str, topics: Sequence[Topic] = (),
               entries: Sequence[Entry] = ()) -> OwnedView:
    """The entry's other written languages, then up to two other answers."""
    view = OwnedView(None, timeout=None)
    shown = entry.shown_lang(lang)
    for other in LANGS:
        if other != shown and other in entry.texts:
            view.add_item(EntryButton(entry.number, other, label=LANG_NAMES[other], row=0))
    add_others(view, lang, topics, entries, exclude=entry.number)
    return view


class GapButton(discord.ui.DynamicItem[discord.ui.Button[Any]],
                template=r"kb:gap:(?P<action>answer|dismiss):(?P<key>[0-9a-f]{16})"):
    def __init__(self, action: str, key: str, *, label: str, row: int | None = None) -> None:
        style = (discord.ButtonStyle.primary if action == "answer"
                 else discord.ButtonStyle.secondary)
        super().__init__(discord.ui.Button(label=clip(label, BUTTON_LABEL), style=style,
                                           custom_id=f"kb:gap:{action}:{key}", row=row))
        self.action, self.key = action, key

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction[Any],
                             item: discord.ui.Item[Any], match: Any, /) -> GapButton:
        return cls(match["action"], match["key"], label=getattr(item, "label", None) or "?")

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        try:
            desk = desk_of(interaction)
            if self.action == "answer":
                await desk.open_gap(interaction, self.key)
            else:
                await desk.dismiss_gap(interaction, self.key)
        except Exception as exc:
            await report_component_error(interaction, exc, f"button {self.custom_id}")


def gaps_view(gaps: Sequence[Gap], lang: str) -> OwnedView:
    """Answer and Dismiss for the first ten questions, numbered as in the list."""
    view = OwnedView(None, timeout=None)
    shown = list(gaps[:GAPS_WITH_BUTTONS])
    for index, gap in enumerate(shown, 1):
        view.add_item(GapButton("answer", gap.key, label=f"{t('kb.gaps.answer', lang)} {index}",
                                row=(index - 1) // 5))
    for index, gap in enumerate(shown, 1):
        view.add_item(GapButton("dismiss", gap.key, label=f"{t('kb.gaps.dismiss', lang)} {index}",
                                row=2 + (index - 1) // 5))
    return view


class ReviewButton(discord.ui.DynamicItem[discord.ui.Button[Any]],
                   template=r"kb:review:(?P<action>approve|reject):(?P<number>[0-9]{1,9}):"
                            r"(?P<version>[0-9]{1,9})"):
    def __init__(self, action: str, number: int, version: int, *, label: str) -> None:
        style = (discord.ButtonStyle.success if action == "approve"
                 else discord.ButtonStyle.danger)
        super().__init__(discord.ui.Button(
            label=clip(label, BUTTON_LABEL), style=style,
            custom_id=f"kb:review:{action}:{number}:{version}"))
        self.action, self.number, self.version = action, number, version

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction[Any],
                             item: discord.ui.Item[Any], match: Any, /) -> ReviewButton:
        return cls(match["action"], int(match["number"]), int(match["version"]),
                   label=getattr(item, "label", None) or "?")

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        try:
            await desk_of(interaction).review(interaction, self.action, self.number,
                                              self.version)
        except Exception as exc:
            await report_component_error(interaction, exc, f"button {self.custom_id}")


def review_view(number: int, version: int, lang: str) -> OwnedView:
    view = OwnedView(None, timeout=None)
    view.add_item(ReviewButton("approve", number, version, label=t("kb.pending.approve", lang)))
    view.add_item(ReviewButton("reject", number, version, label=t("kb.pending.reject", lang)))
    return view


DYNAMIC_ITEMS: tuple[type[discord.ui.DynamicItem[Any]], ...] = (GapButton, ReviewButton)
