"""Discord's rules for messages, modals and autocomplete answers that its API description lacks.

Lengths, counts and which component may go where are checked first against the description
(`openapi.py`); these run only on bodies that passed it. What remains is where the description is
silent or looser than Discord's documentation (which Discord says to follow when they differ):
- cross-field rules: 6,000 characters over all of a message's embeds; custom_ids unique in a
  message; without the components-v2 flag at most 5 top-level components, all action rows; a
  button needs a custom_id unless it is a link (url) or premium (sku_id) button;
- required text the description leaves optional or empty: embed field name and value, footer
  text, author name;
- documented limits the description states more loosely: 2,000 characters of content for a bot
  (it says 4,000, the limit for Nitro users), at most 5 top-level components in a modal (it says
  40), one text input per legacy action row in a modal (it says 5), autocomplete string values of
  at most 100 characters (it says 6,000).
Each returns Discord-shaped `errors`; empty when acceptable.
"""

from __future__ import annotations

from bot.fakediscord.state import JSON, MESSAGE_FLAG_COMPONENTS_V2, walk_components
from bot.fakediscord.validation import CHOICE_VALUE_MAX, err

CONTENT_MAX = 2000
EMBEDS_TOTAL_MAX = 6000
TOP_LEVEL_MAX = 5
MODAL_COMPONENTS_MAX = 5
LINK_STYLE, PREMIUM_STYLE = 5, 6


def _embed_errors(embed: JSON) -> tuple[JSON, int]:
    errors: JSON = {}
    size = len(embed.get("title") or "") + len(embed.get("description") or "")
    for key, sub_key in (("footer", "text"), ("author", "name")):
        part = embed.get(key)
        if part is not None:
            size += len(part.get(sub_key) or "")
            if not part.get(sub_key):
                err(errors.setdefault(key, {}), sub_key, "BASE_TYPE_REQUIRED",
                    "This field is required")
    fields: JSON = {}
    for index, field in enumerate(embed.get("fields") or []):
        size += len(field["name"]) + len(field["value"])
        for key in ("name", "value"):
            if not field[key]:
                err(fields.setdefault(str(index), {}), key, "BASE_TYPE_REQUIRED",
                    "This field is required")
    if fields:
        errors["fields"] = fields
    return errors, size


def _button(item: JSON, component: JSON) -> None:
    style = component.get("style")
    if style == LINK_STYLE and not component.get("url"):
        err(item, "url", "BASE_TYPE_REQUIRED", "A link button needs a url")
    elif style == PREMIUM_STYLE and not component.get("sku_id"):
        err(item, "sku_id", "BASE_TYPE_REQUIRED", "A premium button needs a sku_id")
    elif style not in (LINK_STYLE, PREMIUM_STYLE) and not component.get("custom_id"):
        err(item, "custom_id", "BASE_TYPE_REQUIRED",
            "This field is required (every button but link and premium ones)")
    elif style in (LINK_STYLE, PREMIUM_STYLE) and component.get("custom_id"):
        err(item, "custom_id", "COMPONENT_INVALID", "Link and premium buttons take no custom_id")


def _component_errors(components: list[JSON], flags: int) -> JSON:
    errors: JSON = {}
    v2 = bool(flags & MESSAGE_FLAG_COMPONENTS_V2)
    if not v2 and len(components) > TOP_LEVEL_MAX:
        err(errors, "components", "BASE_TYPE_MAX_LENGTH",
            f"Must be {TOP_LEVEL_MAX} or fewer in length without the components v2 flag.")
    sub: JSON = {}
    seen: set[str] = set()
    for index, row in enumerate(components):
        item: JSON = {}
        if not v2 and row.get("type") != 1:
            err(item, "type", "COMPONENT_LAYOUT_WIDTH_EXCEEDED",
                "Top-level components must be action rows without the components v2 flag")
        for component in walk_components([row]):
            if component.get("type") == 2:
                _button(item, component)
            custom_id = component.get("custom_id")
            if custom_id in seen:
                err(item, "custom_id", "COMPONENT_CUSTOM_ID_DUPLICATED",
                    f"Component custom id {custom_id!r} cannot be duplicated")
            if custom_id:
                seen.add(custom_id)
        if item:
            sub[str(index)] = item
    if sub:
        errors["components"] = sub
    return errors


def message_errors(data: JSON) -> JSON:
    errors: JSON = {}
    if len(data.get("content") or "") > CONTENT_MAX:
        err(errors, "content", "BASE_TYPE_MAX_LENGTH", f"Must be {CONTENT_MAX} or fewer in length.")
    sub: JSON = {}
    total = 0
    for index, embed in enumerate(data.get("embeds") or []):
        item, size = _embed_errors(embed)
        total += size
        if item:
            sub[str(index)] = item
    if total > EMBEDS_TOTAL_MAX:
        err(sub, "_", "MAX_EMBED_SIZE_EXCEEDED",
            f"Embed size exceeds maximum size of {EMBEDS_TOTAL_MAX}")
    if sub:
        errors["embeds"] = sub
    if data.get("components"):
        errors.update(_component_errors(data["components"], int(data.get("flags") or 0)))
    return errors


def modal_errors(data: JSON) -> JSON:
    errors: JSON = {}
    components = data["components"]
    if len(components) > MODAL_COMPONENTS_MAX:
        err(errors, "components", "BASE_TYPE_MAX_LENGTH",
            f"Must be {MODAL_COMPONENTS_MAX} or fewer in length.")
    sub: JSON = {}
    for index, component in enumerate(components):
        if component["type"] == 1 and len(component["components"]) != 1:
            err(sub.setdefault(str(index), {}), "components", "COMPONENT_TYPE_INVALID",
                "Action rows in modals hold exactly one text input")
    if sub:
        errors["components"] = sub
    return errors


def choices_errors(data: JSON) -> JSON:
    sub: JSON = {}
    for index, choice in enumerate(data.get("choices") or []):
        if (isinstance(choice, dict) and isinstance(choice["value"], str)
                and len(choice["value"]) > CHOICE_VALUE_MAX):
            err(sub.setdefault(str(index), {}), "value", "BASE_TYPE_MAX_LENGTH",
                f"Must be {CHOICE_VALUE_MAX} or fewer in length.")
    return {"choices": sub} if sub else {}
