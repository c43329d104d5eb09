"""Server entries as Discord embeds: the answer members see, and the moderators' views of
entries, their history and the changes waiting for review.

An entry's answer never passes for a shipped topic: another colour, "Answered by this server's
moderators" at the top, its source and the date it was published; shown in another language,
it says so in one line.
"""

from __future__ import annotations

import difflib
from datetime import UTC, datetime

import discord
from babel import Locale
from babel.dates import format_date

from bot.i18n import t
from bot.kb.entries import Entry, Version
from bot.kb.render import (
    DESCRIPTION_LIMIT,
    FIELD_LIMIT,
    clip,
    date_locale,
)

COLOUR = discord.Colour.gold()
PENDING_COLOUR = discord.Colour.orange()
DIFF_LIMIT = FIELD_LIMIT - 20  # room for the code fence
FIELD_NAMES = ("question", "answer", "keywords", "source")


def language_name(code: str, lang: str) -> str:
    """"Spanish", "espagnol", "español": a language named in the reader's language (CLDR)."""
    return str(Locale.parse(lang).languages[code])


def source_value(source: str) -> str:
    """A web address as a link (brackets encoded so it cannot end early); a document
    reference as plain text."""
    if source.startswith(("https://", "http://")):
        label = clip(source.split("://", 1)[1], 80).replace("[", "(").replace("]", ")")
        url = source.replace("(", "%28").replace(")", "%29")
        return f"[{discord.utils.escape_markdown(label)}]({url})"
    return discord.utils.escape_markdown(source)


def published_on(entry: Entry, shown: str, lang: str, locale: str | None = None) -> str:
    """When the text shown was published, written the way the reader's language writes dates."""
    day = entry.texts[shown].published_on
    return format_date(day, "long", locale=date_locale(lang, locale))


def entry_embed(entry: Entry, lang: str, *, locale: str | None = None) -> discord.Embed:
    """The answer: in the member's language, or in the one it was written in with a note."""
    shown = entry.shown_lang(lang)
    text = entry.texts[shown]
    note = "" if shown == lang else "*" + t("kb.entry.shown_in", lang,
                                            language=language_name(shown, lang)) + "*\n\n"
    embed = discord.Embed(title=text.question, description=note + text.answer, colour=COLOUR)
    embed.set_author(name=t("kb.entry.by_moderators", lang))
    embed.add_field(name=t("kb.entry.source", lang), value=clip(source_value(text.source),
                                                                FIELD_LIMIT), inline=False)
    embed.set_footer(text=t("kb.entry.footer", lang, id=entry.number,
                            date=published_on(entry, shown, lang, locale)))
    return embed


def lang_names(langs: tuple[str, ...] | list[str], lang: str) -> str:
    return ", ".join(language_name(code, lang) for code in langs)


def entry_line(entry: Entry, lang: str, waiting: list[Version]) -> str:
    """One line of /kb entries: number, question, the languages it lacks, waiting changes
    (an entry nothing of which is published yet shows the question waiting for review)."""
    if entry.texts:
        title = discord.utils.escape_markdown(clip(entry.title(lang), 90))
    else:
        proposed = next((v.question for v in waiting if v.question), "")
        title = (discord.utils.escape_markdown(clip(proposed, 90)) + " "
                 + t("kb.entries.not_published", lang)).strip()
    parts = [f"**#{entry.number}** {title}"]
    if entry.texts and entry.missing:
        parts.append(t("kb.entries.missing", lang, languages=lang_names(entry.missing, lang)))
    if waiting and entry.texts:
        parts.append(t("kb.entries.waiting", lang))
    return " · ".join(parts)


def action_label(version: Version, lang: str) -> str:
    label = t(f"kb.history.action.{version.action}", lang)
    if version.lang:
        label += f" ({language_name(version.lang, lang)})"
    if version.reverted_to:
        label += " " + t("kb.history.to_version", lang, version=version.reverted_to)
    return label


def changed_fields(version: Version, before: Version | None, lang: str) -> str:
    if not version.has_text:
        return ""
    if before is None:
        return ""
    old, new = before.fields(), version.fields()
    names = [t(f"kb.field.{name}", lang) for name in FIELD_NAMES if old[name] != new[name]]
    return ", ".join(names) if names else t("kb.history.nothing_changed", lang)


def history_lines(versions: list[Version], lang: str) -> list[str]:
    """Who changed what, when (Discord shows the date in each reader's own format)."""
    lines = []
    previous: dict[str, Version] = {}
    for version in versions:
        when = f"<t:{timestamp(version.created_at)}:d>"
        state = t(f"kb.history.state.{version.state}", lang)
        if version.reviewed_by:
            state += " " + t("kb.history.reviewed_by", lang, who=f"<@{version.reviewed_by}>")
        line = (f"**v{version.version}** · {action_label(version, lang)} · "
                f"<@{version.author_id}> · {when} · {state}")
        what = changed_fields(version, previous.get(version.lang or ""), lang)
        if what:
            line += "\n" + t("kb.history.changed", lang, fields=what)
        if version.has_text and version.lang:
            previous[version.lang] = version
        lines.append(line)
    return lines


def timestamp(iso: str) -> int:
    """Seconds since 1970 for a stored time, for Discord's <t:...> markup."""
    return int(datetime.strptime(iso[:19], "%Y-%m-%dT%H:%M:%S").replace(tzinfo=UTC).timestamp())


def history_embed(entry: Entry, versions: list[Version], lang: str) -> discord.Embed:
    """Newest changes first when they do not all fit."""
    title = entry.title(lang) if entry.texts else versions[0].question or ""
    embed = discord.Embed(title=clip(t("kb.history.title", lang, id=entry.number, title=title),
                                     256), colour=COLOUR)
    lines = history_lines(versions, lang)
    shown: list[str] = []
    for line in reversed(lines):
        if sum(len(x) + 1 for x in shown) + len(line) > DESCRIPTION_LIMIT - 200:
            break
        shown.insert(0, line)
    embed.description = "\n".join(shown)
    footer = t("kb.history.footer", lang)
    if entry.retired:
        footer = t("kb.history.retired", lang) + " " + footer
    embed.set_footer(text=footer)
    return embed


def _fence(text: str) -> str:
    return text.replace("```", "'''")


def text_diff(old: str, new: str) -> str:
    """Changed sentences of an answer as a diff block (unchanged ones left out)."""
    def sentences(text: str) -> list[str]:
        return [s for line in text.splitlines() for s in line.replace(". ", ".\n").splitlines()]

    lines = [line for line in difflib.unified_diff(sentences(old), sentences(new), n=0,
                                                   lineterm="")
             if not line.startswith(("---", "+++", "@@"))]
    return "```diff\n" + clip(_fence("\n".join(lines)), DIFF_LIMIT) + "\n```"


def pending_embed(version: Version, current: dict[str, str] | None, lang: str,
                  waiting: int) -> discord.Embed:
    """A waiting change beside what members see now: each changed field, the answer as a diff
    (or in full when the language has no published answer yet)."""
    new = version.fields()
    old = current or dict.fromkeys(FIELD_NAMES, "")
    intro = t("kb.pending.by" if current else "kb.pending.by_new", lang,
              who=f"<@{version.author_id}>", when=f"<t:{timestamp(version.created_at)}:R>")
    if not old["answer"]:
        intro += "\n\n" + new["answer"]
    embed = discord.Embed(
        title=clip(t("kb.pending.title", lang, id=version.entry_number, version=version.version,
                     action=action_label(version, lang)), 256),
        description=intro, colour=PENDING_COLOUR)
    for name in FIELD_NAMES:
        if old[name] == new[name] or (name == "answer" and not old[name]):
            continue
        if name == "answer":
            value = text_diff(old[name], new[name])
        elif old[name]:
            value = (f"~~{clip(discord.utils.escape_markdown(old[name]), 450)}~~\n"
                     f"{clip(discord.utils.escape_markdown(new[name]), 450)}")
        else:
            value = clip(discord.utils.escape_markdown(new[name]) or "—", FIELD_LIMIT)
        embed.add_field(name=t(f"kb.field.{name}", lang), value=clip(value, FIELD_LIMIT),
                        inline=False)
    if current is not None and old == new:
        embed.add_field(name="\u200b", value=t("kb.history.nothing_changed", lang),
                        inline=False)
    more = t("kb.pending.more", lang, count=waiting) + " " if waiting else ""
    embed.set_footer(text=more + t("kb.pending.rule", lang))
    return embed
