"""Server entries through the real command tree: writing, what members see, translating,
editing, history, revert and removal."""

import pytest

from tests.conftest import running_bot
from tests.kb_entries_flow import (
    ASKED,
    FORM,
    add_entry,
    ask,
    entry_rows,
    fields,
    open_form,
    version_rows,
)

GOLD = 0xF1C40F


@pytest.mark.parametrize(("locale", "lang"), [("en-US", "en"), ("fr", "fr"), ("es-ES", "es")])
async def test_form_has_fixed_ids_and_fits_discord_limits(world, locale, lang):
    opened = await open_form(world, "kb entry add", {}, locale=locale)
    modal = opened.modal
    assert modal["custom_id"] == "kb_entry" and len(modal["title"]) <= 45
    assert all(len(c["label"]) <= 45 for c in modal["components"] if c["type"] == 18)
    found = fields(modal)
    assert list(found) == ["entry_question", "entry_answer", "entry_keywords", "entry_source",
                           "entry_lang"]
    assert found["entry_question"]["max_length"] == 100
    assert found["entry_answer"]["max_length"] == 1500 and found["entry_answer"]["style"] == 2
    assert found["entry_keywords"]["required"] is False
    assert found["entry_source"].get("required", True) is True
    options = found["entry_lang"]["options"]
    assert [o["value"] for o in options] == ["en", "fr", "es"]
    assert [o["value"] for o in options if o.get("default")] == [lang]
    assert opened.rejections == []


async def test_a_published_entry_is_found_at_once_and_shown_as_the_servers(world):
    _, receipt = await add_entry(world)
    assert receipt.ephemeral and "#1" in receipt.text() and "published" in receipt.text()
    [row] = await entry_rows(world)
    assert (row["guild_id"], row["number"], row["created_by"]) == (world.guild_id, 1,
                                                                   world.moderator.id)
    reply = await ask(world, ASKED)
    embed = reply.embeds[0]
    assert not reply.ephemeral and embed["title"] == FORM["entry_question"]
    assert embed["description"] == FORM["entry_answer"] and embed["color"] == GOLD
    assert embed["author"]["name"] == "Answered by this server's moderators"
    assert embed["fields"][0]["name"] == "Source"
    assert "](https://www.coalitionfortheicc.org/calls)" in embed["fields"][0]["value"]
    assert "entry #1" in embed["footer"]["text"] and "published on" in embed["footer"]["text"]
    # the other ways to ask find it too, and /topic offers it while typing
    assert (await ask(world, "monthly call")).embeds[0]["title"] == FORM["entry_question"]
    choices = await world.h.autocomplete("topic", {"name": "regional members"}, focused="name",
                                         user=world.member, guild_id=world.guild_id)
    assert "#1" in [c["value"] for c in choices]
    shown = await world.h.slash("topic", {"name": "#1"}, user=world.member,
                                guild_id=world.guild_id)
    assert shown.embeds[0]["title"] == FORM["entry_question"]


async def test_a_missing_language_is_shown_in_another_with_a_note_then_translated(world):
    french = {"entry_question": "Quand a lieu le prochain appel des membres de la région ?",
              "entry_answer": "Chaque premier lundi du mois à 14 h UTC.",
              "entry_keywords": "", "entry_source": "ICC-ASP/6/Res.2, annexe",
              "entry_lang": ["fr"]}
    await add_entry(world, french, locale="fr")
    reply = await ask(world, "prochain appel des membres de la région", locale="en-US")
    embed = reply.embeds[0]
    assert embed["title"] == french["entry_question"]
    assert embed["description"].startswith("*No English translation yet: shown in French.*")
    spanish = await ask(world, "prochain appel des membres de la région", locale="es-ES")
    assert "Aún no hay traducción al español: se muestra en francés." in spanish.embeds[0][
        "description"]
    assert " de 20" in spanish.embeds[0]["footer"]["text"]  # "30 de noviembre de 2026"
    listing = await world.h.slash("kb entries", user=world.moderator, guild_id=world.guild_id)
    assert "missing: English, Spanish" in listing.embeds[0]["description"]
    opened = await open_form(world, "kb entry translate", {"entry": "1", "lang": "en"})
    modal = fields(opened.modal)
    assert opened.modal["custom_id"] == "kb_entry:1"
    assert opened.modal["title"] == "Entry #1: new language (English)"
    assert modal["entry_answer"]["value"] == french["entry_answer"]  # the text to translate
    assert [o["value"] for o in modal["entry_lang"]["options"] if o.get("default")] == ["en"]
    done = await world.h.submit_modal(opened, {
        "entry_question": "When is the next regional members' call?",
        "entry_answer": "Every first Monday at 14:00 UTC.",
        "entry_source": "ICC-ASP/6/Res.2, annex"}, user=world.moderator)
    assert "published" in done.text()
    english = await ask(world, "prochain appel des membres de la région", locale="en-US")
    assert english.embeds[0]["description"] == "Every first Monday at 14:00 UTC."
    assert english.custom_ids()[:1] == ["kb:entry:1:fr"]
    other = await world.h.click(english, "kb:entry:1:fr", user=world.other_member)
    assert other.ephemeral and other.embeds[0]["title"] == french["entry_question"]
    assert "kb:entry:1:en" in other.custom_ids()
    assert [(v["action"], v["lang"]) for v in await version_rows(world)] == [
        ("add", "fr"), ("translate", "en")]


async def test_edit_prefills_the_form_and_history_says_who_changed_what(world):
    await add_entry(world)
    colleague = world.h.moderator(world.guild_id, name="mod2")
    opened = await open_form(world, "kb entry edit", {"entry": "#1"}, user=colleague)
    modal = fields(opened.modal)
    assert opened.modal["custom_id"] == "kb_entry:1"
    assert modal["entry_question"]["value"] == FORM["entry_question"]
    assert modal["entry_keywords"]["value"] == "monthly call, members call"
    assert modal["entry_source"]["value"] == FORM["entry_source"]
    await world.h.submit_modal(opened, {"entry_answer": "Every first Tuesday instead."},
                               user=colleague)
    assert (await ask(world, ASKED)).embeds[0]["description"] == "Every first Tuesday instead."
    history = await world.h.slash("kb entry history", {"entry": "1"}, user=world.moderator,
                                  guild_id=world.guild_id)
    text = history.embeds[0]["description"]
    assert history.ephemeral and "History of entry #1" in history.embeds[0]["title"]
    assert f"**v1** · written (English) · <@{world.moderator.id}>" in text
    assert f"**v2** · edited (English) · <@{colleague.id}>" in text
    assert "changed: Answer" in text and "<t:" in text


async def test_revert_and_remove_keep_every_version(world):
    await add_entry(world)
    await world.h.submit_modal(await open_form(world, "kb entry edit", {"entry": "1"}),
                               {"entry_answer": "Vandalised answer."}, user=world.moderator)
    reverted = await world.h.slash("kb entry revert", {"entry": "1", "version": 1},
                                   user=world.moderator, guild_id=world.guild_id)
    assert "version 3" in reverted.text()
    assert (await ask(world, ASKED)).embeds[0]["description"] == FORM["entry_answer"]
    removed = await world.h.slash("kb entry remove", {"entry": "1"}, user=world.moderator,
                                  guild_id=world.guild_id)
    assert "removed" in removed.text() and "/kb entry revert" in removed.text()
    gone = await ask(world, ASKED)
    assert gone.ephemeral and not gone.embeds  # members no longer find it
    history = await world.h.slash("kb entry history", {"entry": "1"}, user=world.moderator,
                                  guild_id=world.guild_id)
    assert "brought back (English) to version 1" in history.embeds[0]["description"]
    assert "removed" in history.embeds[0]["description"]
    assert history.embeds[0]["footer"]["text"].startswith("This entry is removed")
    refused = await open_form(world, "kb entry edit", {"entry": "1"})
    assert refused.modal is None and "has been removed" in refused.text()
    await world.h.slash("kb entry revert", {"entry": "1", "version": 1}, user=world.moderator,
                        guild_id=world.guild_id)
    assert (await ask(world, ASKED)).embeds[0]["title"] == FORM["entry_question"]
    assert len(await version_rows(world)) == 5


async def test_an_entry_and_a_topic_answering_the_same_question_are_both_offered(world):
    await add_entry(world, {"entry_question": "What is cooperation with the ICC?",
                            "entry_answer": "Our coalition's own short explanation.",
                            "entry_keywords": ""})
    reply = await ask(world, "what is cooperation with the ICC?")
    ids = reply.custom_ids()
    topic = world.bot.kb.topics["cooperation-overview"]
    if reply.embeds[0]["title"] == topic.title("en"):
        assert "kb:entry:1" in ids
    else:
        assert reply.embeds[0]["title"] == "What is cooperation with the ICC?"
        assert "kb:open:cooperation-overview" in ids


async def test_hostile_text_is_stored_as_typed_and_never_pings(world):
    hostile = {"entry_question": "@everyone <@&1> =HYPERLINK(\"http://x\") call\u202e?",
               "entry_answer": "Line \x00one\n@here **bold** <@123456789012345678>",
               "entry_keywords": "=cmd|' /C calc'!A0, @everyone"}
    _, receipt = await add_entry(world, hostile)
    assert "published" in receipt.text()
    [version] = await version_rows(world)
    assert version["question"] == "@everyone <@&1> =HYPERLINK(\"http://x\") call?"
    assert version["answer"] == "Line one\n@here **bold** <@123456789012345678>"
    reply = await ask(world, "HYPERLINK call")
    assert reply.embeds and reply.embeds[0]["title"].startswith("@everyone")
    for record in world.fake.requests_to("POST", r"/interactions/\d+/[^/]+/callback$"):
        mentions = (record.json.get("data") or {}).get("allowed_mentions")
        assert mentions in (None, {"parse": []}), mentions


@pytest.mark.parametrize(("values", "fragment"), [
    ({"entry_question": "   "}, "Please write the question"),
    ({"entry_answer": "\u200b\u200b"}, "Please write the answer"),
    ({"entry_answer": "x" * 2000}, "2,000 characters"),
    ({"entry_source": "http://192.168.1.10/minutes"}, "not on the public web"),
    ({"entry_source": "https://www.scribd.com/doc/1"}, "scribd.com"),
    ({"entry_source": "javascript:alert(1)"}, "http://"),
    ({"entry_lang": ["de"]}, "English, French or Spanish"),
    ({"entry_lang": []}, "English, French or Spanish"),
    ({"entry_lang": ["en", "fr"]}, "English, French or Spanish"),
])
async def test_crafted_or_bad_forms_are_refused_and_nothing_is_stored(world, values, fragment):
    _, reply = await add_entry(world, values, check=False)
    assert reply.ephemeral and fragment in reply.text(), reply.text()
    assert await entry_rows(world) == []


async def test_entries_and_their_buttons_outlive_a_restart(world):
    await add_entry(world)
    french = {"entry_question": "Quand a lieu le prochain appel des membres de la région ?",
              "entry_answer": "Chaque premier lundi du mois.", "entry_lang": ["fr"]}
    await world.h.submit_modal(await open_form(world, "kb entry translate",
                                               {"entry": "1", "lang": "fr"}),
                               french, user=world.moderator)
    answer = await ask(world, ASKED)
    await world.h.close()
    async with running_bot(world.fake, world.db.path) as (bot, h):
        await bot.kb_entries.preload()
        assert world.guild_id in bot.kb_entries._loaded
        assert world.other_guild_id not in bot.kb_entries._loaded  # nothing to load there
        message = world.fake.get_message(int(answer.message["id"]))
        clicked = await h.click(message, "kb:entry:1:fr", user=world.other_member)
        assert clicked.embeds[0]["title"] == french["entry_question"]
        again = await h.slash("ask", {"question": ASKED}, user=world.member,
                              guild_id=world.guild_id)
        assert again.embeds[0]["title"] == FORM["entry_question"]
