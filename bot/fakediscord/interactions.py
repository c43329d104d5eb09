"""Interaction callbacks and follow-up webhooks, with Discord's timing and once-only rules.

These routes carry no bot token (the interaction token is the credential), which is why discord.py
sends them through its webhook adapter, and why their failures are worth faking precisely:
a second callback is 40060, a late one 10062, a follow-up before any callback 10015.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from aiohttp import web

from bot.fakediscord.limits import choices_errors, message_errors, modal_errors
from bot.fakediscord.records import InteractionRecord, Rejection
from bot.fakediscord.responses import json_response
from bot.fakediscord.rest import body_dict, snowflake_param, uploads
from bot.fakediscord.state import (
    JSON,
    MESSAGE_FLAG_EPHEMERAL,
    MESSAGE_FLAG_LOADING,
    DiscordError,
    NotUnderstood,
    deep,
    form_error,
)

if TYPE_CHECKING:
    from bot.fakediscord.records import Upload
    from bot.fakediscord.server import FakeDiscord

API = "/api/v10"
# Interaction type -> callback types Discord accepts for it.
ALLOWED_CALLBACKS = {1: {1}, 2: {4, 5, 9}, 3: {4, 5, 6, 7, 9}, 4: {8}, 5: {4, 5, 6, 7}}
# Flags a bot may set on an interaction message: suppress embeds/notifications, ephemeral, v2.
RESPONSE_FLAGS = 4 | 64 | 4096 | 32768
Step = Callable[[InteractionRecord], Awaitable[web.StreamResponse]]


def _opener_key(user_id: object, custom_id: object) -> tuple[str, str] | None:
    """Crafted payloads may carry anything as ids; only strings can name an opener."""
    if isinstance(user_id, str) and isinstance(custom_id, str):
        return user_id, custom_id
    return None


class Interactions:
    def __init__(self, fake: FakeDiscord) -> None:
        self.fake = fake
        # (user id, modal custom_id) -> the latest interaction that opened that modal for that
        # user: a lookup per submission, where a scan of every interaction made a burst quadratic
        self._openers: dict[tuple[str, str], InteractionRecord] = {}

    async def _guarded(self, record: InteractionRecord, request: web.Request, step: Step
                       ) -> web.StreamResponse:
        """Run `step`, also filing any refusal under the interaction it concerns."""
        try:
            return await step(record)
        except DiscordError as exc:
            path = request.path.removeprefix(API)
            record.rejections.append(Rejection(request.method, path, exc.status, exc.code,
                                               exc.message, exc.errors))
            raise

    # -- callback -------------------------------------------------------------------------------
    async def callback(self, request: web.Request) -> web.StreamResponse:
        record = self.fake.interactions.get(snowflake_param(request, "interaction_id"))
        if record is None or record.token != request.match_info["token"]:
            raise DiscordError(404, 10062, "Unknown interaction")

        async def step(rec: InteractionRecord) -> web.StreamResponse:
            if rec.callback_type is not None:
                raise DiscordError(400, 40060, "Interaction has already been acknowledged.")
            if time.monotonic() - rec.created > self.fake.interaction_deadline:
                raise DiscordError(404, 10062, "Unknown interaction")
            body = body_dict()
            kind = body.get("type")
            data = body.get("data") or {}
            if kind not in ALLOWED_CALLBACKS.get(rec.type, set()) or not isinstance(data, dict):
                raise form_error({"type": {"_errors": [{
                    "code": "INTERACTION_RESPONSE_TYPE_INVALID",
                    "message": f"Callback type {kind!r} is not valid for interaction type "
                               f"{rec.type}"}]}})
            message = self._respond(rec, int(kind), data, request)
            rec.callback_type = int(kind)
            rec.callback = deep(body)
            rec.callback_at = time.monotonic()
            rec.acknowledged.set()
            if request.query.get("with_response", "").lower() not in ("1", "true"):
                return web.Response(status=204)
            return json_response(self._callback_response(rec, int(kind), message))

        return await self._guarded(record, request, step)

    def _respond(self, rec: InteractionRecord, kind: int, data: JSON, request: web.Request
                 ) -> JSON | None:
        files = uploads()
        if kind in (4, 7):
            errors = message_errors(data)
            if errors:
                raise form_error({"data": errors})
        if kind == 4:
            flags = int(data.get("flags") or 0) & RESPONSE_FLAGS
            message = self._create(rec, data, files, flags=flags)
            rec.original_id = int(message["id"])
            rec.files.extend(self.fake.uploaded(message, []))
            return message
        if kind == 5:
            flags = MESSAGE_FLAG_LOADING | (int(data.get("flags") or 0) & MESSAGE_FLAG_EPHEMERAL)
            message = self._create(rec, {}, [], flags=flags, allow_empty=True)
            rec.original_id = int(message["id"])
            rec.loading = True
            return message
        if kind in (6, 7):
            source = self._source_message(rec)
            rec.original_id = int(source["id"])
            if kind == 6:
                return None
            before = list(source["attachments"])
            self.fake.edit_message(source, data, files)
            rec.files.extend(self.fake.uploaded(source, before))
            rec.edits.append(deep(source))
            return source
        if kind == 8:
            errors = choices_errors(data)
            if errors:
                raise form_error({"data": errors})
            rec.choices = deep(data.get("choices") or [])
            return None
        if kind == 9:
            errors = modal_errors(data)
            if errors:
                raise form_error({"data": errors})
            rec.modal = deep(data)
            key = _opener_key(rec.user.get("id"), rec.modal.get("custom_id"))
            if rec.type != 5 and key is not None:
                self._openers[key] = rec
            return None
        return None  # kind 1: PONG

    def _source_message(self, rec: InteractionRecord) -> JSON:
        source_id = rec.source_message_id
        message = self.fake.get_message(source_id) if source_id is not None else None
        if message is None:
            raise DiscordError(404, 10008, "Unknown Message")
        return message

    def _metadata(self, rec: InteractionRecord) -> JSON:
        """`interaction_metadata` of a message the interaction created, as Discord builds it."""
        metadata: JSON = {
            "id": str(rec.id), "type": rec.type, "user": rec.user,
            "authorizing_integration_owners": rec.payload.get("authorizing_integration_owners")
            or {},
        }
        if rec.type == 2:
            metadata["name"] = (rec.payload.get("data") or {}).get("name")
            metadata["command_type"] = (rec.payload.get("data") or {}).get("type", 1)
        if rec.source_message_id is not None:
            metadata["interacted_message_id"] = str(rec.source_message_id)
        if rec.type == 5:
            opener = self._modal_opener(rec)
            # A submit crafted without its opener (tests of forged input) still gets the field
            # Discord always sends: the metadata of a command that could have opened it.
            metadata["triggering_interaction_metadata"] = (
                self._metadata(opener) if opener is not None else
                {"id": str(self.fake.snowflake()), "type": 2, "user": rec.user,
                 "authorizing_integration_owners": metadata["authorizing_integration_owners"]})
        return metadata

    def _modal_opener(self, rec: InteractionRecord) -> InteractionRecord | None:
        """The latest interaction of the same user that opened the modal `rec` submits."""
        key = _opener_key(rec.user.get("id"), (rec.payload.get("data") or {}).get("custom_id"))
        return self._openers.get(key) if key is not None else None

    def _create(self, rec: InteractionRecord, data: JSON, files: list[Upload], *, flags: int,
                allow_empty: bool = False) -> JSON:
        metadata = self._metadata(rec)
        channel_id = rec.channel_id
        if channel_id is None:
            raise NotUnderstood("interaction without a channel: nowhere to put the reply")
        return self.fake.create_message(
            channel_id, data, files, flags=flags, type=20 if rec.type == 2 else 0,
            webhook_id=self.fake.application_id, interaction=metadata, allow_empty=allow_empty,
            guild_id=rec.guild_id)

    @staticmethod
    def _callback_response(rec: InteractionRecord, kind: int, message: JSON | None) -> JSON:
        interaction: JSON = {"id": str(rec.id), "type": rec.type}
        out: JSON = {"interaction": interaction}
        if message is not None:
            interaction["response_message_id"] = message["id"]
            interaction["response_message_loading"] = bool(message["flags"] & MESSAGE_FLAG_LOADING)
            interaction["response_message_ephemeral"] = bool(
                message["flags"] & MESSAGE_FLAG_EPHEMERAL)
        # Discord describes a `resource` only for a message sent (4) or updated (7).
        if message is not None and kind in (4, 7):
            out["resource"] = {"type": kind, "message": deep(message)}
        return out

    # -- follow-ups -----------------------------------------------------------------------------
    def _webhook_record(self, request: web.Request) -> InteractionRecord:
        if snowflake_param(request, "application_id") != self.fake.application_id:
            raise DiscordError(404, 10015, "Unknown Webhook")
        record = self.fake.interaction_by_token(request.match_info["token"])
        if record is None:
            raise DiscordError(404, 10015, "Unknown Webhook")
        if time.monotonic() - record.created > self.fake.token_lifetime:
            raise DiscordError(401, 50027, "Invalid Webhook Token")
        if record.callback_type is None:
            raise DiscordError(404, 10015, "Unknown Webhook")
        return record

    def _owned_message(self, rec: InteractionRecord, request: web.Request) -> JSON:
        key = request.match_info["message_id"]
        message_id = rec.original_id if key == "@original" else (
            int(key) if key.isdigit() else None)
        if message_id is None or (key != "@original" and message_id != rec.original_id
                                  and message_id not in rec.followup_ids):
            raise DiscordError(404, 10008, "Unknown Message")
        return self._owned_message_by_id(message_id)

    async def followup(self, request: web.Request) -> web.StreamResponse:
        record = self._webhook_record(request)

        async def step(rec: InteractionRecord) -> web.StreamResponse:
            data = body_dict()
            errors = message_errors(data)
            if errors:
                raise form_error(errors)
            files = uploads()
            if rec.loading and rec.original_id is not None:
                # Discord turns the first follow-up after a defer into the deferred reply.
                message = self._owned_message_by_id(rec.original_id)
                before = list(message["attachments"])
                self.fake.edit_message(message, data, files)
                message["flags"] &= ~MESSAGE_FLAG_LOADING
                message["edited_timestamp"] = None
                rec.loading = False
            else:
                before = []
                flags = int(data.get("flags") or 0) & RESPONSE_FLAGS
                message = self._create(rec, data, files, flags=flags)
            rec.followup_ids.append(int(message["id"]))
            rec.files.extend(self.fake.uploaded(message, before))
            if request.query.get("wait", "").lower() not in ("1", "true"):
                return web.Response(status=204)
            return json_response(message)

        return await self._guarded(record, request, step)

    def _owned_message_by_id(self, message_id: int) -> JSON:
        message = self.fake.get_message(message_id)
        if message is None:
            raise DiscordError(404, 10008, "Unknown Message")
        return message

    async def get_message(self, request: web.Request) -> web.StreamResponse:
        record = self._webhook_record(request)

        async def step(rec: InteractionRecord) -> web.StreamResponse:
            return json_response(self._owned_message(rec, request))

        return await self._guarded(record, request, step)

    async def edit_message(self, request: web.Request) -> web.StreamResponse:
        record = self._webhook_record(request)

        async def step(rec: InteractionRecord) -> web.StreamResponse:
            message = self._owned_message(rec, request)
            data = body_dict()
            errors = message_errors(data)
            if errors:
                raise form_error(errors)
            before = list(message["attachments"])
            self.fake.edit_message(message, data, uploads())
            if int(message["id"]) == rec.original_id and rec.loading:
                message["flags"] &= ~MESSAGE_FLAG_LOADING
                rec.loading = False
            rec.files.extend(self.fake.uploaded(message, before))
            rec.edits.append(deep(message))
            return json_response(message)

        return await self._guarded(record, request, step)

    async def delete_message(self, request: web.Request) -> web.StreamResponse:
        record = self._webhook_record(request)

        async def step(rec: InteractionRecord) -> web.StreamResponse:
            self.fake.delete_message(self._owned_message(rec, request))
            return web.Response(status=204)

        return await self._guarded(record, request, step)


def add_routes(router: web.UrlDispatcher, fake: FakeDiscord) -> None:
    handlers = Interactions(fake)
    router.add_post(API + "/interactions/{interaction_id}/{token}/callback", handlers.callback)
    webhook = API + "/webhooks/{application_id}/{token}"
    router.add_post(webhook, handlers.followup)
    router.add_get(webhook + "/messages/{message_id}", handlers.get_message)
    router.add_patch(webhook + "/messages/{message_id}", handlers.edit_message)
    router.add_delete(webhook + "/messages/{message_id}", handlers.delete_message)
