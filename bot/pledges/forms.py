"""Forms and pagers shown to members for pledges and comments.

The forms are rendered here but never kept in discord.py's modal store: that store keys live
modals by custom_id alone, so with the fixed ids other tools rely on (`pledge`, `comment`) one
member opening a form would replace another member's, and a restart would forget them all.
Submissions are instead routed by custom_id to the cogs, which read the submitted values from
the interaction itself (`submitted_values`) and trust nothing in them.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator, Mapping
from typing import Any

import discord
from discord import app_commands

from bot.i18n import t
from bot.pledges.store import Pledge
from bot.pledges.text import COMMENT_TEXT, ON_BEHALF_OF, PLEDGE_TEXT
from bot.pledges.topics import SELECT_LIMIT, TopicChoice
from bot.regions import REGIONS, region_label
from bot.tree import report_component_error
from bot.ui import BaseModal, OwnedView

TITLE_LIMIT = 45  # Discord's limit on a modal title and on a label
OPTION_LABEL_LIMIT = 100
PAGE_SIZE = 5

PageRender = Callable[[int], Awaitable[tuple[discord.Embed, int]]]


def guild_member(interaction: discord.Interaction[Any]) -> tuple[int, int]:
    """(server id, member id), refusing a form or button submitted outside a server."""
    if interaction.guild_id is None:
        raise app_commands.NoPrivateMessage()
    return interaction.guild_id, interaction.user.id


def modal_custom_id(interaction: discord.Interaction[Any]) -> str | None:
    """The custom_id of a submitted form, or None for any other interaction."""
    if interaction.type is not discord.InteractionType.modal_submit:
        return None
    data: Mapping[str, Any] = interaction.data or {}
    custom_id = data.get("custom_id")
    return custom_id if isinstance(custom_id, str) else None


async def answer_form(interaction: discord.Interaction[Any], where: str,
                      answer: Callable[[], Awaitable[None]]) -> None:
    """Run a form's handler with the same error replies as commands and buttons get.

    It runs inside discord.py's `on_interaction` listener task, which the shutdown drain does
    not list; that is safe because the pledge writer task it waits on is a "coalition-" task
    and the database closes only after the transaction in progress.
    """
    try:
        await answer()
    except Exception as error:
        await report_component_error(interaction, error, where)


def fit(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


class RenderedModal(BaseModal):
    """A form sent to a member and answered through the cog's listener (see module docstring)."""

    def __init__(self, *, title: str, custom_id: str) -> None:
        super().__init__(title=fit(title, TITLE_LIMIT), custom_id=custom_id, timeout=None)

    def finish(self) -> RenderedModal:
        """Mark as finished so `send_modal` does not register it in the modal store."""
        self.stop()
        return self


def label(text: str, component: discord.ui.Item[Any]) -> discord.ui.Label[Any]:
    return discord.ui.Label(text=fit(text, TITLE_LIMIT), component=component)


def topic_options(topics: list[TopicChoice], selected: str | None) -> list[discord.SelectOption]:
    """At most 25 topics; the selected one is always among them."""
    shown = topics[:SELECT_LIMIT]
    if selected is not None and all(c.slug != selected for c in shown):
        shown = [c for c in topics if c.slug == selected] + shown[: SELECT_LIMIT - 1]
    return [discord.SelectOption(label=fit(c.title, OPTION_LABEL_LIMIT), value=c.slug,
                                 default=c.slug == selected) for c in shown]


def topic_select(topics: list[TopicChoice], selected: str | None, lang: str) -> discord.ui.Select[Any]:
    return discord.ui.Select(custom_id="topic", placeholder=t("pledges.modal.topic_hint", lang),
                             options=topic_options(topics, selected), min_values=1, max_values=1)


def pledge_modal(lang: str, topics: list[TopicChoice], pledge: Pledge | None = None) -> RenderedModal:
    """The `pledge` form, or `pledge:edit:<id>` pre-filled with the member's pledge."""
    if pledge is None:
        modal = RenderedModal(title=t("pledges.modal.title", lang), custom_id="pledge")
    else:
        modal = RenderedModal(title=t("pledges.modal.edit_title", lang, id=pledge.id),
                              custom_id=f"pledge:edit:{pledge.id}")
    modal.add_item(label(t("pledges.modal.text", lang), discord.ui.TextInput(
        custom_id="pledge_text", style=discord.TextStyle.paragraph, max_length=PLEDGE_TEXT.limit,
        placeholder=t("pledges.modal.text_hint", lang), default=pledge.text if pledge else None)))
    modal.add_item(label(t("pledges.modal.behalf", lang), discord.ui.TextInput(
        custom_id="on_behalf_of", style=discord.TextStyle.short, max_length=ON_BEHALF_OF.limit,
        placeholder=t("pledges.modal.behalf_hint", lang),
        default=pledge.on_behalf_of if pledge else None)))
    regions = [discord.SelectOption(label=region_label(value, lang), value=value,
                                    default=pledge is not None and pledge.region == value)
               for value in REGIONS]
    modal.add_item(label(t("pledges.modal.region", lang), discord.ui.Select(
        custom_id="region", placeholder=t("pledges.modal.region_hint", lang), options=regions,
        min_values=1, max_values=1)))
    modal.add_item(label(t("pledges.modal.topic", lang),
                         topic_select(topics, pledge.topic if pledge else None, lang)))
    return modal.finish()


def comment_modal(lang: str, topic: TopicChoice) -> RenderedModal:
    """The `comment:<topic>` form. The member chose the topic in the command, so the form does
    not ask again: it names the topic in full (the title may be cut at 45 characters) and
    carries it in its custom_id, so no state is kept. Submissions are checked like any other."""
    modal = RenderedModal(title=t("comments.modal.title", lang, topic=topic.title),
                          custom_id=f"comment:{topic.slug}")
    modal.add_item(discord.ui.TextDisplay(t("comments.modal.about", lang, topic=topic.title)))
    modal.add_item(label(t("comments.modal.text", lang), discord.ui.TextInput(
        custom_id="comment_text", style=discord.TextStyle.paragraph, max_length=COMMENT_TEXT.limit,
        placeholder=t("comments.modal.text_hint", lang))))
    return modal.finish()


def _leaves(components: Any) -> Iterator[Mapping[str, Any]]:
    if not isinstance(components, list):
        return
    for component in components:
        if not isinstance(component, Mapping):
            continue
        if component.get("type") == 1:
            yield from _leaves(component.get("components"))
        elif component.get("type") == 18:
            yield from _leaves([component.get("component")])
        else:
            yield component


def submitted_values(data: Any) -> dict[str, Any]:
    """custom_id -> submitted value (text input) or values (select), from a raw modal submit.

    Shape problems in a crafted payload give missing or odd values, which the validators
    refuse with a message; they never raise here.
    """
    values: dict[str, Any] = {}
    components = data.get("components") if isinstance(data, Mapping) else None
    for leaf in _leaves(components):
        custom_id = leaf.get("custom_id")
        if isinstance(custom_id, str):
            values[custom_id] = leaf["values"] if "values" in leaf else leaf.get("value")
    return values


def single(value: Any) -> Any:
    """The one chosen option of a select (a list of exactly one), else None."""
    return value[0] if isinstance(value, list) and len(value) == 1 else None


class Pager(OwnedView):
    """Previous/next buttons over pages that are re-read from the database on every click."""

    def __init__(self, owner_id: int, lang: str, render: PageRender, pages: int) -> None:
        super().__init__(owner_id, timeout=600)
        self.render = render
        self.page = 0
        self.pages = pages
        self.previous.label = t("pledges.pager.previous", lang)
        self.next.label = t("pledges.pager.next", lang)
        self._sync()

    def _sync(self) -> None:
        self.previous.disabled = self.page <= 0
        self.next.disabled = self.page >= self.pages - 1

    async def _show(self, interaction: discord.Interaction[Any], page: int) -> None:
        embed, self.pages = await self.render(page)
        self.page = max(0, min(page, self.pages - 1))
        self._sync()
        await interaction.response.edit_message(embed=embed, view=self)

    @discord.ui.button(custom_id="pager:previous", style=discord.ButtonStyle.secondary)
    async def previous(self, interaction: discord.Interaction[Any],
                       button: discord.ui.Button[Pager]) -> None:
        await self._show(interaction, self.page - 1)

    @discord.ui.button(custom_id="pager:next", style=discord.ButtonStyle.secondary)
    async def next(self, interaction: discord.Interaction[Any],
                   button: discord.ui.Button[Pager]) -> None:
        await self._show(interaction, self.page + 1)


def page_count(total: int, size: int = PAGE_SIZE) -> int:
    return max(1, -(-total // size))
