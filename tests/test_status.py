"""/status through the real command tree: what it shows a server's moderators, and to whom."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.backups import Backups, backup_name
from bot.l10n import day
from bot.resources.clock import utcnow
from bot.storage.backup import BackupError
from bot.version import version
from tests.conftest import running_bot
from tests.resources_helpers import Document, Entry, rss
from tests.test_resources_outbox import add_resource, poster


def fields(reply):
    [embed] = reply.embeds
    return {f["name"]: f["value"] for f in embed["fields"]}


async def test_a_quiet_server_sees_a_healthy_bot_and_members_see_nothing(world):
    reply = await world.h.slash("status", user=world.moderator)
    assert reply.ephemeral
    shown = fields(reply)
    assert shown["Version"] == version() and "(" in version()  # the commit of this checkout
    assert str(world.guild_id) in shown["Server id"]
    assert shown["Feeds"] == "None followed."
    assert shown["Announcements waiting"] == "None: everything was posted."
    assert shown["Last automatic backup"].startswith("none yet")
    topics = world.bot.kb.topics
    newest = day(max(t.checked for t in topics.values()), "en")  # "November 27, 2026"
    assert shown["Knowledge base"].startswith(f"{len(topics)} topics, reviewed up to {newest},")
    assert "<t:" in shown["Running since"]
    assert reply.embeds[0]["color"] == 0x2ECC71
    for user in (world.member, world.outsider):
        refused = await world.h.raw_interaction(world.h.slash_payload("status", user=user, check=False))
        assert "moderators" in refused.text() and not refused.embeds


async def test_failing_feeds_waiting_announcements_and_a_failed_backup_are_named(world, server, tmp_path):
    server.documents["rss"] = Document(rss([Entry("one", "https://ngo.example.org/1", guid="1")]))
    server.documents["theirs"] = Document(rss([Entry("two", "https://ngo.example.org/2", guid="2")]))
    await world.h.slash("feeds add", {"url": server.url("rss")}, user=world.moderator)
    theirs = world.h.moderator(world.other_guild_id, name="theirs")
    await world.h.slash("feeds add", {"url": server.url("theirs")}, user=theirs)
    server.documents["rss"] = Document(b"oops", status=500)
    server.documents["theirs"] = Document(b"oops", status=500)
    poller = world.bot.get_cog("Feeds").poller
    await poller.poll_due(utcnow() + timedelta(hours=1))
    await add_resource(world)  # no announcements channel yet
    await poster(world).run_once()

    backups = Backups(world.bot.settings, world.db)
    moment = utcnow().replace(microsecond=0)
    (backups.folder / backup_name(moment)).mkdir(parents=True)  # a name that cannot be written
    with pytest.raises(BackupError):
        await backups.run_once(moment)

    reply = await world.h.slash("status", user=world.moderator)
    shown = fields(reply)
    assert server.url("rss") in shown["Feeds"] and "1 failure, " in shown["Feeds"]
    assert "500" in shown["Feeds"] and server.url("theirs") not in shown["Feeds"]
    assert shown["Announcements waiting"] == (
        "no channel: 1 (no announcements channel: choose one with /config announcements)")
    show = await world.h.slash("config show", user=world.moderator)
    assert "1 waiting" in show.text() and "wait: /status" in show.text()
    assert shown["Last automatic backup"].startswith("FAILED <t:")
    assert reply.embeds[0]["color"] == 0xE67E22
    french = fields(await world.h.slash("status", user=world.moderator, locale="fr"))
    assert "/configuration annonces" in french["Annonces en attente"]
    assert french["Dernière sauvegarde automatique"].startswith("ÉCHEC")

    theirs_status = fields(await world.h.slash("status", user=theirs))
    assert server.url("theirs") in theirs_status["Feeds"] and server.url("rss") not in theirs_status["Feeds"]
    assert theirs_status["Announcements waiting"] == "None: everything was posted."

    await world.h.slash("config announcements", {"channel": world.channel_id}, user=world.moderator)
    await backups.run_once(moment + timedelta(seconds=1))
    shown = fields(await world.h.slash("status", user=world.moderator))
    assert shown["Last automatic backup"].endswith("verified")


async def test_with_backups_turned_off_status_says_so(fake, tmp_path):
    guild_id = fake.add_guild(name="Coalition")
    fake.add_channel(guild_id, "general")
    async with running_bot(fake, tmp_path / "bot.sqlite3", backup_hours=0) as (_, h):
        reply = await h.slash("status", user=h.moderator(guild_id))
    assert fields(reply)["Last automatic backup"] == "automatic backups are off"
