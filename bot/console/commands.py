"""The slash commands as a member's Discord client lists them: localized, and only those they may see.

Built from the same translated payloads a sync sends to Discord, so the console offers exactly
the names, options and choice labels a French or Spanish client shows, and hides moderator
commands from members as the client does (default_member_permissions).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from typing import Any

from discord import app_commands

SUBCOMMAND, GROUP = 1, 2
ADMINISTRATOR = 1 << 3
# The Discord locale each console language stands for.
LOCALES = {"en": "en-US", "fr": "fr", "es": "es-ES"}


def fold(text: str) -> str:
    """Case and accents do not matter when typing a name ("resumenes" finds "resúmenes")."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c)).strip()


def local(data: dict[str, Any], key: str, locale: str) -> str:
    return str((data.get(f"{key}_localizations") or {}).get(locale) or data.get(key) or "")


def aliases(data: dict[str, Any]) -> tuple[str, ...]:
    """The name in every language: a member may type any of them, as they know it."""
    return (str(data["name"]), *map(str, (data.get("name_localizations") or {}).values()))


@dataclass(frozen=True, slots=True)
class Choice:
    value: str | int | float
    label: str  # as the member's client shows it
    names: tuple[str, ...]  # in every language, for matching what is typed

    def matches(self, text: str) -> bool:
        wanted = fold(text)
        return any(fold(n) == wanted for n in (*self.names, str(self.value)))


@dataclass(frozen=True, slots=True)
class Option:
    name: str  # what the interaction carries
    label: str  # what the member's client shows
    names: tuple[str, ...]
    description: str
    type: int
    required: bool
    choices: tuple[Choice, ...] = ()
    autocomplete: bool = False
    limits: dict[str, Any] = field(default_factory=dict)  # min/max value and length, channel types


@dataclass(frozen=True, slots=True)
class ClientCommand:
    path: tuple[str, ...]  # English words, as the interaction carries them
    local_path: tuple[str, ...]
    names: tuple[tuple[str, ...], ...]  # each word in every language
    description: str
    options: tuple[Option, ...]
    permissions: int | None  # the root's default_member_permissions

    @property
    def qualified(self) -> str:
        return " ".join(self.path)

    @property
    def shown(self) -> str:
        return "/" + " ".join(self.local_path)

    def visible_to(self, permissions: int) -> bool:
        needed = self.permissions
        return (needed is None or bool(permissions & ADMINISTRATOR)
                or permissions & needed == needed)


class CommandList:
    """Every leaf command, named in the member's language; typed words match any language."""

    def __init__(self, payloads: list[dict[str, Any]], lang: str) -> None:
        self.locale = LOCALES.get(lang, lang)
        self.commands: list[ClientCommand] = []
        for root in payloads:
            perms = root.get("default_member_permissions")
            self._visit(root, (), (), (), None if perms is None else int(perms))

    def _visit(self, data: dict[str, Any], path: tuple[str, ...], shown: tuple[str, ...],
               names: tuple[tuple[str, ...], ...], permissions: int | None) -> None:
        path = (*path, str(data["name"]))
        shown = (*shown, local(data, "name", self.locale))
        names = (*names, aliases(data))
        options = data.get("options") or []
        if any(o.get("type") in (SUBCOMMAND, GROUP) for o in options):
            for child in options:
                self._visit(child, path, shown, names, permissions)
            return
        self.commands.append(ClientCommand(
            path, shown, names, local(data, "description", self.locale),
            tuple(self._option(o) for o in options), permissions))

    def _option(self, data: dict[str, Any]) -> Option:
        choices = tuple(Choice(c["value"], local(c, "name", self.locale), aliases(c))
                        for c in data.get("choices") or [])
        limits = {k: data[k] for k in ("min_value", "max_value", "min_length", "max_length",
                                       "channel_types") if data.get(k) is not None}
        return Option(str(data["name"]), local(data, "name", self.locale), aliases(data),
                      local(data, "description", self.locale), int(data["type"]),
                      bool(data.get("required")), choices, bool(data.get("autocomplete")), limits)

    def matching(self, words: list[str]) -> list[ClientCommand]:
        """Commands whose first len(words) words are `words`, in any language."""
        typed = [fold(w) for w in words]
        return [c for c in self.commands if len(c.names) >= len(typed) and all(
            word in {fold(n) for n in names} for word, names in zip(typed, c.names, strict=False))]

    def find(self, words: list[str]) -> tuple[ClientCommand | None, int]:
        """The command the first words name, and how many words that took."""
        for length in range(min(len(words), 3), 0, -1):
            found = [c for c in self.matching(words[:length]) if len(c.path) == length]
            if found:
                return found[0], length
        return None, 0


async def translated_payloads(tree: app_commands.CommandTree[Any]) -> list[dict[str, Any]]:
    """The commands as a sync would send them to Discord, localizations included."""
    translator = tree.translator
    if translator is None:
        return [command.to_dict(tree) for command in tree.get_commands()]
    return [await command.get_translated_payload(tree, translator)
            for command in tree.get_commands()]
