"""bot.text: what is removed from text and what counts as empty, checked against Unicode's data."""

import sys
import unicodedata

import pytest

from bot.text import BIDI_CONTROLS, clean_text, is_blank, is_visible, member_line, member_text

EVERY = [chr(c) for c in range(sys.maxunicode + 1)]
EXPLICIT_BIDI = {"LRE", "RLE", "PDF", "LRO", "RLO", "LRI", "RLI", "FSI", "PDI"}


def test_bidi_controls_are_the_explicit_formatting_characters_and_the_three_marks():
    explicit = {c for c in EVERY if unicodedata.bidirectional(c) in EXPLICIT_BIDI}
    assert set(BIDI_CONTROLS) == explicit | {"\u200e", "\u200f", "\u061c"}
    assert {unicodedata.category(c) for c in BIDI_CONTROLS} == {"Cf"}


def test_no_format_control_space_or_surrogate_character_is_visible():
    hidden = [c for c in EVERY if unicodedata.category(c) in ("Cf", "Cc", "Cs", "Zs", "Zl", "Zp")]
    assert len(hidden) > 2000
    assert not any(is_visible(c) for c in hidden)


@pytest.mark.parametrize("char", ["\u3164", "\u115f", "\u1160", "\uffa0", "\u2800", "\ufe0f",
                                  "\u034f", "\U000e0100", "\u17b4", "\u180b"])
def test_fillers_and_selectors_are_not_visible(char):
    assert not is_visible(char)


@pytest.mark.parametrize("text", ["a", "1", ".", "ñ", "مرحبا", "漢", "👩🏽\u200d⚖️", "\u0301", "\ue000"])
def test_ordinary_characters_are_visible(text):
    assert not is_blank(text)


def test_member_text_keeps_what_was_typed_but_controls():
    typed = " 👩🏽\u200d⚖️ co\u00adop\u00e9rer\r\n\tligne\u202e 2 "
    assert member_text(typed) == "👩🏽\u200d⚖️ co\u00adopérer\nligne 2"
    assert member_text("\u200b \u2060\n\ufeff") == ""


def test_member_line_is_one_line():
    assert member_line(" Kampala\n\u2066 2010\u2069\x1f ok ") == "Kampala 2010 ok"
    assert member_line("\u3164 \u202e") == ""


def test_clean_text_treats_invisible_as_empty():
    assert clean_text("\u3164\u2800\u200b", 100) == ""
    assert clean_text("a\u3164", 100) == "a\u3164"
