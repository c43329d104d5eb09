"""Schema failures told the way Discord tells them, plus where in the description they come from.

Discord answers a bad body with 400/50035 and `errors` nested by field (`{"data": {"title":
{"_errors": [{"code", "message"}]}}}`); discord.py prints that as "In data.title: ...". Each
message here also names the route, the body path, the schema keyword and its place in the
description, so whoever adds a modal or a button sees at once which rule of Discord's it broke.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from jsonschema import ValidationError

from bot.fakediscord.state import JSON

MAX_REPORTED = 20
TYPE_CODES = {"object": "DICT_TYPE_CONVERT", "array": "LIST_TYPE_CONVERT",
              "string": "STRING_TYPE_CONVERT", "integer": "NUMBER_TYPE_COERCE",
              "number": "NUMBER_TYPE_COERCE", "boolean": "BOOLEAN_TYPE_CONVERT"}
CODES = {"maxLength": "BASE_TYPE_MAX_LENGTH", "maxItems": "BASE_TYPE_MAX_LENGTH",
         "maxProperties": "BASE_TYPE_MAX_LENGTH", "minLength": "BASE_TYPE_MIN_LENGTH",
         "minItems": "BASE_TYPE_MIN_LENGTH", "minProperties": "BASE_TYPE_MIN_LENGTH",
         "required": "BASE_TYPE_REQUIRED", "enum": "BASE_TYPE_CHOICES",
         "const": "BASE_TYPE_CHOICES", "maximum": "NUMBER_TYPE_MAX", "minimum": "NUMBER_TYPE_MIN",
         "pattern": "STRING_TYPE_REGEX", "oneOf": "UNION_TYPE_CHOICES",
         "anyOf": "UNION_TYPE_CHOICES", "uniqueItems": "LIST_ITEM_VALUE_DUPLICATE"}


def leaves(error: ValidationError) -> list[ValidationError]:
    """The failures to report. Where a union left several branches possible (no `type` tag told
    them apart), those of the branch that came closest: the one with the fewest failures."""
    if not error.context:
        return [error]
    branches: dict[Any, list[ValidationError]] = {}
    for sub in error.context:
        branches.setdefault(sub.relative_schema_path[0], []).append(sub)
    closest = min(branches.values(), key=len)
    return [leaf for sub in closest for leaf in leaves(sub)]


def _path(error: ValidationError) -> list[str | int]:
    path: list[str | int] = list(error.absolute_path)
    if error.validator == "required" and isinstance(error.instance, dict):
        missing = [p for p in error.validator_value if p not in error.instance]
        path.append(next((p for p in missing if repr(p) in error.message), missing[0]))
    return path


def json_path(path: list[str | int]) -> str:
    text = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path).lstrip(".")
    return text or "(the body)"


def _text(error: ValidationError) -> str:
    keyword, value = error.validator, error.validator_value
    unit = "entries" if keyword.endswith("Properties") else "in length"
    if keyword in ("maxLength", "maxItems", "maxProperties"):
        return f"Must be {value} or fewer {unit}."
    if keyword in ("minLength", "minItems", "minProperties"):
        return f"Must be {value} or more {unit}."
    if keyword == "type":
        types = [value] if isinstance(value, str) else list(value)
        return f"Must be of type {' or '.join(types)}."
    texts = {
        "required": "This field is required", "maximum": f"Must be {value} or less.",
        "minimum": f"Must be {value} or more.", "enum": f"Value must be one of {value}.",
        "const": f"Value must be {value!r}.", "pattern": f"Must match the pattern {value}.",
        "uniqueItems": "Must not contain duplicates.",
    }
    text = str(texts.get(keyword, error.message))
    return text if len(text) <= 200 else text[:197] + "..."


def _code(error: ValidationError) -> str:
    if error.validator == "type":
        value = error.validator_value
        first = value if isinstance(value, str) else next(iter(t for t in value if t != "null"))
        return TYPE_CODES.get(first, "BASE_TYPE_INVALID")
    return CODES.get(str(error.validator), "BASE_TYPE_INVALID")


_located: list[tuple[Any, dict[int, str]]] = []


def _locations(spec: Any) -> dict[int, str]:
    """id of every schema object in the description -> its JSON pointer, built on first error."""
    if _located and _located[0][0] is spec:
        return _located[0][1]
    found: dict[int, str] = {}
    stack: list[tuple[Any, str]] = [(spec, "#")]
    while stack:
        node, where = stack.pop()
        if isinstance(node, dict):
            found[id(node)] = where
            stack.extend((v, f"{where}/{str(k).replace('~', '~0').replace('/', '~1')}")
                         for k, v in node.items())
        elif isinstance(node, list):
            stack.extend((v, f"{where}/{i}") for i, v in enumerate(node))
    _located[:] = [(spec, found)]
    return found


def _where(error: ValidationError, spec: Any) -> str:
    return _locations(spec).get(id(error.schema), "the route's schema")


def explain(error: ValidationError, route: str, spec: Any) -> tuple[list[str | int], str, str]:
    """(body path, Discord-style code, message naming route, path, keyword and schema place)."""
    path = _path(error)
    keyword = str(error.validator)
    rule = keyword if keyword in ("required", "type", "oneOf", "anyOf") else (
        f"{keyword} {error.validator_value}")
    message = (f"{_text(error)} (Discord's API description: {route}, body {json_path(path)}, "
               f"{rule} at {_where(error, spec)})")
    return path, _code(error), message


def discord_errors(errors: Iterable[ValidationError], route: str, spec: Any) -> JSON:
    """The `errors` object of a 400/50035 answer."""
    out: JSON = {}
    found = [leaf for error in errors for leaf in leaves(error)]
    found.sort(key=lambda e: [str(p) for p in e.absolute_path])
    for error in found[:MAX_REPORTED]:
        path, code, message = explain(error, route, spec)
        node = out
        for key in path:
            node = node.setdefault(str(key), {})
        node.setdefault("_errors", []).append({"code": code, "message": message})
    return out


def problems(errors: Iterable[ValidationError], route: str, spec: Any) -> list[str]:
    """One line per failure, for the fake's own bugs (its answers), not for the bot's."""
    found = [leaf for error in errors for leaf in leaves(error)]
    return [explain(e, route, spec)[2] for e in found[:MAX_REPORTED]]
