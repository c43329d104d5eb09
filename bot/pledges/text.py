"""Checking what members type before it is stored.

Discord's modal limits live in the client, and a crafted request skips them, so every rule here
is enforced again on our side. Beyond bot.text's cleaning (control characters, bidirectional
controls and lone surrogates removed, text with nothing visible counted as empty) and the length
limits, text is stored exactly as typed: any script, emoji, right-to-left text and markdown.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from bot.errors import UserError
from bot.options import MAX_ID
from bot.regions import REGIONS
from bot.text import member_text


@dataclass(frozen=True, slots=True)
class Field:
    """A free-text field: its limit and the messages for the two ways it can be refused."""

    limit: int
    empty_key: str
    too_long_key: str


PLEDGE_TEXT = Field(1000, "pledges.error.text_empty", "pledges.error.text_too_long")
ON_BEHALF_OF = Field(200, "pledges.error.behalf_empty", "pledges.error.behalf_too_long")
COMMENT_TEXT = Field(1500, "comments.error.empty", "comments.error.too_long")


def clean(value: object, field: Field) -> str:
    """The stored form of a submitted text, or a UserError the member can act on."""
    if not isinstance(value, str):
        raise UserError(field.empty_key)
    text = member_text(value)
    if not text:
        raise UserError(field.empty_key)
    if len(text) > field.limit:
        raise UserError(field.too_long_key, limit=field.limit, count=len(text))
    return text


def checked_id(value: object, not_found_key: str) -> int:
    """An id typed by a member; out-of-range ones are simply not found (no crash, no oracle)."""
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_ID:
        raise UserError(not_found_key, id=str(value)[:20])
    return value


def check_region(value: object) -> str:
    if not isinstance(value, str) or value not in REGIONS:
        raise UserError("pledges.error.bad_region")
    return value


def check_topic(value: object, allowed: Collection[str]) -> str:
    if not isinstance(value, str) or value not in allowed:
        raise UserError("pledges.error.bad_topic")
    return value
