"""The poller against a real HTTP server on 127.0.0.1 and a real SQLite file (no Discord here)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.resources.clock import parse_iso
from bot.resources.feeds import FeedRefused, Poller
from bot.resources.feedstore import Validators
from bot.resources.fetch import USER_AGENT, FeedError, FeedFetcher
from bot.resources.store import ResourceStore
from tests.resources_helpers import ATOM_TYPE, Document, Entry, atom, rss

GUILD = 111111111111111111
OTHER_GUILD = 222222222222222222
MOD = 333333333333333333
T0 = datetime(2024, 6, 1, 8, tzinfo=UTC)


@pytest.fixture
async def poller(db):
    disabled = []

    async def on_disabled(feed, error):
        disabled.append((feed.id, error))

    # 0.5 s: short enough for slow-feed tests, long enough for a loaded 2-core machine
    fetcher = FeedFetcher(timeout=0.5, max_bytes=20_000, allow_private=True)
    p = Poller(db, fetcher, max_failures=3, on_disabled=on_disabled)
    p.disabled_reports = disabled
    yield p
    await fetcher.close()


def entries(n, prefix="item", host="http://news.example.org"):
    return [Entry(title=f"{prefix} {i}", link=f"{host}/{prefix}/{i}", guid=f"{prefix}-{i}")
            for i in range(n)]


async def outbox_rows(db, guild_id=GUILD):
    return await db.fetchall(
        "SELECT o.*, r.url FROM outbox o JOIN resources r ON r.id = o.resource_id "
        "WHERE o.guild_id = ? ORDER BY o.id", (guild_id,))


async def add(poller, server, name, guild_id=GUILD, **kw):
    feed, seen = await poller.add_feed(guild_id, server.url(name), channel_id=None, region=None,
                                       added_by=MOD, now=T0, **kw)
    return feed, seen


async def test_adding_a_feed_records_items_without_announcing(db, server, poller):
    server.documents["rss"] = Document(rss(entries(3)))
    feed, seen = await add(poller, server, "rss")
    assert seen == 3
    assert await ResourceStore(db).count(GUILD) == 3
    assert await outbox_rows(db) == []
    stored = await ResourceStore(db).latest(GUILD)
    assert {r.source for r in stored} == {"feed"} and {r.feed_id for r in stored} == {feed.id}
    assert server.requests[0].headers["User-Agent"] == USER_AGENT
    assert "CoalitionBot/" in USER_AGENT and "Criminal Court" in USER_AGENT


async def test_new_item_is_queued_once_and_304_costs_nothing(db, server, poller):
    server.documents["rss"] = Document(rss(entries(2)))
    feed, _ = await add(poller, server, "rss")
    fresh = Entry("Fresh report", "http://news.example.org/fresh?utm_source=x", guid="fresh")
    server.documents["rss"] = Document(rss([*entries(2), fresh]))
    [result] = await poller.poll_due(T0 + timedelta(hours=1))
    assert (result.status, result.new) == ("new", 1)
    rows = await outbox_rows(db)
    assert [r["url"] for r in rows] == ["http://news.example.org/fresh"]
    assert rows[0]["state"] == "pending" and len(rows[0]["nonce"]) <= 25

    [again] = await poller.poll_due(T0 + timedelta(hours=2))
    assert (again.status, again.new) == ("unchanged", 0)
    last = server.requests_for("rss")[-1]
    assert last.status == 304 and last.sent == 0
    assert last.headers["If-None-Match"] == server.documents["rss"].etag
    assert last.headers["If-Modified-Since"] == server.documents["rss"].last_modified
    assert len(await outbox_rows(db)) == 1
    stored = await poller.feeds.get(GUILD, feed.id)
    assert stored.last_success_at == "2024-06-01T10:00:00Z" and stored.failures == 0


async def test_not_due_feeds_are_left_alone(db, server, poller):
    server.documents["rss"] = Document(rss(entries(1)))
    await add(poller, server, "rss")
    assert await poller.poll_due(T0 + timedelta(minutes=5)) == []
    assert len(server.requests) == 1


async def test_atom_feed(db, server, poller):
    server.documents["atom"] = Document(atom(entries(1, "a")), content_type=ATOM_TYPE)
    _, seen = await add(poller, server, "atom")
    assert seen == 1
    server.documents["atom"] = Document(
        atom([*entries(1, "a"), Entry("Stop Béchir", "HTTP://Video.Example.ORG:80/stop#t=1",
                                      guid="urn:b", author="Urgence Darfour")]),
        content_type=ATOM_TYPE)
    [result] = await poller.poll_due(T0 + timedelta(hours=1))
    assert result.new == 1
    r = await ResourceStore(db).get_by_url(GUILD, "http://video.example.org/stop")
    assert (r.title, r.author, r.published, r.source) == ("Stop Béchir", "Urgence Darfour",
                                                          "2024-05-01", "feed")


async def test_same_item_in_two_feeds_is_one_resource_one_announcement(db, server, poller):
    server.documents["one"] = Document(rss(entries(1, "one")))
    server.documents["two"] = Document(atom(entries(1, "two")), content_type=ATOM_TYPE)
    await add(poller, server, "one")
    await add(poller, server, "two")
    shared = Entry("Joint statement", "https://coalition.example.org/joint", guid="g-joint")
    server.documents["one"] = Document(rss([*entries(1, "one"), shared]))
    server.documents["two"] = Document(
        atom([*entries(1, "two"), Entry(shared.title, shared.link + "?fbclid=abc#top", guid="other-id")]),
        content_type=ATOM_TYPE)
    results = await poller.poll_due(T0 + timedelta(hours=1))
    assert sorted(r.new for r in results) == [0, 1]
    rows = await outbox_rows(db)
    assert [r["url"] for r in rows] == ["https://coalition.example.org/joint"]


async def test_changed_guid_same_link_and_changed_link_same_guid_are_not_new(db, server, poller):
    server.documents["rss"] = Document(rss([Entry("Report", "http://x.example.org/r", guid="g1")]))
    await add(poller, server, "rss")
    server.documents["rss"] = Document(rss([Entry("Report", "http://x.example.org/r", guid="g2")]))
    [result] = await poller.poll_due(T0 + timedelta(hours=1))
    assert result.new == 0
    server.documents["rss"] = Document(rss([Entry("Report", "http://x.example.org/r-v2", guid="g2")]))
    [result] = await poller.poll_due(T0 + timedelta(hours=2))
    assert result.new == 0
    assert await outbox_rows(db) == []


async def test_removed_feed_item_does_not_come_back(db, server, poller):
    server.documents["rss"] = Document(rss(entries(1)))
    await add(poller, server, "rss")
    store = ResourceStore(db)
    [resource] = await store.latest(GUILD)
    assert await store.remove(GUILD, resource.id)
    server.documents["rss"] = Document(rss(entries(1)), conditional=False)
    await poller.poll_due(T0 + timedelta(hours=1))
    assert await store.count(GUILD) == 0


@pytest.mark.parametrize(("document", "reason"), [
    (Document(b"<html><body>Not a feed</body></html>", content_type="text/html"), "not_a_feed"),
    (Document(b"<rss version='2.0'><channel><item><title>broken"), "not_a_feed"),
    (Document(rss(entries(300))), "too_large"),
    (Document(rss(entries(300)), chunked=True), "too_large"),
    (Document(rss(entries(1)), delay=1.0), "timeout"),
    (Document(b"", status=500), "http"),
])
async def test_bad_feeds_are_refused_on_add(db, server, poller, document, reason):
    server.documents["bad"] = document
    with pytest.raises(FeedError) as caught:
        await add(poller, server, "bad")
    assert caught.value.reason == reason
    assert await poller.feeds.count(GUILD) == 0


async def test_one_bad_feed_does_not_stop_the_others(db, server, poller):
    server.documents["good"] = Document(rss(entries(1, "good")))
    server.documents["bad"] = Document(rss(entries(1, "bad")))
    await add(poller, server, "good")
    bad, _ = await add(poller, server, "bad")
    server.documents["bad"] = Document(b"<<<garbage", content_type="text/xml")
    server.documents["good"] = Document(rss(entries(2, "good")))
    results = {r.feed_id: r for r in await poller.poll_due(T0 + timedelta(hours=1))}
    assert results[bad.id].status == "failed" and "not_a_feed" in results[bad.id].error
    assert sum(r.new for r in results.values()) == 1
    stored = await poller.feeds.get(GUILD, bad.id)
    assert stored.failures == 1 and stored.last_error.startswith("not_a_feed")
    assert stored.last_success_at == "2024-06-01T08:00:00Z"


async def test_backoff_grows_then_the_feed_is_disabled_and_reported_once(db, server, poller):
    server.documents["flaky"] = Document(rss(entries(1)))
    feed, _ = await add(poller, server, "flaky")
    server.documents["flaky"] = Document(rss(entries(1)), delay=1.0)
    now = T0 + timedelta(hours=1)
    gaps = []
    for _ in range(3):
        [result] = await poller.poll_due(now)
        stored = await poller.feeds.get(GUILD, feed.id)
        gaps.append((parse_iso(stored.next_attempt_at) - now).total_seconds())
        now = parse_iso(stored.next_attempt_at)
    assert result.status == "disabled" and "timeout" in result.error
    assert gaps[1] == 2 * gaps[0]
    assert stored.enabled is False and stored.failures == 3
    assert poller.disabled_reports == [(feed.id, result.error)]
    assert await poller.poll_due(now + timedelta(days=2)) == []  # disabled: not polled

    [again] = await poller.refresh(GUILD, now)  # still failing: no second report
    assert again.status == "failed" and len(poller.disabled_reports) == 1
    server.documents["flaky"] = Document(rss(entries(2)))
    [back] = await poller.refresh(GUILD, now)
    assert (back.status, back.new) == ("new", 1)
    stored = await poller.feeds.get(GUILD, feed.id)
    assert stored.enabled and stored.failures == 0 and "timeout" in stored.last_error


async def test_feeds_belong_to_their_server(db, server, poller):
    server.documents["rss"] = Document(rss(entries(1)))
    mine, _ = await add(poller, server, "rss")
    theirs, _ = await add(poller, server, "rss", guild_id=OTHER_GUILD)
    assert mine.id != theirs.id
    with pytest.raises(FeedRefused) as caught:
        await add(poller, server, "rss")
    assert caught.value.reason == "exists"
    server.documents["rss"] = Document(rss(entries(2)))
    await poller.poll_due(T0 + timedelta(hours=1))
    assert len(await outbox_rows(db, GUILD)) == 1
    assert len(await outbox_rows(db, OTHER_GUILD)) == 1
    assert await poller.poll_feed(GUILD, theirs.id) is None
    assert not await poller.feeds.remove(GUILD, theirs.id)
    assert await poller.feeds.get(OTHER_GUILD, theirs.id) is not None


async def test_hostile_feed_content_is_cleaned_or_skipped(db, server, poller):
    server.documents["rss"] = Document(rss([]))
    await add(poller, server, "rss")
    server.documents["rss"] = Document(rss([
        Entry("<b>Bold</b> &amp; \u202e\x07 @everyone <@123> " + "x" * 400,
              "http://x.example.org/ok", guid="1", author="=HYPERLINK(\"http://evil\")"),
        Entry("Script", "javascript:alert(1)", guid="2"),
        Entry("Files", "ftp://x.example.org/file", guid="3"),
        Entry("Relative", "/relative", guid="4"),
    ]))
    [result] = await poller.poll_due(T0 + timedelta(hours=1))
    store = ResourceStore(db)
    assert result.new == 2 and await store.count(GUILD) == 2
    ok = await store.get_by_url(GUILD, "http://x.example.org/ok")
    assert ok.title.startswith("Bold & @everyone <@123> x") and len(ok.title) <= 256
    assert "\u202e" not in ok.title and "\x07" not in ok.title
    assert ok.author == '=HYPERLINK("http://evil")'
    # a relative link is resolved against the feed's own address, as feed readers do
    assert await store.get_by_url(GUILD, server.url("relative")) is not None


async def test_unchanged_body_without_validators_is_not_parsed_again(db, server, poller):
    server.documents["plain"] = Document(rss(entries(2)), conditional=False)
    feed, _ = await add(poller, server, "plain")
    [result] = await poller.poll_due(T0 + timedelta(hours=1))
    assert result.status == "unchanged"
    assert "If-None-Match" not in server.requests_for("plain")[-1].headers
    assert (await poller.feeds.get(GUILD, feed.id)).body_sha256 is not None


async def test_private_addresses_are_refused_unless_allowed(db, server):
    server.documents["rss"] = Document(rss(entries(1)))
    strict = FeedFetcher(timeout=1.0)
    try:
        with pytest.raises(FeedError) as caught:
            await strict.fetch(server.url("rss"), Validators())
        assert caught.value.reason == "private_address"
        with pytest.raises(FeedError) as caught:
            await strict.fetch(f"http://localhost:{server.port}/rss", Validators())
        assert caught.value.reason == "network"
    finally:
        await strict.close()
    assert server.requests == []


async def test_redirects_are_followed_a_few_times(db, server, poller):
    server.documents["rss"] = Document(rss(entries(2)))
    server.documents["old"] = Document(b"", status=301, location="/rss")
    server.documents["loop"] = Document(b"", status=302, location="/loop")
    _, seen = await add(poller, server, "old")
    assert seen == 2
    with pytest.raises(FeedError) as caught:
        await add(poller, server, "loop")
    assert "redirects" in caught.value.detail


async def test_the_same_feed_added_twice_at_once_is_refused_not_a_crash(db, server, poller):
    """A double-submitted /feeds add: both pass the 'already follows' check before either
    commits; the second must still be a refusal the moderator can read."""
    import asyncio

    server.documents["rss"] = Document(rss(entries(2)), delay=0.05)
    results = await asyncio.gather(add(poller, server, "rss"), add(poller, server, "rss"),
                                   return_exceptions=True)
    refused = [r for r in results if isinstance(r, FeedRefused)]
    assert len(refused) == 1 and refused[0].reason == "exists", results
    assert await poller.feeds.count(GUILD) == 1
    assert await ResourceStore(db).count(GUILD) == 2
