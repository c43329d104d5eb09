"""Cleaning the text members, moderators and feeds give us: one place decides what is removed
and what counts as empty.

- Control characters (Unicode Cc) go, except line breaks in a member's multi-line text.
- Lone surrogates (Cs) go: they arrive through JSON escapes, and SQLite and aiohttp cannot
  encode them as UTF-8.
- Bidirectional controls go everywhere. An override (U+202E...) makes a pledge or a campaign
  name display reversed or reordered in a moderator's list or export; Arabic and Hebrew need
  none, their letters carry their own direction.
- Other format characters stay in member text (the zero-width joiner inside 👩‍⚖️ is part of
  what was typed); one-line display text (titles, authors, feed text) drops them all.
- Text in which nothing is visible (spaces, format characters, fillers such as U+3164) is
  empty: it would be stored, exported and shown as a blank line.

Every check here is one character class or one pass over the text: linear in its length.
"""

from __future__ import annotations

import re
import unicodedata

# Unicode's Bidi_Control property: ALM, LRM, RLM, the embeddings and overrides, the isolates.
BIDI_CONTROLS = "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
# Cc and Cs are fixed ranges, so one character class finds them with the bidi controls; a
# per-character `unicodedata.category` loop cost ~0.15 ms on a 1,000-character pledge, on the
# path every submission in a burst takes.
_REMOVED = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\ud800-\udfff" + BIDI_CONTROLS + "]")
_SPACES = re.compile(r"\s+")
_NOT_SHOWN = frozenset({"Cc", "Cf", "Cs", "Zs", "Zl", "Zp"})
# Default_Ignorable_Code_Point (DerivedCoreProperties.txt) outside the categories above:
# fillers, variation selectors, the combining grapheme joiner, reserved tag code points.
_IGNORABLE = ((0x034F, 0x034F), (0x115F, 0x1160), (0x17B4, 0x17B5), (0x180B, 0x180F),
              (0x2065, 0x2065), (0x3164, 0x3164), (0xFE00, 0xFE0F), (0xFFA0, 0xFFA0),
              (0xFFF0, 0xFFF8), (0xE0000, 0xE0FFF))
_BLANK_SYMBOLS = frozenset("\u2800")  # BRAILLE PATTERN BLANK: a symbol that draws nothing


def is_visible(char: str) -> bool:
    """Whether one character puts anything on screen."""
    if char in _BLANK_SYMBOLS or unicodedata.category(char) in _NOT_SHOWN:
        return False
    code = ord(char)
    return not any(low <= code <= high for low, high in _IGNORABLE)


def is_blank(text: str) -> bool:
    """Nothing visible; stops at the first visible character, so ordinary text costs little."""
    return not any(is_visible(c) for c in text)


def strip_controls(value: str) -> str:
    """Control characters, lone surrogates and bidirectional controls removed; line breaks
    kept (as "\\n"). Everything else is kept exactly as typed."""
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    return _REMOVED.sub("", value)


def member_text(value: str) -> str:
    """A member's multi-line text as stored: cleaned and trimmed, "" when nothing visible."""
    text = strip_controls(value).strip()
    return "" if is_blank(text) else text


def member_line(value: str) -> str:
    """A name typed by a member or moderator: member_text on one line, spaces collapsed.

    Tabs and line breaks become spaces first (they separate words); removing the controls can
    bring two spaces together, hence the second pass.
    """
    return member_text(_SPACES.sub(" ", strip_controls(_SPACES.sub(" ", value))))


def clean_text(value: object, limit: int) -> str:
    """One line of display text: control, format, surrogate and private-use characters removed,
    spaces collapsed, cut at `limit` characters (with an ellipsis) so an embed never goes over
    Discord's limits; "" when nothing visible is left."""
    if value is None or value == "":
        return ""
    value = str(value)  # a crafted request may send a number where text is expected
    kept = "".join(
        " " if unicodedata.category(c) in ("Cc", "Zl", "Zp") else c
        for c in value[: limit * 8]
        if unicodedata.category(c) not in ("Cf", "Cs", "Co")
    )
    text = _SPACES.sub(" ", kept).strip()
    if is_blank(text):
        return ""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
