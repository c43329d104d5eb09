"""Discord's rules for application commands that its API description does not state.

Types, lengths, counts, option kinds and nesting are checked first against the description
(`openapi.py`); these run only on bodies that passed it, so shapes can be trusted. What is left
is what the description is silent on: cross-field rules, rules across a whole command or a whole
list, patterns it leaves out, and properties it does not forbid on the wrong option type (it
lists them per type but lets unknown ones through). Each returns Discord-shaped `errors`
(`{"field": {"_errors": [...]}}`, lists keyed by index); empty when acceptable.
"""

from __future__ import annotations

import functools
import re

from bot.fakediscord import openapi
from bot.fakediscord.state import JSON

# Discord: ^[-_'\p{L}\p{N}\p{sc=Deva}\p{sc=Thai}]{1,32}$, lower case for slash commands (the
# description only bounds the length). \w covers letters, digits and "_".
COMMAND_NAME = re.compile(r"^[-_'\w\u0900-\u097F\u0E00-\u0E7F]{1,32}$")
# Option properties only some option types take (option type numbers).
ONLY_ON = {"choices": (3, 4, 10), "autocomplete": (3, 4, 10), "min_value": (4, 10),
           "max_value": (4, 10), "min_length": (3,), "max_length": (3,), "channel_types": (7,)}
CHOICE_VALUE_MAX = 100  # the documentation's limit for string choices; the description says 6000
TEXT_BUDGET = 8000  # names, descriptions and choices of one command, all levels together
PER_TYPE = {1: 100, 2: 15, 3: 15, 4: 1}  # commands of each type an application may have


def err(errors: JSON, key: str | int, code: str, message: str) -> None:
    errors.setdefault(str(key), {}).setdefault("_errors", []).append(
        {"code": code, "message": message})


@functools.cache
def locales() -> frozenset[str]:
    """The locales Discord takes as localization keys, from its own description."""
    enum = openapi.description()["components"]["schemas"]["AvailableLocalesEnum"]
    return frozenset(branch["const"] for branch in enum["oneOf"])


def _name_ok(name: str, *, chat_input: bool) -> bool:
    return not chat_input or (COMMAND_NAME.match(name) is not None and name == name.lower())


def _localizations(errors: JSON, data: JSON, key: str, *, chat_input: bool) -> None:
    sub: JSON = {}
    for locale, text in (data.get(key) or {}).items():
        if locale not in locales():
            err(sub, locale, "ENUM_TYPE_COERCE", f'Value "{locale}" is not a valid enum value.')
        elif key == "name_localizations" and not _name_ok(text, chat_input=chat_input):
            err(sub, locale, "APPLICATION_COMMAND_INVALID_NAME", "Command name is invalid")
    if sub:
        errors[key] = sub


def _option(option: JSON) -> JSON:
    errors: JSON = {}
    if not _name_ok(option["name"], chat_input=True):
        err(errors, "name", "APPLICATION_COMMAND_INVALID_NAME", "Command name is invalid")
    for key in ("name_localizations", "description_localizations"):
        _localizations(errors, option, key, chat_input=True)
    for key, types in ONLY_ON.items():
        value = option.get(key)
        if value is not None and value is not False and option["type"] not in types:
            err(errors, key, "APPLICATION_COMMAND_OPTION_INVALID",
                f"Not allowed on options of type {option['type']}")
    if option.get("choices") and option.get("autocomplete"):
        err(errors, "autocomplete", "APPLICATION_COMMAND_AUTOCOMPLETE_CHOICES",
            "Autocomplete cannot be set with choices")
    choices: JSON = {}
    for index, choice in enumerate(option.get("choices") or []):
        if isinstance(choice["value"], str) and len(choice["value"]) > CHOICE_VALUE_MAX:
            err(choices.setdefault(str(index), {}), "value", "BASE_TYPE_MAX_LENGTH",
                f"Must be {CHOICE_VALUE_MAX} or fewer in length.")
    if choices:
        errors["choices"] = choices
    if option["type"] in (1, 2):
        _options(errors, option.get("options"))
    return errors


def _options(errors: JSON, options: list[JSON] | None) -> None:
    sub: JSON = {}
    seen: set[str] = set()
    optional_seen = False
    for index, option in enumerate(options or []):
        item = _option(option)
        if option["name"] in seen:
            err(item, "name", "APPLICATION_COMMAND_OPTIONS_DUPLICATE_NAME",
                "Option names must be unique")
        seen.add(option["name"])
        if option["type"] not in (1, 2):
            if option.get("required") and optional_seen:
                err(item, "required", "APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID",
                    "Required options must be placed before non-required options")
            optional_seen = optional_seen or not option.get("required")
        if item:
            sub[str(index)] = item
    if sub:
        errors["options"] = sub


def _text_size(node: JSON) -> int:
    total = sum(len(str(node.get(key) or "")) for key in ("name", "description"))
    for choice in node.get("choices") or []:
        total += len(str(choice["name"])) + len(str(choice["value"]))
    return total + sum(_text_size(child) for child in node.get("options") or [])


def command_errors(command: JSON) -> JSON:
    errors: JSON = {}
    chat_input = (command.get("type") or 1) == 1
    if not _name_ok(command["name"], chat_input=chat_input):
        err(errors, "name", "APPLICATION_COMMAND_INVALID_NAME", "Command name is invalid")
    if chat_input and not command.get("description"):
        err(errors, "description", "BASE_TYPE_REQUIRED", "This field is required")
    elif not chat_input and command.get("description"):
        err(errors, "description", "APPLICATION_COMMAND_INVALID_DESCRIPTION",
            "Context menu commands cannot have a description")
    for key in ("name_localizations", "description_localizations"):
        _localizations(errors, command, key, chat_input=chat_input)
    if chat_input:
        _options(errors, command.get("options"))
    elif command.get("options"):
        err(errors, "options", "APPLICATION_COMMAND_OPTION_INVALID", "Not allowed")
    if _text_size(command) > TEXT_BUDGET:
        err(errors, "_", "APPLICATION_COMMAND_TOO_LARGE",
            f"Command exceeds maximum size ({TEXT_BUDGET})")
    return errors


def bulk_command_errors(commands: list[JSON] | None) -> JSON:
    errors: JSON = {}
    counts: dict[int, int] = {}
    seen: set[tuple[int, str]] = set()
    for index, command in enumerate(commands or []):
        item = command_errors(command)
        key = (command.get("type") or 1, command["name"])
        if key in seen:
            err(item, "name", "APPLICATION_COMMANDS_DUPLICATE_NAME",
                "Application command names must be unique")
        seen.add(key)
        counts[key[0]] = counts.get(key[0], 0) + 1
        if item:
            errors[str(index)] = item
    for cmd_type, count in counts.items():
        if count > PER_TYPE.get(cmd_type, 100):
            err(errors, "_", "APPLICATION_COMMANDS_TOO_MANY",
                f"Too many commands of type {cmd_type}: {count}")
    return errors

