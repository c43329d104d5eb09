"""Announcements Discord refuses: a 403 is reported once and retried (at once when the
permissions change), a 400 is reported once and parked, each server hears of its own only."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import discord

from bot.resources.clock import parse_iso, utcnow
from tests.test_config_access import overwrite, perms
from tests.test_resources_outbox import add_resource, outbox, poster, posts, set_channel

FORBIDDEN = {"message": "Missing Permissions", "code": 50013}
INVALID = {"message": "Invalid Form Body", "code": 50035,
           "errors": {"embeds": {"0": {"url": {"_errors": [{"code": "URL_TYPE_INVALID_URL",
                                                            "message": "Not a well formed URL."}]}}}}}


async def moderators_channel(world, guild_id=None, moderator=None):
    mods = world.fake.add_channel(guild_id or world.guild_id, "moderators")
    reply = await world.h.slash("config moderators-channel", {"channel": mods},
                                user=moderator or world.moderator)
    assert f"<#{mods}>" in reply.text()
    return mods


async def until(condition, timeout=5.0):
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not await condition():
        assert loop.time() < deadline, "timed out"
        await asyncio.sleep(0.01)


async def test_a_403_is_reported_once_naming_the_fix_and_goes_out_once_fixed(world):
    news = world.fake.add_channel(world.guild_id, "news")
    mods = await moderators_channel(world)
    await set_channel(world, news)
    await add_resource(world, url="https://a.example.org/1")
    await add_resource(world, url="https://a.example.org/2")
    # someone takes Embed Links away from the bot after the channel was set
    overwrite(world.fake, news, world.guild_id, deny=perms(embed_links=True))
    world.fake.fail_next("POST", rf"/channels/{news}/messages$", 403, body=FORBIDDEN, times=4)
    now = utcnow()
    assert await poster(world).run_once(now) == 0
    rows = await outbox(world)
    assert [(r["state"], r["reason"], r["channel_id"]) for r in rows] == [("pending", "forbidden", news)] * 2
    assert all(parse_iso(r["next_attempt_at"]) >= now + timedelta(minutes=59) for r in rows)
    [notice] = world.fake.messages[mods]
    text = notice["content"]
    assert f"<#{news}>" in text and "Embed Links" in text and "Send Messages" not in text
    assert "403 50013" in text and "/config announcements" in text
    assert posts(world, mods)[-1].json["allowed_mentions"] == {"parse": []}

    assert await poster(world).run_once(now + timedelta(hours=2)) == 0  # still refused
    assert len(world.fake.messages[mods]) == 1  # not told again
    status = await world.h.slash("status", user=world.moderator)
    assert f"<#{news}>: 2 (Discord refuses: the bot lacks Embed Links" in status.text()

    overwrite(world.fake, news, world.guild_id)  # fixed in the channel's settings

    async def woken():
        return all(parse_iso(r["next_attempt_at"]) <= utcnow() for r in await outbox(world))
    await until(woken)
    assert await poster(world).run_once() == 2
    assert len(world.fake.messages[news]) == 2
    assert [r["state"] for r in await outbox(world)] == ["sent", "sent"]


async def test_a_400_is_parked_reported_once_and_not_retried(world):
    news = world.fake.add_channel(world.guild_id, "news")
    mods = await moderators_channel(world)
    await set_channel(world, news)
    await add_resource(world, url="https://a.example.org/1")
    world.fake.fail_next("POST", rf"/channels/{news}/messages$", 400, body=INVALID, times=2)
    assert await poster(world).run_once() == 0
    [row] = await outbox(world)
    assert (row["state"], row["reason"]) == ("parked", "rejected") and "50035" in row["last_error"]
    [notice] = world.fake.messages[mods]
    assert "set aside" in notice["content"] and f"announcement {row['id']}" in notice["content"]
    await add_resource(world, url="https://a.example.org/2")
    assert await poster(world).run_once() == 0
    assert len(world.fake.messages[mods]) == 1
    sent_before = len(posts(world, news))
    assert await poster(world).run_once(utcnow() + timedelta(days=2)) == 0
    assert len(posts(world, news)) == sent_before  # parked rows are not tried again
    status = await world.h.slash("status", user=world.moderator, locale="fr")
    assert "refusées par Discord comme invalides" in status.text()


async def test_each_server_hears_of_its_own_refusals_only(world):
    theirs = world.h.moderator(world.other_guild_id, name="theirs")
    their_mods = await moderators_channel(world, world.other_guild_id, moderator=theirs)
    news = world.fake.add_channel(world.guild_id, "news")
    await set_channel(world, news)
    await add_resource(world)
    world.fake.fail_next("POST", rf"/channels/{news}/messages$", 403, body=FORBIDDEN)
    assert await poster(world).run_once() == 0  # no moderators' channel here: logged only
    assert world.fake.messages[their_mods] == []
    other = await world.h.slash("status", user=theirs)
    assert "None: everything was posted." in other.text()


async def test_a_refusal_without_a_known_cause_names_every_permission_needed(world):
    news = world.fake.add_channel(world.guild_id, "news")
    mods = await moderators_channel(world)
    await set_channel(world, news)
    await add_resource(world)
    world.fake.fail_next("POST", rf"/channels/{news}/messages$", 403,
                         body={"message": "Missing Access", "code": 50001})
    assert await poster(world).run_once() == 0
    [notice] = world.fake.messages[mods]
    assert "View Channel, Send Messages, Embed Links" in notice["content"]
    assert isinstance(world.bot.get_channel(news), discord.TextChannel)
