"""REST routes authenticated with the bot token: identity, channels, messages, commands.

Interaction callbacks and webhook follow-ups (token-authenticated) live in `interactions.py`.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from aiohttp import web

from bot.fakediscord import openapi
from bot.fakediscord.limits import message_errors
from bot.fakediscord.records import Incoming, current_body
from bot.fakediscord.responses import json_response
from bot.fakediscord.state import (
    CHANNEL_ANNOUNCEMENT,
    JSON,
    MESSAGE_FLAG_CROSSPOSTED,
    DiscordError,
    NotUnderstood,
    deep,
    form_error,
)
from bot.fakediscord.validation import bulk_command_errors

if TYPE_CHECKING:
    from bot.fakediscord.records import Upload
    from bot.fakediscord.server import FakeDiscord

API = "/api/v10"
# Flags a bot may set on a channel message (suppress embeds/notifications, voice, components v2).
CHANNEL_MESSAGE_FLAGS = 4 | 4096 | 8192 | 32768


def snowflake_param(request: web.Request, name: str) -> int:
    value = request.match_info[name]
    if not value.isdigit():
        raise NotUnderstood(f"{name}={value!r} is not a snowflake")
    return int(value)


def _incoming() -> Incoming:
    incoming = current_body.get()
    if incoming is None:
        raise NotUnderstood("no request body was read for this handler")
    return incoming


def request_json() -> Any:
    """The body, once it passed the route's request schema in Discord's API description.

    A body that does not is refused as Discord refuses it (400/50035, errors by field); the
    message names the route, the field and the schema rule (see `openapi_errors`).
    """
    incoming = _incoming()
    incoming.checked = True
    op = openapi.operation(incoming.method, incoming.path)
    if op is None:
        raise NotUnderstood(f"{incoming.method} {incoming.path} is not in Discord's API "
                            "description")
    errors = openapi.request_errors(op, incoming.json)
    if errors:
        raise form_error(errors)
    return incoming.json


def body_dict() -> JSON:
    body = request_json()
    if not isinstance(body, dict):
        raise NotUnderstood(f"expected a JSON object body, got {type(body).__name__}")
    return body


def uploads() -> list[Upload]:
    return _incoming().uploads


class Rest:
    """Handlers bound to one fake; each raises `DiscordError` where Discord would refuse."""

    def __init__(self, fake: FakeDiscord) -> None:
        self.fake = fake

    def auth(self, request: web.Request) -> None:
        header = request.headers.get("Authorization", "")
        token = header.removeprefix("Bot ")
        if not header.startswith("Bot ") or (self.fake.token is not None
                                             and token != self.fake.token):
            raise DiscordError(401, 0, "401: Unauthorized")

    def app_id(self, request: web.Request) -> None:
        if snowflake_param(request, "application_id") != self.fake.application_id:
            raise DiscordError(403, 50001, "Missing Access")

    # -- identity -------------------------------------------------------------------------------
    async def me(self, request: web.Request) -> web.StreamResponse:
        self.auth(request)
        return json_response({**self.fake.bot_user, "mfa_enabled": False, "locale": "en-US"})

    async def application(self, request: web.Request) -> web.StreamResponse:
        self.auth(request)
        fake = self.fake
        return json_response({
            "id": str(fake.application_id), "name": fake.bot_user["username"], "icon": None,
            "description": "", "summary": "", "type": None, "bot_public": False,
            "bot_require_code_grant": False, "owner": deep(fake.bot_user), "team": None,
            "verify_key": "0" * 64, "flags": 0, "flags_new": "0", "bot": deep(fake.bot_user),
            "interactions_endpoint_url": None, "role_connections_verification_url": None,
            "redirect_uris": [], "tags": [], "approximate_guild_count": len(fake.guilds),
            "approximate_user_install_count": 0, "approximate_user_authorization_count": 0,
            "explicit_content_filter": 0, "eligible_oauth2_scopes": ["bot", "applications.commands"],
        })

    async def gateway(self, request: web.Request) -> web.StreamResponse:
        data: JSON = {"url": self.fake.gateway_url}
        if request.path.endswith("/bot"):
            self.auth(request)
            data.update(shards=1, session_start_limit={
                "total": 1000, "remaining": 999, "reset_after": 0, "max_concurrency": 1})
        return json_response(data)

    # -- channels and messages ------------------------------------------------------------------
    async def get_channel(self, request: web.Request) -> web.StreamResponse:
        self.auth(request)
        return json_response(self.fake.writable_channel(snowflake_param(request, "channel_id")))

    async def history(self, request: web.Request) -> web.StreamResponse:
        self.auth(request)
        channel_id = snowflake_param(request, "channel_id")
        self.fake.writable_channel(channel_id)
        limit = int(request.query.get("limit", "50"))
        found = list(self.fake.messages.get(channel_id, []))
        if "before" in request.query:
            found = [m for m in found if int(m["id"]) < int(request.query["before"])]
        if "after" in request.query:
            found = [m for m in found if int(m["id"]) > int(request.query["after"])]
        found.reverse()
        return json_response(found[:limit])

    async def post_message(self, request: web.Request) -> web.StreamResponse:
        self.auth(request)
        channel_id = snowflake_param(request, "channel_id")
        data = body_dict()
        self.fake.writable_channel(channel_id)
        errors = message_errors(data)
        if errors:
            raise form_error(errors)
        latency = self.fake.channel_latency.get(channel_id, 0.0)
        if latency:
            await asyncio.sleep(latency)
        if data.get("nonce") is not None and data.get("enforce_nonce"):
            original = self.fake.nonce_hit(channel_id, str(data["nonce"]))
            if original is not None:
                return json_response(original)
        flags = int(data.get("flags") or 0) & CHANNEL_MESSAGE_FLAGS
        kind = 19 if data.get("message_reference") else 0
        message = self.fake.create_message(channel_id, data, uploads(), flags=flags,
                                           type=kind)
        return json_response(message)

    async def get_message(self, request: web.Request) -> web.StreamResponse:
        self.auth(request)
        return json_response(self._message(request))

    async def edit_message(self, request: web.Request) -> web.StreamResponse:
        self.auth(request)
        message = self._message(request)
        if message["author"]["id"] != self.fake.bot_user["id"]:
            raise DiscordError(403, 50005, "Cannot edit a message authored by another user")
        data = body_dict()
        errors = message_errors(data)
        if errors:
            raise form_error(errors)
        return json_response(self.fake.edit_message(message, data, uploads()))

    async def delete_message(self, request: web.Request) -> web.StreamResponse:
        self.auth(request)
        self.fake.delete_message(self._message(request))
        return web.Response(status=204)

    async def crosspost(self, request: web.Request) -> web.StreamResponse:
        self.auth(request)
        message = self._message(request)
        channel = self.fake.channel(int(message["channel_id"]))
        if channel["type"] != CHANNEL_ANNOUNCEMENT:
            raise DiscordError(400, 50024, "Cannot execute action on this channel type")
        if message["flags"] & MESSAGE_FLAG_CROSSPOSTED:
            raise DiscordError(400, 40033, "This message has already been crossposted.")
        message["flags"] |= MESSAGE_FLAG_CROSSPOSTED
        return json_response(message)

    def _message(self, request: web.Request) -> JSON:
        return self.fake.channel_message(snowflake_param(request, "channel_id"),
                                         snowflake_param(request, "message_id"))

    # -- application commands -------------------------------------------------------------------
    def _scope(self, request: web.Request) -> int | None:
        self.auth(request)
        self.app_id(request)
        if "guild_id" not in request.match_info:
            return None
        guild_id = snowflake_param(request, "guild_id")
        if guild_id not in self.fake.guilds:
            raise DiscordError(403, 50001, "Missing Access")
        return guild_id

    async def get_commands(self, request: web.Request) -> web.StreamResponse:
        return json_response(self.fake.commands.get(self._scope(request), []))

    async def get_command(self, request: web.Request) -> web.StreamResponse:
        wanted = request.match_info["command_id"]
        for command in self.fake.commands.get(self._scope(request), []):
            if command["id"] == wanted:
                return json_response(command)
        raise DiscordError(404, 10063, "Unknown application command")

    async def put_commands(self, request: web.Request) -> web.StreamResponse:
        scope = self._scope(request)
        payload: Any = request_json()
        errors = bulk_command_errors(payload)
        if errors:
            raise form_error(errors)
        return json_response(self.fake.store_commands(scope, payload))

    # -- files ----------------------------------------------------------------------------------
    async def attachment(self, request: web.Request) -> web.StreamResponse:
        stored = self.fake.attachments.get(snowflake_param(request, "attachment_id"))
        if stored is None:
            raise DiscordError(404, 0, "404: Not Found")
        return web.Response(body=stored[1], content_type="application/octet-stream")


def add_routes(router: web.UrlDispatcher, fake: FakeDiscord) -> None:
    rest = Rest(fake)
    channel = API + "/channels/{channel_id}"
    message = channel + "/messages/{message_id}"
    commands = API + "/applications/{application_id}/commands"
    guild_commands = API + "/applications/{application_id}/guilds/{guild_id}/commands"
    router.add_get(API + "/users/@me", rest.me)
    router.add_get(API + "/oauth2/applications/@me", rest.application)
    router.add_get(API + "/gateway", rest.gateway)
    router.add_get(API + "/gateway/bot", rest.gateway)
    router.add_get(channel, rest.get_channel)
    router.add_get(channel + "/messages", rest.history)
    router.add_post(channel + "/messages", rest.post_message)
    router.add_get(message, rest.get_message)
    router.add_patch(message, rest.edit_message)
    router.add_delete(message, rest.delete_message)
    router.add_post(message + "/crosspost", rest.crosspost)
    for base in (commands, guild_commands):
        router.add_get(base, rest.get_commands)
        router.add_put(base, rest.put_commands)
        router.add_get(base + "/{command_id}", rest.get_command)
    router.add_get("/attachments/{channel_id}/{attachment_id}/{filename}", rest.attachment)
