"""Cleaning what moderators and feeds give us before it is stored and shown in Discord.

Feeds are written by other people's software: titles arrive with HTML entities, newlines, zero-width
characters and sometimes megabytes of text. Everything shown in an embed passes through here.
"""

from __future__ import annotations

import html
import re
from datetime import date

from bot.regions import REGIONS
from bot.text import clean_text

KINDS: dict[str, str] = {
    "report": "Report",
    "video": "Video",
    "statement": "Statement",
    "article": "Article",
    "other": "Other",
}
MAX_TITLE = 256  # Discord's embed title limit
MAX_AUTHOR = 100
MAX_LANGUAGE = 8
# Bounded repetition, and "<" cannot occur inside a tag: each "<" is looked at once.
_TAGS = re.compile(r"</?[A-Za-z][^<>]{0,500}>")


class InvalidField(ValueError):
    """A value a moderator can fix; `reason` is a catalogue key suffix."""

    def __init__(self, reason: str, **details: object) -> None:
        super().__init__(reason)
        self.reason = reason
        self.details = details


def clean_feed_text(value: str | None, limit: int) -> str:
    """Feed titles may carry markup and entities; keep the words only."""
    if not value:
        return ""
    return clean_text(html.unescape(_TAGS.sub(" ", value[: limit * 8])), limit)


def parse_published(value: object) -> str | None:
    """A moderator's date, ISO YYYY-MM-DD only: "04/05/2012" means different days to different
    members, so anything else is refused rather than guessed."""
    text = clean_text(value, 32)
    if not text:
        return None
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        raise InvalidField("bad_date", value=text)
    try:
        day = date.fromisoformat(text)
    except ValueError as exc:
        raise InvalidField("bad_date", value=text) from exc
    if not 1900 <= day.year <= 2100:
        raise InvalidField("bad_date", value=text)
    return day.isoformat()


def required_title(value: object) -> str:
    raw = "" if value is None else str(value).strip()
    if len(raw) > MAX_TITLE:
        raise InvalidField("title_too_long", count=MAX_TITLE)
    title = clean_text(raw, MAX_TITLE)
    if not title:
        raise InvalidField("title_empty")
    return title


def optional_author(value: object) -> str | None:
    raw = "" if value is None else str(value).strip()
    if len(raw) > MAX_AUTHOR:
        raise InvalidField("author_too_long", count=MAX_AUTHOR)
    return clean_text(raw, MAX_AUTHOR) or None


def valid_region(value: str | None) -> str | None:
    if value is None or value == "":
        return None
    if value not in REGIONS:
        raise InvalidField("bad_region")
    return value


def valid_kind(value: str | None) -> str:
    if value is None or value == "":
        return "other"
    if value not in KINDS:
        raise InvalidField("bad_kind")
    return value


def language_code(value: str | None) -> str | None:
    """'fr-FR' -> 'fr'; anything odd -> None (language is informative, never required)."""
    text = (value or "").strip().lower()
    code = re.split(r"[-_]", text, maxsplit=1)[0] if text else ""
    return code if code.isascii() and code.isalpha() and 2 <= len(code) <= 3 else None
