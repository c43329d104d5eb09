"""A typed line like `/demander question: art 88 ?` turned into the command and option values a
Discord client would send, with the client's own rules (required options, choices, lengths,
ranges) answered the way a client answers them: before anything is sent.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rapidfuzz import process

from bot.console.commands import ClientCommand, CommandList, Option, fold
from bot.options import typed_id

STRING, INTEGER, BOOLEAN, USER, CHANNEL, ROLE, MENTIONABLE, NUMBER, ATTACHMENT = (
    3, 4, 5, 6, 7, 8, 9, 10, 11)
TRUE = {"true", "yes", "y", "1", "on", "oui", "vrai", "si", "sí"}
FALSE = {"false", "no", "n", "0", "off", "non", "faux"}
OPTION_MARK = re.compile(r"(?:^|(?<=\s))([^\s:]+):")


class ParseError(Exception):
    """A line the console refuses, with the catalogue key that says why."""

    def __init__(self, key: str, /, **kwargs: Any) -> None:
        super().__init__(key)
        self.key = key
        self.kwargs = kwargs


@dataclass
class Invocation:
    command: ClientCommand
    raw: dict[str, str] = field(default_factory=dict)  # option name -> typed text


@dataclass(frozen=True, slots=True)
class Names:
    """What option values may name: the console server's channels, roles and people."""

    channels: dict[str, tuple[int, int]]  # name -> (id, channel type)
    roles: dict[str, int]
    users: dict[str, int]


def find_command(commands: CommandList, line: str) -> tuple[ClientCommand, str]:
    """The command a line names, in any of the three languages, and the rest of the line."""
    text = line.strip().lstrip("/")
    words = text.split()
    if not words:
        raise ParseError("console.error.unknown_command", name="/")
    command, used = commands.find(words)
    if command is None:
        raise _unknown(commands, words)
    return command, re.split(r"\s+", text, maxsplit=used)[used] if len(words) > used else ""


def parse_slash(commands: CommandList, line: str) -> Invocation:
    command, rest = find_command(commands, line)
    return Invocation(command, split_options(command, rest))


def _unknown(commands: CommandList, words: list[str]) -> ParseError:
    for length in range(min(len(words), 2), 0, -1):
        under = commands.matching(words[:length])
        if under:
            prefix = "/" + " ".join(under[0].local_path[:length])
            subs = sorted({c.local_path[length] for c in under if len(c.local_path) > length})
            return ParseError("console.error.needs_subcommand", command=prefix,
                              subcommands=", ".join(subs))
    shown = {c.shown: c for c in commands.commands}
    typed = "/" + " ".join(words[:2])
    best = process.extractOne(typed, list(shown), score_cutoff=70)
    if best is not None:
        return ParseError("console.error.did_you_mean", name="/" + words[0], suggestion=best[0])
    return ParseError("console.error.unknown_command", name="/" + words[0])


def split_options(command: ClientCommand, rest: str) -> dict[str, str]:
    by_name = {fold(n): o for o in command.options for n in o.names}
    if not rest.strip():
        return {}
    if not command.options:
        raise ParseError("console.error.no_options", command=command.shown)
    marks = [m for m in OPTION_MARK.finditer(rest) if fold(m.group(1)) in by_name]
    if not marks or rest[: marks[0].start()].strip():
        required = [o for o in command.options if o.required]
        only = required if len(required) == 1 else list(command.options)
        if not marks and len(only) == 1:
            return {only[0].name: rest.strip()}
        raise ParseError("console.error.option_form",
                         options=", ".join(f"{o.label}:" for o in command.options))
    raw: dict[str, str] = {}
    for index, mark in enumerate(marks):
        end = marks[index + 1].start() if index + 1 < len(marks) else len(rest)
        raw[by_name[fold(mark.group(1))].name] = rest[mark.end():end].strip()
    return raw


def check_required(command: ClientCommand, raw: dict[str, str]) -> None:
    missing = [o for o in command.options if o.required and o.name not in raw]
    if missing:
        raise ParseError("console.error.missing", command=command.shown,
                         options=", ".join(f"{o.label}: …" for o in missing))


def convert(option: Option, text: str, names: Names) -> Any:
    """The value a client would send for `text`, or the client's objection."""
    if not text:
        raise ParseError("console.error.empty", option=option.label)
    if option.choices:
        return _choice(option, text)
    if option.type == STRING:
        return _string(option, text)
    if option.type in (INTEGER, NUMBER):
        return _number(option, text)
    if option.type == BOOLEAN:
        if fold(text) not in TRUE | FALSE:
            raise ParseError("console.error.yes_no", option=option.label)
        return fold(text) in TRUE
    if option.type == CHANNEL:
        return _channel(option, text, names)
    if option.type in (ROLE, USER, MENTIONABLE):
        return _named(option, text, names)
    if option.type == ATTACHMENT:
        path = Path(text).expanduser()
        if not path.is_file():
            raise ParseError("console.error.no_file", option=option.label, path=text)
        return (path.name, path.read_bytes())
    return text


def _choice(option: Option, text: str) -> Any:
    for choice in option.choices:
        if choice.matches(text):
            return choice.value
    raise ParseError("console.error.not_a_choice", option=option.label, value=text,
                     choices=", ".join(c.label for c in option.choices))


def _string(option: Option, text: str) -> str:
    low, high = option.limits.get("min_length"), option.limits.get("max_length")
    if high is not None and len(text) > high:
        raise ParseError("console.error.too_long", option=option.label, count=high)
    if low is not None and len(text) < low:
        raise ParseError("console.error.too_short", option=option.label, count=low)
    return text


def _number(option: Option, text: str) -> int | float:
    value: int | float
    if option.type == INTEGER:
        if not re.fullmatch(r"-?[0-9]{1,19}", text):  # "²" and "٣" are digits to \d
            raise ParseError("console.error.whole_number", option=option.label)
        value = int(text)
    else:
        try:
            value = float(text.replace(",", "."))
        except ValueError:
            raise ParseError("console.error.number", option=option.label) from None
    low, high = option.limits.get("min_value"), option.limits.get("max_value")
    if (low is not None and value < low) or (high is not None and value > high):
        raise ParseError("console.error.range", option=option.label,
                         low=str(low if low is not None else "…"),
                         high=str(high if high is not None else "…"))
    return value


def _channel(option: Option, text: str, names: Names) -> int:
    known = {name: ident for name, (ident, _) in names.channels.items()}
    channel_id = _lookup(option, text.lstrip("#"), known, "#")
    kinds = option.limits.get("channel_types")
    kind = next((k for i, k in names.channels.values() if i == channel_id), None)
    if kinds and kind is not None and kind not in kinds:
        raise ParseError("console.error.channel_type", option=option.label, name=text)
    return channel_id


def _named(option: Option, text: str, names: Names) -> int:
    known = dict(names.roles) if option.type == ROLE else dict(names.users)
    if option.type == MENTIONABLE:
        known = {**names.users, **names.roles}
    return _lookup(option, text.lstrip("@"), known, "@")


def _lookup(option: Option, text: str, known: dict[str, int], sign: str) -> int:
    number = typed_id(text)
    if number is not None:
        return number
    for name, ident in known.items():
        if fold(name) == fold(text):
            return ident
    raise ParseError("console.error.unknown_name", option=option.label, name=text,
                     known=", ".join(sign + n for n in sorted(known)))
