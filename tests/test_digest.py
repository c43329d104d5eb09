"""The weekly digest: /config digest, its content per server, once a week across restarts."""

from datetime import UTC, datetime

import pytest

from bot.digest.poster import week_of
from tests.conftest import running_bot
from tests.pledges_admin_helpers import add_pledge

MONDAY = datetime(2024, 6, 3, 9, 0, tzinfo=UTC)
WEDNESDAY = datetime(2024, 6, 5, 9, 0, tzinfo=UTC)
NEXT_MONDAY = datetime(2024, 6, 10, 9, 0, tzinfo=UTC)


def poster(bot):
    return bot.get_cog("Digest").poster


def posted(world, channel_id=None):
    return [m for m in world.fake.messages[channel_id or world.channel_id] if m["embeds"]]


async def configure(world, day="wednesday", user=None, channel_id=None, locale=None):
    return await world.h.slash("config digest", {"channel": channel_id or world.channel_id,
                                                 "day": day},
                               user=user or world.moderator, locale=locale)


async def seed_week(world):
    """Last week's activity on this server, and some on the other server that must not show."""
    inside, before = "2024-06-04T10:00:00Z", "2024-05-01T10:00:00Z"
    for when in (inside, inside, before):
        await add_pledge(world.db, world.guild_id, created_at=when)
    await add_pledge(world.db, world.other_guild_id, created_at=inside)
    first = await world.db.fetchval("SELECT id FROM pledges ORDER BY id LIMIT 1")
    for status in ("in_progress", "fulfilled"):
        await world.db.execute(
            "INSERT INTO pledge_updates (pledge_id, guild_id, status, note, created_at) "
            "VALUES (?, ?, ?, '', ?)", (first, world.guild_id, status, inside))
    for question, times in (("who arrests suspects @everyone <@1>?", 3), ("what is *art. 93*?", 1)):
        for _ in range(times):
            await world.db.execute(
                "INSERT INTO kb_gaps (guild_id, question, normalized, lang, asked_at) "
                "VALUES (?, ?, ?, 'en', ?)", (world.guild_id, question, question, inside))
    await world.db.execute(
        "INSERT INTO kb_gaps (guild_id, question, normalized, lang, asked_at) "
        "VALUES (?, 'other server question', 'x', 'en', ?)", (world.other_guild_id, inside))
    await world.db.execute(
        "INSERT INTO feeds (guild_id, url, added_by, added_at, next_attempt_at, failures, "
        "last_error, enabled) VALUES (?, 'https://broken.example.org/rss', 1, 'x', 'x', 4, "
        "'HTTP 503', 1)", (world.guild_id,))


async def test_config_digest_sets_shows_and_stops(world):
    done = await configure(world, locale="fr")
    assert "chaque mercredi" in done.text() and f"<#{world.channel_id}>" in done.text()
    shown = await world.h.slash("config show", {}, user=world.moderator)
    assert "every Wednesday" in shown.text()
    refused = await world.h.slash("config digest", {"channel": world.channel_id},
                                  user=world.member, check=False)
    assert "moderators" in refused.text()
    foreign = await world.h.slash("config digest", {"channel": world.other_channel_id},
                                  user=world.moderator, check=False)
    assert "Wednesday" not in foreign.text()
    assert await world.bot.guild_settings.get(world.guild_id, "digest_channel") == str(
        world.channel_id)
    crafted = world.h.slash_payload("config digest", {"channel": world.channel_id},
                                    user=world.moderator)
    crafted["data"]["options"][0]["options"].append({"type": 3, "name": "day", "value": "funday"})
    assert "understand" in (await world.h.raw_interaction(crafted)).text()
    off = await world.h.slash("config digest", {}, user=world.moderator)
    assert "off" in off.text()
    assert await world.bot.guild_settings.get(world.guild_id, "digest_channel") is None


async def test_digest_content_is_this_servers_week(world):
    await seed_week(world)
    await configure(world, day="monday")
    assert await poster(world.bot).run_once(now=datetime(2024, 6, 10, 9, 0, tzinfo=UTC)) == 1
    [message] = posted(world)
    text = str(message["embeds"])
    assert "**2** new pledges" in text and "**2** progress updates" in text
    assert "**1** pledge reported fulfilled" in text
    assert "who arrests suspects" in text and "(3×)" in text and "other server" not in text
    questions = message["embeds"][0]["fields"][1]["value"]
    assert "@\u200beveryone" in questions and "\\*art. 93\\*" in questions  # cannot ping or format
    assert "<https://broken.example.org/rss>" in text and "4 failures in a row" in text
    assert message["embeds"][0]["title"] == "Weekly digest"


async def test_digest_in_the_servers_language(world):
    other_mod = world.h.moderator(world.other_guild_id, "otra")
    await configure(world, day="monday", user=other_mod, channel_id=world.other_channel_id)
    await poster(world.bot).run_once(now=MONDAY)
    [message] = posted(world, world.other_channel_id)
    assert message["embeds"][0]["title"] == "Resumen de la semana"
    assert "Todas las fuentes funcionan" in str(message["embeds"])


async def test_only_on_or_after_its_day_and_once_a_week(world):
    await configure(world, day="wednesday")
    assert await poster(world.bot).run_once(now=MONDAY) == 0
    assert await poster(world.bot).run_once(now=WEDNESDAY) == 1
    assert await poster(world.bot).run_once(now=WEDNESDAY.replace(hour=18)) == 0
    assert len(posted(world)) == 1
    assert await poster(world.bot).run_once(now=NEXT_MONDAY) == 0  # next week, before Wednesday
    assert await poster(world.bot).run_once(now=NEXT_MONDAY.replace(day=12)) == 1
    weeks = await world.db.fetchall("SELECT week, state FROM digests ORDER BY week")
    assert [tuple(r) for r in weeks] == [("2024-W23", "sent"), ("2024-W24", "sent")]


async def test_exactly_once_across_restarts(world):
    await configure(world, day="monday")
    assert await poster(world.bot).run_once(now=MONDAY) == 1
    # the bot dies after Discord took the digest, before the week was marked sent
    await world.db.execute("UPDATE digests SET state = 'pending', message_id = NULL")
    await world.h.close()
    async with running_bot(world.fake, world.db.path) as (bot, _):
        await poster(bot).run_once(now=MONDAY.replace(hour=10))
    async with running_bot(world.fake, world.db.path) as (bot, _):
        assert await poster(bot).run_once(now=MONDAY.replace(hour=11)) == 0
    assert len(posted(world)) == 1
    assert await world.db.fetchval("SELECT state FROM digests") == "sent"


@pytest.mark.allow_rejections
async def test_a_deleted_channel_is_given_up_after_a_few_tries(world):
    await configure(world, day="monday")
    world.fake.delete_channel(world.channel_id)
    for hour in range(6):
        assert await poster(world.bot).run_once(now=MONDAY.replace(hour=hour)) == 0
    row = await world.db.fetchone("SELECT state, attempts FROM digests")
    assert (row["state"], row["attempts"]) == ("failed", 5)


def test_weeks_are_iso_weeks():
    assert week_of(datetime(2024, 12, 30, tzinfo=UTC)) == "2025-W01"
    assert week_of(MONDAY) == week_of(MONDAY.replace(day=9)) == "2024-W23"
