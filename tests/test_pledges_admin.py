"""/pledges and /comments for moderators, through the real command tree against the fake Discord."""

from __future__ import annotations

import gzip
import logging

import pytest

from bot.guild_settings import MODERATOR_ROLE
from tests.pledges_admin_helpers import (
    HOSTILE,
    add_campaign,
    add_comment,
    add_pledge,
    read_csv,
    read_json,
)

MODERATOR_COMMANDS = [
    ("pledges export", {"format": "csv"}),
    ("pledges export", {"format": "json", "region": "europe", "include_withdrawn": True}),
    ("comments export", {"format": "csv"}),
    ("pledges audit", {}),
    ("pledges stats", {}),
    ("pledges campaign open", {"name": "Hijack"}),
    ("pledges campaign close", {}),
]


async def audit_rows(world, guild_id=None):
    return await world.db.fetchall(
        "SELECT moderator_id, kind, format, filters, row_count FROM export_audit "
        "WHERE guild_id = ? ORDER BY id", (guild_id or world.guild_id,))


async def export(world, name, options, *, user=None, limit=None, locale="en-US"):
    payload = world.h.slash_payload(name, options, user=user or world.moderator, locale=locale)
    if limit is not None:
        payload["attachment_size_limit"] = limit
    return await world.h.raw_interaction(payload)


# -- who may -------------------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "options"), MODERATOR_COMMANDS)
async def test_members_are_refused_even_with_crafted_requests(world, caplog, name, options):
    await add_pledge(world.db, world.guild_id, text="a member's pledge")
    await add_campaign(world.db, world.guild_id, "Open one")
    with caplog.at_level(logging.WARNING, logger="bot.permissions"):
        reply = await world.h.slash(name, options, user=world.member, check=False)
    assert "moderators" in reply.text()
    assert reply.ephemeral and reply.files == []
    assert "refused moderator command" in caplog.text
    assert await audit_rows(world) == []
    campaigns = await world.db.fetchall("SELECT name, closed_at FROM campaigns")
    assert [(r["name"], r["closed_at"]) for r in campaigns] == [("Open one", None)]


async def test_discord_hides_the_groups_from_members(world):
    from bot.fakediscord.reply import HarnessError

    with pytest.raises(HarnessError, match="hides"):
        await world.h.slash("pledges export", {"format": "csv"}, user=world.member)


async def test_the_configured_moderator_role_is_enough(world):
    role = world.fake.add_role(world.guild_id, "Coordinators")
    coordinator = world.h.member(world.guild_id, "coordinator", roles=[role])
    await add_pledge(world.db, world.guild_id, text="visible to coordinators")
    refused = await world.h.slash("pledges export", {"format": "csv"}, user=coordinator, check=False)
    assert refused.files == []
    await world.bot.guild_settings.set(world.guild_id, MODERATOR_ROLE, role)
    reply = await world.h.slash("pledges export", {"format": "csv"}, user=coordinator, check=False)
    (_, data), = reply.files
    assert [r["text"] for r in read_csv(data)] == ["visible to coordinators"]
    rows = await audit_rows(world)
    assert [(r["moderator_id"], r["row_count"]) for r in rows] == [(coordinator.id, 1)]
    # the role set on this server means nothing in a request claiming another server
    crafted = world.h.slash_payload("pledges export", {"format": "csv"}, user=coordinator,
                                    guild_id=world.other_guild_id, check=False)
    assert "moderators" in (await world.h.raw_interaction(crafted)).text()
    assert len(await audit_rows(world, world.other_guild_id)) == 0


# -- exports -------------------------------------------------------------------------------------


async def test_csv_export_is_attached_neutralised_and_audited(world):
    campaign = await add_campaign(world.db, world.guild_id, "Kampala")
    for text in HOSTILE:
        await add_pledge(world.db, world.guild_id, text=text, on_behalf_of=text, campaign_id=campaign)
    await add_pledge(world.db, world.other_guild_id, text="other server")
    reply = await export(world, "pledges export", {"format": "csv", "campaign": "Kampala"})
    assert reply.callback_type == 5 and reply.ephemeral  # deferred, then the file
    (name, data), = reply.files
    assert name.startswith(f"pledges-{world.guild_id}-") and name.endswith(".csv")
    rows = read_csv(data)
    assert len(rows) == len(HOSTILE)
    assert all(r["text"][:1] not in "=+-@\t\r" for r in rows)
    assert rows[0]["text"].startswith("'=HYPERLINK")
    assert b"other server" not in data
    assert f"{len(HOSTILE)}" in reply.text()
    (row,) = await audit_rows(world)
    assert (row["moderator_id"], row["kind"], row["format"], row["row_count"]) == (
        world.moderator.id, "pledges", "csv", len(HOSTILE))
    assert '"campaign": "Kampala"' in row["filters"] and '"delivery": "attached"' in row["filters"]
    sent = world.fake.requests_to("POST", r"/webhooks/")
    assert sent and all(r.json.get("allowed_mentions") == {"parse": []} for r in sent)


async def test_json_and_filters(world):
    await add_pledge(world.db, world.guild_id, text="old", created_at="2009-01-01T00:00:00Z")
    await add_pledge(world.db, world.guild_id, text="africa", region="africa")
    await add_pledge(world.db, world.guild_id, text="gone", status="withdrawn",
                     withdrawn_at="2024-04-01T00:00:00Z")
    await add_comment(world.db, world.guild_id, text="on topic", topic="stocktaking")
    await add_comment(world.db, world.guild_id, text="off topic", topic="agreements")
    await add_comment(world.db, world.other_guild_id, text="other server", topic="stocktaking")

    async def texts(name, options):
        reply = await export(world, name, {"format": "json", **options})
        (_, data), = reply.files
        return [r["text"] for r in read_json(data)]

    assert await texts("pledges export", {}) == ["old", "africa"]
    assert await texts("pledges export", {"since": "2010-05-31"}) == ["africa"]
    assert await texts("pledges export", {"include_withdrawn": True}) == ["old", "africa", "gone"]
    assert await texts("pledges export", {"region": "africa"}) == ["africa"]
    assert await texts("comments export", {"topic": "stocktaking"}) == ["on topic"]
    assert len(await audit_rows(world)) == 5


@pytest.mark.parametrize(("options", "fragment"), [
    ({"since": "31/05/2010"}, "n'est pas une date"),
    ({"since": "=1+1"}, "n'est pas une date"),
    ({"campaign": "Nope <@123>"}, "pas de campagne"),
    ({"format": "xml"}, "pas compris"),
    ({"region": "antarctica"}, "pas compris"),
])
async def test_bad_export_options_are_explained_in_the_members_language(world, options, fragment):
    payload = world.h.slash_payload("pledges export", {"format": "csv"}, user=world.moderator,
                                    locale="fr")
    given = {o["name"]: o for o in payload["data"]["options"][0]["options"]}
    for key, value in options.items():
        given[key] = {"type": 3, "name": key, "value": value}
    payload["data"]["options"][0]["options"] = list(given.values())
    reply = await world.h.raw_interaction(payload)
    assert fragment in reply.text()
    assert reply.files == []
    assert await audit_rows(world) == []


async def test_comments_topic_must_be_short(world):
    reply = await world.h.slash("comments export", {"format": "csv", "topic": "x" * 500},
                                user=world.moderator, check=False)
    assert reply.files == [] and await audit_rows(world) == []


async def test_large_exports_are_gzipped_then_sent_to_the_cli(world):
    for i in range(200):
        await add_pledge(world.db, world.guild_id, text=f"pledge {i} " + "repeated words " * 20)
    reply = await export(world, "pledges export", {"format": "csv"}, limit=20_000)
    (name, data), = reply.files
    assert name.endswith(".csv.gz") and len(data) <= 20_000
    assert len(read_csv(gzip.decompress(data))) == 200
    assert "gzip" in reply.text()

    reply = await export(world, "pledges export", {"format": "csv", "region": "europe"}, limit=500)
    assert reply.files == []
    assert f"coalition-bot export pledges --guild {world.guild_id} --format csv" in reply.text()
    assert "--region europe" in reply.text()
    deliveries = [r["filters"] for r in await audit_rows(world)]
    assert '"delivery": "gzip"' in deliveries[0] and '"delivery": "too_large"' in deliveries[1]


async def test_a_moderator_of_another_server_sees_only_theirs(world):
    await add_pledge(world.db, world.guild_id, text="ours")
    await add_comment(world.db, world.guild_id, text="our comment")
    other_mod = world.h.moderator(world.other_guild_id, "otra")
    for name in ("pledges export", "comments export"):
        reply = await world.h.slash(name, {"format": "csv"}, user=other_mod)
        (_, data), = reply.files
        assert read_csv(data) == []
    assert await audit_rows(world) == []
    assert len(await audit_rows(world, world.other_guild_id)) == 2


# -- audit, stats, campaigns ------------------------------------------------------------------------


async def test_audit_lists_this_servers_exports(world):
    empty = await world.h.slash("pledges audit", {}, user=world.moderator)
    assert "Nobody has exported" in empty.text()
    await export(world, "pledges export", {"format": "csv", "region": "mena"})
    await export(world, "comments export", {"format": "json"})
    other_mod = world.h.moderator(world.other_guild_id, "otra")
    await world.h.slash("comments export", {"format": "csv"}, user=other_mod)
    reply = await world.h.slash("pledges audit", {}, user=world.moderator)
    text = reply.text()
    assert reply.ephemeral
    assert text.count(world.moderator.mention) == 2 and str(other_mod.id) not in text
    assert "Middle East and North Africa" in text and "comments json" in text
    assert "region" not in text and "0 rows" in text and "no filters" in text


async def test_stats_by_region_topic_status_localized(world):
    spring = await add_campaign(world.db, world.guild_id, "Spring")
    await add_pledge(world.db, world.guild_id, region="africa", topic="pledges", campaign_id=spring)
    await add_pledge(world.db, world.guild_id, region="africa", topic="agreements", status="withdrawn")
    await add_pledge(world.db, world.other_guild_id, region="mena", topic="pledges")
    reply = await world.h.slash("pledges stats", {}, user=world.moderator, locale="fr")
    fields = {f["name"]: f["value"] for f in reply.embeds[0]["fields"]}
    assert set(fields) == {"Par région", "Par sujet", "Par statut"}
    assert "Afrique: **2**" in fields["Par région"]
    assert "Moyen-Orient et Afrique du Nord: **0**" in fields["Par région"]
    assert "actifs: **1**" in fields["Par statut"] and "retirés: **1**" in fields["Par statut"]
    assert "**1**" in fields["Par sujet"]
    only = await world.h.slash("pledges stats", {"campaign": "Spring"}, user=world.moderator)
    assert "Spring" in only.embeds[0]["title"] and "1 pledge in all; 0 comments" in only.text()
    unknown = await world.h.slash("pledges stats", {"campaign": "Nope"}, user=world.moderator)
    assert "no campaign called" in unknown.text()


async def test_campaign_open_and_close(world):
    opened = await world.h.slash("pledges campaign open",
                                 {"name": "  @everyone Kampala\x00 2010 ", "closes": "2099-12-31"},
                                 user=world.moderator)
    assert "@everyone Kampala 2010" in opened.text() and "December 31, 2099" in opened.text()
    row = await world.db.fetchone("SELECT * FROM campaigns WHERE guild_id = ?", (world.guild_id,))
    assert (row["name"], row["closes_at"], row["opened_by"]) == (
        "@everyone Kampala 2010", "2099-12-31T23:59:59Z", world.moderator.id)
    again = await world.h.slash("pledges campaign open", {"name": "Second"}, user=world.moderator)
    assert "still open" in again.text() and "@everyone Kampala 2010" in again.text()
    sent = world.fake.requests_to("POST", r"/interactions/")
    assert all(r.json.get("data", {}).get("allowed_mentions") == {"parse": []} for r in sent)
    # the other server may run its own campaign meanwhile
    other_mod = world.h.moderator(world.other_guild_id, "otra")
    assert "is open" in (await world.h.slash("pledges campaign open", {"name": "Second"},
                                             user=other_mod)).text()
    closed = await world.h.slash("pledges campaign close", {}, user=world.moderator)
    assert "is closed" in closed.text()
    assert "No campaign is open" in (await world.h.slash(
        "pledges campaign close", {}, user=world.moderator)).text()
    assert await world.db.fetchval(
        "SELECT count(*) FROM campaigns WHERE closed_at IS NULL") == 1  # the other server's


@pytest.mark.parametrize(("options", "fragment"), [
    ({"name": "\x00\x01 \n "}, "needs a name"),
    ({"name": "\u200b\u2060\u00ad\u202e"}, "needs a name"),
    ({"name": "x" * 300}, "at most 100"),
    ({"name": "Ok", "closes": "next week"}, "is not a date"),
    ({"name": "Ok", "closes": "2001-01-01"}, "already passed"),
])
async def test_bad_campaigns_are_refused(world, options, fragment):
    reply = await world.h.slash("pledges campaign open", options, user=world.moderator, check=False)
    assert fragment in reply.text()
    assert await world.db.fetchval("SELECT count(*) FROM campaigns") == 0


async def test_autocomplete_is_for_moderators_of_this_server_only(world):
    await add_campaign(world.db, world.guild_id, "Kampala 2010", closed_at="2010-06-11T00:00:00Z")
    await add_campaign(world.db, world.other_guild_id, "Kampala elsewhere")
    choices = await world.h.autocomplete("pledges export", {"campaign": "kam"}, focused="campaign",
                                         user=world.moderator)
    assert [c["value"] for c in choices] == ["Kampala 2010"]
    crafted = world.h.slash_payload("pledges stats", {"campaign": "kam"}, user=world.member,
                                    focused="campaign", check=False)
    assert (await world.h.raw_interaction(crafted)).choices == []
    topics = await world.h.autocomplete("comments export", {"topic": ""}, focused="topic",
                                        user=world.moderator)
    assert 0 < len(topics) <= 25


@pytest.mark.parametrize(("locale", "close", "audit"), [
    ("fr", "/engagements campagne fermer", "/engagements journal"),
    ("es-ES", "/compromisos campaña cerrar", "/compromisos registro"),
])
async def test_replies_name_commands_as_the_moderators_client_shows_them(world, locale, close,
                                                                         audit):
    """A French or Spanish client lists the localized names; /pledges ... is not what it shows."""
    await world.h.slash("pledges campaign open", {"name": "One"}, user=world.moderator)
    again = await world.h.slash("pledges campaign open", {"name": "Two"}, user=world.moderator,
                                locale=locale)
    assert close in again.text()
    done = await export(world, "pledges export", {"format": "csv"}, locale=locale)
    assert audit in done.text() and len(done.files) == 1
