"""Checking a slash command's option values before discord.py or the command uses them.

Discord's own clients send each option with the type the command declared, but the bot must
not rely on it: a crafted interaction can carry any JSON, a list where a string belongs, an
integer past SQLite's range, a lone surrogate that no UTF-8 encoder (SQLite, aiohttp) accepts.
discord.py hands such values on unchanged, or fails while reading them, outside the command's
error handling. The tree runs `check_options` first, so every command can trust that each
value has its declared type, a number is within Discord's range and text is valid Unicode.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from typing import Any

from bot.errors import UserError

SUBCOMMAND_TYPES = (1, 2)
STRING, INTEGER, BOOLEAN, NUMBER = 3, 4, 5, 10
SNOWFLAKE_TYPES = (6, 7, 8, 9, 11)  # user, channel, role, mentionable, attachment
MAX_STRING = 6000  # Discord's longest string option
MAX_INTEGER = 2**53  # Discord's integer and number options: -2^53..2^53
MAX_SNOWFLAKE = 2**64 - 1
MAX_ID = 2**63 - 1  # SQLite's integer range: a larger id cannot exist
_SNOWFLAKE = re.compile("[0-9]{1,20}")
_SURROGATE = re.compile("[\ud800-\udfff]")
_ID = re.compile("[0-9]{1,19}")


def typed_id(text: str) -> int | None:
    """The id a member typed as plain ASCII digits ("12"), or None ("²", "１２", "-1", "1e3")."""
    text = text.strip()
    if not _ID.fullmatch(text):
        return None
    number = int(text)
    return number if 1 <= number <= MAX_ID else None


def leaf_options(data: object) -> list[Mapping[str, Any]]:
    """The options of the (sub)command being run, once their structure is Discord's: a list of
    objects with a name and a type, at most a group and a subcommand deep."""
    if not isinstance(data, Mapping):
        raise UserError("core.error.malformed")
    options = data.get("options", [])
    for _ in range(3):
        if not isinstance(options, list) or not all(_is_option(o) for o in options):
            raise UserError("core.error.malformed")
        nested = [o for o in options if o["type"] in SUBCOMMAND_TYPES]
        if not nested:
            return options
        if len(options) != 1:
            raise UserError("core.error.malformed")
        options = nested[0].get("options", [])
    raise UserError("core.error.malformed")


def _is_option(option: object) -> bool:
    return (isinstance(option, Mapping) and isinstance(option.get("name"), str)
            and type(option.get("type")) is int)


def check_options(options: Sequence[Mapping[str, Any]], declared: Mapping[str, Any]) -> None:
    """UserError for the first option that is not one the command declared, with the declared
    type, within range (`declared`: display name -> app_commands.Parameter)."""
    for option in options:
        parameter = declared.get(option["name"])
        if parameter is None:
            raise UserError("core.error.outdated")
        name = str(parameter.display_name)
        if option["type"] != parameter.type.value:
            raise UserError("core.error.wrong_type", option=name)
        value = option.get("value")
        if option.get("focused"):  # autocomplete: what has been typed so far
            if not isinstance(value, str | int | float) or isinstance(value, bool):
                raise UserError("core.error.wrong_type", option=name)
        else:
            _check_value(option["type"], value, name, parameter)
        if isinstance(value, str) and not value.isascii() and _SURROGATE.search(value):
            raise UserError("core.error.broken_text", option=name)


def _check_value(kind: int, value: Any, name: str, parameter: Any) -> None:
    if kind in (INTEGER, NUMBER):
        _check_number(kind, value, name, parameter)
        return
    if kind == STRING:
        valid = isinstance(value, str) and len(value) <= MAX_STRING
    elif kind == BOOLEAN:
        valid = isinstance(value, bool)
    elif kind in SNOWFLAKE_TYPES:
        valid = (isinstance(value, str) and _SNOWFLAKE.fullmatch(value) is not None
                 and int(value) <= MAX_SNOWFLAKE)
    else:
        valid = False
    if not valid:
        raise UserError("core.error.wrong_type", option=name)


def _check_number(kind: int, value: Any, name: str, parameter: Any) -> None:
    exact = type(value) is int
    if not (exact or (kind == NUMBER and type(value) is float and math.isfinite(value))):
        raise UserError("core.error.wrong_type", option=name)
    low = -MAX_INTEGER if parameter.min_value is None else max(-MAX_INTEGER, parameter.min_value)
    high = MAX_INTEGER if parameter.max_value is None else min(MAX_INTEGER, parameter.max_value)
    if not low <= value <= high:
        if parameter.min_value is not None and parameter.max_value is not None:
            raise UserError("core.error.out_of_range_between", option=name, low=low, high=high)
        raise UserError("core.error.out_of_range", option=name)
