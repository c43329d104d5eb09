"""Turning a typed line like `/ask question: art 88?` into a command and typed option values."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from discord import AppCommandOptionType, app_commands

from bot.help import localized
from bot.options import typed_id

TRUE = {"true", "yes", "y", "1", "on", "oui", "si", "sí", "vrai"}
FALSE = {"false", "no", "n", "0", "off", "non", "faux"}


class ParseError(Exception):
    pass


@dataclass(frozen=True, slots=True)
class Invocation:
    command: app_commands.Command[Any, ..., Any]
    options: dict[str, str]


def command_index(tree: app_commands.CommandTree[Any], lang: str) -> dict[tuple[str, ...], Any]:
    """Every command and group by its English path and by its path in `lang`."""
    index: dict[tuple[str, ...], Any] = {}

    def visit(command: Any, en: tuple[str, ...], local: tuple[str, ...]) -> None:
        en = (*en, command.name)
        local = (*local, localized(command, "name", lang))
        index[en] = command
        index[local] = command
        for child in getattr(command, "commands", []):
            visit(child, en, local)

    for command in tree.get_commands():
        visit(command, (), ())
    return index


def parse_slash(tree: app_commands.CommandTree[Any], line: str, lang: str) -> Invocation:
    words = line.lstrip("/").split()
    if not words:
        raise ParseError("type a command after /, for example /help")
    index = command_index(tree, lang)
    found: Any = None
    used = 0
    for length in range(1, len(words) + 1):
        candidate = index.get(tuple(w.lower() for w in words[:length]))
        if candidate is None:
            break
        found, used = candidate, length
    if found is None:
        raise ParseError(f"unknown command /{words[0]} (try /help)")
    if isinstance(found, app_commands.Group):
        subs = ", ".join(sorted(c.name for c in found.commands))
        raise ParseError(f"/{found.qualified_name} needs a subcommand: {subs}")
    rest = line.lstrip("/").split(None, used)[used] if len(words) > used else ""
    return Invocation(found, split_options(found, rest, lang))


def split_options(command: app_commands.Command[Any, ..., Any], rest: str, lang: str
                  ) -> dict[str, str]:
    names: dict[str, str] = {}
    for param in command.parameters:
        names[param.name] = param.name
        names[param.display_name] = param.name
    if not rest.strip():
        return {}
    pattern = re.compile(r"(?:^|\s)(" + "|".join(map(re.escape, sorted(names, key=len, reverse=True)))
                         + r"):\s*")
    matches = list(pattern.finditer(rest))
    if not matches or (matches[0].start() > 0 and rest[: matches[0].start()].strip()):
        required = [p for p in command.parameters if p.required]
        if len(required) == 1 and not matches:
            return {required[0].name: rest.strip()}
        raise ParseError("write options as name: value (options: "
                         + ", ".join(p.name for p in command.parameters) + ")")
    options: dict[str, str] = {}
    for i, match in enumerate(matches):
        end = matches[i + 1].start() if i + 1 < len(matches) else len(rest)
        options[names[match.group(1)]] = rest[match.end():end].strip()
    return options


def convert(command: app_commands.Command[Any, ..., Any], raw: dict[str, str],
            channels: dict[str, int], roles: dict[str, int]) -> dict[str, Any]:
    """Option values typed as Discord would send them (ints as ints, channels as ids)."""
    params = {p.name: p for p in command.parameters}
    values: dict[str, Any] = {}
    for name, text in raw.items():
        kind = params[name].type
        if kind is AppCommandOptionType.integer:
            if not re.fullmatch(r"-?[0-9]{1,19}", text):  # "²" and "٣" are digits to \d
                raise ParseError(f"{name}: expected a whole number")
            values[name] = int(text)
        elif kind is AppCommandOptionType.number:
            try:
                values[name] = float(text)
            except ValueError:
                raise ParseError(f"{name}: expected a number") from None
        elif kind is AppCommandOptionType.boolean:
            if text.lower() not in TRUE | FALSE:
                raise ParseError(f"{name}: expected yes or no")
            values[name] = text.lower() in TRUE
        elif kind is AppCommandOptionType.channel:
            values[name] = _lookup(name, text.lstrip("#"), channels, "channel")
        elif kind is AppCommandOptionType.role:
            values[name] = _lookup(name, text.lstrip("@"), roles, "role")
        else:
            values[name] = text
    return values


def _lookup(option: str, text: str, known: dict[str, int], what: str) -> int:
    number = typed_id(text)
    if number is not None:
        return number
    if text in known:
        return known[text]
    raise ParseError(f"{option}: no {what} named {text!r} (known: {', '.join(sorted(known))})")
