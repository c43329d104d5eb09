"""Topics as Discord embeds, shared by the commands, the buttons and `kb check`.

`kb check` renders every topic in every language with these same functions, so a file that
passes review is known to fit Discord's embed limits as it will actually be shown.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

import discord
from babel import Locale, UnknownLocaleError
from babel.dates import format_date

from bot.i18n import t
from bot.kb.model import Source, Topic

FIELD_LIMIT = 1024
EMBED_TOTAL = 6000
DESCRIPTION_LIMIT = 4096
AUTHOR_LIMIT = 256
BUTTON_LABEL = 80
CHOICE_NAME = 100
# One page of "All sources": well under the 6000 characters a message's embeds may hold, so
# the title, footer and field names always fit beside the source lines.
SOURCES_PAGE = 4000
COLOUR = discord.Colour.dark_teal()
LANG_NAMES = {"en": "English", "fr": "Français", "es": "Español"}


def clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def date_locale(lang: str, locale: str | None = None) -> str:
    """The member's own locale ("en-GB", "es-419") when it is in the reply's language.

    A British member reads "27 November 2026", an American one "November 27, 2026"; a reply
    shown in another language than the client's (a language button) uses that language.
    """
    if locale:
        try:
            parsed = Locale.parse(locale.replace("-", "_"))
        except (UnknownLocaleError, ValueError, TypeError):
            parsed = None
        if parsed is not None and parsed.language == lang:
            return str(parsed)
    return lang


def checked_on(day: date, lang: str, locale: str | None = None) -> str:
    return t("kb.checked", lang, date=format_date(day, "long", locale=date_locale(lang, locale)))


def source_line(source: Source, lang: str) -> str:
    """A masked link whose text cannot close the link early and whose URL keeps its brackets;
    a source without an address is its plain label."""
    title = source.title(lang).replace("[", "(").replace("]", ")")
    if source.url is None:
        return f"• {discord.utils.escape_markdown(title)}"
    url = source.url.replace("(", "%28").replace(")", "%29")
    return f"• [{title}]({url})"


def pack(lines: Iterable[str], limit: int) -> list[str]:
    """Lines joined into as few blocks of at most `limit` characters as fit (a longer line is
    clipped)."""
    chunks: list[str] = []
    current = ""
    for line in (clip(x, limit) for x in lines):
        if current and len(current) + 1 + len(line) > limit:
            chunks.append(current)
            current = ""
        current = f"{current}\n{line}" if current else line
    return [*chunks, current] if current else chunks


def source_chunks(sources: Iterable[Source], lang: str, limit: int = FIELD_LIMIT) -> list[str]:
    return pack((source_line(s, lang) for s in sources), limit)


def answer_embed(topic: Topic, lang: str, *, question: str | None = None,
                 locale: str | None = None) -> discord.Embed:
    """Title, short answer, key sources and the date the facts were checked: /ask and /topic."""
    text = topic.in_lang(lang)
    embed = discord.Embed(title=text.title, description=text.short, colour=COLOUR)
    if question:
        embed.set_author(name=clip(question, AUTHOR_LIMIT - 2))
    for index, chunk in enumerate(source_chunks(topic.key_sources, lang)):
        embed.add_field(name=t("kb.sources", lang) if index == 0 else "\u200b", value=chunk,
                        inline=False)
    embed.set_footer(text=checked_on(topic.checked, lang, locale))
    return embed


def body_embed(topic: Topic, lang: str, *, locale: str | None = None) -> discord.Embed:
    """The longer text behind "read more"."""
    text = topic.in_lang(lang)
    embed = discord.Embed(title=text.title, description=text.body, colour=COLOUR)
    embed.set_footer(text=checked_on(topic.checked, lang, locale))
    return embed


def has_more_sources(topic: Topic) -> bool:
    return len(topic.sources) > len(topic.key_sources)


def source_pages(topic: Topic, lang: str) -> list[discord.Embed]:
    """Every source of the topic, key ones first, as embeds of at most SOURCES_PAGE characters
    of source lines, each split into fields of at most 1024."""
    ordered = (*topic.key_sources, *(s for s in topic.sources if not s.key))
    pages = source_chunks(ordered, lang, SOURCES_PAGE)
    embeds = []
    for number, page in enumerate(pages, 1):
        embed = discord.Embed(title=clip(t("kb.sources.all_title", lang,
                                           title=topic.title(lang)), 256), colour=COLOUR)
        for index, chunk in enumerate(pack(page.split("\n"), FIELD_LIMIT)):
            embed.add_field(name=t("kb.sources", lang) if index == 0 else "\u200b", value=chunk,
                            inline=False)
        embed.set_footer(text=t("kb.sources.page", lang, page=number, pages=len(pages),
                                count=len(ordered)))
        embeds.append(embed)
    return embeds


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
