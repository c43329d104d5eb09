"""Discord's limits on messages, modals and autocomplete answers.

discord.py sends whatever it is given, so an over-long embed or a duplicated custom_id only fails
in production; the fake refuses it the same way (400/50035 with Discord-shaped `errors`).
"""

from __future__ import annotations

from typing import Any

from bot.fakediscord.state import JSON, MESSAGE_FLAG_COMPONENTS_V2, walk_components
from bot.fakediscord.validation import err, length


def _embed_errors(embed: Any) -> tuple[JSON, int]:
    errors: JSON = {}
    if not isinstance(embed, dict):
        err(errors, "_", "DICT_TYPE_CONVERT", "Only dictionaries may be used in a DictType")
        return errors, 0
    size = 0
    for key, limit in (("title", 256), ("description", 4096)):
        if embed.get(key) is not None:
            length(errors, embed, key, 0, limit, required=False)
            size += len(str(embed[key]))
    for key, sub_key, limit in (("footer", "text", 2048), ("author", "name", 256)):
        part = embed.get(key)
        if isinstance(part, dict):
            sub: JSON = {}
            length(sub, part, sub_key, 1, limit, required=True)
            if sub:
                errors[key] = sub
            size += len(str(part.get(sub_key) or ""))
    fields = embed.get("fields") or []
    if len(fields) > 25:
        err(errors, "fields", "BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length.")
    field_errors: JSON = {}
    for index, field in enumerate(fields):
        item: JSON = {}
        if isinstance(field, dict):
            length(item, field, "name", 1, 256, required=True)
            length(item, field, "value", 1, 1024, required=True)
            size += len(str(field.get("name") or "")) + len(str(field.get("value") or ""))
        if item:
            field_errors[str(index)] = item
    if field_errors:
        errors["fields"] = field_errors
    return errors, size


def _component_errors(components: Any, flags: int) -> JSON:
    errors: JSON = {}
    if not isinstance(components, list):
        err(errors, "components", "LIST_TYPE_CONVERT", "Only iterables may be used")
        return errors
    v2 = bool(flags & MESSAGE_FLAG_COMPONENTS_V2)
    if not v2 and len(components) > 5:
        err(errors, "components", "BASE_TYPE_MAX_LENGTH", "Must be 5 or fewer in length.")
    sub: JSON = {}
    seen: set[str] = set()
    for index, row in enumerate(components):
        item: JSON = {}
        if not isinstance(row, dict):
            err(item, "_", "DICT_TYPE_CONVERT", "Only dictionaries may be used in a DictType")
        elif not v2 and row.get("type") != 1:
            err(item, "type", "COMPONENT_LAYOUT_WIDTH_EXCEEDED",
                 "Top-level components must be action rows without the components v2 flag")
        elif row.get("type") == 1 and not 1 <= len(row.get("components") or []) <= 5:
            err(item, "components", "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 5.")
        for component in walk_components([row] if isinstance(row, dict) else []):
            _component(item, component, seen)
        if item:
            sub[str(index)] = item
    if sub:
        errors["components"] = sub
    return errors


def _component(item: JSON, component: JSON, seen: set[str]) -> None:
    custom_id = component.get("custom_id")
    if custom_id is None:
        return
    if not isinstance(custom_id, str) or not 1 <= len(custom_id) <= 100:
        err(item, "custom_id", "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100.")
    elif custom_id in seen:
        err(item, "custom_id", "COMPONENT_CUSTOM_ID_DUPLICATED",
             "Component custom id cannot be duplicated")
    seen.add(str(custom_id))
    label = component.get("label")
    if isinstance(label, str) and len(label) > 80 and component.get("type") == 2:
        err(item, "label", "BASE_TYPE_MAX_LENGTH", "Must be 80 or fewer in length.")
    options = component.get("options")
    if component.get("type") == 3 and (not options or len(options) > 25):
        err(item, "options", "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 25.")


def message_errors(data: JSON) -> JSON:
    errors: JSON = {}
    content = data.get("content")
    if content is not None and (not isinstance(content, str) or len(content) > 2000):
        err(errors, "content", "BASE_TYPE_MAX_LENGTH", "Must be 2000 or fewer in length.")
    embeds = data.get("embeds")
    if embeds is not None:
        if not isinstance(embeds, list) or len(embeds) > 10:
            err(errors, "embeds", "BASE_TYPE_MAX_LENGTH", "Must be 10 or fewer in length.")
        else:
            sub: JSON = {}
            total = 0
            for index, embed in enumerate(embeds):
                item, size = _embed_errors(embed)
                total += size
                if item:
                    sub[str(index)] = item
            if total > 6000:
                err(sub, "_", "MAX_EMBED_SIZE_EXCEEDED", "Embed size exceeds maximum size of 6000")
            if sub:
                errors["embeds"] = sub
    if data.get("components") is not None:
        errors.update(_component_errors(data["components"], int(data.get("flags") or 0)))
    nonce = data.get("nonce")
    if nonce is not None and len(str(nonce)) > 25:
        err(errors, "nonce", "BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length.")
    return errors


def modal_errors(data: JSON) -> JSON:
    errors: JSON = {}
    length(errors, data, "title", 1, 45, required=True)
    length(errors, data, "custom_id", 1, 100, required=True)
    components = data.get("components")
    if not isinstance(components, list) or not 1 <= len(components) <= 5:
        err(errors, "components", "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 5 in length.")
        return errors
    sub: JSON = {}
    for index, component in enumerate(components):
        item: JSON = {}
        if not isinstance(component, dict):
            err(item, "_", "DICT_TYPE_CONVERT", "Only dictionaries may be used in a DictType")
        elif component.get("type") == 1:
            children = component.get("components") or []
            if len(children) != 1 or children[0].get("type") != 4:
                err(item, "components", "COMPONENT_TYPE_INVALID",
                     "Action rows in modals hold exactly one text input")
            else:
                length(item, children[0], "label", 1, 45, required=True)
        elif component.get("type") == 18:
            length(item, component, "label", 1, 45, required=True)
            length(item, component, "description", 0, 100, required=False)
            if not isinstance(component.get("component"), dict):
                err(item, "component", "BASE_TYPE_REQUIRED", "This field is required")
        elif component.get("type") != 10:
            err(item, "type", "COMPONENT_TYPE_INVALID", "Component type not allowed in a modal")
        if item:
            sub[str(index)] = item
    if sub:
        errors["components"] = sub
    return errors


def choices_errors(data: JSON) -> JSON:
    errors: JSON = {}
    choices = data.get("choices")
    if not isinstance(choices, list) or len(choices) > 25:
        err(errors, "choices", "BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length.")
        return errors
    sub: JSON = {}
    for index, choice in enumerate(choices):
        item: JSON = {}
        if isinstance(choice, dict):
            length(item, choice, "name", 1, 100, required=True)
            value = choice.get("value")
            if isinstance(value, str) and len(value) > 100:
                err(item, "value", "BASE_TYPE_MAX_LENGTH", "Must be 100 or fewer in length.")
        else:
            err(item, "_", "DICT_TYPE_CONVERT", "Only dictionaries may be used in a DictType")
        if item:
            sub[str(index)] = item
    if sub:
        errors["choices"] = sub
    return errors
