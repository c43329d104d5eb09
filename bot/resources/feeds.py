"""The feed poller: which feeds are due, what is new in them, and what to do when one fails.

Adding a feed reads it once and records what it already holds without announcing it, so a new
subscription never floods a channel with a year of old posts. After that an item is new only if
none of its keys (guid, canonical link) was seen in this feed, and it is announced only if the
server does not already have its URL from another feed or a moderator.

A feed that suddenly brings hundreds of new items (a site migration, a feed replaced by an
archive) would flood the channel and hold the outbox for hours, so one poll announces at most
MAX_ANNOUNCED of them: the first in the feed's order, which lists its newest first. The others are
stored without an announcement, as a new subscription's items are (listed and searchable in
/resources, never announced later), and the moderators are told.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import sqlite3
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime

from bot.resources.clock import utcnow
from bot.resources.feedstore import (
    MAX_FEEDS_PER_GUILD,
    Feed,
    FeedStore,
    Validators,
    insert_feed,
    record_success,
    remember_keys,
    seen_keys,
)
from bot.resources.fetch import FeedError, FeedFetcher, Fetched
from bot.resources.parse import Item, Source
from bot.resources.sandbox import PARSE_DEADLINE, PARSE_MEMORY, parse_isolated
from bot.resources.store import insert_resources
from bot.resources.urls import canonical_url
from bot.storage import Database

log = logging.getLogger(__name__)
MAX_FAILURES = 8
MAX_ANNOUNCED = 25  # per feed and poll
# Feeds parsed at once, each in its own child process limited to PARSE_MEMORY: with the
# fetcher's size cap, this bounds what parsing can take.
PARSERS = 2
DisabledHook = Callable[[Feed, str], Awaitable[None]]
QueuedHook = Callable[[int], None]
CappedHook = Callable[[Feed, int, int], Awaitable[None]]  # feed, new items, announced


class FeedRefused(Exception):
    """A feed a moderator cannot add; `reason` is a catalogue suffix."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class PollResult:
    feed_id: int
    guild_id: int
    status: str  # "new", "unchanged", "failed", "disabled", "busy"
    new: int = 0
    error: str | None = None
    held: int = 0  # new items stored without an announcement (over MAX_ANNOUNCED)


class Poller:
    def __init__(
        self, db: Database, fetcher: FeedFetcher, *, max_failures: int = MAX_FAILURES,
        concurrency: int = 8, batch: int = 200, on_disabled: DisabledHook | None = None,
        on_queued: QueuedHook | None = None, on_capped: CappedHook | None = None,
        max_announced: int = MAX_ANNOUNCED, parse_deadline: float = PARSE_DEADLINE,
        parse_memory: int = PARSE_MEMORY,
    ) -> None:
        self.db = db
        self.feeds = FeedStore(db)
        self.fetcher = fetcher
        self.max_failures = max_failures
        self.concurrency = concurrency
        self.batch = batch
        self.on_disabled = on_disabled
        self.on_queued = on_queued
        self.on_capped = on_capped
        self.max_announced = max_announced
        self.parse_deadline = parse_deadline
        self.parse_memory = parse_memory
        self._busy: set[int] = set()
        self._parsing = asyncio.Semaphore(PARSERS)

    async def add_feed(
        self, guild_id: int, url: str, *, channel_id: int | None, region: str | None,
        added_by: int, now: datetime | None = None,
    ) -> tuple[Feed, int]:
        """Subscribe after one successful read; (feed, items recorded without announcing)."""
        moment = now or utcnow()
        canonical = canonical_url(url)
        if await self.feeds.by_url(guild_id, canonical) is not None:
            raise FeedRefused("exists")
        if await self.feeds.count(guild_id) >= MAX_FEEDS_PER_GUILD:
            raise FeedRefused("too_many")
        fetched = await self.fetcher.fetch(canonical, Validators())
        items = await self._parse(fetched, Source(canonical, region))
        try:
            async with self.db.transaction() as conn:
                feed_id = await insert_feed(conn, guild_id, canonical, channel_id=channel_id,
                                            region=region, added_by=added_by,
                                            validators=fetched.validators, now=moment)
                await insert_resources(
                    conn, guild_id,
                    [dataclasses.replace(i.resource, feed_id=feed_id) for i in items],
                    announce=False, now=moment)
                await remember_keys(conn, guild_id, feed_id, [k for i in items for k in i.keys])
        except sqlite3.IntegrityError as exc:  # the same feed added twice at once
            if await self.feeds.by_url(guild_id, canonical) is None:
                raise
            raise FeedRefused("exists") from exc
        feed = await self.feeds.get(guild_id, feed_id)
        assert feed is not None
        return feed, len(items)

    async def poll_due(self, now: datetime | None = None) -> list[PollResult]:
        moment = now or utcnow()
        return await self._poll_many(await self.feeds.due(moment, self.batch), moment)

    async def refresh(self, guild_id: int, now: datetime | None = None) -> list[PollResult]:
        """Every feed of the server now, disabled ones included: a success re-enables a feed."""
        return await self._poll_many(await self.feeds.for_guild(guild_id), now or utcnow())

    async def poll_feed(self, guild_id: int, feed_id: int,
                        now: datetime | None = None) -> PollResult | None:
        feed = await self.feeds.get(guild_id, feed_id)
        return None if feed is None else await self._poll(feed, now or utcnow())

    async def _poll_many(self, feeds: list[Feed], now: datetime) -> list[PollResult]:
        gate = asyncio.Semaphore(self.concurrency)

        async def one(feed: Feed) -> PollResult:
            async with gate:
                return await self._poll(feed, now)

        return list(await asyncio.gather(*(one(feed) for feed in feeds)))

    async def _poll(self, feed: Feed, now: datetime) -> PollResult:
        """Never raises: one bad feed must not stop the others."""
        if feed.id in self._busy:
            return PollResult(feed.id, feed.guild_id, "busy")
        self._busy.add(feed.id)
        try:
            try:
                return await self._fetch_and_store(feed, now)
            except FeedError as exc:
                return await self._failed(feed, exc, now)
            except Exception as exc:
                log.exception("feed %s (guild %s) failed unexpectedly", feed.id, feed.guild_id)
                return await self._failed(feed, FeedError("internal", type(exc).__name__), now)
        except Exception:
            log.exception("could not record the state of feed %s", feed.id)
            return PollResult(feed.id, feed.guild_id, "failed", error="internal")
        finally:
            self._busy.discard(feed.id)

    async def _fetch_and_store(self, feed: Feed, now: datetime) -> PollResult:
        previous = Validators(feed.etag, feed.last_modified, feed.body_sha256)
        fetched = await self.fetcher.fetch(feed.url, previous)
        items: list[Item] = []
        if not fetched.unchanged:
            items = await self._parse(fetched, Source(feed.url, feed.region, feed.id))
        new = await self._store(feed, items, fetched.validators, now)
        announced = min(new, self.max_announced)
        if announced and self.on_queued is not None:
            self.on_queued(feed.guild_id)
        if new > announced and self.on_capped is not None:
            try:
                await self.on_capped(feed, new, announced)
            except Exception:
                log.exception("could not report that feed %s brought %d items", feed.id, new)
        return PollResult(feed.id, feed.guild_id, "new" if new else "unchanged", new,
                          held=new - announced)

    async def _parse(self, fetched: Fetched, source: Source) -> list[Item]:
        """Off the event loop, in a child process, and only a few at a time."""
        async with self._parsing:
            return await asyncio.to_thread(parse_isolated, fetched.body, fetched.content_type,
                                           source, deadline=self.parse_deadline,
                                           memory=self.parse_memory)

    async def _store(self, feed: Feed, items: list[Item], validators: Validators,
                     now: datetime) -> int:
        """New resources, their announcements, the keys seen and the feed's state: one commit."""
        async with self.db.transaction() as conn:
            seen = await seen_keys(conn, feed.guild_id, feed.id, [k for i in items for k in i.keys])
            fresh: list[str] = []
            new = []
            for item in items:
                unseen = [k for k in item.keys if k not in seen]
                fresh += unseen
                seen.update(item.keys)
                if len(unseen) == len(item.keys):  # known by neither its guid nor its link
                    new.append(item.resource)
            added = await insert_resources(conn, feed.guild_id, new, announce=True, now=now,
                                           announce_limit=self.max_announced)
            await remember_keys(conn, feed.guild_id, feed.id, fresh)
            await record_success(conn, feed, validators, now)
        return len(added)

    async def _failed(self, feed: Feed, exc: FeedError, now: datetime) -> PollResult:
        error = str(exc)
        failures, enabled = await self.feeds.record_failure(feed, error, now, self.max_failures)
        log.warning("feed %s (guild %s) failed %d time(s): %s", feed.id, feed.guild_id,
                    failures, error)
        if enabled or not feed.enabled:
            return PollResult(feed.id, feed.guild_id, "failed", error=error)
        if self.on_disabled is not None:
            try:
                await self.on_disabled(feed, error)
            except Exception:
                log.exception("could not report that feed %s was disabled", feed.id)
        return PollResult(feed.id, feed.guild_id, "disabled", error=error)
