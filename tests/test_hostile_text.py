"""Property tests: every text entry point, given hostile text up to its longest, returns (or
refuses with its own clear error), and what it returns is safe to store and show."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.console.parse import ParseError, split_options
from bot.errors import UserError
from bot.kb import gaps, text
from bot.kb.gaps import clean_question
from bot.kb.service import KnowledgeBase
from bot.pledges import campaigns
from bot.pledges.text import COMMENT_TEXT, ON_BEHALF_OF, PLEDGE_TEXT, clean
from bot.resources.store import MAX_SEARCH_WORDS, fts_query
from bot.resources.text import (
    InvalidField,
    clean_feed_text,
    language_code,
    optional_author,
    parse_published,
    required_title,
)
from bot.resources.urls import MAX_URL_LENGTH, InvalidURL, canonical_url
from bot.text import BIDI_CONTROLS, clean_text, is_blank
from cogs.ask import MAX_PARTIAL, MAX_QUESTION
from tests.hostile import KEYWORDS, RUNS, attempt, hostile_text
from tests.test_linear_time import probe_command

ROOT = Path(__file__).resolve().parent.parent
KB = KnowledgeBase(ROOT / "data")
OPTION_MAX = 6000


def storable(value: str) -> bool:
    """SQLite and aiohttp encode text as UTF-8: a lone surrogate would raise there."""
    value.encode("utf-8")
    return True


def no_controls(value: str, *, newlines: bool) -> bool:
    return not any(unicodedata.category(c) == "Cc" and not (newlines and c == "\n") for c in value)


# --- knowledge base -------------------------------------------------------------------------

@given(hostile_text(MAX_QUESTION))
def test_question_analysis_returns_storable_terms(question):
    terms, content = text.analyze(question)
    assert all(storable(t.term) and t.weight > 0 for t in terms)
    assert all(storable(word) for word in content)


@given(hostile_text(MAX_QUESTION))
def test_ask_returns_an_answer(question):
    answer = KB.ask(clean_question(question))
    assert len(answer.hits) <= 3


@given(hostile_text(OPTION_MAX), st.sampled_from(["en", "fr", "es"]))
def test_autocomplete_returns_at_most_25_topics(typed, lang):
    partial = clean_question(typed)[:MAX_PARTIAL]
    assert len(KB.complete(partial, lang, limit=25)) <= 25


@given(hostile_text(OPTION_MAX))
def test_questions_are_cleaned_to_one_bounded_printable_line(typed):
    cleaned = clean_question(typed)
    assert len(cleaned) <= gaps.MAX_QUESTION and cleaned.isprintable() and storable(cleaned)


# --- pledges, comments, campaigns -----------------------------------------------------------

@pytest.mark.parametrize("field", [PLEDGE_TEXT, ON_BEHALF_OF, COMMENT_TEXT])
@given(typed=hostile_text(4000))  # Discord's longest text input
def test_member_text_is_refused_clearly_or_stored_clean(field, typed):
    stored, refused = attempt(lambda value: clean(value, field), typed, UserError)
    if refused is not None:
        assert refused.key in (field.empty_key, field.too_long_key)
        return
    assert 0 < len(stored) <= field.limit and stored == stored.strip()
    assert not is_blank(stored) and storable(stored)
    assert no_controls(stored, newlines=True) and not set(stored) & set(BIDI_CONTROLS)


@given(hostile_text(OPTION_MAX))
def test_campaign_names_are_refused_clearly_or_one_clean_line(typed):
    name, refused = attempt(campaigns.clean_name, typed, UserError)
    if refused is not None:
        assert refused.key.startswith("pledges_admin.campaign.name_")
        return
    assert 0 < len(name) <= campaigns.NAME_MAX and not is_blank(name) and storable(name)
    assert no_controls(name, newlines=False) and not set(name) & set(BIDI_CONTROLS)


@given(hostile_text(OPTION_MAX))
def test_campaign_dates_are_refused_clearly_or_parsed(typed):
    day, refused = attempt(lambda value: campaigns.parse_day(value, "x.bad_date"), typed, UserError)
    assert (day is None) != (refused is None)
    assert refused is None or refused.key == "x.bad_date"


# --- addresses, resources and feeds ----------------------------------------------------------

def urls() -> st.SearchStrategy[str]:
    """Mostly address-shaped text: a scheme, a host made of hostile pieces, a path and query."""
    piece = st.sampled_from(RUNS + KEYWORDS) | st.text(max_size=4)
    host = st.lists(piece, max_size=20).map("".join)
    tail = st.lists(piece | st.sampled_from(["/", "?", "&", "=", "#", "%", ":", "@"]),
                    max_size=40).map("".join)
    shaped = st.builds(lambda scheme, h, t: f"{scheme}{h}{t}",
                       st.sampled_from(["https://", "http://", "HTTP://", "ftp://", ""]), host, tail)
    return st.one_of(shaped, hostile_text(MAX_URL_LENGTH)).map(lambda u: u[:MAX_URL_LENGTH])


SURROGATES = re.compile("[\ud800-\udfff]")


# Without lone surrogates: the command tree refuses them before any command runs, and
# canonical_url does not yet (see test_canonical_url_refuses_lone_surrogates).
@given(urls().map(lambda url: SURROGATES.sub("", url)))
def test_addresses_are_refused_clearly_or_canonical(raw):
    url, refused = attempt(canonical_url, raw, InvalidURL)
    if refused is not None:
        assert refused.reason in ("empty", "too_long", "spaces", "malformed", "scheme")
        return
    assert url.isascii() and len(url) <= MAX_URL_LENGTH
    assert url.startswith(("http://", "https://"))


def test_canonical_url_refuses_lone_surrogates():
    for url in ("https://example.org/\ud800", "https://exa\udfffmple.org/", "https://example.org/?q=\udc80"):
        with pytest.raises(InvalidURL):
            canonical_url(url)


@given(hostile_text(OPTION_MAX), st.integers(1, 256))
def test_display_text_is_one_short_clean_line(value, limit):
    shown = clean_text(value, limit)
    assert len(shown) <= limit and storable(shown) and "\n" not in shown
    assert not any(unicodedata.category(c) in ("Cc", "Cf", "Cs", "Co") for c in shown)
    assert shown == "" or not is_blank(shown)


@given(hostile_text(20_000))
def test_feed_titles_and_summaries_are_cleaned(value):
    shown = clean_feed_text(value, 256)
    assert len(shown) <= 256 and storable(shown) and "\n" not in shown
    assert not any(unicodedata.category(c) in ("Cc", "Cf", "Cs", "Co") for c in shown)


@given(hostile_text(OPTION_MAX))
def test_moderator_resource_fields_are_refused_clearly_or_clean(value):
    for check in (required_title, optional_author, parse_published):
        result, refused = attempt(check, value, InvalidField)
        if refused is not None:
            assert refused.reason in ("title_empty", "title_too_long", "author_too_long",
                                      "bad_date")
        else:
            assert result is None or (storable(result) and not is_blank(result))


@given(hostile_text(1000))
def test_feed_languages_are_two_or_three_letters_or_nothing(value):
    code = language_code(value)
    assert code is None or (code.isascii() and code.isalpha() and 2 <= len(code) <= 3)


@given(hostile_text(OPTION_MAX))
def test_search_queries_are_quoted_terms_only(value):
    query = fts_query(value)
    if query is not None:
        terms = query.split(" ")
        assert len(terms) <= MAX_SEARCH_WORDS and storable(query)
        assert all(t.startswith('"') and t.endswith('"*') and '"' not in t[1:-2] for t in terms)


# --- the local console -------------------------------------------------------------------------

PROBE = probe_command(("query", 3), ("count", 4))


@given(hostile_text(2000))
def test_console_lines_are_parsed_or_refused_clearly(line):
    options, _ = attempt(lambda value: split_options(PROBE, value), line, ParseError)
    assert options is None or set(options) <= {"query", "count"}
