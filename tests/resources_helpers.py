"""A real HTTP feed server on 127.0.0.1 for the feed tests and the benchmark, and feed builders."""

from __future__ import annotations

import asyncio
import hashlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from xml.sax.saxutils import escape

from aiohttp import web

RSS_TYPE = "application/rss+xml; charset=utf-8"
ATOM_TYPE = "application/atom+xml; charset=utf-8"


@dataclass
class Entry:
    title: str
    link: str
    guid: str | None = None
    author: str | None = None
    published: datetime = field(default_factory=lambda: datetime(2024, 5, 1, 12, tzinfo=UTC))


def rss(entries: list[Entry], *, title: str = "Coalition news", language: str = "en") -> bytes:
    items = "".join(
        "<item>"
        f"<title>{escape(e.title)}</title><link>{escape(e.link)}</link>"
        + (f"<guid isPermaLink=\"false\">{escape(e.guid)}</guid>" if e.guid else "")
        + (f"<author>{escape(e.author)}</author>" if e.author else "")
        + f"<pubDate>{format_datetime(e.published)}</pubDate>"
        "</item>"
        for e in entries
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>{escape(title)}</title><link>http://example.org/</link>"
        f"<description>d</description><language>{language}</language>{items}</channel></rss>"
    ).encode()


def atom(entries: list[Entry], *, title: str = "Coalition updates") -> bytes:
    items = "".join(
        "<entry>"
        f"<title>{escape(e.title)}</title><link rel=\"alternate\" href=\"{escape(e.link)}\"/>"
        f"<id>{escape(e.guid or e.link)}</id>"
        f"<updated>{e.published.isoformat()}</updated>"
        + (f"<author><name>{escape(e.author)}</name></author>" if e.author else "")
        + "</entry>"
        for e in entries
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
        f"<title>{escape(title)}</title><id>urn:x</id><updated>2024-05-01T12:00:00Z</updated>"
        f"{items}</feed>"
    ).encode()


@dataclass
class Document:
    body: bytes
    content_type: str = RSS_TYPE
    conditional: bool = True  # answer 304 to a matching If-None-Match / If-Modified-Since
    status: int = 200
    delay: float = 0.0
    chunked: bool = False  # no Content-Length: the reader must count what arrives
    location: str | None = None  # with a 3xx status: where to go instead
    last_modified: str = "Wed, 01 May 2024 12:00:00 GMT"

    @property
    def etag(self) -> str:
        return '"' + hashlib.sha256(self.body).hexdigest()[:16] + '"'


@dataclass
class Seen:
    path: str
    headers: dict[str, str]
    status: int
    sent: int  # body bytes


class FeedServer:
    """Serves `documents[name]` at /name; records every request and the bytes it sent."""

    def __init__(self) -> None:
        self.documents: dict[str, Document] = {}
        self.requests: list[Seen] = []
        self._runner: web.AppRunner | None = None
        self.port = 0

    def url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.port}/{name}"

    def requests_for(self, name: str) -> list[Seen]:
        return [r for r in self.requests if r.path == f"/{name}"]

    @property
    def bytes_sent(self) -> int:
        return sum(r.sent for r in self.requests)

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/{name}", self._serve)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0, backlog=1024)
        await site.start()
        self.port = self._runner.addresses[0][1]

    async def close(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def _serve(self, request: web.Request) -> web.StreamResponse:
        doc = self.documents.get(request.match_info["name"])
        headers = dict(request.headers)
        if doc is None:
            return self._log(request, headers, web.Response(status=404, text="no such feed"))
        if doc.delay:
            await asyncio.sleep(doc.delay)
        if doc.status != 200:
            extra = {"Location": doc.location} if doc.location else {}
            return self._log(request, headers,
                             web.Response(status=doc.status, text="error", headers=extra))
        validators = {"ETag": doc.etag, "Last-Modified": doc.last_modified}
        if doc.conditional and _not_modified(request, doc):
            return self._log(request, headers, web.Response(status=304, headers=validators))
        if doc.chunked:
            return await self._stream(request, headers, doc)
        response = web.Response(body=doc.body, headers={
            **(validators if doc.conditional else {}), "Content-Type": doc.content_type})
        return self._log(request, headers, response)

    async def _stream(self, request: web.Request, headers: dict[str, str],
                      doc: Document) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": doc.content_type})
        response.enable_chunked_encoding()
        await response.prepare(request)
        sent = 0
        try:
            for start in range(0, len(doc.body), 16384):
                await response.write(doc.body[start:start + 16384])
                sent += len(doc.body[start:start + 16384])
            await response.write_eof()
        except (ConnectionResetError, RuntimeError):
            pass  # the client stopped reading, as a size cap should
        self.requests.append(Seen(request.path, headers, response.status, sent))
        return response

    def _log(self, request: web.Request, headers: dict[str, str],
             response: web.Response) -> web.Response:
        sent = len(response.body) if isinstance(response.body, bytes) else 0
        self.requests.append(Seen(request.path, headers, response.status, sent))
        return response


def _not_modified(request: web.Request, doc: Document) -> bool:
    """As RFC 9110 says: If-None-Match wins; If-Modified-Since only when there is no ETag."""
    if "If-None-Match" in request.headers:
        return request.headers["If-None-Match"] == doc.etag
    return request.headers.get("If-Modified-Since") == doc.last_modified
