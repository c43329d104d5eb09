"""How a resource looks in Discord: the announcement embed and the one-line listing entry."""

from __future__ import annotations

import discord

from bot.i18n import choice_name, t
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
        embed.add_field(name=t("resources.label.date", lang), value=resource.published)
    if resource.region:
        embed.add_field(name=t("resources.label.region", lang),
                        value=region_label(resource.region, lang))
    embed.add_field(name=t("resources.label.kind", lang), value=kind_label(resource.kind, lang))
    return embed


def resource_line(resource: Resource, lang: str) -> str:
    """'[Title](url) · Author · 2012-04-13 · Africa · Video', for listings."""
    parts = [_markdown_link(resource.title, resource.url)]
    if resource.author:
        parts.append(discord.utils.escape_markdown(resource.author))
    if resource.published:
        parts.append(resource.published)
    if resource.region:
        parts.append(region_label(resource.region, lang))
    parts.append(kind_label(resource.kind, lang))
    return " · ".join(parts)


def listing_embed(title: str, resources: list[Resource], lang: str) -> discord.Embed:
    lines: list[str] = []
    size = 0
    for resource in resources:
        line = f"• {resource_line(resource, lang)}"
        if size + len(line) + 1 > 4000:
            break
        lines.append(line)
        size += len(line) + 1
    return discord.Embed(title=title[:256], description="\n".join(lines), colour=EMBED_COLOUR)
