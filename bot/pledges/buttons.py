"""Persistent buttons on receipts, confirmations and reminders.

They are discord.py dynamic items: the action and the pledge or comment number live in the
custom_id, so a button still works after a restart, and every click is answered by re-reading
the row by (server, clicking member, number): a button, like a typed id, is never trusted.
The cogs that own the rows do the work; these classes only parse and route.
"""

from __future__ import annotations

import re
from typing import Any, Protocol

import discord

from bot.i18n import lang_of, t
from bot.pledges.text import checked_id
from bot.tree import report_component_error

STYLES = {
    "edit": discord.ButtonStyle.primary, "progress": discord.ButtonStyle.success,
    "withdraw": discord.ButtonStyle.danger, "confirm": discord.ButtonStyle.danger,
    "keep": discord.ButtonStyle.secondary, "restore": discord.ButtonStyle.primary,
    "delete": discord.ButtonStyle.danger,
}


class PledgeActions(Protocol):
    async def pledge_button(self, interaction: discord.Interaction[Any], action: str,
                            number: int) -> None: ...

    async def reminder_button(self, interaction: discord.Interaction[Any], guild_id: int,
                              number: int) -> None: ...


class CommentActions(Protocol):
    async def comment_button(self, interaction: discord.Interaction[Any], action: str,
                             number: int) -> None: ...


def _button(custom_id: str, key: str, lang: str, style: discord.ButtonStyle) -> discord.ui.Button[Any]:
    return discord.ui.Button(label=t(key, lang), style=style, custom_id=custom_id)


class PledgeButton(discord.ui.DynamicItem[discord.ui.Button[Any]],
                   template=r"pledge:(?P<action>edit|withdraw|confirm|keep|restore|progress)"
                            r":(?P<id>[0-9]{1,19})"):
    """Buttons on a receipt in a server; `withdraw` asks first, `confirm` withdraws."""

    def __init__(self, action: str, number: int, lang: str = "en") -> None:
        super().__init__(_button(f"pledge:{action}:{number}", f"pledges.button.{action}", lang,
                                 STYLES[action]))
        self.action = action
        self.number = number

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction[Any],
                             item: discord.ui.Item[Any], match: re.Match[str], /) -> PledgeButton:
        return cls(match["action"], int(match["id"]), lang_of(interaction))

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        try:
            cog: PledgeActions = interaction.client.get_cog("Pledges")
            # The template admits 19 digits, more than SQLite's integer range: a crafted
            # custom_id past it is "not found", like any other number that is not the member's.
            await cog.pledge_button(interaction, self.action,
                                    checked_id(self.number, "pledges.not_found"))
        except Exception as error:  # the plain View a dynamic item lives in only logs errors
            await report_component_error(interaction, error, f"button {self.custom_id}")


class ReminderButton(discord.ui.DynamicItem[discord.ui.Button[Any]],
                     template=r"pledge:remind:(?P<guild>[0-9]{1,20}):(?P<id>[0-9]{1,19})"):
    """"Update" on a reminder sent by direct message, where no server comes with the click."""

    def __init__(self, guild_id: int, number: int, lang: str = "en") -> None:
        super().__init__(_button(f"pledge:remind:{guild_id}:{number}", "pledges.button.update",
                                 lang, discord.ButtonStyle.success))
        self.guild_id = guild_id
        self.number = number

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction[Any],
                             item: discord.ui.Item[Any], match: re.Match[str], /) -> ReminderButton:
        return cls(int(match["guild"]), int(match["id"]), lang_of(interaction))

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        try:
            cog: PledgeActions = interaction.client.get_cog("Pledges")
            await cog.reminder_button(interaction, self.guild_id,
                                      checked_id(self.number, "pledges.not_found"))
        except Exception as error:
            await report_component_error(interaction, error, f"button {self.custom_id}")


class CommentButton(discord.ui.DynamicItem[discord.ui.Button[Any]],
                    template=r"comment:(?P<action>delete|keep):(?P<id>[0-9]{1,19})"):
    """Delete (for good) or keep, under the question /comment delete asks first."""

    def __init__(self, action: str, number: int, lang: str = "en") -> None:
        super().__init__(_button(f"comment:{action}:{number}", f"comments.button.{action}", lang,
                                 STYLES[action]))
        self.action = action
        self.number = number

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction[Any],
                             item: discord.ui.Item[Any], match: re.Match[str], /) -> CommentButton:
        return cls(match["action"], int(match["id"]), lang_of(interaction))

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        try:
            cog: CommentActions = interaction.client.get_cog("Comments")
            await cog.comment_button(interaction, self.action,
                                     checked_id(self.number, "comments.not_found"))
        except Exception as error:
            await report_component_error(interaction, error, f"button {self.custom_id}")


def view_of(*items: discord.ui.Item[Any]) -> discord.ui.View:
    """Buttons sent but not kept: they are dynamic items the bot routes by custom_id, so a
    stopped view is enough, and discord.py then neither stores it nor keeps a 15-minute timeout
    task for every receipt of a burst."""
    view = discord.ui.View(timeout=None)
    for item in items:
        view.add_item(item)
    view.stop()
    return view
