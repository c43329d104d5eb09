"""What a moderator types into the entry form: cleaned, bounded, and sources members can open."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.errors import UserError
from bot.kb.entry_text import (
    ANSWER_LIMIT,
    KEYWORDS_LIMIT,
    QUESTION_LIMIT,
    check_answer,
    check_keywords,
    check_question,
    check_source,
    draft_from,
)
from bot.text import BIDI_CONTROLS, is_blank
from tests.hostile import hostile_text

FORM = {"entry_question": "When is the next regional call?",
        "entry_answer": "Every first Monday at 14:00 UTC.",
        "entry_keywords": "call, meeting", "entry_source": "ICC-ASP/6/Res.2, annex"}


def refused(check, value):
    with pytest.raises(UserError) as caught:
        check(value)
    return caught.value


def test_a_complete_form_becomes_a_draft():
    draft = draft_from(FORM, "fr")
    assert (draft.lang, draft.question, draft.keywords) == ("fr", FORM["entry_question"],
                                                            "call, meeting")


@pytest.mark.parametrize("lang", [None, "de", ["en"], 3, "EN"])
def test_language_must_be_one_of_the_three(lang):
    with pytest.raises(UserError) as caught:
        draft_from(FORM, lang)
    assert caught.value.key == "kb.entry.error.bad_lang"


@pytest.mark.parametrize("value", ["", "   ", "\u200b\u200b", "\x00\x1b", None, 42, ["x"],
                                   "\u3164", "\u202e\u2066"])
def test_empty_invisible_or_wrong_type_is_refused(value):
    assert refused(check_question, value).key == "kb.entry.error.question_empty"
    assert refused(check_answer, value).key == "kb.entry.error.answer_empty"
    assert refused(check_source, value).key == "kb.entry.error.source_empty"


def test_too_long_is_refused_with_the_limit():
    error = refused(check_question, "q" * (QUESTION_LIMIT + 1))
    assert error.key == "kb.entry.error.question_too_long" and error.kwargs["limit"] == 100
    error = refused(check_answer, "a" * (ANSWER_LIMIT + 1))
    assert error.kwargs["count"] == ANSWER_LIMIT + 1
    assert refused(check_keywords, "k" * 81).key == "kb.entry.error.keyword_too_long"
    many = ", ".join(f"k{n}" for n in range(21))
    assert refused(check_keywords, many).key == "kb.entry.error.keywords_too_many"
    assert refused(check_keywords, "x, " * KEYWORDS_LIMIT).key.startswith("kb.entry.error.keyword")


def test_text_keeps_what_was_typed_but_not_controls():
    question = check_question("  Qui\tpaie\n les frais ? @everyone <@123> =SUM(A1)  ")
    assert question == "Qui paie les frais ? @everyone <@123> =SUM(A1)"
    answer = check_answer("Line one\r\nLine two \u202eevil\x07 👩🏽\u200d⚖️ مرحبا")
    assert answer == "Line one\nLine two evil 👩🏽\u200d⚖️ مرحبا"
    assert check_keywords(" call ,Call,meeting;; \u200b , réunion ") == "call, meeting, réunion"
    assert check_keywords("") == "" and check_keywords(None) == ""


@pytest.mark.parametrize("source", [
    "ICC-ASP/6/Res.2, annex", "Rome Statute, art. 87(7)", "RC/Res.3: Strengthening enforcement",
    "Secretariat memo, 12 May 2025 (see https://www.icc-cpi.int/news)",
])
def test_document_references_are_sources(source):
    assert check_source(source) == source


@pytest.mark.parametrize(("source", "stored"), [
    ("https://www.icc-cpi.int/about/assembly?utm_source=x#top", "https://www.icc-cpi.int/about/assembly"),
    ("www.legal-tools.org/doc/123", "https://www.legal-tools.org/doc/123"),
    ("HTTP://UN.ORG/en", "http://un.org/en"),
])
def test_web_addresses_are_stored_canonical(source, stored):
    assert check_source(source) == stored


@pytest.mark.parametrize(("source", "key"), [
    ("http://127.0.0.1/admin", "kb.entry.error.source_private"),
    ("http://10.0.0.8/x", "kb.entry.error.source_private"),
    ("http://[::ffff:10.0.0.1]/", "kb.entry.error.source_private"),
    ("http://[64:ff9b::a00:1]/", "kb.entry.error.source_private"),
    ("http://[2002:a00:1::]/", "kb.entry.error.source_private"),
    ("http://intranet/policies", "kb.entry.error.source_private"),
    ("https://files.corp/x", "kb.entry.error.source_private"),
    ("http://printer.local/", "kb.entry.error.source_private"),
    ("https://www.scribd.com/document/1/rome-statute", "kb.entry.error.source_refused"),
    ("see https://docplayer.fr/123 for the text", "kb.entry.error.source_refused"),
    ("javascript:alert(1)", "resources.url.scheme"),
    ("data:text/html,<b>x</b>", "resources.url.scheme"),
    ("ftp://icc-cpi.int/file", "resources.url.scheme"),
    ("https://icc cpi.int/x", "resources.url.spaces"),
    ("https://user:pw@icc-cpi.int/", "resources.url.malformed"),
    ("?!.,;", "kb.entry.error.source_empty"),
])
def test_sources_members_cannot_open_or_trust_are_refused(source, key):
    assert refused(check_source, source).key == key


printable = st.text(st.characters(blacklist_categories=("Cs",)), max_size=400)


def outcome(check, value):
    """(the stored text, None) or (None, the refusal's catalogue key)."""
    try:
        return check(value), None
    except UserError as error:
        return None, error.key


@settings(max_examples=300, deadline=None)
@given(printable)
def test_any_text_is_stored_clean_or_refused_with_a_message(value):
    for check, limit in ((check_question, QUESTION_LIMIT), (check_answer, ANSWER_LIMIT)):
        text, key = outcome(check, value)
        if text is None:
            assert key.startswith("kb.entry.error.")
            continue
        assert text and text == text.strip() and len(text) <= limit
        assert not any(c in text for c in "\x00\x1b\r\u202e\u2066")
        assert check(text) == text  # cleaning is idempotent


@settings(max_examples=300, deadline=None)
@given(printable)
def test_any_keywords_are_a_clean_list_or_refused(value):
    keywords, key = outcome(check_keywords, value)
    if keywords is None:
        assert key.startswith("kb.entry.error.keyword")
        return
    assert len(keywords) <= KEYWORDS_LIMIT
    parts = keywords.split(", ") if keywords else []
    assert len({p.casefold() for p in parts}) == len(parts)
    assert check_keywords(keywords) == keywords


@settings(max_examples=300, deadline=None)
@given(st.one_of(printable, st.from_regex(r"https?://[a-z0-9.\-\[\]:]{1,30}/[ -~]{0,30}",
                                          fullmatch=True)))
def test_any_source_is_kept_or_refused_with_a_message(value):
    source, key = outcome(check_source, value)
    if source is None:
        assert key.startswith(("kb.entry.error.source", "resources.url."))
        return
    assert source and len(source) <= 2000 and "\n" not in source


@settings(max_examples=200, deadline=None)
@given(hostile_text(4000))  # Discord's longest text input
def test_hostile_form_text_is_refused_clearly_or_stored_clean(typed):
    for check in (check_question, check_answer, check_keywords, check_source):
        stored, key = outcome(check, typed)
        if stored is None:
            assert key.startswith(("kb.entry.error.", "resources.url."))
            continue
        stored.encode("utf-8")  # storable: no lone surrogate
        assert not set(stored) & set(BIDI_CONTROLS)
        assert stored == "" or not is_blank(stored)
        assert not any(ord(c) < 32 and c != "\n" for c in stored)


def test_an_address_that_grows_past_the_limit_when_encoded_is_refused():
    typed = "https://www.icc-cpi.int/" + "é" * 120  # 144 characters, 744 once encoded
    assert refused(check_source, typed).key == "resources.url.too_long"
    assert len(check_source("https://www.icc-cpi.int/" + "é" * 40)) <= 500
