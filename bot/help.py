"""The command list shown by /help, in the member's language, built from the live command tree."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from discord import app_commands

from bot.i18n import catalogue
from bot.translator import command_key

AnyCommand = app_commands.Command[Any, ..., Any] | app_commands.Group


def localized(command: AnyCommand, part: str, lang: str) -> str:
    english = command.name if part == "name" else command.description
    if lang == "en":
        return english
    return catalogue().commands.get(command_key(command), {}).get(part, {}).get(lang) or english


def localized_path(command: AnyCommand, lang: str) -> str:
    parts: list[str] = []
    node: AnyCommand | None = command
    while node is not None:
        parts.append(localized(node, "name", lang))
        node = node.parent
    return "/" + " ".join(reversed(parts))


def is_moderator_command(command: AnyCommand) -> bool:
    root = command.root_parent or command
    return root.default_permissions is not None


def leaf_commands(commands: Iterable[AnyCommand]) -> list[app_commands.Command[Any, ..., Any]]:
    leaves: list[app_commands.Command[Any, ..., Any]] = []
    for command in commands:
        if isinstance(command, app_commands.Group):
            leaves += leaf_commands(command.commands)
        else:
            leaves.append(command)
    return leaves


def help_lines(commands: Iterable[AnyCommand], lang: str, *, moderator: bool) -> tuple[list[str], list[str]]:
    """(member lines, moderator lines); the second is empty for members."""
    members: list[str] = []
    moderators: list[str] = []
    for command in sorted(leaf_commands(commands), key=lambda c: localized_path(c, lang)):
        line = f"`{localized_path(command, lang)}`: {localized(command, 'description', lang)}"
        if is_moderator_command(command):
            if moderator:
                moderators.append(line)
        else:
            members.append(line)
    return members, moderators
