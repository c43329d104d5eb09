"""RSS and Atom documents to items, at a bounded cost whatever a document holds.

feedparser reads a feed with expat and, when expat fails, with its own forgiving parser, which
expands the entities the document declares for itself: a 110 KB feed declaring one 100 KB entity
and using it 3,000 times in a title took the bot to about 1 GB. feedparser lets us choose neither
parser and defusedxml guards only expat, so the guard stands in front of feedparser: a document
that declares entities is refused. XML declares them only with `<!ENTITY` (case-sensitive, XML 1.0
section 4.2), and both parsers read the UTF-8 text made by feedparser's own decoder, so that text
is what is checked, whatever encoding the document claims.

Other bounds: the fetcher caps the body (2 MB); at most MAX_ITEMS entries are parsed (a document
with more is cut before the next one: 30,000 tiny entries took 20 MB and seconds to parse whole);
titles and authors are cut by clean_feed_text. feedparser itself runs in a child process with a
deadline and a memory limit (bot/resources/sandbox.py): some documents cost it time out of
proportion to their size, whatever we check beforehand.
"""

from __future__ import annotations

import io
import re
import time
from dataclasses import dataclass
from datetime import date
from typing import Any

import feedparser
from feedparser.encodings import convert_to_utf8, parse_content_type

from bot.resources.fetch import FeedError
from bot.resources.store import NewResource
from bot.resources.text import MAX_AUTHOR, MAX_TITLE, clean_feed_text, language_code
from bot.resources.urls import InvalidURL, canonical_url

MAX_ITEMS = 200
VIDEO_HOSTS = ("youtube.com", "youtu.be", "vimeo.com", "dailymotion.com")
ENTITY_DECLARATION = b"<!ENTITY"
# The start of an RSS <item> or an Atom <entry>, namespaced or not; the forgiving parser also
# accepts them in capitals.
_ENTRY_START = re.compile(rb"<(?:[\w.-]+:)?(?:item|entry)\b", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Item:
    """One feed entry: the keys that identify it in this feed, and the resource it describes."""

    keys: tuple[str, ...]
    resource: NewResource


def _published(entry: Any) -> str | None:
    stamp = entry.get("published_parsed") or entry.get("updated_parsed")
    if not isinstance(stamp, time.struct_time) or not 1900 <= stamp.tm_year <= 2100:
        return None
    try:
        return date(stamp.tm_year, stamp.tm_mon, stamp.tm_mday).isoformat()
    except ValueError:
        return None


def guess_kind(url: str) -> str:
    host = url.split("/")[2]
    if any(host == h or host.endswith("." + h) for h in VIDEO_HOSTS):
        return "video"
    return "report" if url.lower().split("?")[0].endswith(".pdf") else "article"


@dataclass(frozen=True, slots=True)
class Source:
    """Where parsed items come from: their feed's address, region and id (None before insert)."""

    url: str
    region: str | None = None
    feed_id: int | None = None


def _item(entry: Any, source: Source, fallback_author: str, language: str | None) -> Item | None:
    try:
        url = canonical_url(str(entry.get("link") or ""))
    except InvalidURL:
        return None  # every resource needs a URL: its identity
    guid = str(entry.get("id") or "").strip()[:500]
    keys = (f"l:{url}", f"g:{guid}") if guid else (f"l:{url}",)
    resource = NewResource(
        url=url,
        title=clean_feed_text(entry.get("title"), MAX_TITLE) or url[:MAX_TITLE],
        author=clean_feed_text(entry.get("author"), MAX_AUTHOR) or fallback_author or None,
        published=_published(entry),
        region=source.region,
        kind=guess_kind(url),
        language=language_code(entry.get("language")) or language,
        source="feed",
        feed_id=source.feed_id,
    )
    return Item(keys, resource)


def feed_text(body: bytes, content_type: str) -> bytes:
    """The document as the UTF-8 text feedparser's parsers will read, refused if it declares
    entities, cut before its (MAX_ITEMS + 1)-th entry."""
    text: bytes = convert_to_utf8({"content-type": content_type}, body, {})
    try:
        text.decode("utf-8")
    except UnicodeDecodeError as exc:  # no encoding fitted: feedparser would guess again
        raise FeedError("not_a_feed", "encoding") from exc
    if ENTITY_DECLARATION in text:
        raise FeedError("unsafe", "declares XML entities")
    for count, match in enumerate(_ENTRY_START.finditer(text)):
        if count == MAX_ITEMS:  # feeds list their newest first
            return text[:match.start()]
    return text


def read_items(text: bytes, content_type: str, source: Source) -> list[Item]:
    """Items of a document `feed_text` accepted; run in a child process (bot/resources/sandbox.py).
    Relative URIs inside content are not resolved: we never read content, and resolving it runs
    an HTML parser over all of it."""
    media_type, _ = parse_content_type(content_type)
    parsed = feedparser.parse(
        io.BytesIO(text), sanitize_html=False, resolve_relative_uris=False,
        response_headers={"content-location": source.url,
                          "content-type": f"{media_type}; charset=utf-8" if media_type else ""},
    )
    info = parsed.get("feed") or {}
    fallback_author = clean_feed_text(info.get("author") or info.get("title"), MAX_AUTHOR)
    language = language_code(info.get("language"))
    entries = (parsed.get("entries") or [])[:MAX_ITEMS]
    items = [i for i in (_item(e, source, fallback_author, language) for e in entries) if i]
    # A broken document that still yields usable items (a bad charset, a stray tag) is accepted.
    if not items and (parsed.get("bozo") or not parsed.get("version")):
        raise FeedError("not_a_feed", type(parsed.get("bozo_exception")).__name__)
    return items
