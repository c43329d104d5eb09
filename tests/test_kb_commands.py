"""/ask, /topic, /topics and their buttons, through the real command tree against the fake."""

import shutil

import pytest
from babel.dates import format_date

from bot.client import CoalitionBot
from bot.config import Settings
from bot.fakediscord.harness import Harness
from bot.kb.gaps import GapStore
from bot.storage import Database
from tests.kb_eval_helpers import ROOT, TOPIC_COUNT

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
    assert embed["footer"]["text"] == "Facts checked on " + format_date(topic.checked, "long",
                                                                        locale="en_US")
    ids = reply.custom_ids()
    assert ids[:4] == ["kb:more:stocktaking:en", "kb:src:stocktaking:en", "kb:lang:stocktaking:fr",
                       "kb:lang:stocktaking:es"]
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
    assert refused.ephemeral and str(TOPIC_COUNT) not in refused.text()
    reply = await world.h.slash("kb reload", user=world.moderator, guild_id=world.guild_id)
    assert reply.ephemeral and str(TOPIC_COUNT) in reply.content


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
    assert len(choices) == TOPIC_COUNT
    assert all(len(c["name"]) <= 100 and c["value"] in world.bot.kb.topics for c in choices)
    choices = await world.h.autocomplete("topic", {"name": "arr"}, focused="name",
                                         user=world.member, guild_id=world.guild_id, locale="fr")
    assert choices[0]["value"] in ("arrest-warrants", "arrest-strategies")
    assert choices[0]["name"] == world.bot.kb.topics[choices[0]["value"]].title("fr")[:100]
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
    assert len(options) == TOPIC_COUNT
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
    assert str(TOPIC_COUNT) in reply.content
    answer = await h.slash("ask", {"question": "Kampala pledges"}, user=moderator,
                           guild_id=guild_id, locale="es-ES")
    assert answer.embeds[0]["title"] == h.bot.kb.topics["pledges"].title("es")
    path.write_text(good.replace('title: "Pledges', 'title: "Renamed pledges', 1), encoding="utf-8")
    reply = await h.slash("kb reload", user=moderator, guild_id=guild_id)
    assert f"{TOPIC_COUNT} topics" in reply.content and "pledges.yaml" not in reply.content
    shown = await h.slash("topic", {"name": "pledges"}, user=moderator, guild_id=guild_id)
    assert shown.embeds[0]["title"].startswith("Renamed pledges")


async def test_kb_is_on_the_bot_for_other_features(world):
    assert set(world.bot.kb.topics) >= {"pledges", "parts-9-and-10"}
    assert world.bot.get_cog("Ask").kb is world.bot.kb is world.bot.get_cog("KbAdmin").kb


async def test_key_sources_in_the_answer_and_all_sources_behind_a_button(world):
    topic = world.bot.kb.topics["implementing-legislation"]
    assert len(topic.sources) > len(topic.key_sources)
    reply = await ask(world, "art 88", locale="fr")
    shown = reply.embeds[0]["fields"][0]["value"]
    assert shown.count("• ") == len(topic.key_sources) <= 5
    assert reply.embeds[0]["footer"]["text"] == "Faits vérifiés le " + format_date(
        topic.checked, "long", locale="fr")
    button = next(c for c in reply.components[0]["components"]
                  if c["custom_id"] == "kb:src:implementing-legislation:fr")
    assert button["label"] == "Toutes les sources"
    listing = await world.h.click(reply, "kb:src:implementing-legislation:fr",
                                  user=world.other_member, locale="en-US")
    assert listing.ephemeral
    embed = listing.embeds[0]
    lines = "\n".join(f["value"] for f in embed["fields"])
    assert lines.count("• ") == len(topic.sources)
    assert all(s.title("fr").replace("[", "(").replace("]", ")") in lines for s in topic.sources)
    assert embed["title"].startswith("Toutes les sources")
    assert all(len(f["value"]) <= 1024 for f in embed["fields"])
    assert listing.custom_ids() == []  # one page: no page buttons
    # a British member reads the date the British way
    british = await ask(world, "art 88", locale="en-GB")
    assert british.embeds[0]["footer"]["text"] == "Facts checked on " + format_date(
        topic.checked, "long", locale="en_GB")


async def test_not_covered_names_what_is_missing_and_offers_the_closest(world):
    reply = await ask(world, "Milosevic arrest warrant")
    assert reply.ephemeral and not reply.embeds
    assert "I have nothing on Milosevic" in reply.content
    closest = reply.custom_ids()[0].split(":")[2]
    assert closest in ("arrest-warrants", "outstanding-warrants")
    assert world.bot.kb.topics[closest].title("en") in reply.content
    rows = await world.db.fetchall("SELECT question FROM kb_gaps")
    assert [r["question"] for r in rows] == ["Milosevic arrest warrant"]
    french = await ask(world, "mandat d'arrêt contre Milosevic", locale="fr")
    assert "Je n'ai rien sur Milosevic" in french.content and "/sujets" in french.content
    spanish = await ask(world, "Zorglub y Milosevic orden de detención", locale="es-ES")
    assert "No tengo nada sobre Zorglub y Milosevic" in spanish.content
    hostile = await ask(world, "@everyone **Zorglub** <@123456789012345678> arrest warrant")
    assert "something went wrong" not in hostile.text().lower()
    assert "I have nothing on Zorglub" in hostile.content
    for body in callbacks(world):
        mentions = (body.get("data") or {}).get("allowed_mentions")
        assert mentions in (None, {"parse": []}), mentions


async def test_off_topic_refused_in_french_and_spanish(world):
    for question, locale in (("une recette de gâteau au chocolat", "fr"),
                             ("¿quién ganó el mundial de 2010?", "es-ES")):
        reply = await ask(world, question, locale=locale)
        assert reply.ephemeral and not reply.embeds


def long_sourced_topic(topics, *, sources=40, without_url=0):
    """A copy of pledges with many long-labelled sources, some without an address."""
    path = topics / "pledges.yaml"
    text = path.read_text(encoding="utf-8")
    label = "A long source label about the Kampala pledges, number {n}, " + "x" * 200
    block = "".join(
        f'  - title: {{en: "{label.format(n=n)}", fr: "Source {n}", es: "Fuente {n}"}}\n'
        + (f'    url: "https://www.icc-cpi.int/doc/{n}"\n' if n >= without_url else "")
        + ("    key: true\n" if n < 2 else "")
        for n in range(sources))
    start, end = text.index("\nsources:\n") + 1, text.index("\nen:\n") + 1
    path.write_text(text[:start] + "sources:\n" + block + text[end:], encoding="utf-8")


async def test_all_sources_turn_pages_and_plain_labels(own_data):
    h, guild_id, moderator, topics = own_data
    long_sourced_topic(topics, without_url=1)
    reloaded = await h.slash("kb reload", user=moderator, guild_id=guild_id)
    assert "problem" not in reloaded.content
    answer = await h.slash("topic", {"name": "pledges"}, user=moderator, guild_id=guild_id)
    key = answer.embeds[0]["fields"][0]["value"]
    assert key.startswith("• A long source label") and "](" not in key.splitlines()[0]
    assert "](https://www.icc-cpi.int/doc/1)" in key
    first = await h.click(answer, "kb:src:pledges:en", user=moderator)
    assert first.ephemeral and first.custom_ids() == ["kb:src:pledges:en:2"]
    assert first.embeds[0]["footer"]["text"].startswith("Page 1 of ")
    pages = int(first.embeds[0]["footer"]["text"].split(" of ")[1].split(" ")[0])
    assert pages >= 2
    seen = [f["value"] for f in first.embeds[0]["fields"]]
    current = first
    for number in range(2, pages + 1):
        current = await h.click(current, f"kb:src:pledges:en:{number}", user=moderator)
        assert current.embeds[0]["footer"]["text"].startswith(f"Page {number} of {pages}")
        seen += [f["value"] for f in current.embeds[0]["fields"]]
        total = sum(len(f["value"]) + len(f["name"]) for f in current.embeds[0]["fields"])
        assert total < 6000
    assert f"kb:src:pledges:en:{pages - 1}" in current.custom_ids()
    assert "\n".join(seen).count("• ") == 40
    spanish = await h.click(answer, "kb:src:pledges:en", user=moderator, locale="es-ES")
    assert "Fuente" not in spanish.text()  # the list is in the answer's language
