"""/pledge through the real command tree and the fake Discord: forms, receipts, ownership."""

import pytest

from bot.fakediscord.state import walk_components
from bot.regions import REGIONS

FORM = {"pledge_text": "Adopt implementing legislation by 2026", "on_behalf_of": "Republic of Kenya",
        "region": ["africa"], "topic": ["pledges"]}


async def make(world, user=None, values=None, *, locale=None, check=True):
    user = user or world.member
    opened = await world.h.slash("pledge make", user=user, guild_id=user.guild_id, locale=locale)
    assert opened.modal is not None, opened.text()
    return opened, await world.h.submit_modal(opened, {**FORM, **(values or {})}, user=user,
                                              locale=locale, check=check)


def fields(modal):
    return {c["custom_id"]: c for c in walk_components(modal["components"]) if "custom_id" in c}


async def pledge_rows(world):
    return await world.db.fetchall("SELECT * FROM pledges ORDER BY id")


@pytest.mark.parametrize("locale", ["en-US", "fr", "es-ES"])
async def test_form_has_stable_ids_and_fits_discord_limits(world, locale):
    opened = await world.h.slash("pledge make", user=world.member, locale=locale)
    modal = opened.modal
    assert modal["custom_id"] == "pledge" and len(modal["title"]) <= 45
    assert all(len(c["label"]) <= 45 for c in modal["components"] if c["type"] == 18)
    found = fields(modal)
    assert found["pledge_text"]["max_length"] == 1000 and found["pledge_text"]["style"] == 2
    assert found["on_behalf_of"]["max_length"] == 200
    assert [o["value"] for o in found["region"]["options"]] == list(REGIONS)
    topics = [o["value"] for o in found["topic"]["options"]]
    assert "pledges" in topics and 1 <= len(topics) <= 25
    assert opened.rejections == []


async def test_submit_commits_then_sends_ephemeral_receipt_with_buttons(world):
    text = "Coopérer pleinement 👩🏽\u200d⚖️ مرحبا <@123> @everyone =HYPERLINK(\"x\")\nline 2"
    _, receipt = await make(world, values={"pledge_text": text}, locale="fr")
    rows = await pledge_rows(world)
    assert len(rows) == 1
    row = rows[0]
    assert (row["guild_id"], row["author_id"], row["text"], row["region"], row["topic"],
            row["lang"], row["campaign_id"]) == (world.guild_id, world.member.id, text, "africa",
                                                 "pledges", "fr", None)
    assert receipt.ephemeral and receipt.callback_type == 4
    assert f"n° {row['id']}" in receipt.text() and "@everyone" in receipt.text()
    assert receipt.custom_ids() == [f"pledge:edit:{row['id']}", f"pledge:withdraw:{row['id']}"]
    callback = world.fake.requests_to("POST", r"/interactions/.*/callback")[-1]
    assert callback.json["data"]["allowed_mentions"] == {"parse": []}


async def test_pledge_is_kept_even_if_the_receipt_cannot_be_delivered(world):
    opened = await world.h.slash("pledge make", user=world.member)
    world.fake.fail_next("POST", r"/interactions/.*/callback", 400,
                         {"code": 10062, "message": "Unknown interaction"})
    await world.h.submit_modal(opened, FORM, user=world.member)
    assert len(await pledge_rows(world)) == 1


@pytest.mark.parametrize(("values", "fragment"), [
    ({"pledge_text": "x" * 5000}, "5,000"),
    ({"pledge_text": "   \n\t "}, "empty"),
    ({"pledge_text": "\x00\x1b\x07"}, "empty"),
    ({"pledge_text": "\u200b\u200c\u200d\u2060\ufeff\u00ad"}, "empty"),
    ({"pledge_text": "\u202e\u2066 \u3164\n\u2800"}, "empty"),
    ({"on_behalf_of": "\u200b\u200f\u061c"}, "on whose behalf"),
    ({"on_behalf_of": "y" * 201}, "201"),
    ({"region": ["mars"]}, "five regions"),
    ({"region": ["europe", "africa"]}, "five regions"),
    ({"region": []}, "five regions"),
    ({"topic": ["no-such-topic"]}, "topic"),
])
async def test_crafted_submits_are_refused_and_nothing_is_stored(world, values, fragment):
    _, reply = await make(world, values=values, check=False)
    assert fragment in reply.text() and reply.ephemeral
    assert await pledge_rows(world) == []


async def test_control_characters_removed_and_text_trimmed(world):
    await make(world, values={"pledge_text": "  a\x00b\r\nc\x1bd  ", "on_behalf_of": "\tONG\x7f "})
    row = (await pledge_rows(world))[0]
    assert (row["text"], row["on_behalf_of"]) == ("ab\ncd", "ONG")


async def test_bidirectional_controls_never_reach_the_database(world):
    await make(world, values={"pledge_text": "\u202egnirts\u202c ok \u2067مرحبا\u2069",
                              "on_behalf_of": "\u200fONG\u200e"})
    row = (await pledge_rows(world))[0]
    assert (row["text"], row["on_behalf_of"]) == ("gnirts ok مرحبا", "ONG")


async def test_hand_written_payload_with_wrong_types_is_refused(world):
    opened = await world.h.slash("pledge make", user=world.member)
    payload = world.h.payloads.envelope(5, world.member, guild_id=world.guild_id,
                                        channel_id=world.channel_id, locale="en-US",
                                        guild_locale=None, app_permissions=None)
    payload["data"] = {"custom_id": "pledge", "components": [
        {"type": 18, "component": {"type": 4, "custom_id": "pledge_text", "value": 12345}},
        {"type": 18, "component": {"type": 4, "custom_id": "on_behalf_of", "value": None}},
        {"type": 18, "component": {"type": 3, "custom_id": "region", "values": "africa"}},
        "garbage", {"type": 1, "components": "nope"}]}
    reply = await world.h.raw_interaction(payload)
    assert "empty" in reply.text() and opened.modal is not None
    assert await pledge_rows(world) == []


async def test_submit_without_ever_opening_the_form_still_validated(world):
    """After a restart discord.py remembers no form; the fixed custom_id still routes it."""
    payload = world.h.payloads.envelope(5, world.other_member, guild_id=world.guild_id,
                                        channel_id=world.channel_id, locale="es-ES",
                                        guild_locale=None, app_permissions=None)
    payload["data"] = {"custom_id": "pledge", "components": [
        {"type": 18, "component": {"type": 4, "custom_id": k, "value": FORM[k]}}
        for k in ("pledge_text", "on_behalf_of")] + [
        {"type": 18, "component": {"type": 3, "custom_id": k, "values": FORM[k]}}
        for k in ("region", "topic")]}
    reply = await world.h.raw_interaction(payload)
    assert "guardado" in reply.text()
    assert [r["author_id"] for r in await pledge_rows(world)] == [world.other_member.id]


async def test_submit_from_a_dm_is_refused(world):
    payload = world.h.payloads.envelope(5, world.member, guild_id=None, channel_id=None,
                                        locale="en-US", guild_locale=None, app_permissions=None)
    payload["data"] = {"custom_id": "pledge", "components": []}
    reply = await world.h.raw_interaction(payload)
    assert "server" in reply.text()
    assert await pledge_rows(world) == []


# --- campaigns ---------------------------------------------------------------------------

async def add_campaign(world, name, *, closed=False, closes_at=None, guild_id=None):
    await world.db.execute(
        "INSERT INTO campaigns (guild_id, name, opened_by, opened_at, closes_at, closed_at) "
        "VALUES (?, ?, ?, '2024-01-01T00:00:00Z', ?, ?)",
        (guild_id or world.guild_id, name, world.moderator.id, closes_at,
         "2024-02-01T00:00:00Z" if closed else None))


async def test_pledges_attach_to_the_open_campaign(world):
    await add_campaign(world, "Review Conference", closes_at="2999-12-31T23:59:59Z")
    await make(world)
    campaign = await world.db.fetchval("SELECT id FROM campaigns")
    assert (await pledge_rows(world))[0]["campaign_id"] == campaign


@pytest.mark.parametrize("how", ["closed", "expired"])
async def test_closed_campaign_is_said_politely_and_no_form_opens(world, how):
    await add_campaign(world, "Kampala 2010", closed=how == "closed",
                       closes_at="2010-06-11T23:59:59Z" if how == "expired" else None)
    reply = await world.h.slash("pledge make", user=world.member)
    assert reply.modal is None and "Kampala 2010" in reply.text() and reply.ephemeral
    # the other server never ran a campaign: pledging works there without one
    opened = await world.h.slash("pledge make", user=world.outsider)
    assert opened.modal is not None


async def test_campaign_closing_while_the_form_is_open_refuses_the_submit(world):
    await add_campaign(world, "Drive")
    opened = await world.h.slash("pledge make", user=world.member)
    await world.db.execute("UPDATE campaigns SET closed_at = '2024-03-01T00:00:00Z'")
    reply = await world.h.submit_modal(opened, FORM, user=world.member)
    assert "Drive" in reply.text() and await pledge_rows(world) == []


# --- cooldown ----------------------------------------------------------------------------

async def test_cooldown_limits_each_member_not_others(world):
    for _ in range(3):
        await make(world)
    refused = await world.h.slash("pledge make", user=world.member)
    assert refused.modal is None and "wait" in refused.text()
    opened_earlier = await world.h.slash("pledge make", user=world.other_member)
    crafted = await world.h.submit_modal(opened_earlier, FORM, user=world.member)
    assert "wait" in crafted.text()
    assert len(await pledge_rows(world)) == 3
    await make(world, world.other_member)
    assert len(await pledge_rows(world)) == 4


async def test_refused_submit_does_not_use_up_the_limit(world):
    for _ in range(3):
        await make(world, values={"region": ["mars"]}, check=False)
    for _ in range(3):
        await make(world)
    assert len(await pledge_rows(world)) == 3


async def test_concurrent_members_each_get_a_receipt_for_their_own_row(world):
    import asyncio

    members = [world.h.member(world.guild_id, f"m{i}") for i in range(30)]
    forms = [await world.h.slash("pledge make", user=m) for m in members]
    replies = await asyncio.gather(*(
        world.h.submit_modal(form, {**FORM, "pledge_text": f"text of {m.id}"}, user=m)
        for form, m in zip(forms, members, strict=True)))
    rows = {r["author_id"]: r for r in await pledge_rows(world)}
    assert len(rows) == 30
    for member, reply in zip(members, replies, strict=True):
        row = rows[member.id]
        assert row["text"] == f"text of {member.id}"
        assert f"#{row['id']} saved" in reply.text() and f"text of {member.id}" in reply.text()
