"""/mydata show, export, delete and /privacy through the real tree."""

import json

import pytest

from tests.test_pledges_member_manage import seed


async def add_comment(world, user, text):
    await world.db.execute(
        "INSERT INTO comments (guild_id, author_id, topic, text, lang, created_at) "
        "VALUES (?, ?, 'pledges', ?, 'en', '2024-01-01T00:00:00Z')", (user.guild_id, user.id, text))


async def populate(world):
    await seed(world, world.member, 2)
    await add_comment(world, world.member, "my comment <@123>")
    await seed(world, world.other_member, 1)
    await add_comment(world, world.other_member, "bruno's comment")
    await seed(world, world.outsider, 1)


async def test_show_lists_counts_and_items_of_this_member_here(world):
    await populate(world)
    reply = await world.h.slash("mydata show", user=world.member, locale="fr")
    text = reply.text()
    assert reply.ephemeral and "2 engagements · 1 commentaire" in text
    assert "pledge text 1" in text and "my comment" in text and "bruno" not in text
    nothing = await world.h.slash("mydata show", user=world.moderator)
    assert "no pledge or comment" in nothing.text()


async def test_show_stays_within_the_embed_limit(world):
    for i in range(60):
        await world.db.execute(
            "INSERT INTO pledges (guild_id, author_id, text, on_behalf_of, region, topic, lang, "
            "created_at, updated_at) VALUES (?, ?, ?, 'S', 'mena', 'pledges', 'en', 'x', 'x')",
            (world.guild_id, world.member.id, f"{i} " + "long words " * 90))
    reply = await world.h.slash("mydata show", user=world.member)
    assert len(reply.embeds[0]["description"]) <= 4096 and "more" in reply.text()
    assert reply.rejections == []


async def test_export_is_a_json_file_of_everything_here(world):
    await populate(world)
    reply = await world.h.slash("mydata export", user=world.member)
    [(name, body)] = reply.files
    assert name.endswith(".json") and reply.ephemeral
    document = json.loads(body.decode("utf-8"))
    assert document["member_id"] == str(world.member.id)
    assert sorted(p["text"] for p in document["pledges"]) == ["pledge text 0", "pledge text 1"]
    assert [c["text"] for c in document["comments"]] == ["my comment <@123>"]


async def test_export_compresses_when_over_the_upload_limit(world):
    await seed(world, world.member, 3)
    payload = world.h.slash_payload("mydata export", user=world.member)
    payload["attachment_size_limit"] = 600
    reply = await world.h.raw_interaction(payload)
    [(name, body)] = reply.files
    assert name.endswith(".json.gz") and len(body) <= 600
    payload = world.h.slash_payload("mydata export", user=world.member)
    payload["attachment_size_limit"] = 50
    reply = await world.h.raw_interaction(payload)
    assert reply.files == [] and "too large" in reply.text()


@pytest.mark.parametrize(("button", "anonymous"), [("mydata:delete", 0), ("mydata:anonymise", 2)])
async def test_delete_after_confirmation_records_choice_without_member_id(world, button,
                                                                          anonymous):
    await populate(world)
    confirm = await world.h.slash("mydata delete", user=world.member)
    assert set(confirm.custom_ids()) == {"mydata:delete", "mydata:anonymise", "mydata:cancel"}
    assert await world.db.fetchval("SELECT count(*) FROM pledges") == 4  # nothing yet
    intruder = await world.h.click(confirm, button, user=world.other_member, check=False)
    assert "someone else" in intruder.text()
    assert await world.db.fetchval("SELECT count(*) FROM pledges") == 4
    done = await world.h.click(confirm, button, user=world.member)
    assert "2" in done.text() and done.callback_type == 7
    assert await world.db.fetchval("SELECT count(*) FROM pledges WHERE author_id = ?",
                                   (world.member.id,)) == 0
    assert await world.db.fetchval("SELECT count(*) FROM pledges WHERE author_id IS NULL") == \
        anonymous
    assert await world.db.fetchval("SELECT count(*) FROM comments WHERE author_id = ?",
                                   (world.member.id,)) == 0
    [record] = await world.db.fetchall("SELECT * FROM data_deletions")
    assert (record["guild_id"], record["choice"], record["pledges"], record["comments"]) == (
        world.guild_id, button.split(":")[1], 2, 1)
    assert str(world.member.id) not in json.dumps(dict(record))
    # others untouched
    assert await world.db.fetchval("SELECT count(*) FROM pledges WHERE author_id IS NOT NULL") == 2
    assert await world.db.fetchval("SELECT count(*) FROM comments") == 1


async def test_cancel_changes_nothing(world):
    await populate(world)
    confirm = await world.h.slash("mydata delete", user=world.member, locale="es-ES")
    done = await world.h.click(confirm, "mydata:cancel", user=world.member)
    assert "Cancelado" in done.text()
    assert await world.db.fetchval("SELECT count(*) FROM pledges") == 4
    assert await world.db.fetchval("SELECT count(*) FROM data_deletions") == 0


async def test_delete_with_nothing_stored_asks_nothing(world):
    reply = await world.h.slash("mydata delete", user=world.outsider)
    assert reply.custom_ids() == [] and "no pledge or comment" in reply.text()


@pytest.mark.parametrize(("locale", "fragment"), [("en-US", "For how long"),
                                                  ("fr", "Combien de temps"),
                                                  ("es-ES", "Durante cuánto tiempo")])
async def test_privacy_is_localized(world, locale, fragment):
    reply = await world.h.slash("privacy", user=world.member, locale=locale)
    assert reply.ephemeral and fragment in reply.text() and "/" in reply.text()
    assert reply.rejections == []


@pytest.mark.parametrize("locale", ["en-US", "fr", "es-ES"])
async def test_privacy_names_every_record_that_carries_an_id(world, locale):
    """Campaigns keep who opened them and exports carry authors' ids; nobody but the member
    (and the hosting admins) removes pledges, so /privacy must not promise otherwise."""
    text = (await world.h.slash("privacy", user=world.member, locale=locale)).text()
    words = {"en-US": ("campaigns you open", "with your Discord id", "moderators remove"),
             "fr": ("campagnes que vous ouvrez", "avec votre identifiant Discord",
                    "modérateurs du serveur les retirent"),
             "es-ES": ("campañas que abre", "con su identificador de Discord",
                       "moderadores del servidor los eliminen")}[locale]
    assert words[0] in text and words[1] in text and words[2] not in text


async def test_a_moderators_own_records_are_shown_and_kept_on_erasure(world):
    await seed(world, world.moderator, 1)
    await world.db.execute(
        "INSERT INTO export_audit (guild_id, moderator_id, kind, format, filters, row_count, "
        "created_at) VALUES (?, ?, 'pledges', 'csv', '{}', 10, '2024-01-01T00:00:00Z')",
        (world.guild_id, world.moderator.id))
    opened = await world.h.slash("pledges campaign open", {"name": "Kampala 2010"},
                                 user=world.moderator)
    assert "Kampala 2010" in opened.text()
    shown = await world.h.slash("mydata show", user=world.moderator)
    assert "1 export," in shown.text() and "1 campaign opened" in shown.text()
    exported = await world.h.slash("mydata export", user=world.moderator)
    document = json.loads(exported.files[0][1])
    assert document["as_moderator"]["exports"][0]["row_count"] == 10
    assert [c["name"] for c in document["as_moderator"]["campaigns_opened"]] == ["Kampala 2010"]
    confirm = await world.h.slash("mydata delete", user=world.moderator)
    await world.h.click(confirm, "mydata:delete", user=world.moderator)
    assert await world.db.fetchval("SELECT count(*) FROM export_audit") == 1
    assert await world.db.fetchval("SELECT count(*) FROM campaigns") == 1
    assert await world.db.fetchval("SELECT count(*) FROM pledges") == 0
