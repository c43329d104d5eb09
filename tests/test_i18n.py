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
