"""The message catalogue (en, fr, es) and the rule for choosing a member's language.

Messages live in `bot/locales/*.yaml` with the three languages side by side, so a reviewer sees
a missing or drifting translation in one place. A message with a number that words agree with
gives, per language, its CLDR plural forms and takes the number as `count`:

    pledges_admin.export.done:
      en: {one: "Export ready: {count} row.", other: "Export ready: {count} rows."}
      fr: {one: "Export prêt : {count} ligne.", other: "Export prêt : {count} lignes."}

A `date` or a number given to `t()` is written as the language writes it ("1 de mayo de 2024",
"1 234"); ids are left as they are.
`t(key, lang, count=n)` picks the form with CLDR's rule for `lang` (French says "0 ligne",
English "0 rows") and writes n as the language does (1,234 / 1 234). A message with two such
numbers takes the second one already worded, from a message of its own:
`t("mydata.export.ready", lang, pledges=t("units.pledges", lang, count=n), ...)`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache
from importlib import resources
from typing import Any, Literal

import discord
import yaml

from bot import l10n
from bot.i18n_checks import message_problems

Lang = Literal["en", "fr", "es"]
LANGS: tuple[Lang, ...] = ("en", "fr", "es")
DEFAULT_LANG: Lang = "en"
# Discord locales each language answers for.
DISCORD_LOCALES: dict[Lang, tuple[discord.Locale, ...]] = {
    "en": (discord.Locale.american_english, discord.Locale.british_english),
    "fr": (discord.Locale.french,),
    "es": (discord.Locale.spain_spanish, discord.Locale.latin_american_spanish),
}


class CatalogueError(Exception):
    """The locale files disagree with each other (duplicate key, missing language)."""


# Numbers shown as figures that no word agrees with ("#12", "page 2 of 3", "5 s", "(4)",
# "the limit is 1000", "3×"): any other number in a message is a `count` with plural forms.
NUMERALS = frozenset({"id", "feed", "page", "pages", "seconds", "total", "limit", "times",
                      "version"})
# Numbers that name something: written as stored, never as "1,234".
IDENTIFIERS = frozenset({"id", "feed", "version"})
# Set by the test suite: numbers given to a message outside `count` or NUMERALS are collected
# here, so a count that was written without plural forms fails the test that shows it.
STRICT = False
count_violations: list[str] = []


@dataclass
class Catalogue:
    # key -> language -> text, or the text's plural forms by CLDR category
    messages: dict[str, dict[str, Any]] = field(default_factory=dict)
    commands: dict[str, dict[str, dict[str, str]]] = field(default_factory=dict)
    choices: dict[str, dict[str, str]] = field(default_factory=dict)

    def merge(self, source: str, data: Mapping[str, Any]) -> None:
        for section in ("messages", "commands", "choices"):
            target: dict[str, Any] = getattr(self, section)
            for key, value in (data.get(section) or {}).items():
                if key in target and target[key] != value:
                    raise CatalogueError(f"{source}: {section} key {key!r} is defined twice")
                target[key] = value

    def problems(self) -> list[str]:
        """Every message key in all three languages, every command and choice in fr and es."""
        found: list[str] = []
        for key, texts in self.messages.items():
            found += [f"message {key!r} lacks {lang}" for lang in LANGS if not texts.get(lang)]
            found += message_problems(key, texts)
        for key, parts in self.commands.items():
            for part, texts in parts.items():
                found += [f"command {key!r} {part} lacks {lang}" for lang in ("fr", "es")
                          if not texts.get(lang)]
        for key, texts in self.choices.items():
            found += [f"choice {key!r} lacks {lang}" for lang in ("fr", "es") if not texts.get(lang)]
        return found


@lru_cache(maxsize=1)
def catalogue() -> Catalogue:
    cat = Catalogue()
    folder = resources.files("bot") / "locales"
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".yaml"):
            cat.merge(entry.name, yaml.safe_load(entry.read_text(encoding="utf-8")) or {})
    return cat


def t(key: str, lang: str, /, **kwargs: Any) -> str:
    """The message in `lang`, falling back to English; a missing key shows itself, never crashes."""
    texts = catalogue().messages.get(key)
    if texts is None:
        return key
    used = lang if texts.get(lang) else DEFAULT_LANG
    text = texts.get(used) or key
    if isinstance(text, Mapping):
        text = l10n.pick(text, kwargs.get("count"), used)
    elif STRICT:
        _check_numbers(key, kwargs)
    for name, value in kwargs.items():
        if l10n.is_count(value) and name not in IDENTIFIERS:
            kwargs[name] = l10n.number(value, used)
        elif isinstance(value, date) and not isinstance(value, datetime):
            kwargs[name] = l10n.day(value, used)
    return text.format(**kwargs) if kwargs else text


def _check_numbers(key: str, kwargs: Mapping[str, Any]) -> None:
    for name, value in kwargs.items():
        if l10n.is_count(value) and name not in NUMERALS:
            count_violations.append(
                f"message {key!r} got the number {name}={value} but has no plural forms: give "
                f"each language plural forms (en: {{one: '…{{count}} thing…', other: "
                f"'…{{count}} things…'}}) and pass the number as count=; a figure no word "
                f"agrees with (an id, a page) may instead be named in bot.i18n.NUMERALS")


def forms(key: str, lang: str) -> list[str]:
    """Every text `key` can show in `lang`: the message, or each of its plural forms."""
    value = catalogue().messages.get(key, {}).get(lang)
    if isinstance(value, Mapping):
        return [str(text) for text in value.values()]
    return [] if value is None else [str(value)]


def lang_from_locale(locale: discord.Locale | str | None) -> Lang | None:
    if locale is None:
        return None
    value = str(locale.value if isinstance(locale, discord.Locale) else locale).lower()
    for lang in LANGS:
        if value == lang or value.startswith(lang + "-"):
            return lang
    return None


def lang_of(interaction: discord.Interaction[Any]) -> Lang:
    """The member's own client language, then the server's, then English."""
    return (
        lang_from_locale(interaction.locale)
        or lang_from_locale(interaction.guild_locale if interaction.guild_id else None)
        or DEFAULT_LANG
    )


def choice_name(value: str, lang: str, default: str) -> str:
    return catalogue().choices.get(value, {}).get(lang) or default
