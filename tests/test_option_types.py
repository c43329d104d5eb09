"""Crafted option values (wrong JSON types, numbers out of range, lone surrogates, a broken
structure) get a clear localized answer through the real tree, never "something went wrong"."""

from __future__ import annotations

import logging

import discord
import pytest
from discord import app_commands
from hypothesis import given
from hypothesis import strategies as st

from bot.errors import UserError
from bot.options import check_options, leaf_options
from tests.hostile import attempt


def leaf(payload):
    options = payload["data"]["options"]
    while options and options[0]["type"] in (1, 2):
        options = options[0]["options"]
    return options


async def crafted(world, name, options, who, *, value=None, claimed_type=None, locale="en-US"):
    """/name with valid `options`, then the first option's value (and type) replaced, as an
    attacker's client could send it."""
    user = getattr(world, who)
    payload = world.h.slash_payload(name, options, user=user, locale=locale, check=False)
    first = leaf(payload)[0]
    first["value"] = value
    if claimed_type is not None:
        first["type"] = claimed_type
    return await world.h.raw_interaction(payload)


WRONG_TYPE = "has the wrong type"
OUT_OF_RANGE = "is out of range"
BROKEN = "not valid text"
URL = {"url": "https://a.example.org/x"}

CASES = [
    ("ask", {"question": "x"}, "member", ["art 88"], WRONG_TYPE),
    ("ask", {"question": "x"}, "member", {"a": 1}, WRONG_TYPE),
    ("ask", {"question": "x"}, "member", None, WRONG_TYPE),
    ("ask", {"question": "x"}, "member", "art 88 \ud800", BROKEN),
    ("topic", {"name": "x"}, "member", ["pledges"], WRONG_TYPE),
    ("pledge edit", {"id": 1}, "member", "12", WRONG_TYPE),
    ("pledge edit", {"id": 1}, "member", 1.5, WRONG_TYPE),
    ("pledge edit", {"id": 1}, "member", True, WRONG_TYPE),
    ("pledge edit", {"id": 1}, "member", 2**70, OUT_OF_RANGE),
    ("pledge withdraw", {"id": 1}, "member", 2**63, OUT_OF_RANGE),
    ("comment delete", {"id": 1}, "member", -(2**64), OUT_OF_RANGE),
    ("resources search", {"query": "x"}, "member", ["x"], WRONG_TYPE),
    ("resources search", {"query": "x"}, "member", "icc\udfff", BROKEN),
    ("resource remove", {"resource": "x"}, "moderator", ["x"], WRONG_TYPE),
    ("resource remove", {"resource": "x"}, "moderator", "https://a.org/\ud800", BROKEN),
    ("resource add", {**URL, "title": "t"}, "moderator", "https://a.org/\ud800", BROKEN),
    ("feeds add", URL, "moderator", "https://a.org/\udc00feed", BROKEN),
    ("feeds remove", {"feed": 1}, "moderator", 2**70, OUT_OF_RANGE),
    ("feeds remove", {"feed": 1}, "moderator", 0, OUT_OF_RANGE),
    ("feeds remove", {"feed": 1}, "moderator", "abc", WRONG_TYPE),
    ("pledges campaign open", {"name": "x"}, "moderator", "\ud800", BROKEN),
    ("pledges campaign open", {"name": "x"}, "moderator", 12, WRONG_TYPE),
    ("pledges campaign open", {"name": "x"}, "moderator", ["Kampala"], WRONG_TYPE),
    ("pledges stats", {"campaign": "x"}, "moderator", "\ud800", BROKEN),
    ("pledges stats", {"campaign": "x"}, "moderator", ["x"], WRONG_TYPE),
    ("config crosspost", {"state": "on"}, "moderator", ["on"], WRONG_TYPE),
    ("config announcements", {"channel": None}, "moderator", "abc", WRONG_TYPE),
    ("config announcements", {"channel": None}, "moderator", "9" * 21, WRONG_TYPE),
]


@pytest.mark.parametrize("case", CASES, ids=[f"{c[0]}-{c[4]}-{i}" for i, c in enumerate(CASES)])
async def test_crafted_values_get_a_clear_answer_and_change_nothing(world, caplog, case):
    name, options, who, value, fragment = case
    if "channel" in options:
        options = {"channel": world.channel_id}
    before = await stored(world)
    with caplog.at_level(logging.INFO):
        reply = await crafted(world, name, options, who, value=value)
    assert reply.ephemeral and fragment in reply.text(), reply.text()
    assert "ref" not in reply.text() and "went wrong" not in reply.text()
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert await stored(world) == before


async def stored(world):
    counts = []
    for table in ("pledges", "comments", "campaigns", "resources", "feeds", "guild_settings"):
        counts.append(await world.db.fetchval(f"SELECT count(*) FROM {table}"))
    return counts


@pytest.mark.parametrize(("locale", "fragment"), [
    ("fr", "n'est pas du bon type"), ("es-ES", "no es del tipo correcto"),
])
async def test_the_answer_is_in_the_members_language(world, locale, fragment):
    reply = await crafted(world, "ask", {"question": "x"}, "member", value=[1], locale=locale)
    assert fragment in reply.text()
    broken = await crafted(world, "ask", {"question": "x"}, "member", value="\ud800", locale=locale)
    assert ("valide" if locale == "fr" else "válido") in broken.text()


async def test_a_value_claiming_another_type_than_declared_is_refused(world):
    """An integer for a name, sent as an integer option: discord.py would pass 12 on."""
    reply = await crafted(world, "pledges campaign open", {"name": "x"}, "moderator", value=12,
                          claimed_type=4)
    assert WRONG_TYPE in reply.text() and "“name”" in reply.text()
    assert await world.db.fetchval("SELECT count(*) FROM campaigns") == 0
    title = await crafted(world, "resource add", {**URL, "title": "T"}, "moderator", value="x",
                          claimed_type=7)
    assert WRONG_TYPE in title.text()


async def test_unknown_options_and_broken_structures_are_refused(world):
    payload = world.h.slash_payload("ask", {"question": "art 88"}, user=world.member)
    leaf(payload)[0]["name"] = "questionnaire"
    assert "has changed" in (await world.h.raw_interaction(payload)).text()
    for options in ("nope", ["garbage"], [{"name": "question"}], [{"type": 1, "name": "x"}] * 2,
                    [{"type": 3, "name": "question", "value": "x"}, {"type": 1, "name": "x"}]):
        payload = world.h.slash_payload("ask", {"question": "art 88"}, user=world.member)
        payload["data"]["options"] = options
        reply = await world.h.raw_interaction(payload)
        assert "arrived malformed" in reply.text(), options


async def test_the_typed_resource_number_is_plain_digits(world):
    """"²" passes str.isdigit() but int() refuses it; it is simply no resource number."""
    for typed in ("²", "１２", "1e3", "-1", "9" * 25):
        reply = await crafted(world, "resource remove", {"resource": "x"}, "moderator",
                              value=typed)
        assert "went wrong" not in reply.text(), typed


async def test_crafted_autocomplete_values_get_no_choices_and_no_error(world, caplog):
    with caplog.at_level(logging.INFO):
        for value in (["x"], {"x": 1}, None, "ab\ud800"):
            payload = world.h.slash_payload("topic", {"name": "x"}, user=world.member,
                                            focused="name")
            leaf(payload)[0]["value"] = value
            assert (await world.h.raw_interaction(payload)).choices == []
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    payload = world.h.slash_payload("topic", {"name": "court"}, user=world.member, focused="name")
    assert (await world.h.raw_interaction(payload)).choices  # a real one still gets choices


# --- the checks themselves, over any JSON ----------------------------------------------------

async def _every_type(interaction, *, text: str, count: int, flag: bool, ratio: float,
                      channel: discord.TextChannel, small: app_commands.Range[int, 1, 10]) -> None:
    """One parameter of each option type the bot uses."""


EVERY_TYPE = app_commands.Command(name="every", description="every type", callback=_every_type)
DECLARED = {p.display_name: p for p in EVERY_TYPE.parameters}
REFUSALS = {"core.error.malformed", "core.error.outdated", "core.error.wrong_type",
            "core.error.out_of_range", "core.error.out_of_range_between", "core.error.broken_text"}
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats()
    | st.text(st.characters(exclude_categories=()), max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner,
                                                                 max_size=4),
    max_leaves=12)
OPTION = st.fixed_dictionaries(
    {"name": st.sampled_from([*DECLARED, "other"]) | st.text(max_size=5),
     "type": st.integers(0, 12) | JSON, "value": JSON},
    optional={"focused": st.booleans()})


@given(st.one_of(JSON, st.lists(OPTION | JSON, max_size=6),
                 st.lists(st.fixed_dictionaries({"name": st.text(max_size=3),
                                                 "type": st.sampled_from([1, 2]),
                                                 "options": st.lists(OPTION, max_size=4)}),
                          max_size=2)))
def test_any_json_is_accepted_as_declared_or_refused_with_a_message(options):
    _, refused = attempt(lambda data: check_options(leaf_options(data), DECLARED),
                         {"options": options}, UserError)
    if refused is not None:
        assert refused.key in REFUSALS
        return
    for option in leaf_options({"options": options}):
        parameter = DECLARED[option["name"]]
        assert option["type"] == parameter.type.value
        value = option.get("value")
        assert not isinstance(value, list | dict) and value is not None
        if isinstance(value, str):
            value.encode("utf-8")
        if parameter.display_name == "small" and not option.get("focused"):
            assert 1 <= value <= 10
