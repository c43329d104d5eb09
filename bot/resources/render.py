"""How a resource looks in Discord: the announcement embed and the one-line listing entry."""

from __future__ import annotations

from collections.abc import Callable

import discord

from bot.i18n import choice_name, t
from bot.l10n import day
from bot.regions import region_label
from bot.resources.store import Resource
from bot.resources.text import KINDS

EMBED_COLOUR = discord.Colour.from_rgb(0, 94, 151)


def kind_label(kind: str, lang: str) -> str:
    return choice_name(kind, lang, KINDS.get(kind, kind))


def _markdown_link(title: str, url: str) -> str:
    """A masked link whose text and target cannot break out of the markdown."""
    text = discord.utils.escape_markdown(title).replace("[", "\\[").replace("]", "\\]")
    target = url.replace("(", "%28").replace(")", "%29").replace(" ", "%20")
    return f"[{text}]({target})"


def announcement_embed(resource: Resource, lang: str) -> discord.Embed:
    embed = discord.Embed(
        title=resource.title[:256], url=resource.url, description=resource.url,
        colour=EMBED_COLOUR,
    )
    if resource.author:
        embed.set_author(name=resource.author[:256])
    if resource.published:
        embed.add_field(name=t("resources.label.date", lang), value=day(resource.published, lang))
    if resource.region:
        embed.add_field(name=t("resources.label.region", lang),
                        value=region_label(resource.region, lang))
    embed.add_field(name=t("resources.label.kind", lang), value=kind_label(resource.kind, lang))
    return embed


def resource_line(resource: Resource, lang: str) -> str:
    """'[Title](url) · Author · April 13, 2012 · Africa · Video', for listings."""
    parts = [_markdown_link(resource.title, resource.url)]
    if resource.author:
        parts.append(discord.utils.escape_markdown(resource.author))
    if resource.published:
        parts.append(day(resource.published, lang))
    if resource.region:
        parts.append(region_label(resource.region, lang))
    parts.append(kind_label(resource.kind, lang))
    return " · ".join(parts)


def fit_lines(lines: list[str], limit: int, more: str | Callable[[int], str] = "") -> str:
    """As many whole lines as fit in `limit` characters (an embed description holds 4096), then
    `more` with the number left out: a template ("… and {count} more") or a function of it (a
    message with plural forms)."""
    tell = more if callable(more) else (lambda n: more.format(count=n) if more else "")
    room = len(tell(10**6))
    kept: list[str] = []
    size = 0
    for index, line in enumerate(lines):
        if size + len(line) + 1 + room + 8 > limit:
            if room:
                kept.append(tell(len(lines) - index))
            break
        kept.append(line)
        size += len(line) + 1
    return "\n".join(kept)


def listing_embed(title: str, resources: list[Resource], lang: str) -> discord.Embed:
    lines = [f"• {resource_line(resource, lang)}" for resource in resources]
    return discord.Embed(title=title[:256], description=fit_lines(lines, 4000),
                         colour=EMBED_COLOUR)
