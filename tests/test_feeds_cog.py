"""/feeds through the real command tree, with feeds served by a real local HTTP server."""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime, timedelta

import pytest

from bot.resources.clock import utcnow
from bot.resources.cooldown import Cooldown
from tests.conftest import running_bot
from tests.resources_helpers import Document, Entry, rss


def entries(n, prefix="item"):
    return [Entry(f"{prefix} {i}", f"https://ngo.example.org/{prefix}/{i}", guid=f"{prefix}-{i}")
            for i in range(n)]


def cogs(world):
    return world.bot.get_cog("Feeds").poller, world.bot.get_cog("Resources").poster


async def follow(world, server, name="rss", **options):
    return await world.h.slash("feeds add", {"url": server.url(name), **options},
                               user=world.moderator)


async def test_adding_a_feed_announces_nothing_old_then_each_new_item_once(world, server):
    poller, poster = cogs(world)
    await world.h.slash("config announcements", {"channel": world.channel_id}, user=world.moderator)
    server.documents["rss"] = Document(rss(entries(3)))
    reply = await follow(world, server, region="africa")
    assert reply.callback_type == 5 and reply.ephemeral  # deferred: the feed is read first
    assert "3" in reply.text() and server.url("rss") in reply.text()
    assert await poster.run_once() == 0
    assert world.fake.messages[world.channel_id] == []

    fresh = Entry("Stop Béchir", "https://ud.example.org/stop", guid="new")
    server.documents["rss"] = Document(rss([*entries(3), fresh]))
    reply = await world.h.slash("feeds refresh", user=world.moderator)
    assert "1 new" in reply.text() and "0 failure" in reply.text()
    assert await poster.run_once() == 1
    await world.h.slash("feeds refresh", user=world.moderator)
    await poller.poll_due(utcnow() + timedelta(hours=1))
    assert await poster.run_once() == 0
    [message] = world.fake.messages[world.channel_id]
    assert message["embeds"][0]["title"] == "Stop Béchir"
    assert {"name": "Region", "value": "Africa", "inline": True} in message["embeds"][0]["fields"]
    assert server.requests_for("rss")[-1].status == 304


async def test_a_feed_channel_overrides_the_default(world, server):
    _, poster = cogs(world)
    special = world.fake.add_channel(world.guild_id, "ngo-news")
    await world.h.slash("config announcements", {"channel": world.channel_id}, user=world.moderator)
    server.documents["rss"] = Document(rss(entries(1)))
    await follow(world, server, channel=special)
    server.documents["rss"] = Document(rss(entries(2)))
    await world.h.slash("feeds refresh", user=world.moderator)
    assert await poster.run_once() == 1
    assert len(world.fake.messages[special]) == 1 and world.fake.messages[world.channel_id] == []


@pytest.mark.parametrize(("url", "fragment"), [
    ("javascript:alert(1)", "http:// or https://"),
    ("", "web address"),
    ("https://exa mple.org/feed", "spaces"),
])
async def test_bad_feed_addresses_are_refused_before_any_request(world, server, url, fragment):
    payload = world.h.slash_payload("feeds add", {"url": url or "x"}, user=world.moderator,
                                    check=False)
    payload["data"]["options"][0]["options"][0]["value"] = url
    reply = await world.h.raw_interaction(payload)
    assert fragment in reply.text()
    assert server.requests == []
    assert await world.db.fetchval("SELECT count(*) FROM feeds") == 0


async def test_unreadable_feeds_are_refused_with_the_reason(world, server):
    server.documents["html"] = Document(b"<html><p>hello</p></html>", content_type="text/html")
    reply = await follow(world, server, "html")
    assert "RSS or Atom" in reply.text()
    reply = await world.h.slash("feeds add", {"url": server.url("missing")}, user=world.moderator,
                                locale="fr")
    assert "HTTP 404" in reply.text() and "Vérifiez" in reply.text()
    server.documents["rss"] = Document(rss(entries(1)))
    await follow(world, server)
    reply = await follow(world, server)
    assert "already follows" in reply.text()
    assert await world.db.fetchval("SELECT count(*) FROM feeds") == 1


async def test_status_shows_success_error_and_next_attempt(world, server):
    poller, _ = cogs(world)
    server.documents["good"] = Document(rss(entries(1, "g")))
    server.documents["bad"] = Document(rss(entries(1, "b")))
    await follow(world, server, "good")
    await follow(world, server, "bad")
    server.documents["bad"] = Document(b"", status=503)
    results = await poller.refresh(world.guild_id)
    assert sorted(r.status for r in results) == ["failed", "unchanged"]
    reply = await world.h.slash("feeds status", user=world.moderator)
    text = reply.embeds[0]["description"]
    assert "working" in text and "failing" in text
    assert "503" in text and "last error" in text and "in a row" not in text  # one failure: no count
    assert text.count("<t:") >= 4  # last read and next try for both, as Discord timestamps
    listing = await world.h.slash("feeds list", user=world.moderator)
    assert server.url("good") in listing.text() and "(2)" in listing.text()


async def test_a_feed_disabled_after_repeated_failures_is_reported_to_moderators(world, server):
    poller, _ = cogs(world)
    mods = world.fake.add_channel(world.guild_id, "moderators")
    await world.h.slash("config moderators-channel", {"channel": mods}, user=world.moderator)
    server.documents["rss"] = Document(rss(entries(1)))
    await follow(world, server)
    server.documents["rss"] = Document(b"", status=500)
    feed_id = await world.db.fetchval("SELECT id FROM feeds")
    now = utcnow()
    statuses = []
    for step in range(poller.max_failures + 2):
        result = await poller.poll_feed(world.guild_id, feed_id, now + timedelta(days=step))
        statuses.append(result.status)
    assert statuses.count("disabled") == 1 and statuses[-1] == "failed"
    [notice] = world.fake.messages[mods]
    assert server.url("rss") in notice["content"] and "/feeds refresh" in notice["content"]
    assert await poller.poll_due(now + timedelta(days=30)) == []
    status = await world.h.slash("feeds status", user=world.moderator)
    assert "disabled" in status.text()


async def test_remove_only_this_servers_feeds(world, server):
    server.documents["rss"] = Document(rss(entries(1)))
    await follow(world, server)
    theirs = world.h.moderator(world.other_guild_id, name="theirs")
    await world.h.slash("feeds add", {"url": server.url("rss")}, user=theirs)
    mine, other = [r["id"] for r in await world.db.fetchall("SELECT id FROM feeds ORDER BY id")]
    choices = await world.h.autocomplete("feeds remove", {"feed": ""}, focused="feed",
                                         user=world.moderator)
    assert [c["value"] for c in choices] == [mine]
    reply = await world.h.slash("feeds remove", {"feed": other}, user=world.moderator)
    assert "No such feed" in reply.text()
    reply = await world.h.slash("feeds remove", {"feed": mine}, user=world.moderator)
    assert server.url("rss") in reply.text()
    assert [r["guild_id"] for r in await world.db.fetchall("SELECT guild_id FROM feeds")] == [
        world.other_guild_id]
    assert await world.db.fetchval("SELECT count(*) FROM resources WHERE guild_id = ? "
                                   "AND source = 'feed'", (world.guild_id,)) == 1


async def test_members_cannot_use_feeds_even_by_crafted_requests(world, server):
    server.documents["rss"] = Document(rss(entries(1)))
    for name, options in (("feeds add", {"url": server.url("rss")}), ("feeds list", {}),
                          ("feeds status", {}), ("feeds refresh", {}), ("feeds remove", {"feed": 1})):
        payload = world.h.slash_payload(name, options, user=world.member, check=False)
        reply = await world.h.raw_interaction(payload)
        assert "moderators" in reply.text(), name
    payload = world.h.slash_payload("feeds remove", {"feed": ""}, focused="feed", user=world.member,
                                    check=False)
    assert (await world.h.raw_interaction(payload)).choices == []
    assert server.requests == []


async def test_another_servers_channel_is_refused(world, server):
    server.documents["rss"] = Document(rss(entries(1)))
    reply = await world.h.slash("feeds add", {"url": server.url("rss"),
                                              "channel": world.other_channel_id},
                                user=world.moderator)
    assert "couldn't understand" in reply.text() and reply.ephemeral
    assert await world.db.fetchval("SELECT count(*) FROM feeds") == 0
    assert server.requests == []


async def test_a_bot_without_the_private_feeds_setting_refuses_a_loopback_feed(fake, tmp_path, server):
    """Production settings: a moderator cannot make the bot fetch from its own network."""
    guild_id = fake.add_guild(name="Coalition")
    fake.add_channel(guild_id, "general")
    async with running_bot(fake, tmp_path / "prod.sqlite3", allow_private_feeds=False) as (bot, h):
        server.documents["rss"] = Document(rss(entries(2)))
        reply = await h.slash("feeds add", {"url": server.url("rss")}, user=h.moderator(guild_id))
        assert server.requests == []  # nothing was fetched
        assert await bot.db.fetchall("SELECT * FROM feeds") == []
        assert reply.ephemeral
        assert "private network" in reply.text()


@pytest.mark.allow_rejections
async def test_a_deleted_feed_channel_points_moderators_to_feeds_and_removal_releases_them(
        world, server):
    """A feed's own channel wins over /config channels: the notice must say /feeds, and removing
    the feed sends what it held to the usual channel."""
    _, poster = cogs(world)
    mods = world.fake.add_channel(world.guild_id, "moderators")
    special = world.fake.add_channel(world.guild_id, "ngo-news")
    await world.h.slash("config moderators-channel", {"channel": mods}, user=world.moderator)
    await world.h.slash("config announcements", {"channel": world.channel_id}, user=world.moderator)
    server.documents["rss"] = Document(rss(entries(1)))
    await follow(world, server, channel=special)
    world.fake.delete_channel(special)
    server.documents["rss"] = Document(rss(entries(2)))
    await world.h.slash("feeds refresh", user=world.moderator)
    assert await poster.run_once() == 0
    feed_id = await world.db.fetchval("SELECT id FROM feeds")
    [notice] = world.fake.messages[mods]
    assert f"<#{special}>" in notice["content"] and f"#{feed_id}" in notice["content"]
    assert "/feeds remove" in notice["content"]
    assert await world.db.fetchval("SELECT state FROM outbox") == "parked"

    await world.h.slash("feeds remove", {"feed": feed_id}, user=world.moderator)
    assert await poster.run_once() == 1
    [message] = world.fake.messages[world.channel_id]
    assert message["embeds"][0]["url"] == "https://ngo.example.org/item/1"
    assert len(world.fake.messages[mods]) == 1


async def test_replies_about_a_very_long_feed_address_fit_in_a_message(world, server):
    name = "f" * 1950  # the whole address is near the 2000-character limit
    server.documents[name] = Document(rss(entries(1)))
    reply = await world.h.slash("feeds add", {"url": server.url(name)}, user=world.moderator)
    assert "#1" in reply.text() and len(reply.text()) <= 2000 and "…" in reply.text()
    reply = await world.h.slash("feeds remove", {"feed": 1}, user=world.moderator)
    assert "Stopped following" in reply.text() and len(reply.text()) <= 2000


async def test_refresh_has_a_cooldown_per_server_that_says_when(world, server):
    server.documents["rss"] = Document(rss(entries(1)))
    await follow(world, server)
    first = await world.h.slash("feeds refresh", user=world.moderator)
    assert "Read 1 feed" in first.text()
    fetched = len(server.requests)
    again = await world.h.slash("feeds refresh", user=world.moderator, locale="fr")
    assert again.ephemeral and "/flux actualiser" in again.text(), again.text()
    [stamp] = re.findall(r"<t:(\d+):R>", again.text())
    assert 240 < int(stamp) - time.time() <= 300
    assert len(server.requests) == fetched  # nothing was read
    theirs = world.h.moderator(world.other_guild_id, name="theirs")
    await world.h.slash("feeds add", {"url": server.url("rss")}, user=theirs)
    other = await world.h.slash("feeds refresh", user=theirs)  # another server: its own turn
    assert "Read 1 feed" in other.text(), other.text()


def test_a_cooldown_ends_when_it_said():
    gate = Cooldown(300)
    start = datetime(2024, 6, 1, 8, tzinfo=UTC)
    assert gate.claim(1, start) is None
    assert gate.claim(1, start + timedelta(seconds=299)) == start + timedelta(seconds=300)
    assert gate.claim(2, start + timedelta(seconds=1)) is None
    assert gate.claim(1, start + timedelta(seconds=300)) is None


async def test_moderators_are_told_when_a_feed_floods_in_their_language(world, server):
    """The other server speaks Spanish; its feed brings 40 items at once: 25 are announced."""
    _, poster = cogs(world)
    theirs = world.h.moderator(world.other_guild_id, name="theirs")
    mods = world.fake.add_channel(world.other_guild_id, "moderadores")
    await world.h.slash("config moderators-channel", {"channel": mods}, user=theirs)
    await world.h.slash("config announcements", {"channel": world.other_channel_id}, user=theirs)
    server.documents["rss"] = Document(rss(entries(1)))
    await world.h.slash("feeds add", {"url": server.url("rss")}, user=theirs)
    server.documents["rss"] = Document(rss([*entries(40, "flood"), *entries(1)]))
    reply = await world.h.slash("feeds refresh", user=theirs)
    assert "40" in reply.text()
    [notice] = world.fake.messages[mods]
    for part in ("40", "25", "15", "/recursos recientes", server.url("rss")):
        assert part in notice["content"], (part, notice["content"])
    while await poster.run_once():
        pass
    assert len(world.fake.messages[world.other_channel_id]) == 25
