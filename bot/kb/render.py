"""Topics as Discord embeds, shared by the commands, the buttons and `kb check`.

`kb check` renders every topic in every language with these same functions, so a file that
passes review is known to fit Discord's embed limits as it will actually be shown.
"""

from __future__ import annotations

import discord

from bot.i18n import t
from bot.kb.model import Source, Topic

FIELD_LIMIT = 1024
EMBED_TOTAL = 6000
DESCRIPTION_LIMIT = 4096
AUTHOR_LIMIT = 256
BUTTON_LABEL = 80
CHOICE_NAME = 100
COLOUR = discord.Colour.dark_teal()
LANG_NAMES = {"en": "English", "fr": "Français", "es": "Español"}


def clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def source_line(source: Source) -> str:
    """A masked link whose text cannot close the link early and whose URL keeps its brackets."""
    title = source.title.replace("[", "(").replace("]", ")")
    url = source.url.replace("(", "%28").replace(")", "%29")
    return f"• [{title}]({url})"


def source_chunks(sources: tuple[Source, ...]) -> list[str]:
    """Source lines packed into as few embed fields as fit (1024 characters each)."""
    chunks: list[str] = []
    current = ""
    for line in map(source_line, sources):
        if current and len(current) + 1 + len(line) > FIELD_LIMIT:
            chunks.append(current)
            current = ""
        current = f"{current}\n{line}" if current else line
    return [*chunks, current] if current else chunks


def footer(topic: Topic, lang: str) -> str:
    return t("kb.updated", lang, date=topic.updated)


def answer_embed(topic: Topic, lang: str, *, question: str | None = None) -> discord.Embed:
    """Title, short answer, sources and update date: what /ask and /topic show."""
    text = topic.in_lang(lang)
    embed = discord.Embed(title=text.title, description=text.short, colour=COLOUR)
    if question:
        embed.set_author(name=clip(question, AUTHOR_LIMIT - 2))
    for index, chunk in enumerate(source_chunks(topic.sources)):
        embed.add_field(name=t("kb.sources", lang) if index == 0 else "\u200b", value=chunk,
                        inline=False)
    embed.set_footer(text=footer(topic, lang))
    return embed


def body_embed(topic: Topic, lang: str) -> discord.Embed:
    """The longer text behind "read more"."""
    text = topic.in_lang(lang)
    embed = discord.Embed(title=text.title, description=text.body, colour=COLOUR)
    embed.set_footer(text=footer(topic, lang))
    return embed


def embed_problems(embed: discord.Embed) -> list[str]:
    found: list[str] = []
    if len(embed) > EMBED_TOTAL:
        found.append(f"embed is {len(embed)} characters (limit {EMBED_TOTAL})")
    if len(embed.description or "") > DESCRIPTION_LIMIT:
        found.append(f"description exceeds {DESCRIPTION_LIMIT} characters")
    found += [f"field {f.name!r} exceeds {FIELD_LIMIT} characters" for f in embed.fields
              if len(f.value or "") > FIELD_LIMIT]
    if len(embed.fields) > 25:
        found.append("more than 25 fields")
    return found
