"""Discord's published OpenAPI description as the judge of what the fake accepts and answers.

Types, lengths, counts and which component may sit where are whatever Discord wrote down in
`spec/discord-openapi.json` (see `spec/README.md`), not a copy maintained by hand; `limits.py`
and `validation.py` keep only what the description is silent on.

Two readings of the description need code:
- its unions (`oneOf`, and `anyOf` marked `x-discord-union: oneOf`) are tagged by the JSON type
  and, for objects, by their `type` field. The validator picks the one branch a value claims to
  be before validating, so a bad button is reported as a bad button (not as "matches none of
  seven component kinds") and a message costs one branch instead of seven;
- its README says Discord "accepts strings for int fields if they are parseable as ints", which
  discord.py relies on (`default_member_permissions` is sent as a string).

The file is read once per process and each route's validator is built on first use and kept.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator, ValidationError, validators
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from bot.fakediscord.openapi_errors import discord_errors, problems
from bot.fakediscord.state import JSON

SPEC_FILE = Path(__file__).with_name("spec") / "discord-openapi.json"
SPEC_URI = "urn:discord-openapi"
# ASCII digits only: `\d` would also take digits from other scripts, which Discord does not parse.
INT_STRING = re.compile(r"-?[0-9]+")

# Known divergences from the description, each allowed at its one place: JSON pointer in the
# description -> the schema used there instead. Validation is not loosened anywhere else; delete
# an entry once the description (or discord.py) agrees.
DIVERGENCES: dict[str, JSON] = {
    # discord.py names a new upload in `attachments` by its `files[n]` index and sends that index
    # as an integer (`{"id": 0}`); the description says a snowflake string. Discord accepts it.
    "/components/schemas/MessageAttachmentRequest/properties/id": {
        "anyOf": [{"$ref": "#/components/schemas/SnowflakeType"},
                  {"type": "integer", "minimum": 0}],
    },
    # discord.py opens a DM (`User.create_dm`, `Client.create_dm`) with the user's id as an
    # integer (`{"recipient_id": 123}`); the description says a snowflake string. Discord
    # accepts it (every bot that sends a direct message through discord.py relies on that).
    "/components/schemas/CreatePrivateChannelRequest/properties/recipient_id": {
        "anyOf": [{"type": "null"}, {"$ref": "#/components/schemas/SnowflakeType"},
                  {"type": "integer", "minimum": 0}],
    },
    # A 400/50035 answer lists per-field errors with string codes ("BASE_TYPE_REQUIRED", as in
    # Discord's documentation of error messages); the description reuses its top-level `Error`
    # there, whose code is an integer. Only matters for checking the fake's own answers.
    "/components/schemas/InnerErrors/properties/_errors/items": {
        "type": "object", "required": ["code", "message"],
        "properties": {"code": {"type": "string"}, "message": {"type": "string"}},
    },
}


@functools.cache
def description() -> JSON:
    """The parsed description with `DIVERGENCES` applied; read once per process."""
    with SPEC_FILE.open(encoding="utf-8") as handle:
        spec: JSON = json.load(handle)
    for pointer, schema in DIVERGENCES.items():
        *parents, last = _pointer_parts(pointer)
        node = spec
        for part in parents:
            node = node[part]
        if last not in node:
            raise KeyError(f"divergence {pointer} no longer exists in the description")
        node[last] = schema
    return spec


@functools.cache
def _registry() -> Registry[Any]:
    resource: Resource[Any] = Resource.from_contents(description(),
                                                     default_specification=DRAFT202012)
    registry: Registry[Any] = Registry().with_resource(SPEC_URI, resource)
    return registry


def _pointer_parts(pointer: str) -> list[str]:
    return [p.replace("~1", "/").replace("~0", "~") for p in pointer.strip("/").split("/")]


def _pointer(*parts: str) -> str:
    return "/" + "/".join(p.replace("~", "~0").replace("/", "~1") for p in parts)


# -- the validator --------------------------------------------------------------------------------

def _is_integer(checker: Any, instance: Any) -> bool:
    if isinstance(instance, str):
        return INT_STRING.fullmatch(instance) is not None
    return bool(Draft202012Validator.TYPE_CHECKER.is_type(instance, "integer"))


def _as_number(keyword: str) -> Callable[..., Any]:
    """A numeric bound that also applies to an int-parseable string, as Discord parses it."""
    base = Draft202012Validator.VALIDATORS[keyword]

    def check(validator: Any, bound: Any, instance: Any, schema: Any) -> Any:
        if isinstance(instance, str) and INT_STRING.fullmatch(instance):
            instance = int(instance)
        return base(validator, bound, instance, schema)

    return check


@dataclass(frozen=True)
class _Branch:
    index: int
    schema: Any                      # as written in the union (often a `$ref`)
    types: frozenset[str]            # JSON types it admits; empty: not said
    tags: frozenset[Any] | None      # values its `type` field admits; None: not tagged


@dataclass(frozen=True)
class _Union:
    branches: list[_Branch]
    consts: tuple[Any, ...] | None   # the values, when every branch is a bare `const` (an enum)


_UNIONS: dict[int, tuple[list[Any], _Union]] = {}
_CONST_ONLY = frozenset({"const", "title", "description"})


def _resolved(schema: Any) -> Any:
    resolver = _registry().resolver(SPEC_URI)
    while isinstance(schema, dict) and "$ref" in schema:
        schema = resolver.lookup(schema["$ref"]).contents
    return schema


def _parse_union(union: list[Any]) -> _Union:
    known = _UNIONS.get(id(union))
    if known is not None and known[0] is union:
        return known[1]
    branches: list[_Branch] = []
    resolved = [_resolved(schema) for schema in union]
    for index, (schema, target) in enumerate(zip(union, resolved, strict=True)):
        declared = target.get("type") if isinstance(target, dict) else None
        types = frozenset([declared] if isinstance(declared, str) else declared or [])
        tag = ((target.get("properties") or {}).get("type") if isinstance(target, dict) else None)
        tags = None
        if isinstance(tag, dict) and ("enum" in tag or "const" in tag):
            tags = frozenset(tag["enum"] if "enum" in tag else [tag["const"]])
        branches.append(_Branch(index, schema, types, tags))
    consts = None
    if all(isinstance(r, dict) and "const" in r and set(r) <= _CONST_ONLY for r in resolved):
        consts = tuple(r["const"] for r in resolved)
    parsed = _Union(branches, consts)
    _UNIONS[id(union)] = (union, parsed)
    return parsed


def json_type(instance: Any) -> str:
    if instance is None:
        return "null"
    if isinstance(instance, bool):
        return "boolean"
    if isinstance(instance, int) or (isinstance(instance, float) and instance.is_integer()):
        return "integer"
    names = {float: "number", str: "string", list: "array", dict: "object"}
    return names.get(type(instance), type(instance).__name__)


def _admits(branch: _Branch, kind: str) -> bool:
    return (not branch.types or kind in branch.types
            or (kind == "integer" and "number" in branch.types))


def _candidates(branches: list[_Branch], instance: Any) -> tuple[list[_Branch], str]:
    """The branches `instance` can belong to by its JSON type and `type` tag, and why not others."""
    kind = json_type(instance)
    live = [b for b in branches if _admits(b, kind)]
    if not live and kind == "string" and INT_STRING.fullmatch(instance):
        live = [b for b in branches if _admits(b, "integer")]
    if not live:
        allowed = sorted({t for b in branches for t in b.types})
        return [], f"Must be of type {', '.join(allowed)}, not {kind}."
    tag = instance.get("type") if isinstance(instance, dict) else None
    if isinstance(tag, int | str) and not isinstance(tag, bool):
        tagged = [b for b in live if b.tags is None or tag in b.tags]
        if not tagged:
            allowed = sorted({t for b in live for t in b.tags or ()},
                             key=lambda t: (isinstance(t, str), t))
            return [], f"Type {tag!r} is not allowed here; allowed types: {allowed}."
        live = tagged
    return live, ""


def _same(a: Any, b: Any) -> bool:
    return json_type(a) == json_type(b) and bool(a == b)


def _union(keyword: str) -> Callable[..., Iterator[ValidationError]]:
    base = Draft202012Validator.VALIDATORS[keyword]

    def check(validator: Any, union: list[Any], instance: Any, schema: Any
              ) -> Iterator[ValidationError]:
        parsed = _parse_union(union)
        if parsed.consts is not None:
            hits = sum(_same(value, instance) for value in parsed.consts)
            if hits == 0:  # reported as the enum it is
                yield ValidationError(f"Value must be one of {list(parsed.consts)}.",
                                      validator="enum", validator_value=list(parsed.consts))
            elif hits > 1 and keyword == "oneOf":
                yield ValidationError(f"{instance!r} is listed more than once")
            return
        live, why = _candidates(parsed.branches, instance)
        if len(live) == 1:
            yield from validator.descend(instance, live[0].schema, schema_path=live[0].index)
        elif not live:
            yield ValidationError(why)
        else:
            yield from base(validator, [b.schema for b in live], instance, schema) or ()

    return check


_REFS: dict[str, Any] = {}


def _ref(validator: Any, ref: str, instance: Any, schema: Any) -> Iterator[ValidationError]:
    """`$ref`, resolved once per reference: every one in the description points inside it
    (`#/components/...`), so the string alone says where, and referencing's lookup per use was
    a third of the time of a message."""
    target = _REFS.get(ref)
    if target is None:
        target = _REFS[ref] = _resolved({"$ref": ref.removeprefix(SPEC_URI)})
    yield from validator.descend(instance, target)


_Validator = validators.extend(
    Draft202012Validator,
    validators={"$ref": _ref, "oneOf": _union("oneOf"), "anyOf": _union("anyOf"),
                "minimum": _as_number("minimum"), "maximum": _as_number("maximum")},
    type_checker=Draft202012Validator.TYPE_CHECKER.redefine("integer", _is_integer),
)


@functools.cache
def _validator(pointer: str) -> Any:
    """One validator per schema location, kept: it caches its resolved references."""
    return _Validator({"$ref": f"{SPEC_URI}#{pointer}"}, registry=_registry())


# -- routes ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Operation:
    """One method on one path template of the description."""

    method: str
    template: str

    @property
    def name(self) -> str:
        return f"{self.method} {self.template}"

    def _spec(self) -> JSON:
        operation: JSON = description()["paths"][self.template][self.method.lower()]
        return operation

    def request_schema(self) -> str | None:
        """Where the JSON body's schema is; a multipart `payload_json` carries the same fields."""
        content = (self._spec().get("requestBody") or {}).get("content") or {}
        if "application/json" not in content:
            return None
        return _pointer("paths", self.template, self.method.lower(), "requestBody", "content",
                        "application/json", "schema")

    def response_schema(self, status: int) -> tuple[bool, str | None]:
        """(whether the description lists `status` for this operation, where the schema of its
        JSON body is: None when that answer has no body)."""
        responses = self._spec().get("responses") or {}
        key = next((k for k in (str(status), f"{status // 100}XX", "default") if k in responses),
                   None)
        if key is None:
            return False, None
        answer = responses[key]
        base: tuple[str, ...] = ("paths", self.template, self.method.lower(), "responses", key)
        if "$ref" in answer:
            base = tuple(_pointer_parts(answer["$ref"].removeprefix("#")))
            answer = _resolved(answer)
        if "application/json" not in (answer.get("content") or {}):
            return True, None
        return True, _pointer(*base, "content", "application/json", "schema")


@functools.cache
def _templates() -> dict[int, list[tuple[int, tuple[str | None, ...], str]]]:
    """Path templates by segment count, the most literal first (`@original` before `{id}`)."""
    table: dict[int, list[tuple[int, tuple[str | None, ...], str]]] = {}
    for template in description()["paths"]:
        parts = tuple(None if p.startswith("{") else p for p in template.strip("/").split("/"))
        literal = sum(p is not None for p in parts)
        table.setdefault(len(parts), []).append((literal, parts, template))
    for entries in table.values():
        entries.sort(key=lambda entry: -entry[0])
    return table


def operation(method: str, path: str) -> Operation | None:
    """The operation for a concrete request path below `/api/v10`, as OpenAPI matches paths."""
    segments = path.strip("/").split("/")
    for _, parts, template in _templates().get(len(segments), []):
        if all(p is None or p == s for p, s in zip(parts, segments, strict=True)):
            if method.lower() in description()["paths"][template]:
                return Operation(method.upper(), template)
            return None
    return None


def request_errors(op: Operation, body: Any) -> JSON:
    """Discord-shaped `errors` for a request body against `op`'s schema; {} when it validates."""
    pointer = op.request_schema()
    if pointer is None:
        return {}
    found = list(_validator(pointer).iter_errors(body))
    return discord_errors(found, op.name, description()) if found else {}


def response_problems(op: Operation, status: int, body: Any) -> list[str]:
    """Where an answer of the fake differs from what the description says Discord sends."""
    listed, pointer = op.response_schema(status)
    if not listed:
        return [f"{op.name} answered {status}, a status the description does not list"]
    if pointer is None:
        return [] if body is None else [
            f"{op.name} answered {status} with a body where the description has none"]
    found = list(_validator(pointer).iter_errors(body))
    return problems(found, f"{op.name} -> {status}", description())
