"""Errors that carry a catalogue key, so the central handler can answer in the member's language."""

from __future__ import annotations

from typing import Any

from discord import app_commands


class UserError(app_commands.AppCommandError):
    """Something the member can fix (bad input, missing permission, nothing found)."""

    def __init__(self, key: str, /, **kwargs: Any) -> None:
        super().__init__(key)
        self.key = key
        self.kwargs = kwargs


class NotModerator(app_commands.CheckFailure):
    """A moderator command reached the bot from someone who is not a moderator here."""
