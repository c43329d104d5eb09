"""Feeds written to hurt: slow, huge or expanding documents, served by the real local HTTP server.

Each must cost the bot a bounded amount of time and memory, count as a failure of that feed
(backoff, then the moderators are told), and leave every other feed alone.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.resources.clock import parse_iso
from bot.resources.feeds import Poller
from bot.resources.fetch import FeedError, FeedFetcher
from tests.resources_helpers import Document, Entry, rss

GUILD = 111111111111111111
MOD = 333333333333333333
T0 = datetime(2024, 6, 1, 8, tzinfo=UTC)


@pytest.fixture
async def poller(db):
    """Production size cap; a short deadline so slow feeds are quick to test."""
    fetcher = FeedFetcher(timeout=0.3, allow_private=True)
    p = Poller(db, fetcher, max_failures=2)
    yield p
    await fetcher.close()


def entries(n, prefix="item"):
    return [Entry(f"{prefix} {i}", f"https://ngo.example.org/{prefix}/{i}", guid=f"{prefix}-{i}")
            for i in range(n)]


async def follow(poller, server, name="rss"):
    feed, _ = await poller.add_feed(GUILD, server.url(name), channel_id=None, region=None,
                                    added_by=MOD, now=T0)
    return feed


async def test_a_chain_of_slow_redirects_fails_as_one_slow_fetch_and_backs_off(db, server, poller):
    """Each hop answers within the 0.3 s timeout; together they take 0.6 s. The deadline covers
    the whole fetch, so the feed fails (and backs off) instead of holding a poller slot."""
    server.documents["rss"] = Document(rss(entries(1)))
    feed = await follow(poller, server)
    server.documents["rss"] = Document(b"", status=301, location="/hop1", delay=0.15)
    for hop in (1, 2, 3):
        server.documents[f"hop{hop}"] = Document(b"", status=302, location=f"/hop{hop + 1}",
                                                 delay=0.15)
    server.documents["hop4"] = Document(rss(entries(2)))
    before = len(server.requests)
    now = T0 + timedelta(hours=1)
    [result] = await poller.poll_due(now)
    assert result.status == "failed" and result.error.startswith("timeout"), result
    assert len(server.requests) - before <= 3  # at most two hops done and a third begun
    stored = await poller.feeds.get(GUILD, feed.id)
    assert stored.failures == 1 and stored.last_error.startswith("timeout")
    assert parse_iso(stored.next_attempt_at) == now + timedelta(seconds=300)
    assert server.requests_for("hop4") == []

    with pytest.raises(FeedError) as caught:  # the same chain cannot be added either
        await poller.add_feed(GUILD, server.url("hop1"), channel_id=None, region=None,
                              added_by=MOD, now=now)
    assert caught.value.reason == "timeout"
