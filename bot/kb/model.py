"""A topic as the reviewers wrote it: three languages, sources, the date its facts were checked."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date


@dataclass(frozen=True, slots=True)
class Source:
    """A document the topic rests on; `key` sources are shown with every answer.

    The label exists in every language (a French member reads a French label); the address is
    optional because some primary documents have no official address we know of.
    """

    titles: dict[str, str] = field(hash=False)
    url: str | None = None
    key: bool = False

    def title(self, lang: str) -> str:
        return self.titles.get(lang) or self.titles["en"]


@dataclass(frozen=True, slots=True)
class TopicText:
    title: str
    short: str
    body: str
    aliases: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Topic:
    slug: str
    checked: date
    related: tuple[str, ...]
    sources: tuple[Source, ...]
    text: dict[str, TopicText] = field(hash=False)

    def title(self, lang: str) -> str:
        return self.in_lang(lang).title

    def in_lang(self, lang: str) -> TopicText:
        """The text in `lang`, else English, else any (a server's entry may lack English)."""
        return self.text.get(lang) or self.text.get("en") or next(iter(self.text.values()))

    @property
    def key_sources(self) -> tuple[Source, ...]:
        return tuple(s for s in self.sources if s.key)
