import discord
import pytest

from bot.i18n import LANGS, catalogue, forms, lang_from_locale, t


def test_every_message_exists_in_every_language():
    assert catalogue().problems() == []
    assert len(catalogue().messages) > 5


@pytest.mark.parametrize(
    ("locale", "lang"),
    [("fr", "fr"), ("es-ES", "es"), ("es-419", "es"), ("en-US", "en"), ("en-GB", "en"),
     (discord.Locale.french, "fr"), ("de", None), (None, None)],
)
def test_language_from_discord_locale(locale, lang):
    assert lang_from_locale(locale) == lang


def test_unknown_key_and_fallback_never_crash():
    assert t("no.such.key", "fr") == "no.such.key"
    assert "ABC123" in t("core.error.unexpected", "es", ref="ABC123")
    english = t("core.error.unexpected", "en", ref="R")
    for lang in LANGS[1:]:
        assert t("core.error.unexpected", lang, ref="R") != english


def localized_paths(lang):
    """English command path -> the path a member with this language sees."""
    commands = catalogue().commands
    paths = {}
    for key, parts in commands.items():
        if "name" not in parts or "description" not in parts:
            continue
        words = key.split(".")
        english, local = [], []
        for i in range(len(words)):
            prefix = ".".join(words[: i + 1])
            english.append(words[i])
            local.append(commands.get(prefix, {}).get("name", {}).get(lang) or words[i])
        paths["/" + " ".join(english)] = "/" + " ".join(local)
    return paths


@pytest.mark.parametrize("lang", ["fr", "es"])
def test_messages_name_commands_as_the_member_sees_them(lang):
    import re

    paths = {en: local for en, local in localized_paths(lang).items() if en != local}
    wrong = []
    for key in catalogue().messages:
        text = "\n".join(forms(key, lang))
        for english in sorted(paths, key=len, reverse=True):
            if re.search(re.escape(english) + r"(?![\w-])", text):
                wrong.append(f"{key}: {english} (should be {paths[english]})")
                break
    assert wrong == []


# --- plural forms, numbers and dates ------------------------------------------------------


def problems_of(messages):
    from bot.i18n import Catalogue

    cat = Catalogue()
    cat.merge("test.yaml", {"messages": messages})
    return cat.problems()


def test_a_count_without_plural_forms_fails_and_says_how_to_fix_it():
    found = problems_of({"x.rows": {"en": "{count} rows", "fr": "{count} lignes",
                                    "es": "{count} filas"}})
    assert len(found) == 3
    assert "uses {count} but has no plural forms" in found[0]
    assert "en: {one: '…{count} pledge…', other: '…{count} pledges…'}" in found[0]
    assert "fr: {one: '…{count} engagement…', other: '…{count} engagements…'}" in found[1]


@pytest.mark.parametrize(("lang", "text"), [
    ("en", "Export ready: {n} row(s)."), ("fr", "{n} flux lu(s)"), ("fr", "{n} bloquée(s)"),
    ("es", "{n} retenido(s)"), ("fr", "ajouté(e)"), ("es", "Tiene {n} compromiso(s)"),
])
def test_bracketed_plural_endings_fail_in_any_language(lang, text):
    messages = {"en": "{n} things", "fr": "{n} choses", "es": "{n} cosas"}
    found = problems_of({"x.y": {**messages, lang: text}})
    assert any("writes a plural as" in p and "give the message plural forms" in p for p in found)


def test_plural_forms_are_checked_against_cldr():
    good = {"en": {"one": "{count} row", "other": "{count} rows"},
            "fr": {"one": "{count} ligne", "other": "{count} lignes"},
            "es": {"one": "{count} fila", "other": "{count} filas", "many": "{count} de filas"}}
    assert problems_of({"x.rows": good}) == []
    missing = problems_of({"x.rows": {**good, "fr": {"other": "{count} lignes"}}})
    assert missing == ["message 'x.rows' in fr lacks the plural forms ['one']: fr needs "
                       "fr: {one: '…{count} engagement…', other: '…{count} engagements…'}"]
    extra = problems_of({"x.rows": {**good, "en": {**good["en"], "few": "{count} rows"}}})
    assert any("'few'" in p and "never uses" in p for p in extra)
    mixed = problems_of({"x.rows": {**good, "es": "{n} filas"}})
    assert any("has plural forms in ['en', 'fr'] but not in ['es']" in p for p in mixed)


def test_plural_forms_follow_each_languages_rule():
    from bot.i18n import Catalogue

    cat = Catalogue()
    cat.merge("t.yaml", {"messages": {"x.n": {
        "en": {"one": "{count} pledge", "other": "{count} pledges"},
        "fr": {"one": "{count} engagement", "other": "{count} engagements"},
        "es": {"one": "{count} compromiso", "other": "{count} compromisos"}}}})
    catalogue.cache_clear()
    try:
        from bot import i18n

        real = i18n.catalogue
        i18n.catalogue = lambda: cat
        try:
            assert [t("x.n", "en", count=n) for n in (0, 1, 2)] == [
                "0 pledges", "1 pledge", "2 pledges"]
            assert [t("x.n", "fr", count=n) for n in (0, 1, 2)] == [
                "0 engagement", "1 engagement", "2 engagements"]
            assert [t("x.n", "es", count=n) for n in (0, 1, 1000000)] == [
                "0 compromisos", "1 compromiso", "1.000.000 compromisos"]  # "many" -> other
            assert t("x.n", "fr", count=1234) == "1\u202f234 engagements"
            assert t("x.n", "en") == "{count} pledges"  # no count given: never a crash
        finally:
            i18n.catalogue = real
    finally:
        catalogue.cache_clear()


def test_a_number_given_to_a_message_without_plural_forms_is_reported():
    from bot import i18n

    i18n.count_violations.clear()
    t("core.error.bad_value", "en", value=3)
    t("pledges.not_found", "en", id=12)  # an id is a figure, not a count
    found = list(i18n.count_violations)
    i18n.count_violations.clear()
    assert len(found) == 1 and "value=3" in found[0] and "count=" in found[0]


def test_dates_are_written_for_the_members_language():
    from datetime import date

    from bot.l10n import day

    assert day(date(2024, 5, 1), "en") == "May 1, 2024"
    assert day("2024-05-01T10:00:00Z", "fr") == "1 mai 2024"
    assert day("2024-05-01", "es") == "1 de mayo de 2024"
    assert day("not a date", "es") == "not a date"
    assert "1 de mayo de 2024" in t("pledges_admin.audit.filter.since", "es", date=date(2024, 5, 1))


def test_every_plural_message_reads_right_for_zero_one_and_many():
    from bot.i18n_checks import fields

    for key, texts in catalogue().messages.items():
        for lang, value in texts.items():
            if isinstance(value, dict):
                names = set().union(*(fields(text) for text in value.values())) - {"count"}
                for n in (0, 1, 2, 25, 1000000):
                    text = t(key, lang, count=n, **dict.fromkeys(names, "X"))
                    assert "{" not in text and "(s)" not in text, (key, lang, text)


# --- command names -------------------------------------------------------------------------


def discord_name_problem(name):
    """Discord's rule for command and option names: ^[-_\\p{L}\\p{N}\\p{sc=Deva}\\p{sc=Thai}]{1,32}$,
    in lower case wherever a letter has one."""
    import unicodedata

    if not 1 <= len(name) <= 32:
        return "length"
    for char in name:
        if char not in "-_" and unicodedata.category(char)[0] not in "LNM":
            return f"character {char!r}"
        if char.lower() != char:
            return f"upper case {char!r}"
    return None


@pytest.mark.parametrize("lang", ["fr", "es"])
def test_localized_names_follow_discords_naming_rule(lang):
    bad = {key: (parts["name"][lang], discord_name_problem(parts["name"][lang]))
           for key, parts in catalogue().commands.items()
           if "name" in parts and discord_name_problem(parts["name"].get(lang, "x"))}
    assert bad == {}
    assert discord_name_problem("confidentialité") is None
    assert discord_name_problem("Mes données") is not None


def test_localized_names_keep_their_accents_and_one_style():
    names = {key: parts["name"] for key, parts in catalogue().commands.items() if "name" in parts}
    assert names["privacy"]["fr"] == "confidentialité"
    assert names["mydata"] == {"fr": "mes-données", "es": "mis-datos"}
    assert names["pledge.mine"] == {"fr": "les-miens", "es": "los-míos"}
    assert names["pledge.edit.id"] == {"fr": "numéro", "es": "número"}
    for parts in names.values():
        for lang in ("fr", "es"):
            assert "_" not in parts[lang], parts  # multi-word names use hyphens, as in salon-région


def command_tree():
    """The bot's commands and groups as the cogs declare them (no bot needed)."""
    import importlib
    import pkgutil

    from discord.ext import commands

    import cogs

    roots = []
    for module in pkgutil.iter_modules(cogs.__path__):
        for value in vars(importlib.import_module(f"cogs.{module.name}")).values():
            if isinstance(value, type) and issubclass(value, commands.Cog) and value is not commands.Cog:
                roots += value.__cog_app_commands__
    return roots


@pytest.mark.parametrize("lang", ["fr", "es"])
def test_commands_named_in_messages_exist_under_that_name(lang):
    """A renamed command must not leave its old name in a message ("/mesdonnees")."""
    import re

    from bot.help import localized

    roots = {localized(c, "name", lang): c for c in command_tree()}
    wrong = []
    for key in catalogue().messages:
        for text in forms(key, lang):
            for match in re.finditer(r"(?<![\w/:.<`])/([\w-]+)((?: [\w-]+)*)", text):
                node = roots.get(match.group(1))
                if node is None:
                    wrong.append(f"{key}: /{match.group(1)}")
                    continue
                for word in match.group(2).split():
                    subs = {localized(c, "name", lang): c for c in getattr(node, "commands", [])}
                    if not subs:
                        break
                    if word not in subs:
                        wrong.append(f"{key}: /{match.group(1)} … {word}")
                        break
                    node = subs[word]
    assert wrong == []
