"""Discord messages, embeds, components and modals drawn as plain text for the console."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

BUTTON = 2
TEXT_INPUT = 4
LABEL = 18
SELECTS = {3, 5, 6, 7, 8}
LINK_STYLE = 5


@dataclass(frozen=True, slots=True)
class Control:
    """A clickable thing on the last message, numbered for `click N`."""

    number: int
    kind: str  # "button" or "select"
    custom_id: str
    label: str
    options: tuple[tuple[str, str], ...] = ()  # (value, label) for selects
    url: str | None = None
    disabled: bool = False
    message: dict[str, Any] | None = None  # the message it sits on, needed to press it


def controls(components: list[dict[str, Any]] | None, start: int = 1) -> list[Control]:
    found: list[Control] = []
    for row in components or []:
        for item in row.get("components", [row]):
            number = start + len(found)
            if item.get("type") == BUTTON:
                label = item.get("label") or (item.get("emoji") or {}).get("name") or "?"
                found.append(Control(number, "button", str(item.get("custom_id", "")), label,
                                     url=item.get("url"), disabled=bool(item.get("disabled"))))
            elif item.get("type") in SELECTS:
                options = tuple((str(o["value"]), str(o["label"])) for o in item.get("options", []))
                found.append(Control(number, "select", str(item["custom_id"]),
                                     item.get("placeholder") or "select", options,
                                     disabled=bool(item.get("disabled"))))
    return found


def quote(text: str, prefix: str = "  │ ") -> list[str]:
    return [prefix + line for line in text.splitlines()] or [prefix]


def render_embed(embed: dict[str, Any]) -> list[str]:
    lines: list[str] = []
    if embed.get("author", {}).get("name"):
        lines.append(f"  ┌ {embed['author']['name']}")
    title = embed.get("title")
    if title:
        lines.append(f"  ┌ {title}" + (f"  <{embed['url']}>" if embed.get("url") else ""))
    if embed.get("description"):
        lines += quote(embed["description"])
    for field in embed.get("fields", []):
        name = field.get("name", "")
        if name and name != "\u200b":
            lines.append(f"  │ ■ {name}")
        lines += quote(field.get("value", ""), "  │   ")
    if embed.get("footer", {}).get("text"):
        lines.append(f"  └ {embed['footer']['text']}")
    return lines


def render_controls(items: list[Control]) -> list[str]:
    lines = []
    for control in items:
        state = " (disabled)" if control.disabled else ""
        if control.kind == "button":
            target = f" -> {control.url}" if control.url else ""
            lines.append(f"  [{control.number}] {control.label}{target}{state}")
        else:
            choices = ", ".join(f"{value}" for value, _ in control.options)
            lines.append(f"  [{control.number}] ▾ {control.label}: {choices}{state}")
    return lines


def render_message(message: dict[str, Any], *, ephemeral: bool, start: int = 1
                   ) -> tuple[list[str], list[Control]]:
    lines: list[str] = []
    marker = "(only you can see this) " if ephemeral else ""
    if message.get("content"):
        first, *rest = message["content"].splitlines() or [""]
        lines.append(f"  {marker}{first}")
        lines += [f"  {line}" for line in rest]
    elif marker:
        lines.append(f"  {marker.strip()}")
    for embed in message.get("embeds") or []:
        lines += render_embed(embed)
    for attachment in message.get("attachments") or []:
        lines.append(f"  📎 {attachment.get('filename', 'file')}")
    items = controls(message.get("components"), start)
    return lines + render_controls(items), items


def modal_fields(modal: dict[str, Any]) -> list[dict[str, Any]]:
    """The inputs of a modal in order, each with the label a person sees."""
    fields: list[dict[str, Any]] = []
    for row in modal.get("components", []):
        if row.get("type") == LABEL:
            fields.append({**row["component"], "label": row.get("label", ""),
                           "description": row.get("description")})
        else:
            fields += [dict(item) for item in row.get("components", [])]
    return fields
