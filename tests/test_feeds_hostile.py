"""Feeds written to hurt: slow, huge or expanding documents, served by the real local HTTP server.

Each must cost the bot a bounded amount of time and memory, count as a failure of that feed
(backoff, then the moderators are told), and leave every other feed alone.
"""

from __future__ import annotations

import multiprocessing
import tracemalloc
from datetime import UTC, datetime, timedelta

import pytest

from bot.resources.clock import parse_iso
from bot.resources.feeds import Poller
from bot.resources.fetch import FeedError, FeedFetcher
from bot.resources.parse import MAX_ITEMS
from bot.resources.sandbox import PARSE_MEMORY
from tests.resources_helpers import Document, Entry, rss

GUILD = 111111111111111111
MOD = 333333333333333333
T0 = datetime(2024, 6, 1, 8, tzinfo=UTC)


@pytest.fixture
async def poller(db):
    """Production size cap; a short deadline so slow feeds are quick to test."""
    fetcher = FeedFetcher(timeout=0.5, allow_private=True)
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
    """Each hop answers within the 0.5 s timeout; together they take 1 s. The deadline covers
    the whole fetch, so the feed fails (and backs off) instead of holding a poller slot."""
    server.documents["rss"] = Document(rss(entries(1)))
    feed = await follow(poller, server)
    server.documents["rss"] = Document(b"", status=301, location="/hop1", delay=0.25)
    for hop in (1, 2, 3):
        server.documents[f"hop{hop}"] = Document(b"", status=302, location=f"/hop{hop + 1}",
                                                 delay=0.25)
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


def expanding_feed(uses=3000):
    """About 110 KB: one 100 KB entity, used `uses` times in a title (300 MB once expanded)."""
    return ('<?xml version="1.0" encoding="utf-8"?>\n'
            f'<!DOCTYPE rss [\n<!ENTITY big "{"A" * 100_000}">\n]>\n'
            '<rss version="2.0"><channel><title>News</title><link>http://example.org/</link>'
            f'<item><title>{"&big;" * uses}</title><link>https://ngo.example.org/1</link>'
            '</item></channel></rss>').encode()


async def traced(work):
    """`work`'s result and the peak memory Python allocated meanwhile (parsing threads too)."""
    tracemalloc.start()
    try:
        result = await work
        return result, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


async def test_a_feed_that_declares_entities_is_refused_in_bounded_memory(db, server, poller):
    disabled = []

    async def on_disabled(feed, error):
        disabled.append(error)

    poller.on_disabled = on_disabled
    server.documents["rss"] = Document(rss(entries(1)))
    feed = await follow(poller, server)
    server.documents["rss"] = Document(expanding_feed())
    assert 100_000 < len(server.documents["rss"].body) < poller.fetcher.max_bytes
    now = T0 + timedelta(hours=1)
    [result], peak = await traced(poller.poll_due(now))
    assert result.status == "failed" and result.error.startswith("unsafe"), result
    assert peak < 5_000_000, f"{peak / 1e6:.1f} MB"
    [again] = await poller.poll_due(now + timedelta(days=1))
    assert again.status == "disabled" and disabled == [again.error]  # the moderators are told
    stored = await poller.feeds.get(GUILD, feed.id)
    assert not stored.enabled and stored.last_error.startswith("unsafe")


@pytest.mark.parametrize("declaration", [
    '<!DOCTYPE rss [<!ENTITY e "x">]>',  # expat would expand it, within its own limits
    '<!DOCTYPE rss [\n<!ENTITY % p "x">\n]>',
    '<!DOCTYPE rss SYSTEM "http://127.0.0.1/rss.dtd" [\n<!ENTITY e SYSTEM "file:///etc/passwd">\n]>',
])
async def test_any_entity_declaration_is_refused_even_in_another_encoding(server, poller,
                                                                          declaration):
    body = (f'<?xml version="1.0" encoding="utf-16"?>\n{declaration}\n<rss version="2.0"><channel>'
            '<title>t</title><item><title>&e;</title><link>https://ngo.example.org/1</link>'
            '</item></channel></rss>')
    server.documents["rss"] = Document(body.encode("utf-16"), content_type="application/xml")
    with pytest.raises(FeedError) as caught:
        await follow(poller, server)
    assert caught.value.reason == "unsafe"
    assert await poller.feeds.count(GUILD) == 0


async def test_a_feed_of_thousands_of_tiny_entries_is_read_up_to_the_item_limit(db, server,
                                                                                poller):
    """30,000 entries in 1.6 MB once cost seconds of CPU and tens of MB: only the first MAX_ITEMS
    are parsed now (feeds list their newest first)."""
    tiny = "".join(f"<item><link>https://ngo.example.org/x/{i}</link></item>" for i in range(30_000))
    server.documents["rss"] = Document(
        f'<rss version="2.0"><channel><title>t</title>{tiny}</channel></rss>'.encode())
    assert len(server.documents["rss"].body) < poller.fetcher.max_bytes
    (_, seen), peak = await traced(poller.add_feed(GUILD, server.url("rss"), channel_id=None,
                                                   region=None, added_by=MOD, now=T0))
    assert seen == MAX_ITEMS
    assert peak < 15_000_000, f"{peak / 1e6:.1f} MB"
    stored = {r["url"] for r in await db.fetchall("SELECT url FROM resources")}
    assert "https://ngo.example.org/x/0" in stored and "https://ngo.example.org/x/199" in stored
    assert "https://ngo.example.org/x/200" not in stored


async def test_a_moderator_adding_an_expanding_feed_is_told_why_in_their_language(world, server):
    server.documents["rss"] = Document(expanding_feed(uses=10))
    reply = await world.h.slash("feeds add", {"url": server.url("rss")}, user=world.moderator,
                                locale="fr")
    assert reply.ephemeral and "entités XML" in reply.text(), reply.text()
    assert await world.db.fetchval("SELECT count(*) FROM feeds") == 0


async def test_a_feed_that_suddenly_brings_hundreds_of_items_announces_its_first_25(db, server,
                                                                                   poller):
    """The rest are stored without an announcement, as a new subscription's items are, and the
    moderators are told; they are not announced by a later poll either."""
    capped = []

    async def on_capped(feed, new, announced):
        capped.append((feed.id, new, announced))

    poller.on_capped = on_capped
    server.documents["rss"] = Document(rss(entries(1)))
    feed = await follow(poller, server)
    server.documents["rss"] = Document(rss([*entries(150, "flood"), *entries(1)]))
    [result] = await poller.poll_due(T0 + timedelta(hours=1))
    assert (result.status, result.new, result.held) == ("new", 150, 125)
    queued = await db.fetchall("SELECT r.url FROM outbox o JOIN resources r ON r.id = o.resource_id "
                               "ORDER BY o.id")
    assert [r["url"] for r in queued] == [f"https://ngo.example.org/flood/{i}" for i in range(25)]
    assert await db.fetchval("SELECT count(*) FROM resources") == 151
    assert capped == [(feed.id, 150, 25)]
    server.documents["rss"] = Document(rss([*entries(150, "flood"), *entries(1)]), conditional=False)
    [again] = await poller.poll_due(T0 + timedelta(hours=2))
    assert again.new == 0 and await db.fetchval("SELECT count(*) FROM outbox") == 25
    assert len(capped) == 1


def attribute_bomb(count):
    """xml.sax looks each attribute up in a list, so feedparser's time grows with count squared:
    25,000 attributes (240 KB) take it about half a minute."""
    attributes = " ".join(f'a{i}="x"' for i in range(count))
    return ('<rss version="2.0"><channel><title>t</title><item>'
            f'<link>https://ngo.example.org/1</link><title {attributes}>t</title>'
            '</item></channel></rss>').encode()


async def test_a_feed_that_takes_too_long_to_parse_is_stopped_at_the_deadline(db, server, poller):
    server.documents["rss"] = Document(rss(entries(1)))
    feed = await follow(poller, server)
    server.documents["rss"] = Document(attribute_bomb(25_000))
    poller.parse_deadline = 1.0
    [result] = await poller.poll_due(T0 + timedelta(hours=1))
    assert result.status == "failed" and result.error.startswith("too_complex"), result
    assert "1 s" in result.error
    assert multiprocessing.active_children() == []  # the parser was stopped, not left running
    stored = await poller.feeds.get(GUILD, feed.id)
    assert stored.failures == 1


async def test_a_feed_that_needs_too_much_memory_to_parse_is_refused(db, server, poller):
    server.documents["rss"] = Document(rss([Entry("x" * 1_500_000, "https://ngo.example.org/1")]))
    poller.parse_memory = 4 * 2**20  # the real limit is 256 MB; this title needs more than 4
    with pytest.raises(FeedError) as caught:
        await follow(poller, server)
    assert caught.value.reason == "too_complex" and "memory" in caught.value.detail
    poller.parse_memory = PARSE_MEMORY
    feed = await follow(poller, server)
    assert feed.url == server.url("rss")
    assert multiprocessing.active_children() == []
