"""Base classes for views and modals, so every button, select and form fails the same way."""

from __future__ import annotations

from typing import Any

import discord

from bot.i18n import lang_of, t
from bot.tree import report_component_error, send_ephemeral


class OwnedView(discord.ui.View):
    """A view only the member who opened it may use (others get a polite refusal)."""

    def __init__(self, owner_id: int | None, *, timeout: float | None = 600) -> None:
        super().__init__(timeout=timeout)
        self.owner_id = owner_id

    async def interaction_check(self, interaction: discord.Interaction[Any], /) -> bool:
        if self.owner_id is None or interaction.user.id == self.owner_id:
            return True
        await send_ephemeral(interaction, t("core.error.not_your_view", lang_of(interaction)))
        return False

    async def on_error(
        self, interaction: discord.Interaction[Any], error: Exception, item: discord.ui.Item[Any], /
    ) -> None:
        await report_component_error(interaction, error, f"view item {item!r}")


class BaseModal(discord.ui.Modal):
    async def on_error(  # type: ignore[override]
        self, interaction: discord.Interaction[Any], error: Exception, /
    ) -> None:
        await report_component_error(interaction, error, f"modal {self.custom_id}")
