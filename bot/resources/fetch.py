"""Fetching one feed, politely and within bounds (bot/resources/parse.py reads it).

Feeds belong to other organisations: requests are conditional (ETag / Last-Modified) so an
unchanged feed costs a 304, carry a User-Agent saying who we are, and stop at one deadline for
the whole fetch (redirects included) and a size limit, so one slow or huge feed cannot hold the
poller or the bot's memory. Only public addresses are fetched (bot/resources/addresses.py).
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import socket
from dataclasses import dataclass

import aiohttp
import yarl
from aiohttp.abc import AbstractResolver, ResolveResult

from bot.resources.addresses import is_address, public_address
from bot.resources.feedstore import Validators

log = logging.getLogger(__name__)
USER_AGENT = ("CoalitionBot/0.1 (Discord bot for members of the Coalition for the "
              "International Criminal Court)")
ACCEPT = ("application/rss+xml, application/atom+xml, application/xml;q=0.9, text/xml;q=0.9, "
          "*/*;q=0.1")
DEFAULT_TIMEOUT = 15.0
DEFAULT_MAX_BYTES = 2_000_000
MAX_REDIRECTS = 5
REDIRECTS = (301, 302, 303, 307, 308)


class FeedError(Exception):
    """A feed could not be read; `reason` is a catalogue suffix, `detail` goes to the status."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


@dataclass(frozen=True, slots=True)
class Fetched:
    unchanged: bool  # 304, or the same bytes as last time
    body: bytes
    content_type: str
    validators: Validators


class PublicResolver(AbstractResolver):
    """Only public answers are kept, and a name without one is refused: any server's moderators
    can add a feed, and the bot's own network is not theirs to probe. aiohttp connects to what
    this returns, so a name cannot pass the check and then resolve elsewhere."""

    def __init__(self, inner: AbstractResolver | None = None) -> None:
        self._inner = inner or aiohttp.DefaultResolver()

    async def resolve(self, host: str, port: int = 0,
                      family: socket.AddressFamily = socket.AF_INET) -> list[ResolveResult]:
        answers = await self._inner.resolve(host, port, family)
        found = [r for r in answers if public_address(r["host"])]
        if not found:
            raise OSError(f"{host} has no public address")
        return found

    async def close(self) -> None:
        await self._inner.close()


class FeedFetcher:
    """One aiohttp session for all feeds, opened on first use and closed with the cog.

    `allow_private` is for the tests and the local console, whose feeds live on 127.0.0.1;
    `resolver` answers name lookups in place of the system's (its answers are still filtered)."""

    def __init__(self, *, timeout: float = DEFAULT_TIMEOUT, max_bytes: int = DEFAULT_MAX_BYTES,
                 user_agent: str = USER_AGENT, allow_private: bool = False,
                 resolver: AbstractResolver | None = None) -> None:
        self.timeout = timeout
        self.max_bytes = max_bytes
        self.user_agent = user_agent
        self.allow_private = allow_private
        self.resolver = resolver
        self._session: aiohttp.ClientSession | None = None

    def session(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            resolver = None if self.allow_private else PublicResolver(self.resolver)
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(resolver=resolver, limit=32),
                timeout=aiohttp.ClientTimeout(total=self.timeout),
                headers={"User-Agent": self.user_agent, "Accept": ACCEPT},
            )
        return self._session

    def _check_host(self, url: yarl.URL) -> None:
        """Literal addresses skip the resolver, so they are checked here, on every redirect."""
        if url.scheme not in ("http", "https"):
            raise FeedError("network", "not http(s)")
        host = url.host or ""
        if not self.allow_private and is_address(host) and not public_address(host):
            raise FeedError("private_address")

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def fetch(self, url: str, previous: Validators) -> Fetched:
        """One deadline for the whole fetch, redirects and body included: each request's own
        timeout restarts on a redirect, so a chain of slow redirects would otherwise hold a
        poller slot for minutes without ever counting as a failure."""
        try:
            async with asyncio.timeout(self.timeout):
                return await self._follow(yarl.URL(url), previous)
        except TimeoutError as exc:
            raise FeedError("timeout", f"{self.timeout:g} s") from exc
        except (aiohttp.ClientError, OSError) as exc:
            raise FeedError("network", type(exc).__name__) from exc

    async def _follow(self, target: yarl.URL, previous: Validators) -> Fetched:
        headers = {}
        if previous.etag:
            headers["If-None-Match"] = previous.etag
        if previous.last_modified:
            headers["If-Modified-Since"] = previous.last_modified
        for _ in range(MAX_REDIRECTS + 1):
            self._check_host(target)
            async with self.session().get(target, headers=headers,
                                          allow_redirects=False) as response:
                location = response.headers.get("Location")
                if response.status not in REDIRECTS or not location:
                    return await self._read(response, previous)
            target = response.url.join(yarl.URL(location))
        raise FeedError("network", "too many redirects")

    async def _read(self, response: aiohttp.ClientResponse, previous: Validators) -> Fetched:
        fresh = Validators(etag=response.headers.get("ETag"),
                           last_modified=response.headers.get("Last-Modified"))
        if response.status == 304:
            return Fetched(True, b"", "", fresh)
        if response.status != 200:
            raise FeedError("http", str(response.status))
        if (response.content_length or 0) > self.max_bytes:
            raise FeedError("too_large", f"> {self.max_bytes} bytes")
        body = bytearray()
        async for chunk in response.content.iter_chunked(65536):
            body += chunk
            if len(body) > self.max_bytes:
                raise FeedError("too_large", f"> {self.max_bytes} bytes")
        digest = hashlib.sha256(body).hexdigest()
        return Fetched(digest == previous.body_sha256, bytes(body),
                       response.headers.get("Content-Type", ""),
                       Validators(fresh.etag, fresh.last_modified, digest))
