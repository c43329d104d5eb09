"""Following a pledge up: progress updates, restoring a withdrawn pledge, reminders by DM."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.errors import UserError
from bot.fakediscord.state import walk_components
from bot.l10n import day
from bot.pledges.progress import NOTE, clean_note
from bot.text import BIDI_CONTROLS, is_blank
from tests.conftest import running_bot
from tests.test_pledges_member import FORM, make, pledge_rows

DUE = "2999-01-01T00:00:00Z"  # a "now" after any reminder a test sets


def fields(modal):
    return {c["custom_id"]: c for c in walk_components(modal["components"]) if "custom_id" in c}


async def pledge_number(world, user=None):
    await make(world, user)
    rows = await pledge_rows(world)
    return rows[-1]["number"]


async def update(world, number, values, *, user=None, locale=None, check=True):
    user = user or world.member
    opened = await world.h.slash("pledge update", {"id": number}, user=user, locale=locale)
    assert opened.modal is not None, opened.text()
    target = f"{user.guild_id}:{number}"
    submitted = {"pledge": [target], "progress": ["in_progress"], **values}
    return opened, await world.h.submit_modal(opened, submitted, user=user, locale=locale,
                                              check=check)


async def updates(world):
    return await world.db.fetchall("SELECT * FROM pledge_updates ORDER BY id")


# --- progress -------------------------------------------------------------------------------

@pytest.mark.parametrize("locale", ["en-US", "fr", "es-ES"])
async def test_update_form_has_the_agreed_ids_and_fits_discord(world, locale):
    number = await pledge_number(world)
    opened = await world.h.slash("pledge update", {"id": number}, user=world.member, locale=locale)
    modal = opened.modal
    assert modal["custom_id"] == "pledge_update" and len(modal["title"]) <= 45
    assert len(modal["components"]) <= 5
    assert all(len(c["label"]) <= 45 for c in modal["components"] if c["type"] == 18)
    found = fields(modal)
    assert [o["value"] for o in found["progress"]["options"]] == [
        "planned", "in_progress", "fulfilled", "not_fulfilled"]
    assert found["progress_note"]["max_length"] == 500 and found["progress_note"]["required"] is False
    assert [o["value"] for o in found["pledge"]["options"] if o.get("default")] == [
        f"{world.guild_id}:{number}"]
    assert opened.rejections == []


async def test_progress_is_kept_and_shown_everywhere(world):
    number = await pledge_number(world)
    _, saved = await update(world, number, {"progress_note": "Bill tabled =1+1 @everyone"},
                            locale="fr")
    assert "Avancement de l'engagement n° 1 enregistré" in saved.text()
    assert "En cours" in saved.text() and "Bill tabled =1+1 @everyone" in saved.text()
    _, done = await update(world, number, {"progress": ["fulfilled"]})
    assert "Fulfilled" in done.text() and "2 updates" in done.text()
    history = await updates(world)
    assert [(u["status"], u["note"]) for u in history] == [
        ("in_progress", "Bill tabled =1+1 @everyone"), ("fulfilled", "")]
    row = (await pledge_rows(world))[0]
    assert (row["progress"], row["progress_updates"]) == ("fulfilled", 2)
    assert row["progress_at"] == history[-1]["created_at"]
    mine = await world.h.slash("pledge mine", user=world.member)
    assert "Progress: Fulfilled" in mine.text()
    shown = await world.h.slash("mydata show", user=world.member)
    assert "Fulfilled" in shown.text()
    exported = await world.h.slash("mydata export", user=world.member)
    import json

    document = json.loads(exported.files[0][1])
    assert [u["status"] for u in document["pledges"][0]["progress_history"]] == [
        "in_progress", "fulfilled"]
    assert document["pledges"][0]["number"] == number


async def test_receipt_button_opens_the_update_form(world):
    _, receipt = await make(world)
    number = (await pledge_rows(world))[0]["number"]
    opened = await world.h.click(receipt, f"pledge:progress:{number}", user=world.member)
    assert opened.modal["custom_id"] == "pledge_update"


async def test_only_the_author_reports_progress(world):
    number = await pledge_number(world)
    # another member, a moderator and another server's member ask for the form: not found
    for user in (world.other_member, world.moderator, world.outsider):
        reply = await world.h.slash("pledge update", {"id": number}, user=user)
        assert reply.modal is None and "no pledge number" in reply.text()
    # a crafted form naming the member's pledge, sent by someone else
    opened = await world.h.slash("pledge update", {"id": number}, user=world.member)
    for user in (world.other_member, world.moderator):
        crafted = await world.h.submit_modal(
            opened, {"pledge": [f"{world.guild_id}:{number}"], "progress": ["fulfilled"]},
            user=user, check=False)
        assert "no pledge number" in crafted.text()
    assert await updates(world) == []


@pytest.mark.parametrize(("values", "fragment"), [
    ({"pledge": ["999:1"]}, "no pledge number"),  # another server's id in this server
    ({"pledge": ["abc"]}, "no pledge number"),
    ({"pledge": ["1:2:3"]}, "no pledge number"),
    ({"pledge": []}, "no pledge number"),
    ({"pledge": [":1"]}, "no pledge number"),
    ({"pledge": ["1:99999999999999999999"]}, "no pledge number"),
    ({"progress": ["done"]}, "where the pledge stands"),
    ({"progress": []}, "where the pledge stands"),
    ({"progress": ["planned", "fulfilled"]}, "where the pledge stands"),
    ({"progress_note": "x" * 501}, "501"),
])
async def test_crafted_update_submits_are_refused(world, values, fragment):
    number = await pledge_number(world)
    _, reply = await update(world, number, values, check=False)
    assert fragment in reply.text() and reply.ephemeral
    assert await updates(world) == []


async def test_blank_note_is_no_note_and_controls_are_removed(world):
    number = await pledge_number(world)
    await update(world, number, {"progress_note": " \n\x00 "})
    await update(world, number, {"progress_note": "  a\x00b\r\nc  "})
    assert [u["note"] for u in await updates(world)] == ["", "ab\nc"]


async def test_invisible_note_is_refused_and_bidi_controls_are_removed(world):
    number = await pledge_number(world)
    for invisible in ("\u200b\u200b", "\u3164", " \u2800 \ufe0f "):
        _, reply = await update(world, number, {"progress_note": invisible}, check=False)
        assert "no visible text" in reply.text() and reply.ephemeral
    assert await updates(world) == []
    await update(world, number, {"progress_note": "\u202eBill\u2066 tabled\u200f"})
    await update(world, number, {"progress_note": "\u202e\u2066"})  # nothing else: no note
    assert [u["note"] for u in await updates(world)] == ["Bill tabled", ""]


@given(st.text(max_size=700))
def test_note_cleaning_never_stores_controls_or_too_much(value):
    refused, note = None, ""
    try:
        note = clean_note(value)
    except UserError as error:
        refused = error.key
    assert refused in (None, "pledges.error.note_too_long", "pledges.error.note_empty")
    assert len(note) <= NOTE.limit and note == note.strip()
    assert not any(ord(c) < 32 and c != "\n" for c in note)
    assert not set(note) & set(BIDI_CONTROLS)
    assert note == "" or not is_blank(note)


# --- withdraw and restore ------------------------------------------------------------------

async def test_withdrawn_pledge_takes_no_progress_until_restored(world):
    number = await pledge_number(world)
    question = await world.h.slash("pledge withdraw", {"id": number}, user=world.member)
    withdrawn = await world.h.click(question, f"pledge:confirm:{number}", user=world.member)
    refused = await world.h.slash("pledge update", {"id": number}, user=world.member)
    assert refused.modal is None and "restore" in refused.text()
    intruder = await world.h.slash("pledge restore", {"id": number}, user=world.other_member)
    assert "no pledge number" in intruder.text()
    restored = await world.h.click(withdrawn, f"pledge:restore:{number}", user=world.member)
    assert "restored" in restored.text() and f"pledge:withdraw:{number}" in restored.custom_ids()
    row = (await pledge_rows(world))[0]
    assert (row["status"], row["withdrawn_at"]) == ("active", None)
    again = await world.h.slash("pledge restore", {"id": number}, user=world.member)
    assert "nothing to restore" in again.text()


async def test_restore_only_while_the_campaign_runs(world):
    await world.db.execute(
        "INSERT INTO campaigns (guild_id, name, opened_by, opened_at) VALUES (?, 'Drive', 1, 'x')",
        (world.guild_id,))
    number = await pledge_number(world)
    question = await world.h.slash("pledge withdraw", {"id": number}, user=world.member)
    await world.h.click(question, f"pledge:confirm:{number}", user=world.member)
    await world.db.execute("UPDATE campaigns SET closed_at = '2024-01-01T00:00:00Z'")
    refused = await world.h.slash("pledge restore", {"id": number}, user=world.member, locale="es-ES")
    assert "«Drive»" in refused.text() and "sigue retirado" in refused.text()
    assert (await pledge_rows(world))[0]["status"] == "withdrawn"


# --- reminders ------------------------------------------------------------------------------

def sender(bot):
    return bot.get_cog("Pledges").sender


async def reminders_rows(world):
    return await world.db.fetchall("SELECT * FROM pledge_reminders ORDER BY id")


async def test_reminder_from_the_form_then_by_dm_with_an_update_button(world):
    await make(world, values={"remind": ["30"]}, locale="fr")
    [reminder] = await reminders_rows(world)
    row = (await pledge_rows(world))[0]
    assert reminder["state"] == "pending" and reminder["due_at"] > row["created_at"]
    assert await sender(world.bot).run_once(now=row["created_at"]) == 0  # not yet due
    assert await sender(world.bot).run_once(now=DUE) == 1
    [dm] = world.fake.dm_messages(world.member.id)
    assert "Rappel" in dm["embeds"][0]["title"] and "Coalition Europe" in str(dm["embeds"])
    assert "n° 1" in dm["embeds"][0]["title"]  # the pledge's language, its number
    assert [c["custom_id"] for c in walk_components(dm["components"]) if "custom_id" in c] == [
        f"pledge:remind:{world.guild_id}:{row['number']}"]
    assert (await reminders_rows(world))[0]["state"] == "sent"
    assert await sender(world.bot).run_once(now=DUE) == 0
    opened = await world.h.click(dm, f"pledge:remind:{world.guild_id}:{row['number']}",
                                 user=world.member, locale="fr")
    assert opened.modal["custom_id"] == "pledge_update" and opened.interaction.get("guild_id") is None
    saved = await world.h.submit_modal(opened, {"pledge": [f"{world.guild_id}:{row['number']}"],
                                                "progress": ["fulfilled"]}, user=world.member,
                                       locale="fr")
    assert "Tenu" in saved.text() and saved.custom_ids() == []
    assert [u["status"] for u in await updates(world)] == ["fulfilled"]
    sent_by_bot = [m for m in world.fake.dm_messages(world.member.id) if "webhook_id" not in m]
    assert len(sent_by_bot) == 1  # the other message there is the form's answer


async def test_a_reminder_dm_is_sent_exactly_once_across_restarts(world):
    number = await pledge_number(world)
    reply = await world.h.slash("pledge remind", {"id": number, "days": 7}, user=world.member)
    assert "direct message on" in reply.text()
    assert await sender(world.bot).run_once(now=DUE) == 1
    # the bot dies after Discord took the DM but before the row was marked sent
    await world.db.execute("UPDATE pledge_reminders SET state = 'pending', sent_at = NULL")
    await world.h.close()
    async with running_bot(world.fake, world.db.path) as (bot, _):
        await sender(bot).run_once(now=DUE)
    async with running_bot(world.fake, world.db.path) as (bot, _):
        assert await sender(bot).run_once(now=DUE) == 0
    assert len(world.fake.dm_messages(world.member.id)) == 1
    assert [r["state"] for r in await reminders_rows(world)] == ["sent"]


@pytest.mark.allow_rejections
async def test_closed_dms_are_told_once_in_the_server(world):
    number = await pledge_number(world)
    await world.h.slash("pledge remind", {"id": number, "days": 1}, user=world.member)
    world.fake.close_dms(world.member.id)
    assert await sender(world.bot).run_once(now=DUE) == 0
    assert world.fake.dm_messages(world.member.id) == []
    assert [r["state"] for r in await reminders_rows(world)] == ["undelivered"]
    others = await world.h.slash("pledge mine", user=world.other_member)
    assert "📬" not in others.text()
    told = await world.h.slash("pledge mine", user=world.member, locale="es-ES")
    assert "📬" in told.text() and f"/compromiso avance {number}" in told.text()
    assert [r["state"] for r in await reminders_rows(world)] == ["told"]
    again = await world.h.slash("pledge mine", user=world.member)
    assert "📬" not in again.text()


async def test_remind_days_cancel_and_campaign_default(world):
    await world.db.execute(
        "INSERT INTO campaigns (guild_id, name, opened_by, opened_at, remind_days) "
        "VALUES (?, 'Drive', 1, 'x', 14)", (world.guild_id,))
    opened = await world.h.slash("pledge make", user=world.member)
    remind = fields(opened.modal)["remind"]
    assert [o["value"] for o in remind["options"] if o.get("default")] == ["14"]
    assert any("campaign default" in o["label"] for o in remind["options"])
    submitted = await world.h.submit_modal(opened, {**FORM, "remind": ["14"]}, user=world.member)
    number = (await pledge_rows(world))[0]["number"]
    [at_pledge_time] = await reminders_rows(world)
    assert day(at_pledge_time["due_at"], "en") in submitted.text()
    reply = await world.h.slash("pledge remind", {"id": number}, user=world.member)
    first, second = await reminders_rows(world)
    assert (first["state"], second["state"]) == ("cancelled", "pending")  # replaced, not added
    assert day(second["due_at"], "en") in reply.text()
    cancelled = await world.h.slash("pledge remind", {"id": number, "days": 0}, user=world.member)
    assert "No reminder" in cancelled.text()
    assert [r["state"] for r in await reminders_rows(world)] == ["cancelled", "cancelled"]
    for days in (-1, 366, 10**6):
        refused = await world.h.slash("pledge remind", {"id": number, "days": days},
                                      user=world.member, check=False)
        assert "365" in refused.text() or "value" in refused.text()
    foreign = await world.h.slash("pledge remind", {"id": number, "days": 3},
                                  user=world.other_member)
    assert "no pledge number" in foreign.text()


async def test_reminder_of_a_withdrawn_pledge_is_dropped(world):
    number = await pledge_number(world)
    await world.h.slash("pledge remind", {"id": number, "days": 1}, user=world.member)
    question = await world.h.slash("pledge withdraw", {"id": number}, user=world.member)
    await world.h.click(question, f"pledge:confirm:{number}", user=world.member)
    assert await sender(world.bot).run_once(now=DUE) == 0
    assert world.fake.dm_messages(world.member.id) == []
    assert [r["state"] for r in await reminders_rows(world)] == ["cancelled"]


async def test_crafted_reminder_buttons_find_nothing(world):
    number = await pledge_number(world)
    await world.h.slash("pledge remind", {"id": number, "days": 1}, user=world.member)
    await sender(world.bot).run_once(now=DUE)
    [dm] = world.fake.dm_messages(world.member.id)
    custom_id = f"pledge:remind:{world.guild_id}:{number}"
    intruder = await world.h.click(dm, custom_id, user=world.other_member, check=False)
    assert intruder.modal is None and "no pledge number" in intruder.text()
    for forged in (f"pledge:remind:{world.other_guild_id}:{number}",
                   f"pledge:remind:{world.guild_id}:9999999999999999999"):
        payload = world.h.payloads.envelope(3, world.member, guild_id=None,
                                            channel_id=int(dm["channel_id"]), locale="en-US",
                                            guild_locale=None, app_permissions=None)
        message = dict(dm)
        message["components"] = [{"type": 1, "components": [
            {"type": 2, "style": 1, "label": "x", "custom_id": forged}]}]
        payload["message"] = message
        payload["data"] = {"custom_id": forged, "component_type": 2}
        reply = await world.h.raw_interaction(payload)
        assert reply.modal is None and "no pledge number" in reply.text()


async def test_an_anonymised_pledge_gets_no_reminder(world):
    number = await pledge_number(world)
    await world.h.slash("pledge remind", {"id": number, "days": 1}, user=world.member)
    confirm = await world.h.slash("mydata delete", user=world.member)
    await world.h.click(confirm, "mydata:anonymise", user=world.member)
    assert await sender(world.bot).run_once(now=DUE) == 0
    assert world.fake.dm_messages(world.member.id) == []
    assert [r["state"] for r in await reminders_rows(world)] == ["cancelled"]


@given(st.one_of(st.text(max_size=60), st.lists(st.text(max_size=30), max_size=3), st.none(),
                 st.integers(), st.builds(lambda g, n: [f"{g}:{n}"], st.integers(), st.integers())))
def test_any_pledge_value_is_a_target_or_not_found(value):
    from bot.pledges.forms import parse_target

    refused, (guild_id, number) = None, (111, 1)
    try:
        guild_id, number = parse_target(value, 111)
    except UserError as error:
        refused = error.key
    assert refused in (None, "pledges.not_found")
    assert guild_id == 111 and 1 <= number < 2**63
