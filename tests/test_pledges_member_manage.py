"""/pledge mine, edit and withdraw, the receipt's buttons, and nobody else's pledges."""

from bot.fakediscord.state import deep, walk_components
from tests.conftest import running_bot
from tests.test_pledges_member import FORM, make, pledge_rows


def form_fields(modal):
    return {c["custom_id"]: c for c in walk_components(modal["components"]) if "custom_id" in c}


async def seed(world, user, count):
    """`count` pledges by `user`, written directly (the cooldown guards the form, not this)."""
    for i in range(count):
        await world.db.execute(
            "INSERT INTO pledges (guild_id, author_id, text, on_behalf_of, region, topic, lang, "
            "created_at, updated_at) VALUES (?, ?, ?, 'State', 'europe', 'pledges', 'en', "
            "'2024-01-01T00:00:00Z', '2024-01-01T00:00:00Z')",
            (user.guild_id, user.id, f"pledge text {i}"))


async def test_mine_pages_own_pledges_only(world):
    await seed(world, world.member, 7)
    await seed(world, world.other_member, 1)
    await seed(world, world.outsider, 1)
    first = await world.h.slash("pledge mine", user=world.member)
    assert first.ephemeral and "(7)" in first.text() and "1 of 2" in first.text()
    assert sum("pledge text" in f["value"] for f in first.embeds[0]["fields"]) == 5
    assert "pledge text 6" in first.text() and "pledge text 1" not in first.text()
    second = await world.h.click(first, "pager:next", user=world.member)
    assert "pledge text 1" in second.text() and "pledge text 0" in second.text()
    assert "2 of 2" in second.text() and len(second.embeds[0]["fields"]) == 2
    _, next_button = second.find_component("pager:next")
    assert next_button.get("disabled") is True
    refused = await world.h.click(first, "pager:previous", user=world.other_member, check=False)
    assert "someone else" in refused.text()


async def test_mine_when_empty_and_in_another_server(world):
    await seed(world, world.member, 2)
    reply = await world.h.slash("pledge mine", user=world.outsider, locale="es-ES")
    assert "(0)" in reply.text() and "Aún no" in reply.text() and reply.custom_ids() == []


async def test_edit_opens_prefilled_form_and_saves_changes(world):
    await make(world)
    pledge_id = (await pledge_rows(world))[0]["number"]
    opened = await world.h.slash("pledge edit", {"id": pledge_id}, user=world.member, locale="fr")
    modal = opened.modal
    assert modal["custom_id"] == f"pledge:edit:{pledge_id}" and len(modal["title"]) <= 45
    found = form_fields(modal)
    assert found["pledge_text"]["value"] == FORM["pledge_text"]
    assert found["on_behalf_of"]["value"] == FORM["on_behalf_of"]
    assert [o["value"] for o in found["region"]["options"] if o.get("default")] == ["africa"]
    assert [o["value"] for o in found["topic"]["options"] if o.get("default")] == ["pledges"]
    # (the harness does not submit a select's default options by itself, so topic is given)
    saved = await world.h.submit_modal(opened, {"pledge_text": "Nouveau texte",
                                                "region": ["europe"], "topic": ["pledges"]},
                                       user=world.member, locale="fr")
    row = (await pledge_rows(world))[0]
    assert (row["text"], row["region"], row["on_behalf_of"]) == (
        "Nouveau texte", "europe", FORM["on_behalf_of"])
    assert "modifié" in saved.text() and len(await pledge_rows(world)) == 1


async def test_receipt_edit_button_opens_the_same_form(world):
    _, receipt = await make(world)
    pledge_id = (await pledge_rows(world))[0]["number"]
    opened = await world.h.click(receipt, f"pledge:edit:{pledge_id}", user=world.member)
    assert opened.modal["custom_id"] == f"pledge:edit:{pledge_id}"


async def test_withdraw_asks_first_then_keeps_the_row_marked_with_the_time(world):
    await make(world)
    pledge_id = (await pledge_rows(world))[0]["number"]
    question = await world.h.slash("pledge withdraw", {"id": pledge_id}, user=world.member)
    assert question.ephemeral and "Withdraw pledge #1?" in question.text()
    assert question.custom_ids() == [f"pledge:confirm:{pledge_id}", f"pledge:keep:{pledge_id}"]
    assert (await pledge_rows(world))[0]["status"] == "active"  # nothing yet
    intruder = await world.h.click(question, f"pledge:confirm:{pledge_id}", user=world.other_member,
                                   check=False)
    assert "no pledge number" in intruder.text()
    assert (await pledge_rows(world))[0]["status"] == "active"
    reply = await world.h.click(question, f"pledge:confirm:{pledge_id}", user=world.member)
    row = (await pledge_rows(world))[0]
    assert row["status"] == "withdrawn" and row["withdrawn_at"].endswith("Z")
    assert "withdrawn" in reply.text()
    again = await world.h.slash("pledge withdraw", {"id": pledge_id}, user=world.member)
    assert "withdrawn" in again.text()
    edit = await world.h.slash("pledge edit", {"id": pledge_id}, user=world.member)
    assert edit.modal is None and "withdrawn" in edit.text()


async def test_receipt_withdraw_button_asks_then_updates_the_receipt(world):
    _, receipt = await make(world)
    pledge_id = (await pledge_rows(world))[0]["number"]
    asked = await world.h.click(receipt, f"pledge:withdraw:{pledge_id}", user=world.member)
    assert asked.callback_type == 7 and "Withdraw pledge" in asked.text()
    assert asked.custom_ids() == [f"pledge:confirm:{pledge_id}", f"pledge:keep:{pledge_id}"]
    kept = await world.h.click(asked, f"pledge:keep:{pledge_id}", user=world.member)
    assert "saved" in kept.text() and f"pledge:withdraw:{pledge_id}" in kept.custom_ids()
    assert (await pledge_rows(world))[0]["status"] == "active"
    asked = await world.h.click(kept, f"pledge:withdraw:{pledge_id}", user=world.member)
    clicked = await world.h.click(asked, f"pledge:confirm:{pledge_id}", user=world.member)
    assert clicked.callback_type == 7
    assert (await pledge_rows(world))[0]["status"] == "withdrawn"
    assert clicked.custom_ids() == [f"pledge:restore:{pledge_id}"]


async def test_other_members_and_servers_get_the_same_not_found(world):
    _, receipt = await make(world)
    pledge_id = (await pledge_rows(world))[0]["number"]
    missing = await world.h.slash("pledge withdraw", {"id": 999_999}, user=world.member)
    texts = {missing.text().replace("999999", "N")}
    for user in (world.other_member, world.outsider):
        for command in ("pledge withdraw", "pledge edit"):
            reply = await world.h.slash(command, {"id": pledge_id}, user=user)
            assert reply.modal is None
            texts.add(reply.text().replace(str(pledge_id), "N"))
        # a crafted click on the owner's receipt button, and a crafted edit form
        clicked = await world.h.click(receipt, f"pledge:withdraw:{pledge_id}", user=user,
                                      check=False)
        texts.add(clicked.text().replace(str(pledge_id), "N"))
        payload = world.h.payloads.envelope(5, user, guild_id=user.guild_id, channel_id=None,
                                            locale="en-US", guild_locale=None, app_permissions=None)
        payload["data"] = {"custom_id": f"pledge:edit:{pledge_id}", "components": [
            {"type": 18, "component": {"type": 4, "custom_id": k, "value": "hijacked"}}
            for k in ("pledge_text", "on_behalf_of")] + [
            {"type": 18, "component": {"type": 3, "custom_id": k, "values": FORM[k]}}
            for k in ("region", "topic")]}
        texts.add((await world.h.raw_interaction(payload)).text().replace(str(pledge_id), "N"))
    assert len(texts) == 1, texts
    row = (await pledge_rows(world))[0]
    assert row["status"] == "active" and row["text"] == FORM["pledge_text"]


async def test_out_of_range_and_negative_ids_are_not_found(world):
    for value in (0, -5, 2**53):
        reply = await world.h.slash("pledge withdraw", {"id": value}, user=world.member,
                                    check=False)
        assert "no pledge number" in reply.text(), value
    for value in (2**53 + 1, 2**63, 10**30):  # past Discord's integer options, past SQLite's
        reply = await world.h.slash("pledge withdraw", {"id": value}, user=world.member,
                                    check=False)
        assert "out of range" in reply.text(), value


async def test_receipt_buttons_work_after_a_restart(world):
    _, receipt = await make(world)
    pledge_id = (await pledge_rows(world))[0]["number"]
    await world.h.close()
    async with running_bot(world.fake, world.db.path) as (_, h):
        message = world.fake.get_message(int(receipt.message["id"]))
        intruder = await h.click(message, f"pledge:withdraw:{pledge_id}", user=world.other_member)
        assert "no pledge number" in intruder.text()
        asked = await h.click(message, f"pledge:withdraw:{pledge_id}", user=world.member)
        assert asked.callback_type == 7
    async with running_bot(world.fake, world.db.path) as (_, h):
        message = world.fake.get_message(int(receipt.message["id"]))
        clicked = await h.click(message, f"pledge:confirm:{pledge_id}", user=world.member)
        assert clicked.callback_type == 7
    assert (await pledge_rows(world))[0]["status"] == "withdrawn"


async def test_crafted_receipt_button_with_an_out_of_range_id_is_not_found(world):
    """A custom_id whose number SQLite cannot hold is refused like any other foreign id."""
    _, receipt = await make(world)
    stored = world.fake.get_message(int(receipt.message["id"]))
    for custom_id in ("pledge:withdraw:9999999999999999999", "pledge:edit:9999999999999999999",
                      "pledge:confirm:9999999999999999999", "pledge:progress:9999999999999999999"):
        payload = world.h.payloads.envelope(3, world.member, guild_id=world.guild_id,
                                            channel_id=int(stored["channel_id"]), locale="en-US",
                                            guild_locale=None, app_permissions=None)
        message = deep(stored)
        message["components"] = [{"type": 1, "components": [
            {"type": 2, "style": 1, "label": "x", "custom_id": custom_id}]}]
        payload["message"] = message
        payload["data"] = {"custom_id": custom_id, "component_type": 2}
        reply = await world.h.raw_interaction(payload)
        assert "no pledge number" in reply.text() and reply.modal is None, reply.text()
    assert (await pledge_rows(world))[0]["status"] == "active"
