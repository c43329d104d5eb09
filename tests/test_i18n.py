import discord
import pytest

from bot.i18n import LANGS, catalogue, lang_from_locale, t


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
    for key, texts in catalogue().messages.items():
        text = texts.get(lang, "")
        for english in sorted(paths, key=len, reverse=True):
            if re.search(re.escape(english) + r"(?![\w-])", text):
                wrong.append(f"{key}: {english} (should be {paths[english]})")
                break
    assert wrong == []
