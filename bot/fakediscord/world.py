"""The fake's model of Discord: servers, channels, roles, members, messages and commands.

It is separate from the HTTP and gateway plumbing so tests and the console can build a world
before anything listens, and so every change is announced the same way (`emit`) whether the bot
is on a websocket or fed by the harness.
"""

from __future__ import annotations

import mimetypes
import secrets
import time
from typing import Any

from bot.fakediscord.records import Upload
from bot.fakediscord.state import (
    CHANNEL_ANNOUNCEMENT,
    CHANNEL_TEXT,
    DEFAULT_MEMBER_PERMISSIONS,
    INTENT_GUILD_MESSAGES,
    INTENT_GUILDS,
    JSON,
    MESSAGE_FLAG_EPHEMERAL,
    DiscordError,
    Snowflakes,
    assign_component_ids,
    channel_payload,
    deep,
    guild_payload,
    iso_now,
    member_payload,
    role_payload,
    user_payload,
)

EDITABLE_FIELDS = ("content", "embeds", "components", "allowed_mentions", "poll")


class FakeWorld:
    """State only; `FakeDiscord` adds the server around it."""

    def __init__(self, *, application_id: int | None = None, bot_name: str = "Coalition Bot",
                 nonce_window: float = 120.0) -> None:
        self.snowflakes = Snowflakes()
        self.application_id: int = application_id or self.snowflake()
        # Modern applications share their id with their bot user.
        self.bot_user: JSON = user_payload(self.application_id, bot_name, bot=True)
        self.guilds: dict[int, JSON] = {}
        self.members: dict[int, dict[int, JSON]] = {}
        self.messages: dict[int, list[JSON]] = {}
        self.deleted_channels: set[int] = set()
        self.commands: dict[int | None, list[JSON]] = {}
        self.sync_count = 0
        self.attachments: dict[int, tuple[str, bytes]] = {}
        self.nonce_window = nonce_window
        self._message_index: dict[int, JSON] = {}
        self._nonces: dict[tuple[int, str], tuple[float, int]] = {}

    # -- hooks filled in by FakeDiscord ---------------------------------------------------------
    def emit(self, event: str, data: JSON, *, intent: int = INTENT_GUILDS) -> None:
        """Announce a change to whoever listens (gateway sessions, the harness)."""

    @property
    def base_url(self) -> str:
        return "http://127.0.0.1"

    # -- ids ------------------------------------------------------------------------------------
    def snowflake(self) -> int:
        return self.snowflakes.next()

    @staticmethod
    def new_token() -> str:
        return "aW50ZXJhY3Rpb246" + secrets.token_urlsafe(48)

    # -- servers --------------------------------------------------------------------------------
    def add_guild(self, name: str = "Test Server", preferred_locale: str = "en-US", *,
                  owner_id: int | None = None, guild_id: int | None = None) -> int:
        """A fixed `guild_id` lets the console find its data again in the next session."""
        guild_id = guild_id or self.snowflake()
        guild = guild_payload(guild_id, name, owner_id=owner_id or self.snowflake(),
                              preferred_locale=preferred_locale)
        guild["roles"].append(role_payload(guild_id, "@everyone",
                                           permissions=DEFAULT_MEMBER_PERMISSIONS, position=0))
        self.guilds[guild_id] = guild
        self.members[guild_id] = {}
        self.emit("GUILD_CREATE", self.guild_create_payload(guild_id))
        return guild_id

    def guild(self, guild_id: int) -> JSON:
        try:
            return self.guilds[int(guild_id)]
        except KeyError:
            raise DiscordError(404, 10004, "Unknown Guild") from None

    def add_channel(self, guild_id: int, name: str, type: int = CHANNEL_TEXT, *,
                    channel_id: int | None = None) -> int:
        """A fixed `channel_id` keeps settings that name the channel valid across sessions."""
        if type not in (CHANNEL_TEXT, CHANNEL_ANNOUNCEMENT):
            raise ValueError("the fake models text (0) and announcement (5) channels")
        guild = self.guild(guild_id)
        channel_id = channel_id or self.snowflake()
        channel = channel_payload(channel_id, guild_id, name, type=type,
                                  position=len(guild["channels"]))
        guild["channels"].append(channel)
        self.messages[channel_id] = []
        self.emit("CHANNEL_CREATE", deep(channel))
        return channel_id

    def add_role(self, guild_id: int, name: str, permissions: int = 0, *,
                 role_id: int | None = None) -> int:
        guild = self.guild(guild_id)
        role_id = role_id or self.snowflake()
        role = role_payload(role_id, name, permissions=permissions, position=len(guild["roles"]))
        guild["roles"].append(role)
        self.emit("GUILD_ROLE_CREATE", {"guild_id": str(guild_id), "role": deep(role)})
        return role_id

    def add_member(self, guild_id: int, name: str, *, user_id: int | None = None,
                   roles: list[int] | tuple[int, ...] = (), nick: str | None = None,
                   bot: bool = False) -> JSON:
        """A member the fake knows, so user/member options can be resolved like Discord does."""
        self.guild(guild_id)
        uid = user_id or self.snowflake()
        member = member_payload(user_payload(uid, name, bot=bot), list(roles), nick=nick)
        self.members[int(guild_id)][uid] = member
        return member

    def delete_channel(self, channel_id: int) -> None:
        guild_id = self.guild_of_channel(channel_id)
        guild = self.guild(guild_id)
        channel = self.channel(channel_id)
        guild["channels"] = [c for c in guild["channels"] if int(c["id"]) != int(channel_id)]
        self.deleted_channels.add(int(channel_id))
        self.emit("CHANNEL_DELETE", deep(channel))

    def channel(self, channel_id: int) -> JSON:
        for guild in self.guilds.values():
            for channel in guild["channels"]:
                if int(channel["id"]) == int(channel_id):
                    return dict(channel)
        raise DiscordError(404, 10003, "Unknown Channel")

    def guild_of_channel(self, channel_id: int) -> int:
        return int(self.channel(channel_id)["guild_id"])

    def role(self, guild_id: int, role_id: int) -> JSON:
        for role in self.guild(guild_id)["roles"]:
            if int(role["id"]) == int(role_id):
                return dict(role)
        raise DiscordError(404, 10011, "Unknown Role")

    # -- gateway payloads -----------------------------------------------------------------------
    def ready_payload(self, session_id: str, resume_url: str) -> JSON:
        return {
            "v": 10, "user": deep(self.bot_user), "session_id": session_id,
            "session_type": "normal", "resume_gateway_url": resume_url,
            "application": {"id": str(self.application_id), "flags": 0},
            "guilds": [{"id": str(g), "unavailable": True} for g in self.guilds],
            "private_channels": [], "relationships": [], "user_settings": {},
            "_trace": ["fakediscord"],
        }

    def guild_create_payload(self, guild_id: int) -> JSON:
        """As sent without the members intent: only the bot's own member is listed."""
        data = deep(self.guild(guild_id))
        for channel in data["channels"]:
            channel.pop("guild_id", None)
        me = member_payload(deep(self.bot_user), [])
        data.update({
            "unavailable": False, "large": False, "member_count": len(self.members[guild_id]) + 1,
            "joined_at": me["joined_at"], "members": [me], "voice_states": [], "presences": [],
            "threads": [], "stage_instances": [], "guild_scheduled_events": [],
            "soundboard_sounds": [], "embedded_activities": [], "lazy": True,
        })
        return data

    # -- messages -------------------------------------------------------------------------------
    def get_message(self, message_id: int) -> JSON | None:
        return self._message_index.get(int(message_id))

    def channel_message(self, channel_id: int, message_id: int) -> JSON:
        self.writable_channel(channel_id)
        message = self.get_message(message_id)
        if (message is None or int(message["channel_id"]) != int(channel_id)
                or message["flags"] & MESSAGE_FLAG_EPHEMERAL):
            raise DiscordError(404, 10008, "Unknown Message")
        return message

    def writable_channel(self, channel_id: int) -> JSON:
        if int(channel_id) in self.deleted_channels:
            raise DiscordError(404, 10003, "Unknown Channel")
        return self.channel(channel_id)

    def nonce_hit(self, channel_id: int, nonce: str) -> JSON | None:
        """Discord returns the original message when an enforced nonce repeats shortly after."""
        hit = self._nonces.get((int(channel_id), nonce))
        if hit is None or time.monotonic() - hit[0] > self.nonce_window:
            return None
        return self.get_message(hit[1])

    def create_message(self, channel_id: int, data: JSON, uploads: list[Upload], *, flags: int,
                       type: int = 0, webhook_id: int | None = None,
                       interaction: JSON | None = None, allow_empty: bool = False,
                       guild_id: int | None = None) -> JSON:
        """Store a new message; interaction replies may land in channels the fake does not model
        (a DM, a hand-crafted payload), bot posts may not."""
        try:
            guild = self.writable_channel(channel_id)["guild_id"]
        except DiscordError:
            if webhook_id is None or int(channel_id) in self.deleted_channels:
                raise
            guild = None if guild_id is None else str(guild_id)
        message_id = self.snowflake()
        message: JSON = {
            "id": str(message_id), "channel_id": str(channel_id),
            "guild_id": guild, "type": type, "author": deep(self.bot_user),
            "content": "", "embeds": [], "components": [], "attachments": [], "mentions": [],
            "mention_roles": [], "mention_everyone": False, "pinned": False, "tts": False,
            "timestamp": iso_now(), "edited_timestamp": None, "flags": flags,
            "reactions": [], "sticker_items": [],
        }
        if webhook_id is not None:
            message["webhook_id"] = str(webhook_id)
            message["application_id"] = str(self.application_id)
        if interaction is not None:
            message["interaction_metadata"] = interaction
        if data.get("nonce") is not None:
            message["nonce"] = str(data["nonce"])
        self._apply(message, data, uploads, new=True, allow_empty=allow_empty)
        self._message_index[message_id] = message
        if data.get("nonce") is not None and data.get("enforce_nonce"):
            self._nonces[(int(channel_id), str(data["nonce"]))] = (time.monotonic(), message_id)
        if not flags & MESSAGE_FLAG_EPHEMERAL:
            self.messages.setdefault(int(channel_id), []).append(message)
            self.emit("MESSAGE_CREATE", deep(message), intent=INTENT_GUILD_MESSAGES)
        return message

    def edit_message(self, message: JSON, data: JSON, uploads: list[Upload]) -> JSON:
        self._apply(message, data, uploads, new=False)
        message["edited_timestamp"] = iso_now()
        if not message["flags"] & MESSAGE_FLAG_EPHEMERAL:
            self.emit("MESSAGE_UPDATE", deep(message), intent=INTENT_GUILD_MESSAGES)
        return message

    def delete_message(self, message: JSON) -> None:
        message_id = int(message["id"])
        self._message_index.pop(message_id, None)
        channel_list = self.messages.get(int(message["channel_id"]), [])
        self.messages[int(message["channel_id"])] = [
            m for m in channel_list if int(m["id"]) != message_id
        ]
        message["deleted"] = True
        if not message["flags"] & MESSAGE_FLAG_EPHEMERAL:
            self.emit("MESSAGE_DELETE", {"id": str(message_id), "channel_id": message["channel_id"],
                                         "guild_id": message.get("guild_id")},
                      intent=INTENT_GUILD_MESSAGES)

    def _apply(self, message: JSON, data: JSON, uploads: list[Upload], *, new: bool,
               allow_empty: bool = False) -> None:
        for key in EDITABLE_FIELDS:
            if key in data:
                message[key] = deep({"v": data[key]})["v"]
        if message.get("content") is None:
            message["content"] = ""
        if message.get("embeds") is None:
            message["embeds"] = []
        if message.get("components") is None:
            message["components"] = []
        assign_component_ids(message["components"])
        if "flags" in data and not new and data["flags"] is not None:
            keep = message["flags"] & ~(4 | (1 << 15))
            message["flags"] = keep | (int(data["flags"]) & (4 | (1 << 15)))
        message["attachments"] = self._attachments(message, data, uploads)
        if not allow_empty and not (message["content"] or message["embeds"]
                                    or message["components"] or message["attachments"]
                                    or message.get("poll")):
            raise DiscordError(400, 50006, "Cannot send an empty message")

    def _attachments(self, message: JSON, data: JSON, uploads: list[Upload]) -> list[JSON]:
        by_index = {u.index: u for u in uploads if u.index is not None}
        existing = {a["id"]: a for a in message.get("attachments", [])}
        wanted = data.get("attachments")
        if wanted is None:
            wanted = [{"id": i} for i in sorted(by_index)]
            kept = list(existing.values())
        else:
            kept = []
        out = list(kept)
        for entry in wanted:
            key = entry.get("id") if isinstance(entry, dict) else None
            if str(key) in existing:
                out.append(existing[str(key)])
                continue
            upload = by_index.get(int(str(key))) if str(key).isdigit() else None
            if upload is None:
                raise DiscordError(400, 50035, "Invalid Form Body", {
                    "attachments": {"_errors": [{"code": "ATTACHMENT_NOT_FOUND",
                                                 "message": f"Unknown attachment {key}"}]}})
            out.append(self._store_attachment(message, upload, entry))
        return out

    def _store_attachment(self, message: JSON, upload: Upload, entry: JSON) -> JSON:
        attachment_id = self.snowflake()
        filename = str(entry.get("filename") or upload.filename)
        self.attachments[attachment_id] = (filename, upload.content)
        url = f"{self.base_url}/attachments/{message['channel_id']}/{attachment_id}/{filename}"
        content_type = mimetypes.guess_type(filename)[0] or "application/octet-stream"
        out: JSON = {
            "id": str(attachment_id), "filename": filename, "size": len(upload.content),
            "url": url, "proxy_url": url, "content_type": content_type,
        }
        if entry.get("description"):
            out["description"] = entry["description"]
        if message["flags"] & MESSAGE_FLAG_EPHEMERAL:
            out["ephemeral"] = True
        return out

    def uploaded(self, message: JSON, before: list[JSON]) -> list[tuple[str, bytes]]:
        """The files newly attached to `message` compared with its `before` attachment list."""
        old = {a["id"] for a in before}
        return [self.attachments[int(a["id"])] for a in message["attachments"]
                if a["id"] not in old]

    def store_commands(self, guild_id: int | None, payload: list[JSON]) -> list[JSON]:
        """Keep ids stable per (type, name), as Discord does for bulk overwrites."""
        previous = {(c.get("type", 1), c["name"]): c["id"] for c in self.commands.get(guild_id, [])}
        stored: list[JSON] = []
        for command in payload:
            data: dict[str, Any] = deep(command)
            key = (data.get("type", 1), data["name"])
            data["id"] = previous.get(key) or str(self.snowflake())
            data["application_id"] = str(self.application_id)
            data["version"] = str(self.snowflake())
            data.setdefault("type", 1)
            data.setdefault("description", "")
            data.setdefault("nsfw", False)
            if data.get("integration_types") is None:
                data["integration_types"] = [0]  # Discord's default: installable on servers
            perms = data.get("default_member_permissions")
            data["default_member_permissions"] = None if perms is None else str(perms)
            if guild_id is not None:
                data["guild_id"] = str(guild_id)
            stored.append(data)
        self.commands[guild_id] = stored
        self.sync_count += 1
        return stored
