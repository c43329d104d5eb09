"""What the fake remembers about traffic, kept as small typed records tests can assert on."""

from __future__ import annotations

import asyncio
import contextvars
import re
import time
from dataclasses import dataclass, field
from typing import Any

from bot.fakediscord.state import JSON


@dataclass(frozen=True)
class Upload:
    """One `files[n]` part of a multipart body."""

    field: str
    filename: str
    content: bytes
    content_type: str

    @property
    def index(self) -> int | None:
        match = re.fullmatch(r"files\[(\d+)\]", self.field)
        return int(match.group(1)) if match else None


@dataclass
class RecordedRequest:
    """A REST request as the bot sent it; `json` is the body or the parsed `payload_json`."""

    method: str
    path: str
    query: dict[str, str]
    json: Any
    files: list[tuple[str, bytes]]
    status: int = 0
    injected: bool = False


@dataclass(frozen=True)
class Rejection:
    """A refusal Discord would also have sent; tests that provoke one assert on it here."""

    method: str
    path: str
    status: int
    code: int
    message: str
    errors: JSON | None = None


@dataclass
class Injection:
    """A scripted failure from `FakeDiscord.fail_next`."""

    method: str
    pattern: re.Pattern[str]
    status: int
    body: JSON | None
    headers: dict[str, str]
    times: int


@dataclass
class InteractionRecord:
    """One interaction and everything the bot did with it, keyed by the interaction's token.

    `loading` is true between a deferred (type 5) callback and the first follow-up or edit,
    because Discord turns that first follow-up into an edit of the "thinking" message.
    `sent_at` (the INTERACTION_CREATE frame first left the gateway socket) and `callback_at` (the
    callback was accepted) are `time.monotonic()` readings, for benchmarks of response time.
    """

    id: int
    token: str
    type: int
    payload: JSON
    created: float = field(default_factory=time.monotonic)
    sent_at: float | None = None
    callback_at: float | None = None
    callback_type: int | None = None
    callback: JSON | None = None
    original_id: int | None = None
    loading: bool = False
    followup_ids: list[int] = field(default_factory=list)
    edits: list[JSON] = field(default_factory=list)
    files: list[tuple[str, bytes]] = field(default_factory=list)
    choices: list[JSON] | None = None
    modal: JSON | None = None
    rejections: list[Rejection] = field(default_factory=list)
    acknowledged: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def guild_id(self) -> int | None:
        value = self.payload.get("guild_id")
        return int(value) if value is not None else None

    @property
    def channel_id(self) -> int | None:
        channel = self.payload.get("channel") or {}
        value = self.payload.get("channel_id") or channel.get("id")
        return int(value) if value is not None else None

    @property
    def source_message_id(self) -> int | None:
        """The message a button, select or modal-from-a-button interaction came from."""
        message = self.payload.get("message")
        return int(message["id"]) if isinstance(message, dict) and "id" in message else None

    @property
    def user(self) -> JSON:
        member = self.payload.get("member")
        if isinstance(member, dict) and isinstance(member.get("user"), dict):
            return dict(member["user"])
        user = self.payload.get("user")
        return dict(user) if isinstance(user, dict) else {}


@dataclass
class Incoming:
    """The request being handled: its JSON body (or multipart `payload_json`) and files.

    `checked` turns true once a handler has held the body to Discord's API description, so the
    fake can tell when a route took a body without looking at it.
    """

    method: str
    path: str
    json: Any
    uploads: list[Upload]
    checked: bool = False


# The middleware reads the body once (to record it) and handlers run in the same task. A context
# variable works with every aiohttp 3.x, unlike request storage keys.
current_body: contextvars.ContextVar[Incoming | None] = contextvars.ContextVar(
    "fakediscord_body", default=None)
