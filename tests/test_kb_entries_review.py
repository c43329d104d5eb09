"""Server entries: review by a second moderator, unanswered questions, limits, cross-server
isolation and moderator checks on every path, through the real command tree."""

import pytest

from bot.kb.gaps import GapStore
from tests.kb_entries_flow import (
    ASKED,
    FORM,
    add_entry,
    ask,
    crafted_click,
    crafted_form,
    entry_rows,
    fields,
    open_form,
    version_rows,
)


async def choices_for(world, user):
    """What /kb entry edit's autocomplete offers this person (a crafted request for members,
    from whom Discord hides the command)."""
    payload = world.h.slash_payload("kb entry edit", {"entry": ""}, user=user,
                                    guild_id=user.guild_id, focused="entry", check=False)
    return (await world.h.raw_interaction(payload)).choices


async def review(world, state):
    reply = await world.h.slash("config kb-review", {"state": state}, user=world.moderator,
                                guild_id=world.guild_id)
    assert reply.ephemeral
    return reply


async def test_review_on_waits_for_a_second_moderator(world):
    on = await review(world, "on")
    assert "/kb pending" in on.text()
    _, saved = await add_entry(world)
    assert "waiting" in saved.text() or "must approve" in saved.text()
    assert not (await ask(world, ASKED)).embeds  # not published yet
    listing = await world.h.slash("kb entries", user=world.moderator, guild_id=world.guild_id)
    assert (f"**#1** {FORM['entry_question']} (waiting for review, not published yet)"
            in listing.embeds[0]["description"])
    [choice] = await choices_for(world, world.moderator)
    assert choice["name"] == f"#1 · {FORM['entry_question']}"
    fixed = await world.h.submit_modal(await open_form(world, "kb entry edit", {"entry": "1"}),
                                       {"entry_answer": FORM["entry_answer"] + " Minutes follow."},
                                       user=world.moderator)
    assert "version 2" in fixed.text()
    assert [v["action"] for v in await version_rows(world)] == ["add", "edit"]
    colleague = world.h.moderator(world.guild_id, name="mod2")
    first = await world.h.slash("kb pending", user=colleague, guild_id=world.guild_id)
    assert "Members see nothing of it yet" in first.embeds[0]["description"]
    await world.h.click(first, "kb:review:reject:1:1", user=colleague)
    pending = await world.h.slash("kb pending", user=world.moderator, guild_id=world.guild_id)
    embed = pending.embeds[0]
    assert pending.ephemeral and "Entry #1, version 2" in embed["title"]
    assert FORM["entry_answer"] in embed["description"]
    assert pending.custom_ids() == ["kb:review:approve:1:2", "kb:review:reject:1:2"]
    own = await world.h.click(pending, "kb:review:approve:1:2", user=world.moderator)
    assert "another moderator must approve" in own.text()
    assert not (await ask(world, ASKED)).embeds
    approved = await world.h.click(pending, "kb:review:approve:1:2", user=colleague)
    assert approved.callback_type == 7 and "approved and published" in approved.text()
    assert "No change is waiting" in approved.text()
    assert (await ask(world, ASKED)).embeds[0]["description"].endswith("Minutes follow.")
    _, version = await version_rows(world)
    assert (version["state"], version["reviewed_by"]) == ("published", colleague.id)
    assert not (await entry_rows(world))[0]["retired_at"]  # rejecting v1 left v2 waiting
    shown = await world.h.slash("config show", user=world.moderator, guild_id=world.guild_id)
    assert any(f["name"] == "Review of knowledge-base entries" and f["value"] == "On"
               for f in shown.embeds[0]["fields"])


async def test_a_waiting_edit_shows_its_diff_and_can_be_rejected(world):
    await add_entry(world)
    await review(world, "on")
    opened = await open_form(world, "kb entry edit", {"entry": "1"})
    await world.h.submit_modal(opened, {
        "entry_question": "When is the next regional call?",
        "entry_answer": "Every first Monday of the month at 14:00 UTC, on the usual link. "
                        "Minutes are shared afterwards."}, user=world.moderator)
    pending = await world.h.slash("kb pending", user=world.moderator, guild_id=world.guild_id)
    embed = pending.embeds[0]
    by_name = {f["name"]: f["value"] for f in embed["fields"]}
    assert "edited (English)" in embed["title"]
    assert by_name["Question"].startswith("~~When is the next regional members")
    assert "```diff" in by_name["Answer"] and "+Minutes are shared afterwards." in by_name["Answer"]
    assert all(len(v) <= 1024 for v in by_name.values())
    colleague = world.h.moderator(world.guild_id, name="mod2")
    rejected = await world.h.click(pending, "kb:review:reject:1:2", user=colleague)
    assert "rejected" in rejected.text()
    assert (await ask(world, ASKED)).embeds[0]["description"] == FORM["entry_answer"]
    again = await crafted_click(world, colleague, "kb:review:approve:1:2")
    assert "already been rejected" in again.text()
    assert [v["state"] for v in await version_rows(world)] == ["published", "rejected"]


async def test_review_off_publishes_at_once_and_keeps_what_waits(world):
    await review(world, "on")
    await add_entry(world)
    off = await review(world, "off")
    assert "published at once" in off.text()
    _, second = await add_entry(world, {"entry_question": "Where are the call minutes?"})
    assert "published" in second.text()
    pending = await world.h.slash("kb pending", user=world.moderator, guild_id=world.guild_id)
    assert pending.custom_ids() == ["kb:review:approve:1:1", "kb:review:reject:1:1"]


async def test_answer_a_gap_from_the_list_and_dismiss_another(world):
    for question in ("Can I get my bus ticket refunded?", "can i get my bus ticket refunded",
                     "best pizza in the hague"):
        await ask(world, question)
    await ask(world, "football scores tonight", user=world.outsider)
    listing = await world.h.slash("kb gaps", user=world.moderator, guild_id=world.guild_id)
    text = listing.embeds[0]["description"]
    assert text.index("ticket") < text.index("pizza") and "football" not in text
    ids = listing.custom_ids()
    assert [i.split(":")[2] for i in ids] == ["answer", "answer", "dismiss", "dismiss"]
    opened = await world.h.click(listing, ids[0], user=world.moderator)
    modal = fields(opened.modal)
    assert opened.modal["custom_id"] == ids[0].replace("kb:gap:answer:", "kb_entry:gap:")
    assert modal["entry_question"]["value"] == "can i get my bus ticket refunded"
    done = await world.h.submit_modal(opened, {
        "entry_question": "Can I get my bus ticket refunded?",
        "entry_answer": "The secretariat reimburses public transport for invited speakers.",
        "entry_keywords": "travel costs, reimbursement",
        "entry_source": "Travel policy 2025, section 2"}, user=world.moderator)
    assert "left /kb gaps" in done.text()
    answered = await ask(world, "can i get my bus ticket refunded")
    assert answered.embeds[0]["title"] == "Can I get my bus ticket refunded?"
    after = await world.h.slash("kb gaps", user=world.moderator, guild_id=world.guild_id)
    assert "ticket" not in after.embeds[0]["description"]
    dismiss = next(i for i in after.custom_ids() if i.startswith("kb:gap:dismiss:"))
    dismissed = await world.h.click(after, dismiss, user=world.moderator)
    assert dismissed.callback_type == 7 and "Dismissed" in dismissed.text()
    assert "No unanswered questions" in dismissed.text()
    stale = await crafted_click(world, world.moderator, dismiss)
    assert "no longer on the list" in stale.text()
    other_mod = world.h.moderator(world.other_guild_id, name="mod-b")
    other = await world.h.slash("kb gaps", user=other_mod, guild_id=world.other_guild_id)
    assert "football" in other.text()  # the other server's list is untouched


async def test_another_server_finds_and_changes_nothing(world):
    await add_entry(world)
    assert not (await ask(world, ASKED, user=world.outsider)).embeds
    other_mod = world.h.moderator(world.other_guild_id, name="mod-b")
    choices = await world.h.autocomplete("topic", {"name": "regional members"},
                                         focused="name", user=world.outsider,
                                         guild_id=world.other_guild_id)
    assert "#1" not in [c["value"] for c in choices]
    named = await world.h.slash("topic", {"name": "#1"}, user=world.outsider,
                                guild_id=world.other_guild_id)
    assert not named.embeds
    edit = await world.h.slash("kb entry edit", {"entry": "1"}, user=other_mod,
                               guild_id=world.other_guild_id)
    assert edit.modal is None and "No entry" in edit.text()
    for command, options in (("kb entry remove", {"entry": "1"}),
                             ("kb entry history", {"entry": "1"}),
                             ("kb entry revert", {"entry": "1", "version": 1})):
        reply = await world.h.slash(command, options, user=other_mod,
                                    guild_id=world.other_guild_id)
        assert "No entry" in reply.text(), command
    forged = await crafted_form(world, other_mod, "kb_entry:1", {"entry_answer": "Hijacked."})
    assert "no entry #1" in forged.text()
    for custom_id in ("kb:entry:1", "kb:entry:1:en", "kb:review:approve:1:1",
                      "kb:review:reject:1:1"):
        clicked = await crafted_click(world, other_mod, custom_id)
        assert "something went wrong" not in clicked.text().lower(), custom_id
        assert not clicked.embeds and clicked.modal is None, custom_id
    assert await choices_for(world, other_mod) == []
    # the other server's own entry #1 is a different entry, and a crafted form changes only it
    await add_entry(world, {"entry_question": "¿Cuándo es la asamblea?",
                            "entry_lang": ["es"]}, user=other_mod)
    await crafted_form(world, other_mod, "kb_entry:1", {"entry_answer": "Solo aquí.",
                                                        "entry_lang": ["es"]})
    rows = await world.db.fetchall("SELECT guild_id, lang, answer FROM kb_entry_texts")
    assert {(r["guild_id"], r["lang"], r["answer"]) for r in rows} == {
        (world.guild_id, "en", FORM["entry_answer"]), (world.other_guild_id, "es", "Solo aquí.")}


MODERATOR_COMMANDS = [
    ("kb entry add", {}), ("kb entry edit", {"entry": "1"}),
    ("kb entry translate", {"entry": "1", "lang": "fr"}), ("kb entry history", {"entry": "1"}),
    ("kb entry revert", {"entry": "1", "version": 1}), ("kb entry remove", {"entry": "1"}),
    ("kb entries", {}), ("kb pending", {}), ("kb gaps", {}), ("config kb-review", {"state": "off"}),
]


@pytest.mark.parametrize(("command", "options"), MODERATOR_COMMANDS)
async def test_members_are_refused_every_moderator_command(world, command, options):
    await add_entry(world)
    reply = await world.h.slash(command, options, user=world.member, guild_id=world.guild_id,
                                check=False)
    assert reply.ephemeral and reply.modal is None and not reply.embeds
    assert "moderator" in reply.text().lower()
    assert len(await version_rows(world)) == 1


async def test_members_are_refused_crafted_forms_buttons_and_choices(world):
    await review(world, "on")
    await add_entry(world)
    await ask(world, "best pizza in the hague")
    [gap] = await GapStore(world.db).top(world.guild_id)
    for custom_id in ("kb_entry", "kb_entry:1", f"kb_entry:gap:{gap.key}"):
        reply = await crafted_form(world, world.member, custom_id)
        assert "moderator" in reply.text().lower(), custom_id
    for custom_id in (f"kb:gap:answer:{gap.key}", f"kb:gap:dismiss:{gap.key}",
                      "kb:review:approve:1:1", "kb:review:reject:1:1"):
        reply = await crafted_click(world, world.member, custom_id)
        assert "moderator" in reply.text().lower() and reply.modal is None, custom_id
    assert await choices_for(world, world.member) == []
    assert [c["value"] for c in await choices_for(world, world.moderator)] == ["1"]
    assert len(await entry_rows(world)) == 1
    assert [v["state"] for v in await version_rows(world)] == ["pending"]
    assert len(await GapStore(world.db).top(world.guild_id)) == 1


async def test_limits_are_explained(world):
    store = world.bot.kb_desk.store
    store.max_entries, store.changes_per_hour = 2, 3
    await add_entry(world)
    await add_entry(world, {"entry_question": "Where are the minutes?"})
    full = await open_form(world, "kb entry add", {})
    assert full.modal is None and "limit on entries (2)" in full.text()
    await world.h.submit_modal(await open_form(world, "kb entry edit", {"entry": "1"}),
                               {"entry_answer": "Changed."}, user=world.moderator)
    busy = await open_form(world, "kb entry edit", {"entry": "1"})
    assert busy.modal is None and "in one hour (3)" in busy.text() and "<t:" in busy.text()
    colleague = world.h.moderator(world.guild_id, name="mod2")
    assert (await open_form(world, "kb entry edit", {"entry": "1"}, user=colleague)).modal


async def test_mydata_tells_a_moderator_which_entries_they_wrote(world):
    await add_entry(world)
    await add_entry(world, {"entry_question": "Where are the minutes?"})
    colleague = world.h.moderator(world.guild_id, name="mod2")
    await world.h.submit_modal(await open_form(world, "kb entry edit", {"entry": "2"},
                                               user=colleague),
                               {"entry_answer": "In the shared drive."}, user=colleague)
    mine = await world.h.slash("mydata show", user=world.moderator, guild_id=world.guild_id)
    assert "entries you wrote or changed here: #1, #2" in mine.text()
    theirs = await world.h.slash("mydata show", user=colleague, guild_id=world.guild_id,
                                 locale="fr")
    assert "modifiées ici : #2 (" in theirs.text()
    exported = await world.h.slash("mydata export", user=colleague, guild_id=world.guild_id)
    import json

    document = json.loads(exported.files[0][1])
    assert [(r["entry"], r["action"]) for r in document["as_moderator"]["kb_entries"]] == [
        (2, "edit")]


@pytest.mark.parametrize(("locale", "title", "command"), [
    ("en-US", "Keeping the knowledge base alive", "/kb gaps"),
    ("fr", "Faire vivre la base de connaissances", "/base lacunes"),
    ("es-ES", "Mantener viva la base de conocimientos", "/base lagunas"),
])
async def test_help_explains_the_workflow_to_moderators(world, locale, title, command):
    shown = await world.h.slash("help", user=world.moderator, guild_id=world.guild_id,
                                locale=locale)
    workflow = [f for f in shown.embeds[0]["fields"] if f["name"] == title]
    assert workflow and command in workflow[0]["value"] and shown.rejections == []
    member = await world.h.slash("help", user=world.member, guild_id=world.guild_id,
                                 locale=locale)
    assert all(f["name"] != title for f in member.embeds[0]["fields"])
