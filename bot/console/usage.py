"""`help /command`: a command's options and choices, as the member's client would offer them."""

from __future__ import annotations

from bot.console.commands import ClientCommand
from bot.i18n import t


def usage_line(command: ClientCommand) -> str:
    parts = [command.shown]
    for option in command.options:
        parts.append(f"{option.label}: …" if option.required else f"[{option.label}: …]")
    return " ".join(parts)


def usage(command: ClientCommand, lang: str) -> list[str]:
    lines = [f"  {usage_line(command)}", f"  {command.description}"]
    if command.permissions is not None:
        lines.append("  " + t("console.usage.moderators", lang))
    if not command.options:
        return [*lines, "  " + t("console.usage.none", lang)]
    lines.append("  " + t("console.usage.options", lang))
    for option in command.options:
        notes = [] if option.required else [t("console.usage.optional", lang)]
        lines.append(f"    {option.label}: {option.description}"
                     + (f" ({', '.join(notes)})" if notes else ""))
        if option.choices:
            lines.append("      " + t("console.usage.choices", lang,
                                       choices=", ".join(c.label for c in option.choices)))
        if option.autocomplete:
            lines.append("      " + t("console.usage.suggestions", lang))
    return lines
