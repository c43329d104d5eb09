"""A server's own entries: what its moderators wrote, as members see it and as history keeps it.

An entry is one question answered in one to three languages, each language with its own text,
source and publication date. Members see only published text; the versions behind it (who
changed what, when, and whether a second moderator approved) are the record moderators read.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from bot.i18n import LANGS
from bot.kb.model import Source, Topic, TopicText

# An entry's key in the search index and in /topic's autocomplete: no topic slug starts so.
SLUG_PREFIX = "#"


def entry_slug(number: int) -> str:
    return f"{SLUG_PREFIX}{number}"


def entry_number(slug: str) -> int | None:
    """The entry number a slug or value names ("#12"), None for a topic slug or junk."""
    digits = slug[len(SLUG_PREFIX):] if slug.startswith(SLUG_PREFIX) else ""
    return int(digits) if digits.isdigit() and len(digits) <= 9 else None


def split_keywords(text: str) -> tuple[str, ...]:
    return tuple(k.strip() for k in text.split(",") if k.strip())


@dataclass(frozen=True, slots=True)
class EntryText:
    """One language of an entry as published."""

    lang: str
    question: str
    answer: str
    keywords: str
    source: str
    version: int
    published_at: str

    @property
    def published_on(self) -> date:
        return date.fromisoformat(self.published_at[:10])


@dataclass(frozen=True, slots=True)
class Entry:
    guild_id: int
    number: int
    first_lang: str
    created_by: int
    created_at: str
    retired_at: str | None
    texts: dict[str, EntryText] = field(hash=False)

    @property
    def slug(self) -> str:
        return entry_slug(self.number)

    @property
    def retired(self) -> bool:
        return self.retired_at is not None

    @property
    def published(self) -> bool:
        return bool(self.texts) and not self.retired

    @property
    def missing(self) -> tuple[str, ...]:
        return tuple(lang for lang in LANGS if lang not in self.texts)

    def shown_lang(self, lang: str) -> str:
        """The member's language when written, else the one it was first written in, else any."""
        if lang in self.texts:
            return lang
        if self.first_lang in self.texts:
            return self.first_lang
        return next(lang for lang in LANGS if lang in self.texts)

    def text(self, lang: str) -> EntryText:
        return self.texts[self.shown_lang(lang)]

    def title(self, lang: str) -> str:
        return self.text(lang).question

    def as_topic(self) -> Topic:
        """The entry as the search index takes documents: question as title, keywords as
        aliases, answer as the short text."""
        text = {lang: TopicText(t.question, t.answer, "", split_keywords(t.keywords))
                for lang, t in self.texts.items()}
        checked = max(t.published_on for t in self.texts.values())
        return Topic(self.slug, checked, (), (Source({"en": self.text("en").source}),), text)


@dataclass(frozen=True, slots=True)
class Version:
    """One change to an entry: its text for one language, or its removal."""

    entry_number: int
    version: int
    action: str
    lang: str | None
    question: str | None
    answer: str | None
    keywords: str | None
    source: str | None
    reverted_to: int | None
    gap: str | None
    author_id: int
    created_at: str
    state: str
    reviewed_by: int | None
    reviewed_at: str | None

    @classmethod
    def from_row(cls, row: Any) -> Version:
        return cls(int(row["number"]), int(row["version"]), str(row["action"]), row["lang"],
                   row["question"], row["answer"], row["keywords"], row["source"],
                   row["reverted_to"], row["gap"], int(row["author_id"]),
                   str(row["created_at"]), str(row["state"]), row["reviewed_by"],
                   row["reviewed_at"])

    @property
    def has_text(self) -> bool:
        return self.lang is not None and self.question is not None

    def fields(self) -> dict[str, str]:
        return {"question": self.question or "", "answer": self.answer or "",
                "keywords": self.keywords or "", "source": self.source or ""}
