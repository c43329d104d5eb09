"""/resources (members) and /resource (moderators) through the real command tree and the fake."""

from __future__ import annotations

import pytest

from tests.conftest import ROOT


def options_of(payload):
    """The leaf options of a slash payload (inside its subcommand)."""
    return payload["data"]["options"][0]["options"]


async def crafted(world, name, options, *, user=None, mutate=None, locale=None):
    payload = world.h.slash_payload(name, options, user=user or world.moderator, check=False,
                                    locale=locale)
    if mutate is not None:
        mutate(options_of(payload))
    return await world.h.raw_interaction(payload)


async def add(world, url="https://www.hrw.org/news/2012/04/13/ntaganda", title="Wanted", *,
              user=None, locale=None, **options):
    values = {"url": url, "title": title, **options}
    return await world.h.slash("resource add", values, user=user or world.moderator,
                               locale=locale)


async def stored(world, guild_id=None):
    return await world.db.fetchall(
        "SELECT url, title, author, published, region, kind, source, added_by FROM resources "
        "WHERE guild_id = ? AND source = 'moderator' ORDER BY id", (guild_id or world.guild_id,))


async def test_members_see_the_seed_on_first_use(world):
    reply = await world.h.slash("resources latest", user=world.member)
    assert reply.ephemeral
    text = reply.text()
    assert "Bosco Ntaganda - Wanted for War Crimes" in text and "Stop Béchir" in text
    assert "hrw.org/topic/international-justice/bosco-ntaganda" in reply.embeds[0]["description"]
    assert await world.db.fetchval("SELECT count(*) FROM outbox") == 0  # seeds are not announced


async def test_search_is_accent_insensitive_and_localized(world):
    reply = await world.h.slash("resources search", {"query": "bechir"}, user=world.member,
                                locale="fr")
    assert "Stop Béchir" in reply.text() and "« bechir »" in reply.embeds[0]["title"]
    reply = await world.h.slash("resources search", {"query": "human rights", "region": "europe"},
                                user=world.member)
    assert "Aucune" not in reply.text() and "No resource found" in reply.text()


@pytest.mark.parametrize("query", ['"', "NEAR(", "a OR", "*", "title:x", "@everyone", "=HYPERLINK(\"x\")",
                                   "\x00\x01", "ÉÉÉ" * 30])
async def test_hostile_search_queries_get_an_answer(world, query):
    reply = await world.h.slash("resources search", {"query": query}, user=world.member)
    assert reply.ephemeral and "ref" not in reply.text()


async def test_search_query_too_long_or_empty_when_crafted(world):
    reply = await crafted(world, "resources search", {"query": "x" * 5000}, user=world.member)
    assert "ref" not in reply.text()
    reply = await crafted(world, "resources search", {"query": "\u200b\x00 "}, user=world.member)
    assert "Type a few words" in reply.text()


async def test_latest_filters_by_region_and_kind_and_refuses_crafted_choices(world):
    await add(world, url="https://a.example.org/r", title="Europe report", region="europe",
              kind="report")
    reply = await world.h.slash("resources latest", {"region": "europe"}, user=world.member)
    assert "Europe report" in reply.text() and "Béchir" not in reply.text()
    reply = await world.h.slash("resources latest", {"kind": "video"}, user=world.member)
    assert "Europe report" not in reply.text() and "Béchir" in reply.text()
    reply = await crafted(world, "resources latest", {"region": "atlantis"}, user=world.member)
    assert "region from the list" in reply.text()


async def test_moderator_adds_a_resource_committed_before_the_answer(world):
    reply = await add(world, url="HTTPS://WWW.HRW.ORG/news/x?utm_campaign=a&id=2#top",
                      title="  Wanted\x00 for\nWar Crimes ", author="Human Rights Watch",
                      published="2012-04-13", region="africa", kind="video")
    assert reply.ephemeral and "announcements channel" in reply.text()
    [row] = await stored(world)
    assert dict(row) == {"url": "https://www.hrw.org/news/x?id=2", "title": "Wanted for War Crimes",
                         "author": "Human Rights Watch", "published": "2012-04-13",
                         "region": "africa", "kind": "video", "source": "moderator",
                         "added_by": world.moderator.id}
    assert await world.db.fetchval("SELECT state FROM outbox") == "pending"
    again = await add(world, url="https://www.hrw.org/news/x?id=2&fbclid=zz", title="Again")
    assert "already has" in again.text() and "Wanted for War Crimes" in again.text()
    assert len(await stored(world)) == 1


@pytest.mark.parametrize(("options", "fragment", "locale"), [
    ({"url": "javascript:alert(1)"}, "http:// or https://", None),
    ({"url": "ftp://x.org/f"}, "http:// ou https://", "fr"),
    ({"url": "not a url"}, "espacios", "es-ES"),
    ({"url": "https://"}, "does not look like a web address", None),
    ({"published": "13/04/2012"}, "AAAA-MM-JJ", "fr"),
    ({"published": "2012-02-30"}, "YYYY-MM-DD", None),
    ({"published": "=NOW()"}, "YYYY-MM-DD", None),
    ({"title": "\x00\u200b  "}, "cannot be empty", None),
    ({"title": "\u3164\u2800\u202e\ufe0f"}, "ne peut pas être vide", "fr"),
])
async def test_bad_input_gets_a_clear_localized_message(world, options, fragment, locale):
    values = {"url": "https://a.example.org/ok", "title": "Fine", **options}
    reply = await crafted(world, "resource add", values, locale=locale)
    assert fragment in reply.text(), reply.text()
    assert await stored(world) == []


async def test_crafted_overlong_and_wrongly_typed_values_are_refused(world):
    reply = await crafted(world, "resource add", {"url": "https://a.org/", "title": "x" * 300})
    assert "256" in reply.text()
    reply = await crafted(world, "resource add",
                          {"url": "https://a.org/", "title": "T", "author": "y" * 101})
    assert "100" in reply.text()
    reply = await crafted(world, "resource add", {"url": "https://a.org/" + "a" * 2100, "title": "T"})
    assert "too long" in reply.text()
    reply = await crafted(world, "resource add", {"url": "https://a.org/", "title": "T",
                                                  "kind": "podcast"})
    assert "type from the list" in reply.text()

    def numbers(options):
        for option in options:
            if option["name"] == "title":
                option["value"] = 12345
    reply = await crafted(world, "resource add", {"url": "https://a.org/n", "title": "T"},
                          mutate=numbers)
    assert "“title” has the wrong type" in reply.text() and "ref" not in reply.text()
    assert await stored(world) == []


async def test_mentions_and_formulas_are_kept_as_text_never_pinged(world):
    await world.h.slash("config announcements", {"channel": world.channel_id}, user=world.moderator)
    reply = await add(world, url="https://a.example.org/m", title="@everyone <@123> <@&456>",
                      author='=HYPERLINK("http://evil.example")')
    assert "@everyone" in reply.text()
    [request] = [r for r in world.fake.requests
                 if r.method == "POST" and r.path.endswith("/callback")][-1:]
    assert request.json["data"]["allowed_mentions"] == {"parse": []}
    await world.bot.get_cog("Resources").poster.run_once()
    [message] = world.fake.messages[world.channel_id]
    assert message["embeds"][0]["title"] == "@everyone <@123> <@&456>"
    assert message["embeds"][0]["author"]["name"] == '=HYPERLINK("http://evil.example")'
    assert message.get("mentions", []) == [] and not message.get("mention_everyone")


async def test_members_cannot_add_or_remove_even_by_crafted_requests(world):
    reply = await crafted(world, "resource add", {"url": "https://a.org/x", "title": "T"},
                          user=world.member)
    assert "moderators" in reply.text()
    assert await stored(world) == []
    reply = await crafted(world, "resource remove", {"resource": "1"}, user=world.member)
    assert "moderators" in reply.text()
    payload = world.h.slash_payload("resource remove", {"resource": "bos"}, focused="resource",
                                    user=world.member, check=False)
    assert (await world.h.raw_interaction(payload)).choices == []


async def test_remove_by_autocomplete_or_url_only_in_this_server(world):
    await world.h.slash("resources latest", user=world.member)  # seeds this server
    choices = await world.h.autocomplete("resource remove", {"resource": "bechir"},
                                         focused="resource", user=world.moderator)
    assert [c["name"] for c in choices] == [
        "Stop Béchir (Urgence Darfour video; the link opens the Coalition page that lists it)"]
    theirs = world.h.moderator(world.other_guild_id, name="theirs")
    await world.h.slash("resources latest", user=theirs)  # seeds the other server
    other_ids = await world.db.fetchall("SELECT id FROM resources WHERE guild_id = ?",
                                        (world.other_guild_id,))
    reply = await world.h.slash("resource remove", {"resource": str(other_ids[0]["id"])},
                                user=world.moderator)
    assert "No such resource" in reply.text()
    assert await world.db.fetchval("SELECT count(*) FROM resources WHERE guild_id = ?",
                                   (world.other_guild_id,)) == len(other_ids)
    reply = await world.h.slash("resource remove", {"resource": choices[0]["value"]},
                                user=world.moderator)
    assert "Stop Béchir" in reply.text()
    reply = await world.h.slash(
        "resource remove", {"resource": "HTTP://www.HRW.org/topic/international-justice/bosco-ntaganda#x"},
        user=world.moderator)
    assert "Bosco Ntaganda" in reply.text()
    assert await world.db.fetchval("SELECT count(*) FROM resources WHERE guild_id = ?",
                                   (world.guild_id,)) == 0
    for bad in ("javascript:x", "999999999"):
        reply = await world.h.slash("resource remove", {"resource": bad}, user=world.moderator)
        assert "ref" not in reply.text() and reply.ephemeral


async def test_each_server_lists_only_its_resources(world):
    await add(world, url="https://a.example.org/mine", title="Only here")
    reply = await world.h.slash("resources search", {"query": "only here"}, user=world.outsider)
    assert "Only here" not in reply.text()
    reply = await world.h.slash("resources latest", user=world.outsider)
    assert "Only here" not in reply.text() and "Stop Béchir" in reply.text()


def test_seed_file_is_where_the_settings_point():
    assert (ROOT / "data" / "resources.yaml").is_file()


async def test_an_address_too_long_once_encoded_is_refused_not_stuck_in_the_outbox(world):
    """1000 accented letters are 6000 characters once percent-encoded: no announcement could
    carry that address, so it is refused when added."""
    reply = await add(world, url="https://a.example.org/" + "é" * 1000, title="Long")
    assert "too long" in reply.text()
    assert await stored(world) == []
    assert await world.db.fetchval("SELECT count(*) FROM outbox") == 0
