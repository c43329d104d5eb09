"""Members the harness acts as, and what the bot answered to one interaction."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from bot.fakediscord.records import InteractionRecord, Rejection
from bot.fakediscord.state import (
    JSON,
    MESSAGE_FLAG_EPHEMERAL,
    deep,
    member_payload,
    user_payload,
    walk_components,
)

if TYPE_CHECKING:
    from bot.fakediscord.world import FakeWorld


class HarnessError(Exception):
    """The test asked for something Discord would not let a user do, or the bot never finished."""


@dataclass
class FakeUser:
    """A person clicking in Discord; `permissions` are the resolved ones sent in interactions."""

    id: int
    name: str
    guild_id: int | None
    permissions: int
    roles: list[int] = field(default_factory=list)
    nick: str | None = None
    locale: str = "en-US"

    @property
    def mention(self) -> str:
        return f"<@{self.id}>"

    def user_payload(self) -> JSON:
        return user_payload(self.id, self.name)

    def member_payload(self) -> JSON:
        member = member_payload(self.user_payload(), self.roles, nick=self.nick)
        member["permissions"] = str(self.permissions)
        return member


@dataclass
class Reply:
    """Everything the bot sent for one interaction, snapshotted when its handler finished.

    `message` is the reply as Discord stores it now (the deferred "thinking" message once the
    follow-up filled it, the updated message after a type 7 update); `followups` lists follow-up
    messages (the first one after a defer is that same message, as on Discord).
    """

    interaction: JSON
    callback_type: int | None
    message: JSON | None
    followups: list[JSON]
    edits: list[JSON]
    files: list[tuple[str, bytes]]
    choices: list[JSON] | None
    modal: JSON | None
    rejections: list[Rejection]
    content: str = ""
    embeds: list[JSON] = field(default_factory=list)
    components: list[JSON] = field(default_factory=list)
    flags: int = 0

    @classmethod
    def from_record(cls, record: InteractionRecord, world: FakeWorld) -> Reply:
        message = world.get_message(record.original_id) if record.original_id else None
        followups = [m for m in (world.get_message(i) for i in record.followup_ids) if m]
        reply = cls(
            interaction=deep(record.payload), callback_type=record.callback_type,
            message=deep(message) if message else None, followups=[deep(m) for m in followups],
            edits=[deep(e) for e in record.edits], files=list(record.files),
            choices=deep({"c": record.choices})["c"], modal=deep(record.modal or {}) or None,
            rejections=list(record.rejections),
        )
        if reply.message is not None:
            reply.content = reply.message.get("content") or ""
            reply.embeds = list(reply.message.get("embeds") or [])
            reply.components = list(reply.message.get("components") or [])
            reply.flags = int(reply.message.get("flags") or 0)
        return reply

    @property
    def ephemeral(self) -> bool:
        return bool(self.flags & MESSAGE_FLAG_EPHEMERAL)

    @property
    def user_id(self) -> int | None:
        member = self.interaction.get("member") or {}
        user = member.get("user") or self.interaction.get("user") or {}
        return int(user["id"]) if "id" in user else None

    def messages(self) -> list[JSON]:
        """The reply and its follow-ups, each once."""
        seen: set[str] = set()
        out: list[JSON] = []
        for message in ([self.message] if self.message else []) + self.followups:
            if message["id"] not in seen:
                seen.add(message["id"])
                out.append(message)
        return out

    def text(self) -> str:
        """All human-readable text (content, embeds, text displays) for fragment assertions."""
        parts: list[str] = []
        for message in self.messages():
            parts.append(message.get("content") or "")
            for embed in message.get("embeds") or []:
                parts.extend(str(embed.get(k) or "") for k in ("title", "description"))
                for embed_field in embed.get("fields") or []:
                    parts.extend((str(embed_field.get("name", "")),
                                  str(embed_field.get("value", ""))))
                for key, sub in (("footer", "text"), ("author", "name")):
                    parts.append(str((embed.get(key) or {}).get(sub) or ""))
            for component in walk_components(message.get("components") or []):
                if component.get("type") == 10:
                    parts.append(str(component.get("content") or ""))
        return "\n".join(p for p in parts if p)

    def custom_ids(self) -> list[str]:
        """Buttons and selects the user could use, in display order."""
        return [str(c["custom_id"]) for m in self.messages()
                for c in walk_components(m.get("components") or []) if "custom_id" in c]

    def find_component(self, custom_id: str) -> tuple[JSON, JSON]:
        """(message, component) holding `custom_id`, newest message first."""
        for message in reversed(self.messages()):
            for component in walk_components(message.get("components") or []):
                if component.get("custom_id") == custom_id:
                    return message, component
        raise HarnessError(f"no component {custom_id!r} in this reply; have {self.custom_ids()}")
