"""Plain-JSON building blocks of the fake: ids, errors, and Discord-shaped objects.

Everything here is a dict exactly as Discord would put it on the wire, so the same objects can be
served over REST, sent over the gateway and injected into discord.py's parsers without a second
representation drifting out of sync.
"""

from __future__ import annotations

import datetime
import itertools
import time
from typing import Any, TypeVar, cast

import discord

JSON = dict[str, Any]

DISCORD_EPOCH_MS = 1420070400000
MESSAGE_FLAG_CROSSPOSTED = 1 << 0
MESSAGE_FLAG_SUPPRESS_EMBEDS = 1 << 2
MESSAGE_FLAG_EPHEMERAL = 1 << 6
MESSAGE_FLAG_LOADING = 1 << 7
MESSAGE_FLAG_SUPPRESS_NOTIFICATIONS = 1 << 12
MESSAGE_FLAG_COMPONENTS_V2 = 1 << 15
INTENT_GUILDS = 1 << 0
INTENT_GUILD_MESSAGES = 1 << 9
CHANNEL_TEXT = 0
CHANNEL_ANNOUNCEMENT = 5
DEFAULT_ATTACHMENT_SIZE_LIMIT = 10 * 1024 * 1024

# What @everyone gets on a new server: enough to use commands, nothing to manage the server.
DEFAULT_MEMBER_PERMISSIONS = discord.Permissions(
    view_channel=True, send_messages=True, read_message_history=True, add_reactions=True,
    embed_links=True, attach_files=True, use_external_emojis=True, use_external_stickers=True,
    use_application_commands=True, create_instant_invite=True, change_nickname=True,
    send_messages_in_threads=True, create_public_threads=True, create_private_threads=True,
    connect=True, speak=True, stream=True, use_voice_activation=True, send_voice_messages=True,
    send_polls=True, use_embedded_activities=True, use_external_apps=True,
).value
MODERATOR_PERMISSIONS = (
    DEFAULT_MEMBER_PERMISSIONS
    | discord.Permissions(manage_guild=True, manage_messages=True, moderate_members=True).value
)


class DiscordError(Exception):
    """A refusal Discord itself would send (unknown channel, already acknowledged, bad form...).

    Kept apart from the fake's own confusion (`NotUnderstood`) because a test may provoke these on
    purpose, while a request the fake cannot parse always means a bug somewhere.
    """

    def __init__(
        self, status: int, code: int, message: str, errors: JSON | None = None
    ) -> None:
        super().__init__(f"{status} {code} {message}")
        self.status = status
        self.code = code
        self.message = message
        self.errors = errors

    def body(self) -> JSON:
        out: JSON = {"code": self.code, "message": self.message}
        if self.errors:
            out["errors"] = self.errors
        return out


class NotUnderstood(Exception):
    """The fake could not make sense of a request: the test must fail, whoever is at fault."""


def form_error(errors: JSON) -> DiscordError:
    return DiscordError(400, 50035, "Invalid Form Body", errors)


class Snowflakes:
    """Time-based, strictly increasing ids, so discord.py's age checks on ids behave as live."""

    def __init__(self) -> None:
        self._last = 0
        self._counter = itertools.count()

    def next(self) -> int:
        ms = int(time.time() * 1000) - DISCORD_EPOCH_MS
        value = (ms << 22) | (1 << 17) | (next(self._counter) & 0xFFF)
        if value <= self._last:
            value = self._last + 1
        self._last = value
        return value


def iso_now() -> str:
    return datetime.datetime.now(datetime.UTC).isoformat()


def user_payload(user_id: int, name: str, *, bot: bool = False, global_name: str | None = None) -> JSON:
    return {
        "id": str(user_id), "username": name, "discriminator": "0", "global_name": global_name,
        "avatar": None, "bot": bot, "system": False, "public_flags": 0, "flags": 0,
        "banner": None, "accent_color": None, "avatar_decoration_data": None,
        "primary_guild": None,
    }


def member_payload(user: JSON, roles: list[int], *, nick: str | None = None) -> JSON:
    return {
        "user": user, "roles": [str(r) for r in roles], "nick": nick, "avatar": None,
        "banner": None, "joined_at": iso_now(), "premium_since": None, "deaf": False,
        "mute": False, "flags": 0, "pending": False, "communication_disabled_until": None,
    }


def role_payload(role_id: int, name: str, *, permissions: int, position: int) -> JSON:
    return {
        "id": str(role_id), "name": name, "color": 0,
        "colors": {"primary_color": 0, "secondary_color": None, "tertiary_color": None},
        "hoist": False, "icon": None, "unicode_emoji": None, "position": position,
        "permissions": str(permissions), "managed": False, "mentionable": False, "flags": 0,
    }


def channel_payload(channel_id: int, guild_id: int, name: str, *, type: int, position: int) -> JSON:
    return {
        "id": str(channel_id), "type": type, "guild_id": str(guild_id), "name": name,
        "position": position, "permission_overwrites": [], "nsfw": False, "parent_id": None,
        "topic": None, "rate_limit_per_user": 0, "last_message_id": None, "flags": 0,
    }


def guild_payload(guild_id: int, name: str, *, owner_id: int, preferred_locale: str) -> JSON:
    return {
        "id": str(guild_id), "name": name, "icon": None, "splash": None,
        "discovery_splash": None, "owner_id": str(owner_id), "afk_channel_id": None,
        "afk_timeout": 300, "verification_level": 0, "default_message_notifications": 1,
        "explicit_content_filter": 0, "features": [], "mfa_level": 0, "application_id": None,
        "system_channel_id": None, "system_channel_flags": 0, "rules_channel_id": None,
        "vanity_url_code": None, "description": None, "banner": None, "premium_tier": 0,
        "premium_subscription_count": 0, "preferred_locale": preferred_locale,
        "public_updates_channel_id": None, "nsfw_level": 0, "premium_progress_bar_enabled": False,
        "safety_alerts_channel_id": None, "emojis": [], "stickers": [], "roles": [],
        "channels": [],
    }


def assign_component_ids(components: list[Any], start: int = 1) -> int:
    """Number components as Discord does, depth first, so ids look like live messages."""
    counter = start
    for component in components:
        if not isinstance(component, dict):
            continue
        component.setdefault("id", counter)
        counter = max(counter, int(component["id"]) if isinstance(component["id"], int) else 0) + 1
        children = list(component.get("components") or [])
        for key in ("accessory", "component"):
            if isinstance(component.get(key), dict):
                children.append(component[key])
        counter = assign_component_ids(children, counter)
    return counter


def walk_components(components: list[Any]) -> list[JSON]:
    """Every component, nested ones included (rows, sections, containers, labels)."""
    found: list[JSON] = []
    for component in components:
        if not isinstance(component, dict):
            continue
        found.append(component)
        children = list(component.get("components") or [])
        for key in ("accessory", "component"):
            if isinstance(component.get(key), dict):
                children.append(component[key])
        found.extend(walk_components(children))
    return found


_T = TypeVar("_T")


def deep(value: _T) -> _T:
    """A copy of a JSON value; several times cheaper than copy.deepcopy, which the fake's
    snapshots of every message and interaction would otherwise spend most of a burst in."""
    if isinstance(value, dict):
        return cast(_T, {key: deep(item) for key, item in value.items()})
    if isinstance(value, list | tuple):
        return cast(_T, [deep(item) for item in value])
    return value
