"""The console's parts on their own: parsing what is typed, drawing what comes back, saving files.

The whole console is tested as a person uses it in test_console.py; these check the hostile
corners quickly and over many inputs (Hypothesis): nothing typed may crash the console.
"""

from __future__ import annotations

import asyncio
import contextlib
from functools import cache
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.client import CoalitionBot
from bot.console.commands import CommandList, translated_payloads
from bot.console.files import FileFolder, safe_name
from bot.console.forms import FormFiller
from bot.console.parse import Names, ParseError, check_required, convert, parse_slash
from bot.console.render import Directory, Numbering, render_message, rich
from bot.i18n import t
from bot.storage import Database
from tests.conftest import make_settings

NAMES = Names({"general": (11, 0), "announcements": (12, 5)}, {"moderators": 21},
              {"member": 31})
DIRECTORY = Directory({11: "general"}, {21: "moderators"}, {31: "member"})
HOSTILE = st.text(alphabet=st.characters(codec="utf-8"), max_size=300) | st.sampled_from([
    "", " ", ":", "::", "question:", "@everyone", "=HYPERLINK(\"x\")", "\x00\u202e\u200b",
    "x" * 5000, "/", "//", "#", "region: region: region:", "<#1> <@&2> <t:99999999999999:R>",
])


@cache
def payloads(tmp: str = "/tmp") -> list[dict]:
    """The bot's commands as a sync would send them, from a bot that never connects."""

    class FakeAddress:
        api_base = "http://127.0.0.1:9/api/v10"
        gateway_url = "ws://127.0.0.1:9/gateway"

    async def build() -> list[dict]:
        path = Path(tmp) / f"console-parts-{id(build)}.sqlite3"
        db = await Database.open(path)
        try:
            bot = CoalitionBot(make_settings(FakeAddress(), path), db, sync_commands=False,
                               background_tasks=False)
            await bot.setup_hook()
            return await translated_payloads(bot.tree)
        finally:
            await db.close()
            path.unlink(missing_ok=True)

    return asyncio.run(build())


def commands(lang: str) -> CommandList:
    return CommandList(payloads(), lang)


@pytest.mark.parametrize(("lang", "line", "path", "raw"), [
    ("es", "/preguntar pregunta: ¿qué es el art. 88?", "ask", {"question": "¿qué es el art. 88?"}),
    ("fr", "/ressources chercher recherche: bechir", "resources search", {"query": "bechir"}),
    ("es", "/compromisos exportar formato: json", "pledges export", {"format": "json"}),
    ("en", "/ask art 88: surrender?", "ask", {"question": "art 88: surrender?"}),
    ("en", "/preguntar pregunta: hola", "ask", {"question": "hola"}),  # any language is understood
    ("fr", "/CONFIDENTIALITE", "privacy", {}),  # case and accents do not matter
    ("fr", "/engagements exporter format: csv inclure-retirés: oui", "pledges export",
     {"format": "csv", "include_withdrawn": "oui"}),
])
def test_lines_are_read_in_the_language_they_are_typed_in(lang, line, path, raw):
    invocation = parse_slash(commands(lang), line)
    assert invocation.command.qualified == path
    assert invocation.raw == raw


def test_choices_are_offered_and_taken_by_their_localized_labels():
    export = parse_slash(commands("es"), "/compromisos exportar formato: json").command
    region = next(o for o in export.options if o.name == "region")
    assert [c.label for c in region.choices][:2] == ["Américas", "África"]
    assert convert(region, "África", NAMES) == "africa"
    assert convert(region, "afrique", NAMES) == "africa"
    with pytest.raises(ParseError) as refused:
        convert(region, "mars", NAMES)
    assert "mars" in t(refused.value.key, "es", **refused.value.kwargs)


@pytest.mark.parametrize(("line", "key"), [
    ("/", "console.error.unknown_command"),
    ("/pledges", "console.error.needs_subcommand"),
    ("/mesdonnees voir", "console.error.did_you_mean"),
    ("/privacy now: yes", "console.error.no_options"),
    ("/pledges export csv campaign: spring", "console.error.option_form"),
])
def test_lines_that_name_no_command_say_why(line, key):
    with pytest.raises(ParseError) as refused:
        parse_slash(commands("fr"), line)
    assert refused.value.key == key
    assert t(key, "fr", **refused.value.kwargs) != key


def test_required_options_and_client_limits():
    ask = parse_slash(commands("en"), "/ask question: x").command
    with pytest.raises(ParseError, match=r"console\.error\.missing"):
        check_required(ask, {})
    question = ask.options[0]
    with pytest.raises(ParseError, match=r"console\.error\.too_long"):
        convert(question, "x" * 301, NAMES)
    with pytest.raises(ParseError, match=r"console\.error\.empty"):
        convert(question, "", NAMES)
    withdraw = parse_slash(commands("en"), "/pledge withdraw id: 1").command
    with pytest.raises(ParseError, match=r"console\.error\.whole_number"):
        convert(withdraw.options[0], "1.5", NAMES)
    channel = parse_slash(commands("en"), "/config announcements channel: #general").command
    assert convert(channel.options[0], "#announcements", NAMES) == 12
    with pytest.raises(ParseError, match=r"console\.error\.unknown_name"):
        convert(channel.options[0], "#nope", NAMES)


@settings(max_examples=300, deadline=None)
@given(line=HOSTILE, lang=st.sampled_from(["en", "fr", "es"]))
def test_nothing_typed_crashes_the_parser(line, lang):
    for text in ("/" + line, "/ask question: " + line, "/pledges export " + line):
        try:
            invocation = parse_slash(commands(lang), text)
        except ParseError as refused:
            said, key = t(refused.key, lang, **refused.kwargs), refused.key
            invocation = None
        if invocation is None:
            assert said and said != key
            continue
        for option in invocation.command.options:
            if option.name in invocation.raw:
                with contextlib.suppress(ParseError):
                    convert(option, invocation.raw[option.name], NAMES)


@settings(max_examples=200, deadline=None)
@given(text=HOSTILE)
def test_rendering_never_crashes_and_resolves_mentions(text):
    assert isinstance(rich(text, "fr", DIRECTORY), str)
    message = {"id": "1", "content": text, "flags": 64, "embeds": [{"title": text}],
               "components": [{"type": 1, "components": [
                   {"type": 2, "custom_id": "a", "label": text or "?"}]}]}
    lines = render_message(message, lang="es", names=DIRECTORY, numbering=Numbering(),
                           save=lambda attachment: None)
    assert lines[0].startswith("  (solo usted puede ver esto)")


def test_mentions_and_timestamps_read_as_a_client_shows_them():
    text = "<#11> <@&21> <@31> <#99> <t:1714564800:D>"
    assert rich(text, "fr", DIRECTORY) == "#general @moderators @member #deleted-channel 1 mai 2024"
    assert "hace" in rich("<t:1:R>", "es", DIRECTORY)


def test_buttons_keep_their_numbers_when_another_message_arrives():
    numbering = Numbering()
    first = {"id": "1", "components": [{"type": 1, "components": [
        {"type": 2, "custom_id": "more", "label": "Read more"},
        {"type": 2, "custom_id": "fr", "label": "Français"}]}]}
    second = {"id": "2", "components": [{"type": 1, "components": [
        {"type": 2, "custom_id": "more2", "label": "Leer más"}]}]}
    render_message(first, lang="en", names=DIRECTORY, numbering=numbering, save=lambda a: None)
    render_message(second, lang="en", names=DIRECTORY, numbering=numbering, save=lambda a: None)
    render_message(first, lang="en", names=DIRECTORY, numbering=numbering, save=lambda a: None)
    assert {n: c.label for n, c in numbering.controls.items()} == {
        1: "Read more", 2: "Français", 3: "Leer más"}


@settings(max_examples=200, deadline=None)
@given(name=HOSTILE)
def test_attached_files_stay_in_their_folder(name, tmp_path_factory):
    folder = tmp_path_factory.mktemp("files")
    saver = FileFolder(folder, {1: (name, b"data"), 2: (name, b"other")})
    first, second = Path(saver.save({"id": "1"})), Path(saver.save({"id": "2"}))
    assert first.parent == folder and second.parent == folder and first != second
    assert first.read_bytes() == b"data" and second.read_bytes() == b"other"
    assert saver.save({"id": "1"}) == str(first)  # shown again, written once
    assert saver.save({"id": "3"}) is None and saver.save({"id": "../1"}) is None
    assert "/" not in safe_name(name) and safe_name(name) not in ("", ".", "..")


@pytest.mark.parametrize(("answer", "expected"), [
    ("", "now"), ("-", "now"), ("new text", "new text"), ("a\\nb", "a\nb")])
def test_form_text_fields_keep_their_value_on_enter(answer, expected):
    filler = FormFiller(None, print, print, "en")
    field = {"type": 4, "custom_id": "x", "value": "now", "max_length": 20}
    assert filler.text(field, answer) == expected
    with pytest.raises(ValueError, match="at most 20 characters"):
        filler.text(field, "y" * 21)
    with pytest.raises(ValueError, match="required"):
        filler.text({"type": 4, "custom_id": "x"}, "  ")


def test_form_menus_take_a_number_a_label_or_the_current_choice():
    filler = FormFiller(None, print, print, "fr")
    field = {"type": 3, "custom_id": "region", "options": [
        {"value": "africa", "label": "Afrique"}, {"value": "europe", "label": "Europe",
                                                  "default": True}]}
    assert filler.select(field, "1") == ["africa"]
    assert filler.select(field, "afrique") == ["africa"]
    assert filler.select(field, "") == ["europe"]
    with pytest.raises(ValueError, match="Choisissez"):
        filler.select(field, "atlantis")
    with pytest.raises(ValueError, match="Choisissez"):
        filler.select({**field, "options": field["options"][:1]}, "-")

