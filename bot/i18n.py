"""The message catalogue (en, fr, es) and the rule for choosing a member's language.

Messages live in `bot/locales/*.yaml` with the three languages side by side, so a reviewer sees
a missing or drifting translation in one place.
"""

from __future__ import annotations

import string
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Any, Literal

import discord
import yaml

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


@dataclass
class Catalogue:
    messages: dict[str, dict[str, str]] = field(default_factory=dict)
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
            found += _format_mismatch(key, texts)
        for key, parts in self.commands.items():
            for part, texts in parts.items():
                found += [f"command {key!r} {part} lacks {lang}" for lang in ("fr", "es")
                          if not texts.get(lang)]
        for key, texts in self.choices.items():
            found += [f"choice {key!r} lacks {lang}" for lang in ("fr", "es") if not texts.get(lang)]
        return found


def _format_mismatch(key: str, texts: Mapping[str, str]) -> list[str]:
    def fields(text: str) -> set[str]:
        return {name for _, name, _, _ in string.Formatter().parse(text) if name}

    reference = fields(texts.get("en", ""))
    return [f"message {key!r} in {lang} uses placeholders {sorted(fields(text))}, en uses "
            f"{sorted(reference)}" for lang, text in texts.items() if fields(text) != reference]


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
    text = texts.get(lang) or texts.get(DEFAULT_LANG) or key
    return text.format(**kwargs) if kwargs else text


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
