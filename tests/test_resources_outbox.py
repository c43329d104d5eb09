"""Announcements through the fake Discord: exactly once, whatever Discord or the bot does."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from bot.resources.clock import parse_iso, utcnow
from bot.resources.store import NewResource, ResourceStore
from tests.conftest import running_bot

POSTS = r"/channels/\d+/messages$"


def poster(world, bot=None):
    return (bot or world.bot).get_cog("Resources").poster


async def set_channel(world, channel_id, command="config announcements", **options):
    reply = await world.h.slash(command, {"channel": channel_id, **options}, user=world.moderator)
    assert "<#" in reply.text(), reply.text()


async def add_resource(world, url="https://www.hrw.org/report/2024?utm_source=feed", **options):
    values = {"url": url, "title": "Wanted for War Crimes", "author": "Human Rights Watch"}
    values.update(options)
    reply = await world.h.slash("resource add", values, user=world.moderator)
    assert reply.ephemeral and not reply.text().startswith("Something"), reply.text()
    return reply


async def outbox(world, guild_id=None):
    return await world.db.fetchall("SELECT * FROM outbox WHERE guild_id = ? ORDER BY id",
                                   (guild_id or world.guild_id,))


def posts(world, channel_id):
    return [r for r in world.fake.requests_to("POST", POSTS) if f"/{channel_id}/" in r.path]


async def test_a_new_resource_is_announced_once_as_an_embed(world):
    news = world.fake.add_channel(world.guild_id, "announcements")
    await set_channel(world, news)
    await add_resource(world, title="@everyone <@123> Bosco Ntaganda", published="2012-04-13",
                       region="africa", kind="video")
    assert world.fake.messages[news] == []  # the poster sends, not the command
    assert await poster(world).run_once() == 1
    assert await poster(world).run_once() == 0
    [message] = world.fake.messages[news]
    [embed] = message["embeds"]
    assert embed["url"] == "https://www.hrw.org/report/2024"
    assert embed["title"].startswith("@everyone <@123>")
    assert embed["author"]["name"] == "Human Rights Watch"
    fields = {f["name"]: f["value"] for f in embed["fields"]}
    assert fields == {"Date": "April 13, 2012", "Region": "Africa", "Type": "Video"}
    [request] = posts(world, news)
    [row] = await outbox(world)
    assert request.json["nonce"] == row["nonce"] and request.json["enforce_nonce"] is True
    assert request.json["allowed_mentions"] == {"parse": []}
    assert (row["state"], row["message_id"], row["channel_id"]) == ("sent", int(message["id"]), news)


async def test_without_a_channel_announcements_wait_then_go_out(world):
    await add_resource(world)
    assert await poster(world).run_once() == 0
    [row] = await outbox(world)
    assert row["state"] == "pending" and row["attempts"] == 0
    assert parse_iso(row["next_attempt_at"]) > utcnow() + timedelta(minutes=30)
    show = await world.h.slash("config show", user=world.moderator)
    assert "1 waiting" in show.text() and "/config announcements" in show.text()
    news = world.fake.add_channel(world.guild_id, "news")
    await set_channel(world, news)  # wakes the outbox
    assert await poster(world).run_once() == 1
    assert len(world.fake.messages[news]) == 1


async def test_a_500_then_success_posts_once(world):
    await set_channel(world, world.channel_id)
    await add_resource(world)
    world.fake.fail_next("POST", POSTS, 500)
    assert await poster(world).run_once() == 1  # discord.py retried after its own pause
    assert len(posts(world, world.channel_id)) == 2
    assert len(world.fake.messages[world.channel_id]) == 1
    assert (await outbox(world))[0]["state"] == "sent"


async def test_a_503_leaves_the_row_pending_with_a_backoff(world):
    await set_channel(world, world.channel_id)
    await add_resource(world)
    world.fake.fail_next("POST", POSTS, 503)
    now = utcnow()
    assert await poster(world).run_once(now) == 0
    [row] = await outbox(world)
    assert row["state"] == "pending" and row["attempts"] == 1 and "503" in row["last_error"]
    due = parse_iso(row["next_attempt_at"])
    assert due >= now + timedelta(seconds=29)
    assert await poster(world).run_once(now + timedelta(seconds=5)) == 0  # not due yet
    assert await poster(world).run_once(due) == 1
    assert len(world.fake.messages[world.channel_id]) == 1


async def test_a_429_with_retry_after_is_honoured(world):
    await set_channel(world, world.channel_id)
    await add_resource(world)
    world.fake.fail_next("POST", POSTS, 429, body={"message": "slow down", "retry_after": 0.2,
                                                   "global": False, "code": 0})
    assert await poster(world).run_once() == 1  # discord.py waited retry_after, then retried
    assert [r.status for r in posts(world, world.channel_id)] == [429, 200]
    assert len(world.fake.messages[world.channel_id]) == 1


async def test_a_429_discord_py_gives_up_on_waits_at_least_retry_after(world):
    await set_channel(world, world.channel_id)
    await add_resource(world)
    world.fake.fail_next("POST", POSTS, 429, headers={"Via": "", "Retry-After": "120"},
                         body={"message": "banned for a while", "retry_after": 120, "code": 0})
    now = utcnow()
    assert await poster(world).run_once(now) == 0
    [row] = await outbox(world)
    assert row["state"] == "pending"
    assert parse_iso(row["next_attempt_at"]) >= now + timedelta(seconds=119)
    assert world.fake.messages[world.channel_id] == []


async def test_missing_permission_keeps_the_row_pending(world):
    await set_channel(world, world.channel_id)
    await add_resource(world)
    world.fake.fail_next("POST", POSTS, 403, body={"message": "Missing Permissions", "code": 50013})
    now = utcnow()
    assert await poster(world).run_once(now) == 0
    [row] = await outbox(world)
    assert row["state"] == "pending" and "50013" in row["last_error"]
    assert await poster(world).run_once(now + timedelta(hours=2)) == 1


async def test_a_restart_between_send_and_mark_does_not_post_twice(world):
    await set_channel(world, world.channel_id)
    await add_resource(world)
    first = poster(world)
    [item] = await first.outbox.due(utcnow(), 10)
    await first.send(item, world.channel_id)  # Discord has it; the bot dies before marking it
    await world.h.close()
    assert (await outbox(world))[0]["state"] == "pending"

    async with running_bot(world.fake, world.db.path) as (bot, _):
        assert await poster(world, bot).run_once() == 1
    assert len(posts(world, world.channel_id)) == 2  # it did send again...
    [message] = world.fake.messages[world.channel_id]  # ...and Discord kept one message
    [row] = await outbox(world)
    assert row["state"] == "sent" and row["message_id"] == int(message["id"])


@pytest.mark.allow_rejections
async def test_a_deleted_channel_is_reported_once_and_rows_are_kept(world):
    doomed = world.fake.add_channel(world.guild_id, "old-news")
    mods = world.fake.add_channel(world.guild_id, "moderators")
    await set_channel(world, doomed)
    await set_channel(world, mods, "config moderators-channel")
    await add_resource(world, url="https://a.example.org/1")
    await add_resource(world, url="https://a.example.org/2")
    world.fake.delete_channel(doomed)
    assert await poster(world).run_once() == 0
    assert [r["state"] for r in await outbox(world)] == ["parked", "parked"]
    [notice] = world.fake.messages[mods]
    assert f"<#{doomed}>" in notice["content"] and "/config announcements" in notice["content"]
    assert await poster(world).run_once(utcnow() + timedelta(days=1)) == 0  # parked: not retried
    show = await world.h.slash("config show", user=world.moderator)
    assert "2 held" in show.text() and "deleted" in show.text()

    fresh = world.fake.add_channel(world.guild_id, "news")
    await set_channel(world, fresh)
    assert await poster(world).run_once() == 2
    assert len(world.fake.messages[fresh]) == 2
    assert len(world.fake.messages[mods]) == 1


async def test_region_and_feed_channels_win_over_the_default(world):
    default = world.fake.add_channel(world.guild_id, "news")
    africa = world.fake.add_channel(world.guild_id, "africa")
    await set_channel(world, default)
    await set_channel(world, africa, "config region-channel", region="africa")
    await add_resource(world, url="https://a.example.org/af", region="africa")
    await add_resource(world, url="https://a.example.org/eu", region="europe")
    assert await poster(world).run_once() == 2
    assert [m["embeds"][0]["url"] for m in world.fake.messages[africa]] == ["https://a.example.org/af"]
    assert [m["embeds"][0]["url"] for m in world.fake.messages[default]] == ["https://a.example.org/eu"]


async def test_crosspost_in_announcement_channels_only_when_on(world):
    news = world.fake.add_channel(world.guild_id, "news", type=5)
    await set_channel(world, news)
    await add_resource(world, url="https://a.example.org/quiet")
    assert await poster(world).run_once() == 1
    assert world.fake.requests_to("POST", r"/crosspost$") == []
    await world.h.slash("config crosspost", {"state": "on"}, user=world.moderator)
    await add_resource(world, url="https://a.example.org/loud")
    assert await poster(world).run_once() == 1
    [crosspost] = world.fake.requests_to("POST", r"/crosspost$")
    loud = world.fake.messages[news][-1]
    assert loud["id"] in crosspost.path and loud["flags"] & 1  # CROSSPOSTED


async def test_each_server_announces_only_its_own_resources(world):
    mine = world.fake.add_channel(world.guild_id, "news")
    theirs_mod = world.h.moderator(world.other_guild_id, name="theirs")
    await set_channel(world, mine)
    reply = await world.h.slash("config announcements", {"channel": world.other_channel_id},
                                user=theirs_mod)
    assert "<#" in reply.text()
    await add_resource(world)
    assert await poster(world).run_once() == 1
    assert len(world.fake.messages[mine]) == 1
    assert world.fake.messages[world.other_channel_id] == []
    assert await outbox(world, world.other_guild_id) == []


async def wait_for(condition, timeout=5.0):
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not await condition():
        assert loop.time() < deadline, "timed out"
        await asyncio.sleep(0.01)


async def test_with_background_tasks_the_poster_runs_by_itself_and_stops_on_close(world):
    """The only test with the loops on: seeds load when the server is seen, a new resource is
    posted without anyone calling run_once, and closing the bot ends the loops."""
    await world.h.close()  # the fixture's bot stays idle from here on
    async with running_bot(world.fake, world.db.path, background_tasks=True) as (bot, h):
        db = bot.db
        async def seeded():
            return await db.fetchval("SELECT count(*) FROM resource_seeded") == 2
        await wait_for(seeded)
        await h.slash("config announcements", {"channel": world.channel_id}, user=world.moderator)
        await h.slash("resource add", {"url": "https://a.example.org/bg", "title": "By itself"},
                      user=world.moderator)

        async def posted():
            return len(world.fake.messages[world.channel_id]) == 1
        await wait_for(posted)
        loops = [t for t in asyncio.all_tasks() if t.get_name().startswith("resources-loop-")]
        assert sorted(t.get_name() for t in loops) == ["resources-loop-feeds",
                                                       "resources-loop-outbox"]
    await asyncio.sleep(0)
    assert all(t.done() for t in loops)
    assert await world.db.fetchval("SELECT state FROM outbox") == "sent"


async def test_a_full_pass_asks_the_loop_to_come_straight_back(world):
    await set_channel(world, world.channel_id)
    store = ResourceStore(world.db)
    sender = poster(world)
    for i in range(sender.per_guild + 1):
        await store.add(world.guild_id, NewResource(url=f"https://a.example.org/{i}", title=f"R{i}"))
    sender.wakeup.clear()
    assert await sender.run_once() == sender.per_guild
    assert sender.wakeup.is_set()
    sender.wakeup.clear()
    assert await sender.run_once() == 1
    assert not sender.wakeup.is_set()
    assert len(world.fake.messages[world.channel_id]) == sender.per_guild + 1


async def two_servers_announcing(world, backlog):
    """`backlog` announcements of this server queued first, then one of the other server."""
    await set_channel(world, world.channel_id)
    theirs = world.h.moderator(world.other_guild_id, name="theirs")
    reply = await world.h.slash("config announcements", {"channel": world.other_channel_id},
                                user=theirs)
    assert "<#" in reply.text()
    store = ResourceStore(world.db)
    for i in range(backlog):
        await store.add(world.guild_id, NewResource(url=f"https://a.example.org/{i}", title=f"A{i}"))
    await store.add(world.other_guild_id, NewResource(url="https://b.example.org/1", title="B"))


async def test_one_servers_backlog_does_not_hold_another_servers_announcement(world):
    """The outbox was one FIFO: the other server's announcement waited behind all 60."""
    await two_servers_announcing(world, 60)
    sender = poster(world)
    while await sender.run_once():
        pass
    order = [r.path for r in world.fake.requests_to("POST", POSTS)]
    assert len(order) == 61
    first_other = next(i for i, path in enumerate(order) if f"/{world.other_channel_id}/" in path)
    assert first_other < 3, first_other
    mine = [m["embeds"][0]["title"] for m in world.fake.messages[world.channel_id]]
    assert mine == [f"A{i}" for i in range(60)]  # each server's own order is kept
    assert {r["state"] for r in await world.db.fetchall("SELECT state FROM outbox")} == {"sent"}


async def test_servers_post_side_by_side_so_a_slow_channel_holds_only_its_own(world):
    """This server's channel takes 0.2 s per message; the other server's post does not wait."""
    await two_servers_announcing(world, 3)
    world.fake.slow_channel(world.channel_id, 0.2)
    assert await poster(world).run_once() == 4
    [other] = world.fake.messages[world.other_channel_id]
    assert all(int(other["id"]) < int(m["id"]) for m in world.fake.messages[world.channel_id])


async def test_a_rate_limited_crosspost_does_not_hold_the_poster(world):
    """Discord allows about ten crossposts an hour per channel and answers the next with a long
    retry_after, which discord.py would sleep through with every server's announcements behind
    it. The announcement itself is posted; only its publication is given up."""
    news = world.fake.add_channel(world.guild_id, "news", type=5)
    await set_channel(world, news)
    await world.h.slash("config crosspost", {"state": "on"}, user=world.moderator)
    await add_resource(world, url="https://a.example.org/one")
    await add_resource(world, url="https://a.example.org/two")
    sender = poster(world)
    sender.crosspost_timeout = 0.2
    world.fake.fail_next("POST", r"/crosspost$", 429, body={"retry_after": 3600}, times=5)
    assert await asyncio.wait_for(sender.run_once(), timeout=10) == 2
    assert len(world.fake.messages[news]) == 2
    assert [r["state"] for r in await outbox(world)] == ["sent", "sent"]
    assert len(world.fake.requests_to("POST", r"/crosspost$")) == 1  # then paused for the channel


async def test_a_long_retry_after_is_not_slept_through_by_the_poster(world):
    """Discord may ask for minutes; the poster must not hold every server's announcements."""
    await set_channel(world, world.channel_id)
    await add_resource(world)
    world.fake.fail_next("POST", POSTS, 429, body={"message": "slow down", "retry_after": 600,
                                                   "global": False, "code": 0})
    now = utcnow()
    assert await asyncio.wait_for(poster(world).run_once(now), timeout=10) == 0
    [row] = await outbox(world)
    assert row["state"] == "pending"
    assert parse_iso(row["next_attempt_at"]) >= now + timedelta(seconds=599)
    assert world.fake.messages[world.channel_id] == []
