"""Shared steps for the entry tests: the form, crafted clicks and forms, what members see."""

from __future__ import annotations

from typing import Any

from bot.fakediscord.state import deep, walk_components

FORM = {"entry_question": "When is the next regional members' call?",
        "entry_answer": "Every first Monday of the month at 14:00 UTC, on the usual link.",
        "entry_keywords": "monthly call, members call",
        "entry_source": "https://www.coalitionfortheicc.org/calls",
        "entry_lang": ["en"]}
ASKED = "when is the next regional members call"


def fields(modal: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {c["custom_id"]: c for c in walk_components(modal["components"]) if "custom_id" in c}


async def add_entry(world: Any, values: dict[str, Any] | None = None, *, user: Any = None,
                    locale: str | None = None, check: bool = True) -> tuple[Any, Any]:
    user = user or world.moderator
    opened = await world.h.slash("kb entry add", user=user, guild_id=user.guild_id,
                                 locale=locale)
    assert opened.modal is not None, opened.text()
    submitted = await world.h.submit_modal(opened, {**FORM, **(values or {})}, user=user,
                                           locale=locale, check=check)
    return opened, submitted


async def open_form(world: Any, command: str, options: dict[str, Any], *, user: Any = None,
                    locale: str | None = None) -> Any:
    user = user or world.moderator
    return await world.h.slash(command, options, user=user, guild_id=user.guild_id,
                               locale=locale)


async def ask(world: Any, question: str, *, user: Any = None, locale: str | None = None) -> Any:
    user = user or world.member
    return await world.h.slash("ask", {"question": question}, user=user, guild_id=user.guild_id,
                               locale=locale)


async def crafted_form(world: Any, user: Any, custom_id: str,
                       values: dict[str, Any] | None = None) -> Any:
    """A form submit Discord never showed this person (or for another server's entry)."""
    given = {**FORM, **(values or {})}
    payload = world.h.payloads.envelope(5, user, guild_id=user.guild_id, channel_id=None,
                                        locale="en-US", guild_locale=None, app_permissions=None)
    payload["data"] = {"custom_id": custom_id, "components": [
        {"type": 18, "component": {"type": 4, "custom_id": k, "value": given[k]}}
        for k in ("entry_question", "entry_answer", "entry_keywords", "entry_source")] + [
        {"type": 18, "component": {"type": 3, "custom_id": "entry_lang",
                                   "values": given["entry_lang"]}}]}
    return await world.h.raw_interaction(payload)


async def crafted_click(world: Any, user: Any, custom_id: str) -> Any:
    """A button press arriving from the user's own server with any custom_id at all."""
    channel = world.channel_id if user.guild_id == world.guild_id else world.other_channel_id
    payload = world.h.payloads.envelope(3, user, guild_id=user.guild_id, channel_id=channel,
                                        locale="en-US", guild_locale=None, app_permissions=None)
    message = deep({"id": str(world.fake.snowflake()), "channel_id": str(channel),
                    "content": "", "embeds": [], "flags": 64, "type": 0, "attachments": [],
                    "author": {"id": str(world.bot.user.id), "username": "bot",
                               "discriminator": "0", "avatar": None},
                    "timestamp": "2026-01-01T00:00:00+00:00", "edited_timestamp": None,
                    "tts": False, "mention_everyone": False, "mentions": [],
                    "mention_roles": [], "pinned": False})
    message["components"] = [{"type": 1, "components": [
        {"type": 2, "style": 1, "label": "x", "custom_id": custom_id}]}]
    payload["message"] = message
    payload["data"] = {"custom_id": custom_id, "component_type": 2}
    return await world.h.raw_interaction(payload)


async def entry_rows(world: Any) -> list[Any]:
    return await world.db.fetchall("SELECT * FROM kb_entries ORDER BY id")


async def version_rows(world: Any) -> list[Any]:
    return await world.db.fetchall("SELECT * FROM kb_entry_versions ORDER BY id")
