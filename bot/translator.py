"""Command names and descriptions in French and Spanish, from the same catalogue as messages.

Keys are derived from the command tree (qualified name, parameter name, choice value), so no
command needs to spell out its own translation keys.
"""

from __future__ import annotations

from typing import Any

from discord import Locale, app_commands
from discord.app_commands import TranslationContextLocation as Where

from bot.i18n import catalogue, choice_name, lang_from_locale


def command_key(command: app_commands.Command | app_commands.Group) -> str:  # type: ignore[type-arg]
    return command.qualified_name.replace(" ", ".")


class CatalogueTranslator(app_commands.Translator):
    async def translate(
        self, string: app_commands.locale_str, locale: Locale, context: app_commands.TranslationContextTypes
    ) -> str | None:
        lang = lang_from_locale(locale)
        if lang is None or lang == "en":
            return None
        return translate(string.message, lang, context)


def translate(message: str, lang: str, context: app_commands.TranslationContextTypes) -> str | None:
    cat = catalogue()
    where = context.location
    data: Any = context.data
    if where in (Where.command_name, Where.group_name):
        return cat.commands.get(command_key(data), {}).get("name", {}).get(lang)
    if where in (Where.command_description, Where.group_description):
        return cat.commands.get(command_key(data), {}).get("description", {}).get(lang)
    if where in (Where.parameter_name, Where.parameter_description):
        param = data
        key = f"{command_key(param.command)}.{param.name}"
        part = "name" if where is Where.parameter_name else "description"
        return cat.commands.get(key, {}).get(part, {}).get(lang)
    if where is Where.choice_name:
        return choice_name(str(data.value), lang, "") or None
    return None
