"""What a moderator typed into the entry form, checked and cleaned before it is stored.

The form's limits live in the Discord client and a crafted submit skips them, so every rule is
applied again here. Text follows the rules for members' pledges (control and bidirectional
characters removed, text with nothing visible refused, stored as typed otherwise); mentions
are kept as text and never ping because the bot allows no mentions in anything it sends.

A source is either a web address on a public host, cited as it will be shown, or a document
reference ("ICC-ASP/6/Res.2, annex"): a member must be able to find what the answer rests on.
Document-dump and mirror sites are refused as they are for the shipped topics.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from bot.errors import UserError
from bot.i18n import LANGS
from bot.kb.hosts import URL_IN_TEXT, refused
from bot.kb.loader import URL_LIMIT
from bot.resources.addresses import is_address, public_address
from bot.resources.urls import MAX_URL_LENGTH, InvalidURL, canonical_url
from bot.text import member_line, member_text

QUESTION_LIMIT = 100
ANSWER_LIMIT = 1500
KEYWORDS_LIMIT = 400
KEYWORD_LIMIT = 80
MAX_KEYWORDS = 20
# As long as a topic's source address may be (bot/kb/loader.py), so an exported entry passes
# `kb check` and a stored address always fits back into the form.
SOURCE_LIMIT = URL_LIMIT
# Names that only exist inside a private network (RFC 6761, RFC 6762, RFC 8375 and common
# intranet suffixes): an address there is no source a member can open.
PRIVATE_SUFFIXES = (".local", ".localhost", ".internal", ".intranet", ".lan", ".home",
                    ".corp", ".home.arpa", ".test", ".invalid", ".example", ".onion")
# A source written as an address: any "scheme://", a bare "www.", or a scheme that runs code
# or reads files when clicked.
ADDRESS = re.compile(r"[a-z][a-z0-9+.\-]{0,30}://|www\.", re.IGNORECASE)
UNSAFE_SCHEMES = ("javascript:", "data:", "vbscript:", "file:", "mailto:", "blob:")


@dataclass(frozen=True, slots=True)
class Draft:
    """One language of an entry, as it will be stored."""

    lang: str
    question: str
    answer: str
    keywords: str
    source: str

    def fields(self) -> dict[str, str]:
        return {"question": self.question, "answer": self.answer, "keywords": self.keywords,
                "source": self.source}


def _text(value: object, limit: int, name: str, *, lines: bool = False) -> str:
    if not isinstance(value, str):
        raise UserError(f"kb.entry.error.{name}_empty")
    text = member_text(value) if lines else member_line(value)
    if not text:
        raise UserError(f"kb.entry.error.{name}_empty")
    if len(text) > limit:
        raise UserError(f"kb.entry.error.{name}_too_long", limit=limit, count=len(text))
    return text


def check_question(value: object) -> str:
    return _text(value, QUESTION_LIMIT, "question")


def check_answer(value: object) -> str:
    return _text(value, ANSWER_LIMIT, "answer", lines=True)


def check_keywords(value: object) -> str:
    """Comma-separated other ways to ask: optional, each cleaned, duplicates dropped."""
    if value is None or value == "":
        return ""
    if not isinstance(value, str):
        raise UserError("kb.entry.error.keywords_bad")
    if len(value) > KEYWORDS_LIMIT * 2:
        raise UserError("kb.entry.error.keywords_too_long", limit=KEYWORDS_LIMIT)
    seen: dict[str, str] = {}
    for part in re.split(r"[,;\n]", value):
        keyword = member_line(part)
        if not keyword:
            continue
        if len(keyword) > KEYWORD_LIMIT:
            raise UserError("kb.entry.error.keyword_too_long", limit=KEYWORD_LIMIT)
        seen.setdefault(keyword.casefold(), keyword)
    if len(seen) > MAX_KEYWORDS:
        raise UserError("kb.entry.error.keywords_too_many", limit=MAX_KEYWORDS)
    joined = ", ".join(seen.values())
    if len(joined) > KEYWORDS_LIMIT:
        raise UserError("kb.entry.error.keywords_too_long", limit=KEYWORDS_LIMIT)
    return joined


def public_url(raw: str) -> str:
    """The address in canonical form, when a member anywhere could open it."""
    try:
        url = canonical_url(raw)
    except InvalidURL as exc:
        raise UserError(f"resources.url.{exc.reason}", limit=MAX_URL_LENGTH) from exc
    if len(url) > SOURCE_LIMIT:  # percent-encoding can make it longer than what was typed
        raise UserError("resources.url.too_long", limit=SOURCE_LIMIT)
    host = (urlsplit(url).hostname or "").strip("[]")
    if is_address(host):
        if not public_address(host):  # the feeds' rule: IPv6 forms of private IPv4 included
            raise UserError("kb.entry.error.source_private")
    elif "." not in host or host.endswith(PRIVATE_SUFFIXES):
        raise UserError("kb.entry.error.source_private")
    if refused(url):
        raise UserError("kb.entry.error.source_refused", host=host)
    return url


def check_source(value: object) -> str:
    """A public web address, or a document reference (whose own addresses are checked too)."""
    text = _text(value, SOURCE_LIMIT, "source")
    lowered = text.lower()
    if lowered.startswith(UNSAFE_SCHEMES):
        raise UserError("resources.url.scheme")
    if ADDRESS.match(text):
        if " " in text:
            raise UserError("resources.url.spaces")
        return public_url(text if "://" in text else f"https://{text}")
    for url in URL_IN_TEXT.findall(text):
        public_url(url)
    if not any(c.isalnum() for c in text):
        raise UserError("kb.entry.error.source_empty")
    return text


def check_lang(value: object) -> str:
    if not isinstance(value, str) or value not in LANGS:
        raise UserError("kb.entry.error.bad_lang")
    return value


def draft_from(values: dict[str, Any], lang: Any) -> Draft:
    """The form's values (text inputs by custom_id; `lang` the select's one choice)."""
    return Draft(lang=check_lang(lang),
                 question=check_question(values.get("entry_question")),
                 answer=check_answer(values.get("entry_answer")),
                 keywords=check_keywords(values.get("entry_keywords")),
                 source=check_source(values.get("entry_source")))
