"""No text a member, moderator or feed sends can hold the event loop: worst-case timings of every
text entry point at its maximum length, the question that froze the bot, and an audit of every
regular expression in bot/ and cogs/."""

from __future__ import annotations

import ast
import re
from pathlib import Path
from typing import Any

import pytest

from bot.console.parse import ParseError, split_options
from bot.errors import UserError
from bot.kb import gaps, text
from bot.kb.entry_index import GuildEntries, ask_server
from bot.kb.entry_text import check_answer, check_keywords, check_question, check_source
from bot.kb.gaps import clean_question, normalize_question
from bot.kb.service import KnowledgeBase
from bot.pledges import campaigns
from bot.pledges.text import COMMENT_TEXT, ON_BEHALF_OF, PLEDGE_TEXT, clean
from bot.resources.store import fts_query
from bot.resources.text import (
    InvalidField,
    clean_feed_text,
    language_code,
    optional_author,
    parse_published,
    required_title,
)
from bot.resources.urls import MAX_URL_LENGTH, InvalidURL, canonical_url
from bot.text import clean_text
from cogs.ask import MAX_PARTIAL, MAX_QUESTION
from tests.hostile import BOUND, TooSlow, abort_after, timed, worst_cases
from tests.kb_entry_helpers import unrelated_entries

ROOT = Path(__file__).resolve().parent.parent
FROZE = "part " + "1" * 40 + "b"  # took hours before the question patterns moved to RE2
OPTION_MAX = 6000  # Discord's longest string option; a modal text input takes 4000


@pytest.fixture(scope="module")
def kb():
    return KnowledgeBase(ROOT / "data")


def probe_command(*options):
    """A stand-in command, as a member's client lists it, to parse console lines against."""
    from bot.console.commands import CommandList

    return CommandList([{"name": "probe", "description": "probe", "type": 1, "options": [
        {"type": kind, "name": name, "description": name, "required": name == "query"}
        for name, kind in options]}], "en").commands[0]


CONSOLE_COMMAND = probe_command(("query", 3), ("region", 3), ("count", 4))


def entry_points(kb: KnowledgeBase | None) -> dict[str, tuple[Any, int, tuple[type[Exception], ...]]]:
    """name -> (function of one text, longest input it can be given, refusals it may raise)."""
    server = GuildEntries(unrelated_entries(200), kb) if kb is not None else None
    return {
        "question analysis": (text.analyze, MAX_QUESTION, ()),
        "/ask search": (lambda s: kb.ask(s), MAX_QUESTION, ()),  # noqa: PLW0108 (kb may be None)
        # The cog cuts what was typed to MAX_PARTIAL: longer, the failing ending would go.
        "/topic autocomplete": (
            lambda s: kb.complete(clean_question(s)[:MAX_PARTIAL], "en"), MAX_PARTIAL, ()),
        "/ask search beside 200 server entries": (
            lambda s: ask_server(kb, server, s), MAX_QUESTION, ()),  # type: ignore[arg-type]
        "question cleaning": (clean_question, OPTION_MAX, ()),
        "gap grouping": (normalize_question, gaps.MAX_QUESTION, ()),  # given cleaned questions
        "pledge text": (lambda s: clean(s, PLEDGE_TEXT), 4000, (UserError,)),
        "on behalf of": (lambda s: clean(s, ON_BEHALF_OF), 4000, (UserError,)),
        "comment text": (lambda s: clean(s, COMMENT_TEXT), 4000, (UserError,)),
        "campaign name": (campaigns.clean_name, OPTION_MAX, (UserError,)),
        "entry question": (check_question, 4000, (UserError,)),
        "entry answer": (check_answer, 4000, (UserError,)),
        "entry keywords": (check_keywords, 4000, (UserError,)),
        "entry source": (check_source, 4000, (UserError,)),
        "campaign date": (lambda s: campaigns.parse_day(s, "x"), OPTION_MAX, (UserError,)),
        "url": (canonical_url, MAX_URL_LENGTH, (InvalidURL,)),
        "resource title": (required_title, OPTION_MAX, (InvalidField,)),
        "resource author": (optional_author, OPTION_MAX, (InvalidField,)),
        "resource date": (parse_published, OPTION_MAX, (InvalidField,)),
        "display text": (lambda s: clean_text(s, 256), OPTION_MAX, ()),
        "feed title": (lambda s: clean_feed_text(s, 256), 100_000, ()),
        "feed language": (language_code, 1000, ()),
        "resource search": (fts_query, OPTION_MAX, ()),
        "console options": (lambda s: split_options(CONSOLE_COMMAND, s), 2000, (ParseError,)),
    }


ENTRY_POINTS = list(entry_points(None))


def test_the_question_that_froze_the_bot_is_analysed_at_once():
    assert timed(text.analyze, FROZE) < BOUND
    assert timed(text.analyze, "part " + "1" * (MAX_QUESTION - 6) + "b") < BOUND


async def test_the_question_that_froze_the_bot_is_answered_in_a_dm_and_a_server(world):
    with abort_after():
        dm = await world.h.slash("ask", {"question": FROZE}, user=world.member, guild_id=None)
    with abort_after():
        here = await world.h.slash("ask", {"question": FROZE}, user=world.member)
    with abort_after():
        choices = await world.h.autocomplete("topic", {"name": FROZE}, focused="name",
                                             user=world.member)
    assert dm.callback_type == here.callback_type == 4
    assert "something went wrong" not in (dm.text() + here.text()).lower()
    assert isinstance(choices, list)


# The url entry point once took 1.5 s: Python's IDNA codec is quadratic in a label's length, so
# canonical_url refuses a host longer than DNS allows before encoding it.


@pytest.mark.parametrize("name", ENTRY_POINTS)
def test_no_maximum_length_worst_case_takes_long(kb, name):
    function, length, refusals = entry_points(kb)[name]
    for case in worst_cases(length):
        seconds = timed(function, case, refusals)
        assert seconds < BOUND, f"{name}: {seconds * 1000:.0f} ms on {case[:60]!r}..."


def test_abort_after_interrupts_a_backtracking_pattern():
    """The guard stops a runaway regex rather than waiting for it (checks the test tool)."""
    backtracking = re.compile(r"(?:\d+\s*)+\b")
    with pytest.raises(TooSlow), abort_after(0.2):
        backtracking.match("1" * 40 + "b")


# --- audit of the patterns in the code -----------------------------------------------------

PATTERN_CALLS = {"compile", "sub", "subn", "search", "match", "fullmatch", "findall", "finditer",
                 "split"}
# Python `re` patterns with a repeat inside a repeat, each checked by hand: a character that no
# inner repeat can match separates the repetitions, so there is one way to split the text.
REVIEWED = {
    ("bot/kb/loader.py", r"^[a-z0-9]+(?:-[a-z0-9]+)*$"):
        "file names of data/topics, and '-' separates the repetitions",
    ("bot/resources/urls.py",
     r"[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?(\.[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?)*"):
        "'.' separates the labels; 0.4 ms at 2,000 characters",
}
# Patterns built at run time (as written in the code), each checked by hand.
DYNAMIC = {
    ("bot/fakediscord/server.py", "path_regex"): "the tests' own request patterns",
    ("bot/resources/parse.py", "b'<(?:[\\\\w.-]+:)?(?:item|entry)\\\\b'"):
        "a bytes pattern: one optional prefix, no repeat nested in another",
    ("bot/text.py", "'[\\x00-\\t\\x0b-\\x1f\\x7f-\\x9f\\ud800-\\udfff' + BIDI_CONTROLS + ']'"):
        "one character class",
}


def python_patterns() -> list[tuple[str, ast.AST, ast.expr]]:
    """(file, call, pattern argument) for every `re.<call>(pattern, ...)` and DynamicItem
    template in bot/ and cogs/."""
    found: list[tuple[str, ast.AST, ast.expr]] = []
    for path in sorted([*ROOT.glob("bot/**/*.py"), *ROOT.glob("cogs/**/*.py")]):
        relative = path.relative_to(ROOT).as_posix()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            if (isinstance(func, ast.Attribute) and func.attr in PATTERN_CALLS
                    and isinstance(func.value, ast.Name) and func.value.id == "re" and node.args):
                found.append((relative, node, node.args[0]))
            found += [(relative, node, k.value) for k in node.keywords if k.arg == "template"]
    return found


def nested_repeat(pattern: str) -> bool:
    """Whether some repeat that may run more than once contains another such repeat."""
    from re import _constants as constants  # type: ignore[attr-defined]
    from re import _parser as parser  # type: ignore[attr-defined]

    repeats = (constants.MAX_REPEAT, constants.MIN_REPEAT, constants.POSSESSIVE_REPEAT)

    def parts(op: Any, arg: Any) -> list[Any]:
        if op is constants.SUBPATTERN:
            return [arg[-1]]
        if op is constants.BRANCH:
            return list(arg[1])
        if op is constants.ATOMIC_GROUP:
            return [arg]
        if op in (constants.ASSERT, constants.ASSERT_NOT):
            return [arg[1]]
        return []

    def walk(items: Any, inside: bool) -> bool:
        for op, arg in items:
            if op in repeats:
                many = arg[1] > 1
                if (many and inside) or walk(arg[2], inside or many):
                    return True
            elif any(walk(part, inside) for part in parts(op, arg)):
                return True
        return False

    return walk(parser.parse(pattern), False)


def test_python_regexes_have_no_nested_repeats_unless_reviewed():
    seen_dynamic: set[tuple[str, str]] = set()
    seen_reviewed: set[tuple[str, str]] = set()
    problems: list[str] = []
    for path, call, argument in python_patterns():
        if isinstance(argument, ast.Constant) and isinstance(argument.value, str):
            pattern = argument.value
            if nested_repeat(pattern):
                if (path, pattern) in REVIEWED:
                    seen_reviewed.add((path, pattern))
                else:
                    problems.append(f"{path}:{call.lineno}: {pattern!r} nests repeats: "
                                    "use re2 (linear time) or review it")
            continue
        key = (path, ast.unparse(argument))
        if key in DYNAMIC:
            seen_dynamic.add(key)
        else:
            problems.append(f"{path}:{call.lineno}: pattern built at run time ({key[1]}): review it")
    assert problems == []
    assert seen_reviewed == set(REVIEWED), "a reviewed pattern changed or went: update REVIEWED"
    assert seen_dynamic == set(DYNAMIC), "a reviewed dynamic pattern went: update DYNAMIC"


def test_the_audit_catches_nested_repeats():
    assert nested_repeat(r"(?:\d+\s*)+\b")
    assert nested_repeat(r"(a|b+)*c")
    assert not nested_repeat(r"[^\W_]+")
    assert not nested_repeat(r"</?[A-Za-z][^<>]{0,500}>")
    assert not nested_repeat(r"\b(?:rule|regle)\s+(\d+)")
