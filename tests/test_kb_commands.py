"""/ask, /topic, /topics and their buttons, through the real command tree against the fake."""

import shutil

import pytest

from bot.client import CoalitionBot
from bot.config import Settings
from bot.fakediscord.harness import Harness
from bot.kb.gaps import GapStore
from bot.l10n import day
from bot.storage import Database
from tests.kb_eval_helpers import ROOT

ASK = "who chaired the cooperation session in Kampala"


def callbacks(world):
    return [r.json for r in world.fake.requests_to("POST", r"^/interactions/\d+/[^/]+/callback$")]


async def ask(world, question, user=None, **kwargs):
    return await world.h.slash("ask", {"question": question, **kwargs.pop("options", {})},
                               user=user or world.member, guild_id=world.guild_id,
                               channel_id=world.channel_id, **kwargs)


async def test_ask_answers_publicly_with_sources_and_buttons(world):
    reply = await ask(world, ASK)
    assert not reply.ephemeral
    embed = reply.embeds[0]
    topic = world.bot.kb.topics["stocktaking"]
    assert embed["title"] == topic.title("en")
    assert embed["description"] == topic.in_lang("en").short
    assert embed["author"]["name"] == ASK
    assert embed["fields"][0]["name"] == "Sources"
    assert topic.sources[0].url.split("?")[0] in embed["fields"][0]["value"]
    assert embed["footer"]["text"] == "Updated " + day(topic.updated, "en")  # "November 27, 2026"
    ids = reply.custom_ids()
    assert ids[:3] == ["kb:more:stocktaking:en", "kb:lang:stocktaking:fr", "kb:lang:stocktaking:es"]
    assert 1 <= len([i for i in ids if i.startswith("kb:open:")]) <= 2


async def test_answer_follows_the_members_language_not_the_questions(world):
    reply = await ask(world, ASK, locale="fr")
    topic = world.bot.kb.topics["stocktaking"]
    assert reply.embeds[0]["title"] == topic.title("fr")
    assert "Sources" in reply.embeds[0]["fields"][0]["name"]
    assert "kb:lang:stocktaking:en" in reply.custom_ids()
    reply = await ask(world, "¿quién moderó la sesión de cooperación?", locale="en-GB")
    assert reply.embeds[0]["title"] == topic.title("en")


async def test_private_answer_is_ephemeral(world):
    reply = await ask(world, "APIC", options={"private": True})
    assert reply.ephemeral
    assert reply.embeds[0]["title"] == world.bot.kb.topics["agreements"].title("en")


async def test_buttons_work_for_anyone_and_answer_privately(world):
    reply = await ask(world, "art 88")
    topic = world.bot.kb.topics["implementing-legislation"]
    more = await world.h.click(reply, "kb:more:implementing-legislation:en", user=world.other_member)
    assert more.ephemeral and more.embeds[0]["description"] == topic.in_lang("en").body
    spanish = await world.h.click(reply, "kb:lang:implementing-legislation:es", user=world.other_member)
    assert spanish.ephemeral and spanish.embeds[0]["title"] == topic.title("es")
    assert "kb:more:implementing-legislation:es" in spanish.custom_ids()
    other = next(i for i in reply.custom_ids() if i.startswith("kb:open:"))
    slug = other.split(":")[2]
    opened = await world.h.click(reply, other, user=world.other_member, locale="fr")
    assert opened.embeds[0]["title"] == world.bot.kb.topics[slug].title("fr")
    # The public message itself never changed.
    assert world.fake.get_message(int(reply.message["id"]))["embeds"][0]["title"] == topic.title("en")


async def test_unknown_question_is_recorded_without_user_and_suggests_topics(world):
    reply = await ask(world, "best recipe for a chocolate cake")
    assert reply.ephemeral and not reply.embeds
    assert "sourced answer" in reply.content and "noted" in reply.content
    rows = await world.db.fetchall("SELECT * FROM kb_gaps")
    assert [(r["guild_id"], r["lang"]) for r in rows] == [(world.guild_id, "en")]
    assert str(world.member.id) not in " ".join(str(v) for v in rows[0])
    assert all(i.startswith("kb:open:") for i in reply.custom_ids())
    assert await GapStore(world.db).top(world.other_guild_id) == []


async def test_gaps_for_moderators_only_and_per_server(world):
    for text in ("recipe for chocolate cake", "Recipe for chocolate cake?", "hotel near beach"):
        await ask(world, text)
    await world.h.slash("ask", {"question": "football scores"}, user=world.outsider,
                        guild_id=world.other_guild_id)
    refused = await world.h.slash("kb gaps", user=world.member, guild_id=world.guild_id,
                                  check=False)
    assert refused.ephemeral and "chocolate" not in refused.text()
    reply = await world.h.slash("kb gaps", user=world.moderator, guild_id=world.guild_id)
    text = reply.embeds[0]["description"]
    assert reply.ephemeral and text.index("chocolate") < text.index("hotel")
    assert "**2×**" in text and "football" not in text
    other_mod = world.h.moderator(world.other_guild_id, name="mod2")
    other = await world.h.slash("kb gaps", user=other_mod, guild_id=world.other_guild_id)
    assert "football" in other.text() and "chocolate" not in other.text()


async def test_reload_for_moderators(world):
    refused = await world.h.slash("kb reload", user=world.member, guild_id=world.guild_id,
                                  check=False)
    assert refused.ephemeral and "13" not in refused.text()
    reply = await world.h.slash("kb reload", user=world.moderator, guild_id=world.guild_id)
    assert reply.ephemeral and "13" in reply.content


async def test_hostile_questions(world):
    empty = await ask(world, "   ", check=False)
    assert empty.ephemeral and "at least one word" in empty.content
    punctuation = await ask(world, "?!?...", check=False)
    assert "at least one word" in punctuation.content
    long = await ask(world, "art 88 " * 400, check=False)
    assert long.ephemeral and "300" in long.content
    for text in ('"NEAR( * AND -', "col:x OR {title}:y", "\x00\x07 art 88 \x1b"):
        reply = await ask(world, text, check=False)
        assert "something went wrong" not in reply.text().lower()
    pinged = await ask(world, "@everyone <@123456789012345678> =HYPERLINK(\"http://x\",\"APIC\")")
    assert "something went wrong" not in pinged.text().lower()
    for body in callbacks(world):
        mentions = (body.get("data") or {}).get("allowed_mentions")
        assert mentions in (None, {"parse": []}), mentions
    assert world.fake.errors == []


async def test_question_of_the_wrong_type(world):
    payload = world.h.slash_payload("ask", {"question": "x"}, user=world.member,
                                    guild_id=world.guild_id)
    payload["data"]["options"][0]["value"] = 12345
    reply = await world.h.raw_interaction(payload)
    assert reply.callback_type is not None
    assert "something went wrong" not in reply.text().lower()


async def test_topic_autocomplete(world):
    choices = await world.h.autocomplete("topic", {"name": ""}, focused="name",
                                         user=world.member, guild_id=world.guild_id)
    assert len(choices) == 13
    assert all(len(c["name"]) <= 100 and c["value"] in world.bot.kb.topics for c in choices)
    choices = await world.h.autocomplete("topic", {"name": "arr"}, focused="name",
                                         user=world.member, guild_id=world.guild_id, locale="fr")
    assert choices[0]["value"] == "arrest-warrants"
    assert choices[0]["name"] == world.bot.kb.topics["arrest-warrants"].title("fr")[:100]
    huge = await world.h.autocomplete("topic", {"name": "NEAR( \"" * 1000}, focused="name",
                                      user=world.member, guild_id=world.guild_id)
    assert len(huge) <= 25


async def test_topic_by_slug_and_unknown_names(world):
    reply = await world.h.slash("topic", {"name": "pledges"}, user=world.member,
                                guild_id=world.guild_id, locale="es-ES")
    assert reply.embeds[0]["title"] == world.bot.kb.topics["pledges"].title("es")
    assert not reply.ephemeral
    unknown = await world.h.slash("topic", {"name": "no-such **thing** @everyone"},
                                  user=world.member, guild_id=world.guild_id, locale="fr")
    assert unknown.ephemeral and "Aucun sujet" in unknown.content
    assert "\\*\\*thing\\*\\*" in unknown.content


async def test_topics_menu_opens_a_topic(world):
    reply = await world.h.slash("topics", user=world.member, guild_id=world.guild_id)
    assert reply.ephemeral and reply.custom_ids() == ["kb:browse:0"]
    options = reply.components[0]["components"][0]["options"]
    assert len(options) == 13
    opened = await world.h.click(reply, "kb:browse:0", values=["civil-society"])
    assert opened.embeds[0]["title"] == world.bot.kb.topics["civil-society"].title("en")
    crafted = await world.h.click(reply, "kb:browse:0", values=["../../etc"], check=False)
    assert crafted.ephemeral and "no longer" in crafted.content


@pytest.fixture
async def own_data(fake, tmp_path):
    """A bot whose data/ is a scratch copy, so a test may break and fix topic files."""
    shutil.copytree(ROOT / "data", tmp_path / "data")
    guild_id = fake.add_guild(name="Scratch", preferred_locale="en-US")
    fake.add_channel(guild_id, "general")
    db = await Database.open(tmp_path / "bot.sqlite3")
    settings = Settings(token="fake-token-" + "y" * 40, db_path=db.path, guild_id=None,
                        api_base=fake.api_base, gateway_url=fake.gateway_url,
                        log_level="DEBUG", data_dir=tmp_path / "data")
    bot = CoalitionBot(settings, db, sync_commands=False, background_tasks=False)
    h = Harness(fake, bot)
    await h.start()
    try:
        yield h, guild_id, h.moderator(guild_id), tmp_path / "data" / "topics"
    finally:
        await h.close()
        await db.close()


async def test_reload_reports_errors_and_keeps_serving(own_data):
    h, guild_id, moderator, topics = own_data
    path = topics / "pledges.yaml"
    good = path.read_text(encoding="utf-8")
    path.write_text(good.replace("\nes:\n", "\nspanish:\n"), encoding="utf-8")
    reply = await h.slash("kb reload", user=moderator, guild_id=guild_id)
    assert "pledges.yaml" in reply.content and "'es' is missing" in reply.content
    assert "13" in reply.content
    answer = await h.slash("ask", {"question": "Kampala pledges"}, user=moderator,
                           guild_id=guild_id, locale="es-ES")
    assert answer.embeds[0]["title"] == h.bot.kb.topics["pledges"].title("es")
    path.write_text(good.replace('title: "Pledges', 'title: "Renamed pledges', 1), encoding="utf-8")
    reply = await h.slash("kb reload", user=moderator, guild_id=guild_id)
    assert "13 topics" in reply.content and "pledges.yaml" not in reply.content
    shown = await h.slash("topic", {"name": "pledges"}, user=moderator, guild_id=guild_id)
    assert shown.embeds[0]["title"].startswith("Renamed pledges")


async def test_kb_is_on_the_bot_for_other_features(world):
    assert set(world.bot.kb.topics) >= {"pledges", "parts-9-and-10"}
    assert world.bot.get_cog("Ask").kb is world.bot.kb is world.bot.get_cog("KbAdmin").kb
