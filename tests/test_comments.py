"""/comment on, mine and delete through the real tree: forms, autocomplete, ownership."""

import pytest

from bot.fakediscord.state import walk_components


async def comment_on(world, topic="outcome-document", text="Needs clearer follow-up",
                     user=None, *, locale=None, check=True):
    user = user or world.member
    opened = await world.h.slash("comment on", {"topic": topic}, user=user, locale=locale)
    assert opened.modal is not None, opened.text()
    values = {"comment_text": text}
    return opened, await world.h.submit_modal(opened, values, user=user, locale=locale,
                                              check=check)


async def rows(world):
    return await world.db.fetchall("SELECT * FROM comments ORDER BY id")


async def test_autocomplete_offers_matching_topics_within_discord_limits(world):
    choices = await world.h.autocomplete("comment on", {"topic": "arr"}, focused="topic",
                                         user=world.member)
    assert any(c["value"] == "arrest-warrants" for c in choices)
    everything = await world.h.autocomplete("comment on", {"topic": ""}, focused="topic",
                                            user=world.member, locale="fr")
    assert 1 <= len(everything) <= 25
    assert all(len(c["name"]) <= 100 for c in everything)
    hostile = await world.h.autocomplete("comment on", {"topic": "\x00" * 500}, focused="topic",
                                         user=world.member)
    assert hostile == []


@pytest.mark.parametrize("locale", ["en-US", "fr", "es-ES"])
async def test_form_and_receipt(world, locale):
    opened, receipt = await comment_on(world, text="Más claridad ✊ <@123> @here", locale=locale)
    modal = opened.modal
    assert modal["custom_id"] == "comment:outcome-document" and len(modal["title"]) <= 45
    fields = {c["custom_id"]: c for c in walk_components(modal["components"]) if "custom_id" in c}
    assert list(fields) == ["comment_text"]  # the topic was given: the form does not ask again
    assert fields["comment_text"]["max_length"] == 1500
    [about] = [c for c in modal["components"] if c["type"] == 10]
    assert world.bot.kb.topics["outcome-document"].title(locale[:2]) in about["content"]
    assert all(len(c["label"]) <= 45 for c in modal["components"] if c["type"] == 18)
    [row] = await rows(world)
    assert (row["guild_id"], row["author_id"], row["topic"], row["text"]) == (
        world.guild_id, world.member.id, "outcome-document", "Más claridad ✊ <@123> @here")
    assert row["lang"] == locale[:2] and receipt.ephemeral and f"{row['id']}" in receipt.text()


async def test_unknown_topic_in_the_command_is_refused_before_the_form(world):
    reply = await world.h.slash("comment on", {"topic": "'; DROP TABLE comments; --"},
                                user=world.member)
    assert reply.modal is None and "topic" in reply.text()


@pytest.mark.parametrize(("values", "fragment"), [
    ({"comment_text": "z" * 5000}, "5,000"),
    ({"comment_text": " \x00\x01 "}, "empty"),
    ({"comment_text": "\u200b\u2060\ufeff\u00ad\u202e"}, "empty"),
])
async def test_crafted_submits_are_refused(world, values, fragment):
    opened = await world.h.slash("comment on", {"topic": "pledges"}, user=world.member)
    reply = await world.h.submit_modal(opened, {"comment_text": "ok", **values},
                                       user=world.member, check=False)
    assert fragment in reply.text()
    assert await rows(world) == []


@pytest.mark.parametrize("custom_id", ["comment:atlantis", "comment:", "comment:" + "x" * 90,
                                       "comment:'; DROP TABLE comments; --"])
async def test_a_crafted_topic_in_the_form_id_is_refused(world, custom_id):
    opened = await world.h.slash("comment on", {"topic": "pledges"}, user=world.member)
    opened.modal["custom_id"] = custom_id
    reply = await world.h.submit_modal(opened, {"comment_text": "ok"}, user=world.member,
                                       check=False)
    assert "topic" in reply.text() and reply.ephemeral
    assert await rows(world) == []


@pytest.mark.parametrize(("topic", "stored"), [(["pledges"], "pledges"), (["atlantis"], None),
                                               ([], None)])
async def test_a_form_opened_before_the_topic_moved_to_its_id_still_works(world, topic, stored):
    """A member who opened the old form (topic in a menu) before a restart loses nothing."""
    opened = await world.h.slash("comment on", {"topic": "pledges"}, user=world.member)
    opened.modal["custom_id"] = "comment"
    opened.modal["components"].append({"type": 18, "label": "Topic", "component": {
        "type": 3, "custom_id": "topic", "options": [{"label": "Pledges", "value": "pledges"}]}})
    reply = await world.h.submit_modal(opened, {"comment_text": "ok", "topic": topic},
                                       user=world.member, check=False)
    assert [r["topic"] for r in await rows(world)] == ([stored] if stored else [])
    assert ("Please choose a topic" in reply.text()) != bool(stored)


async def test_mine_and_delete_only_own(world):
    await comment_on(world, text="first")
    await comment_on(world, text="second")
    await comment_on(world, text="bruno's", user=world.other_member)
    comment_id = (await rows(world))[0]["id"]
    mine = await world.h.slash("comment mine", user=world.member)
    assert "first" in mine.text() and "second" in mine.text() and "bruno" not in mine.text()
    assert "(2)" in mine.text()
    missing = await world.h.slash("comment delete", {"id": 987654}, user=world.member)
    for user in (world.other_member, world.outsider):
        refused = await world.h.slash("comment delete", {"id": comment_id}, user=user)
        assert refused.text().replace(str(comment_id), "N") == missing.text().replace(
            "987654", "N")
    done = await world.h.slash("comment delete", {"id": comment_id}, user=world.member)
    assert str(comment_id) in done.text()
    assert [r["text"] for r in await rows(world)] == ["second", "bruno's"]
    for value in (0, -1, 2**53):
        reply = await world.h.slash("comment delete", {"id": value}, user=world.member,
                                    check=False)
        assert "no comment number" in reply.text()
    reply = await world.h.slash("comment delete", {"id": 2**64}, user=world.member, check=False)
    assert "out of range" in reply.text()


async def test_mine_pages(world):
    for i in range(6):
        await world.db.execute(
            "INSERT INTO comments (guild_id, author_id, topic, text, lang, created_at) "
            "VALUES (?, ?, 'pledges', ?, 'en', '2024-01-01T00:00:00Z')",
            (world.guild_id, world.member.id, f"comment {i}"))
    first = await world.h.slash("comment mine", user=world.member)
    assert "1 of 2" in first.text() and "comment 0" not in first.text()
    second = await world.h.click(first, "pager:next", user=world.member)
    assert "comment 0" in second.text()


async def test_comment_cooldown(world):
    for i in range(3):
        await comment_on(world, text=f"c{i}")
    refused = await world.h.slash("comment on", {"topic": "pledges"}, user=world.member)
    assert refused.modal is None and "wait" in refused.text()
    _, ok = await comment_on(world, text="bruno", user=world.other_member)
    assert len(await rows(world)) == 4 and ok.ephemeral
