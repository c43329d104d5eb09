"""Discord messages, embeds, components and modals drawn as plain text for the console.

What a Discord client would resolve is resolved here too: channel, role and member mentions by
name, timestamps in the member's language, select menus by their labels.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from babel.dates import format_date, format_time

from bot import l10n
from bot.i18n import t

BUTTON = 2
TEXT_DISPLAY = 10
TEXT_INPUT = 4
LABEL = 18
SELECTS = {3, 5, 6, 7, 8}
MARKUP = re.compile(r"<(#|@&|@!?)(\d{1,20})>|<t:(-?\d{1,13})(?::([tTdDfFR]))?>")
SaveFile = Callable[[dict[str, Any]], str | None]


@dataclass(frozen=True, slots=True)
class Directory:
    """Names the client would show for ids: channels, roles and people."""

    channels: dict[int, str]
    roles: dict[int, str]
    users: dict[int, str]

    @classmethod
    def of(cls, fake: Any) -> Directory:
        channels: dict[int, str] = {}
        roles: dict[int, str] = {}
        users: dict[int, str] = {int(fake.bot_user["id"]): str(fake.bot_user["username"])}
        for guild_id, guild in fake.guilds.items():
            channels.update({int(c["id"]): str(c["name"]) for c in guild["channels"]})
            roles.update({int(r["id"]): str(r["name"]) for r in guild["roles"]})
            users.update({uid: str(m.get("nick") or m["user"]["username"])
                          for uid, m in fake.members.get(guild_id, {}).items()})
        return cls(channels, roles, users)


def rich(text: str, lang: str, names: Directory) -> str:
    """`<#1>` -> #general, `<@&2>` -> @moderators, `<t:…:R>` -> "in 5 minutes"."""

    def replace(match: re.Match[str]) -> str:
        kind, ident, stamp, style = match.groups()
        if stamp is not None:
            return timestamp(int(stamp), style or "f", lang)
        if kind == "#":
            return "#" + names.channels.get(int(ident), "deleted-channel")
        if kind == "@&":
            return "@" + names.roles.get(int(ident), "deleted-role")
        return "@" + names.users.get(int(ident), "unknown-user")

    return MARKUP.sub(replace, text)


def timestamp(seconds: int, style: str, lang: str) -> str:
    """As a Discord client shows `<t:seconds:style>`: in the reader's zone and language."""
    try:
        moment = datetime.fromtimestamp(seconds, UTC).astimezone()
    except (OverflowError, OSError, ValueError):
        return f"<t:{seconds}:{style}>"
    locale = l10n.babel_locale(lang)
    if style == "R":
        return l10n.relative(moment, lang)
    if style in "tT":
        return format_time(moment, "short" if style == "t" else "medium", locale=locale)
    if style in "dD":
        return format_date(moment, "short" if style == "d" else "long", locale=locale)
    width = "full" if style == "F" else "long"
    return f"{format_date(moment, width, locale=locale)} {format_time(moment, 'short', locale=locale)}"


@dataclass(frozen=True, slots=True)
class Control:
    """A button or menu on a message, numbered for `click N`."""

    number: int
    kind: str  # "button" or "select"
    custom_id: str
    label: str
    message: dict[str, Any]
    options: tuple[tuple[str, str, bool], ...] = ()  # (value, label, chosen) for selects
    url: str | None = None
    disabled: bool = False


class Numbering:
    """Numbers that stay with their control: a button keeps its number after another reply."""

    def __init__(self) -> None:
        self.controls: dict[int, Control] = {}
        self._numbers: dict[tuple[str, str], int] = {}

    def reset(self) -> None:
        self.controls.clear()
        self._numbers.clear()

    def number(self, message: dict[str, Any], key: str) -> int:
        slot = (str(message.get("id")), key)
        if slot not in self._numbers:
            self._numbers[slot] = len(self._numbers) + 1
        return self._numbers[slot]


def controls(message: dict[str, Any], numbering: Numbering) -> list[Control]:
    found: list[Control] = []
    for item in _walk(message.get("components") or []):
        kind = item.get("type")
        key = str(item.get("custom_id") or item.get("url") or item.get("label"))
        if kind == BUTTON:
            label = item.get("label") or (item.get("emoji") or {}).get("name") or "?"
            found.append(Control(numbering.number(message, key), "button",
                                 str(item.get("custom_id", "")), str(label), message,
                                 url=item.get("url"), disabled=bool(item.get("disabled"))))
        elif kind in SELECTS:
            options = tuple((str(o["value"]), str(o["label"]), bool(o.get("default")))
                            for o in item.get("options", []))
            found.append(Control(numbering.number(message, key), "select",
                                 str(item["custom_id"]), str(item.get("placeholder") or "▾"),
                                 message, options, disabled=bool(item.get("disabled"))))
    for control in found:
        numbering.controls[control.number] = control
    return found


def _walk(components: list[Any]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for component in components:
        if isinstance(component, dict):
            out.append(component)
            children = list(component.get("components") or [])
            for key in ("accessory", "component"):
                if isinstance(component.get(key), dict):
                    children.append(component[key])
            out += _walk(children)
    return out


def quote(text: str, prefix: str = "  │ ") -> list[str]:
    return [prefix + line for line in text.splitlines()] or [prefix]


def render_embed(embed: dict[str, Any], lang: str, names: Directory) -> list[str]:
    lines: list[str] = []
    if (embed.get("author") or {}).get("name"):
        lines.append(f"  ┌ {rich(embed['author']['name'], lang, names)}")
    if embed.get("title"):
        lines.append(f"  ┌ {rich(embed['title'], lang, names)}"
                     + (f"  <{embed['url']}>" if embed.get("url") else ""))
    if embed.get("description"):
        lines += quote(rich(embed["description"], lang, names))
    for field in embed.get("fields") or []:
        name = field.get("name", "")
        if name and name != "\u200b":
            lines.append(f"  │ ■ {rich(name, lang, names)}")
        lines += quote(rich(field.get("value", ""), lang, names), "  │   ")
    if (embed.get("footer") or {}).get("text"):
        lines.append(f"  └ {rich(embed['footer']['text'], lang, names)}")
    return lines


def render_controls(items: list[Control], lang: str) -> list[str]:
    lines = []
    for control in items:
        state = " " + t("console.disabled", lang) if control.disabled else ""
        if control.kind == "button":
            target = f" ↗ {control.url}" if control.url else ""
            lines.append(f"  [{control.number}] {control.label}{target}{state}")
            continue
        lines.append(f"  [{control.number}] ▾ {control.label}{state}")
        lines += [f"        {index}. {label}" + (" ✓" if chosen else "")
                  for index, (_, label, chosen) in enumerate(control.options, 1)]
    return lines


def render_message(message: dict[str, Any], *, lang: str, names: Directory,
                   numbering: Numbering, save: SaveFile, first: str = "  ") -> list[str]:
    lines: list[str] = []
    ephemeral = bool(int(message.get("flags") or 0) & 64)
    marker = t("console.only_you", lang) + " " if ephemeral else ""
    content = rich(message.get("content") or "", lang, names)
    if content:
        head, *rest = content.splitlines() or [""]
        lines.append(f"{first}{marker}{head}")
        lines += [f"  {line}" for line in rest]
    elif marker or first.strip():
        lines.append(f"{first}{marker.strip()}".rstrip())
    for item in _walk(message.get("components") or []):
        if item.get("type") == TEXT_DISPLAY:
            lines += quote(rich(str(item.get("content") or ""), lang, names))
    for embed in message.get("embeds") or []:
        lines += render_embed(embed, lang, names)
    for attachment in message.get("attachments") or []:
        path = save(attachment)
        name = str(attachment.get("filename", "file"))
        lines.append("  📎 " + (t("console.file", lang, name=name, path=path) if path else name))
    return lines + render_controls(controls(message, numbering), lang)


def modal_fields(modal: dict[str, Any]) -> list[dict[str, Any]]:
    """The parts of a form in order: inputs with the label a person sees, and texts."""
    fields: list[dict[str, Any]] = []
    for row in modal.get("components", []):
        if row.get("type") == LABEL:
            fields.append({**row["component"], "label": row.get("label", ""),
                           "description": row.get("description")})
        elif row.get("type") == TEXT_DISPLAY:
            fields.append(dict(row))
        else:
            fields += [dict(item) for item in row.get("components", [])]
    return fields
