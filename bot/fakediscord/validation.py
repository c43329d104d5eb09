"""Discord's server-side rules for application commands, which discord.py does not check.

Each function returns Discord-shaped `errors` (`{"field": {"_errors": [...]}}`, lists keyed by
index) and an empty dict when the body is acceptable, so the fake answers 400/50035 exactly where
production would and a bad translation or an over-long embed fails a test instead of a launch.
"""

from __future__ import annotations

import re
from typing import Any

from bot.fakediscord.state import (
    JSON,
    VALID_LOCALES,
    field_error,
)

# Discord: ^[-_'\p{L}\p{N}\p{sc=Deva}\p{sc=Thai}]{1,32}$ ; \w covers letters, digits and "_".
COMMAND_NAME = re.compile(r"^[-_'\w\u0900-\u097F\u0E00-\u0E7F]{1,32}$")
OPTION_TYPES = range(1, 12)
CHOICE_TYPES = (3, 4, 10)
MAX_SAFE_INT = 2**53


def err(errors: JSON, key: str | int, code: str, message: str) -> None:
    errors.setdefault(str(key), {}).setdefault("_errors", []).append(
        field_error(code, message)["_errors"][0]
    )


def length(errors: JSON, data: JSON, key: str, low: int, high: int, *, required: bool) -> None:
    value = data.get(key)
    if value is None:
        if required:
            err(errors, key, "BASE_TYPE_REQUIRED", "This field is required")
        return
    if not isinstance(value, str):
        err(errors, key, "BASE_TYPE_STRING", "Must be a string.")
    elif not low <= len(value) <= high:
        err(errors, key, "BASE_TYPE_BAD_LENGTH", f"Must be between {low} and {high} in length.")


def _name_ok(name: Any, *, chat_input: bool) -> bool:
    if not isinstance(name, str):
        return False
    if not chat_input:
        return 1 <= len(name) <= 32
    return COMMAND_NAME.match(name) is not None and name == name.lower()


def _localizations(errors: JSON, data: JSON, key: str, *, kind: str, chat_input: bool) -> None:
    table = data.get(key)
    if table is None:
        return
    if not isinstance(table, dict):
        err(errors, key, "DICT_TYPE_CONVERT", "Only dictionaries may be used in a DictType")
        return
    sub: JSON = {}
    for locale, text in table.items():
        if locale not in VALID_LOCALES:
            err(sub, locale, "ENUM_TYPE_COERCE", f'Value "{locale}" is not a valid enum value.')
        elif kind == "name" and not _name_ok(text, chat_input=chat_input):
            err(sub, locale, "APPLICATION_COMMAND_INVALID_NAME", "Command name is invalid")
        elif kind != "name" and not (isinstance(text, str) and 1 <= len(text) <= 100):
            err(sub, locale, "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100 in length.")
    if sub:
        errors[key] = sub


def _choices(errors: JSON, option: JSON) -> None:
    choices = option.get("choices")
    if choices is None:
        return
    opt_type = option.get("type")
    if opt_type not in CHOICE_TYPES:
        err(errors, "choices", "APPLICATION_COMMAND_OPTION_CHOICES_INVALID", "Choices not allowed")
        return
    if not isinstance(choices, list) or len(choices) > 25:
        err(errors, "choices", "BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length.")
        return
    if choices and option.get("autocomplete"):
        err(errors, "autocomplete", "APPLICATION_COMMAND_AUTOCOMPLETE_CHOICES",
             "Autocomplete cannot be set with choices")
    sub: JSON = {}
    for index, choice in enumerate(choices):
        item: JSON = {}
        if not isinstance(choice, dict):
            err(sub, index, "DICT_TYPE_CONVERT", "Only dictionaries may be used in a DictType")
            continue
        length(item, choice, "name", 1, 100, required=True)
        _localizations(item, choice, "name_localizations", kind="choice", chat_input=True)
        value = choice.get("value")
        if opt_type == 3 and not (isinstance(value, str) and 1 <= len(value) <= 100):
            err(item, "value", "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100 in length.")
        elif opt_type == 4 and not (
            isinstance(value, int) and not isinstance(value, bool) and abs(value) <= MAX_SAFE_INT
        ):
            err(item, "value", "NUMBER_TYPE_COERCE", "Value is not int.")
        elif opt_type == 10 and (isinstance(value, bool) or not isinstance(value, int | float)):
            err(item, "value", "NUMBER_TYPE_COERCE", "Value is not a valid number.")
        if item:
            sub[str(index)] = item
    if sub:
        errors["choices"] = sub


def _option(option: Any, *, depth: int) -> JSON:
    errors: JSON = {}
    if not isinstance(option, dict):
        err(errors, "_", "DICT_TYPE_CONVERT", "Only dictionaries may be used in a DictType")
        return errors
    opt_type = option.get("type")
    if not isinstance(opt_type, int) or opt_type not in OPTION_TYPES:
        err(errors, "type", "BASE_TYPE_CHOICES", f"Value must be one of {list(OPTION_TYPES)}.")
        return errors
    if not _name_ok(option.get("name"), chat_input=True):
        err(errors, "name", "APPLICATION_COMMAND_INVALID_NAME", "Command name is invalid")
    length(errors, option, "description", 1, 100, required=True)
    _localizations(errors, option, "name_localizations", kind="name", chat_input=True)
    _localizations(errors, option, "description_localizations", kind="description",
                   chat_input=True)
    _choices(errors, option)
    _option_limits(errors, option, opt_type)
    if opt_type in (1, 2):
        _option_children(errors, option, opt_type, depth)
    return errors


def _option_limits(errors: JSON, option: JSON, opt_type: int) -> None:
    ranged = option.get("min_value") is not None or option.get("max_value") is not None
    if ranged and opt_type not in (4, 10):
        err(errors, "min_value", "APPLICATION_COMMAND_OPTION_INVALID", "Not allowed")
    for key in ("min_length", "max_length"):
        if option.get(key) is not None:
            low = 0 if key == "min_length" else 1
            if opt_type != 3 or not isinstance(option[key], int) or not low <= option[key] <= 6000:
                err(errors, key, "NUMBER_TYPE_MAX", f"{key} must be within {low}..6000")
    if option.get("channel_types") is not None and opt_type != 7:
        err(errors, "channel_types", "APPLICATION_COMMAND_OPTION_INVALID", "Not allowed")


def _option_children(errors: JSON, option: JSON, opt_type: int, depth: int) -> None:
    if opt_type == 2 and depth > 0:
        err(errors, "type", "APPLICATION_COMMAND_OPTION_INVALID",
             "Sub-command groups can only be nested at the top level")
    children = option.get("options") or []
    if opt_type == 2 and any(isinstance(c, dict) and c.get("type") != 1 for c in children):
        err(errors, "options", "APPLICATION_COMMAND_OPTION_INVALID",
             "Sub-command groups may only contain sub-commands")
    if opt_type == 1 and any(isinstance(c, dict) and c.get("type") in (1, 2) for c in children):
        err(errors, "options", "APPLICATION_COMMAND_OPTION_INVALID",
             "Sub-commands cannot contain sub-commands")
    _options(errors, children, depth=depth + 1)


def _options(errors: JSON, options: Any, *, depth: int) -> None:
    if options is None:
        return
    if not isinstance(options, list):
        err(errors, "options", "LIST_TYPE_CONVERT", "Only iterables may be used in a ListType")
        return
    if len(options) > 25:
        err(errors, "options", "BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length.")
        return
    sub: JSON = {}
    seen: set[str] = set()
    optional_seen = False
    for index, option in enumerate(options):
        item = _option(option, depth=depth)
        if isinstance(option, dict):
            name = str(option.get("name"))
            if name in seen:
                err(item, "name", "APPLICATION_COMMAND_OPTIONS_DUPLICATE_NAME",
                     "Option names must be unique")
            seen.add(name)
            if option.get("type") not in (1, 2):
                if option.get("required") and optional_seen:
                    err(item, "required", "APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID",
                         "Required options must be placed before non-required options")
                optional_seen = optional_seen or not option.get("required")
        if item:
            sub[str(index)] = item
    if sub:
        errors["options"] = sub


def _text_size(node: Any) -> int:
    """Discord's 8000-character budget: names, descriptions and choice values, recursively."""
    if not isinstance(node, dict):
        return 0
    total = sum(len(str(node.get(key) or "")) for key in ("name", "description"))
    for choice in node.get("choices") or []:
        if isinstance(choice, dict):
            total += len(str(choice.get("name", ""))) + len(str(choice.get("value", "")))
    return total + sum(_text_size(child) for child in node.get("options") or [])


def command_errors(command: Any) -> JSON:
    errors: JSON = {}
    if not isinstance(command, dict):
        err(errors, "_", "DICT_TYPE_CONVERT", "Only dictionaries may be used in a DictType")
        return errors
    cmd_type = command.get("type", 1)
    if cmd_type not in (1, 2, 3, 4):
        err(errors, "type", "BASE_TYPE_CHOICES", "Value must be one of {1, 2, 3, 4}.")
        return errors
    chat_input = cmd_type == 1
    if not _name_ok(command.get("name"), chat_input=chat_input):
        err(errors, "name", "APPLICATION_COMMAND_INVALID_NAME", "Command name is invalid")
    if chat_input:
        length(errors, command, "description", 1, 100, required=True)
    elif command.get("description") not in (None, ""):
        err(errors, "description", "APPLICATION_COMMAND_INVALID_DESCRIPTION",
             "Context menu commands cannot have a description")
    _localizations(errors, command, "name_localizations", kind="name", chat_input=chat_input)
    _localizations(errors, command, "description_localizations", kind="description",
                   chat_input=chat_input)
    perms = command.get("default_member_permissions")
    if perms is not None and not str(perms).isdigit():
        err(errors, "default_member_permissions", "NUMBER_TYPE_COERCE", "Value is not int.")
    if chat_input:
        _options(errors, command.get("options"), depth=0)
    elif command.get("options"):
        err(errors, "options", "APPLICATION_COMMAND_OPTION_INVALID", "Not allowed")
    if _text_size(command) > 8000:
        err(errors, "_", "APPLICATION_COMMAND_TOO_LARGE", "Command exceeds maximum size (8000)")
    return errors


def bulk_command_errors(commands: Any) -> JSON:
    errors: JSON = {}
    if not isinstance(commands, list):
        err(errors, "_", "LIST_TYPE_CONVERT", "Only iterables may be used in a ListType")
        return errors
    limits = {1: 100, 2: 15, 3: 15, 4: 1}
    counts: dict[int, int] = {}
    seen: set[tuple[Any, Any]] = set()
    for index, command in enumerate(commands):
        item = command_errors(command)
        if isinstance(command, dict):
            key = (command.get("type", 1), command.get("name"))
            if key in seen:
                err(item, "name", "APPLICATION_COMMANDS_DUPLICATE_NAME",
                     "Application command names must be unique")
            seen.add(key)
            counts[key[0]] = counts.get(key[0], 0) + 1
        if item:
            errors[str(index)] = item
    for cmd_type, count in counts.items():
        if count > limits.get(cmd_type, 100):
            err(errors, "_", "APPLICATION_COMMANDS_TOO_MANY",
                 f"Too many commands of type {cmd_type}: {count}")
    return errors
