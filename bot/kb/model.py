"""A topic as the reviewers wrote it: three languages, sources, an update date."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date


@dataclass(frozen=True, slots=True)
class Source:
    title: str
    url: str


@dataclass(frozen=True, slots=True)
class TopicText:
    title: str
    short: str
    body: str
    aliases: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Topic:
    slug: str
    updated: date
    related: tuple[str, ...]
    sources: tuple[Source, ...]
    text: dict[str, TopicText] = field(hash=False)

    def title(self, lang: str) -> str:
        return (self.text.get(lang) or self.text["en"]).title

    def in_lang(self, lang: str) -> TopicText:
        return self.text.get(lang) or self.text["en"]
