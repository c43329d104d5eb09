"""A strict fake of Discord's REST API and gateway on 127.0.0.1 for tests and the local console.

The bot runs unmodified against it: discord.py is only told where Discord is (`Route.BASE`,
`DEFAULT_GATEWAY`). The fake is strict on purpose: anything it does not understand is answered
400 and written to `errors`, never a 5xx (discord.py would retry those for ~25 s and hide the
bug), so a test can end with `assert fake.errors == []`.
"""

from __future__ import annotations

import contextlib
import json
import re
import time
import traceback
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import discord
import discord.gateway
import discord.http
import yarl
from aiohttp import BodyPartReader, web

from bot.fakediscord import interactions, openapi, rest
from bot.fakediscord.gateway import Gateway
from bot.fakediscord.records import (
    Incoming,
    Injection,
    InteractionRecord,
    RecordedRequest,
    Rejection,
    Upload,
    current_body,
)
from bot.fakediscord.responses import json_response
from bot.fakediscord.state import (
    INTENT_GUILDS,
    JSON,
    DiscordError,
    NotUnderstood,
)
from bot.fakediscord.world import FakeWorld

API_PREFIX = "/api/v10"
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
Sink = Callable[[str, JSON, int], None]


class FakeDiscord(FakeWorld):
    """One fake Discord: state (`FakeWorld`), REST under `/api/v10`, gateway at `/gateway`.

    discord.py's two redirection points are process-wide, so run one fake per process at a time.
    """

    def __init__(self, *, application_id: int | None = None, bot_name: str = "Coalition Bot",
                 token: str | None = None, heartbeat_interval: float = 5.0,
                 interaction_deadline: float = 3.0, token_lifetime: float = 900.0,
                 nonce_window: float = 120.0, port: int = 0) -> None:
        super().__init__(application_id=application_id, bot_name=bot_name,
                         nonce_window=nonce_window)
        self.token = token
        self.heartbeat_interval = heartbeat_interval
        self.interaction_deadline = interaction_deadline
        self.token_lifetime = token_lifetime
        # Check every answer against the response schemas of Discord's API description: on in
        # the fake's own tests, off elsewhere (the answers do not depend on the bot under test).
        self.check_responses = False
        self.requests: list[RecordedRequest] = []
        self.errors: list[str] = []
        self.rejections: list[Rejection] = []
        self.interactions: dict[int, InteractionRecord] = {}
        self._tokens: dict[str, InteractionRecord] = {}
        self.gateway = Gateway(self)
        self._port = port
        self._injections: list[Injection] = []
        # Seconds a channel takes to answer a new message (see `slow_channel`).
        self.channel_latency: dict[int, float] = {}
        self._sinks: list[Sink] = []
        self._saved_discord: tuple[str, yarl.URL] | None = None
        self._runner: web.AppRunner | None = None
        self.app = web.Application(middlewares=[self._middleware], client_max_size=64 * 2**20)
        rest.add_routes(self.app.router, self)
        interactions.add_routes(self.app.router, self)
        self.app.router.add_get("/gateway", self.gateway.handle)

    # -- lifecycle ------------------------------------------------------------------------------
    async def start(self) -> None:
        self._runner = web.AppRunner(self.app, access_log=None, handle_signals=False,
                                    shutdown_timeout=2.0)
        await self._runner.setup()
        # A larger backlog: bursts above ~128 connections otherwise wait on SYN retries.
        site = web.TCPSite(self._runner, "127.0.0.1", self._port, backlog=1024)
        await site.start()
        self._port = int(self._runner.addresses[0][1])

    async def close(self) -> None:
        await self.gateway.close_all()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        self.restore_discord_py()

    @property
    def port(self) -> int:
        return self._port

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._port}"

    @property
    def api_base(self) -> str:
        return self.base_url + API_PREFIX

    @property
    def gateway_url(self) -> str:
        return f"ws://127.0.0.1:{self._port}/gateway"

    def point_discord_py_here(self) -> None:
        """Redirect discord.py (process-wide) to this fake; `close()` puts it back."""
        if self._saved_discord is None:
            self._saved_discord = (discord.http.Route.BASE,
                                   discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY)
        discord.http.Route.BASE = self.api_base
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(self.gateway_url)

    def restore_discord_py(self) -> None:
        if self._saved_discord is not None:
            discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = (
                self._saved_discord)
            self._saved_discord = None

    # -- fault injection ------------------------------------------------------------------------
    def fail_next(self, method: str, path_regex: str, status: int,  # noqa: PLR0917
                  body: JSON | None = None, headers: dict[str, str] | None = None,
                  times: int = 1) -> None:
        """Answer the next `times` matching requests with `status` instead of handling them.

        `path_regex` is searched in the path below `/api/v10` (e.g. `/channels/\\d+/messages`).
        A 429 gets what Discord sends (`retry_after`, `Via`, `X-RateLimit-*`) unless overridden:
        without `Via` discord.py assumes a Cloudflare ban and does not retry.
        """
        self._injections.append(Injection(method.upper(), re.compile(path_regex), status, body,
                                          dict(headers or {}), times))

    def slow_channel(self, channel_id: int, seconds: float) -> None:
        """Every message posted to this channel is answered `seconds` later, as a busy channel
        behind Discord's rate limit would be (the fairness benchmark uses it)."""
        self.channel_latency[channel_id] = seconds

    def _injected(self, method: str, path: str) -> web.Response | None:
        for rule in self._injections:
            if rule.method in (method, "*") and rule.times > 0 and rule.pattern.search(path):
                rule.times -= 1
                return self._injected_response(rule)
        return None

    @staticmethod
    def _injected_response(rule: Injection) -> web.Response:
        body = rule.body
        headers: dict[str, str] = {}
        if rule.status == 429:
            retry = float((body or {}).get("retry_after", 0.05))
            # discord.py reads body["retry_after"] unconditionally: never leave it out.
            body = {"message": "You are being rate limited.", "global": False, "code": 0,
                    **(body or {}), "retry_after": retry}
            headers = {
                "Via": "1.1 google", "Retry-After": str(max(1, round(retry))),
                "X-RateLimit-Limit": "5", "X-RateLimit-Remaining": "0",
                "X-RateLimit-Reset": f"{time.time() + retry:.3f}",
                "X-RateLimit-Reset-After": f"{retry:.3f}", "X-RateLimit-Bucket": "fakebucket",
                "X-RateLimit-Scope": "user",
            }
        elif body is None:
            body = {"message": f"{rule.status}: injected by the test", "code": 0}
        headers.update(rule.headers)
        return json_response(body, rule.status, headers)

    # -- events ---------------------------------------------------------------------------------
    def add_sink(self, sink: Sink) -> None:
        """Receive every emitted event (the harness feeds them to an injected bot)."""
        self._sinks.append(sink)

    def remove_sink(self, sink: Sink) -> None:
        if sink in self._sinks:
            self._sinks.remove(sink)

    def emit(self, event: str, data: JSON, *, intent: int = INTENT_GUILDS) -> None:
        """Send to sessions and sinks whose intents include `intent` (0: send regardless)."""
        if event == "INTERACTION_CREATE":
            self.register_interaction(data)
        self.gateway.enqueue_dispatch(event, data, intent)
        for sink in list(self._sinks):
            sink(event, data, intent)

    async def dispatch(self, event: str, data: JSON) -> None:
        """Send a dispatch to the connected bot(s) and wait until it left the socket."""
        self.emit(event, data, intent=0)
        await self.gateway.flush()

    # -- gateway control (see gateway.Gateway) --------------------------------------------------
    @property
    def connected(self) -> bool:
        return self.gateway.connected.is_set()

    @property
    def identify_payloads(self) -> list[JSON]:
        return self.gateway.identify_payloads

    @property
    def resume_payloads(self) -> list[JSON]:
        return self.gateway.resume_payloads

    async def wait_for_identify(self, n: int = 1, timeout: float = 10.0) -> None:
        await self.gateway.wait_for(lambda: len(self.gateway.identify_payloads) >= n, timeout)

    async def wait_connected(self, timeout: float = 10.0) -> None:
        await self.gateway.wait_for(self.gateway.connected.is_set, timeout)

    async def drop_connection(self, code: int = 4000) -> None:
        """Close the bot's websocket as Discord does on trouble; 4000 lets discord.py RESUME."""
        await self.gateway.drop(code)

    @contextlib.asynccontextmanager
    async def disconnected(self, code: int = 4000) -> AsyncIterator[None]:
        """Drop the bot and keep it out for the block, so what is emitted inside is missed and
        must come back through RESUME's replay."""
        self.gateway.accepting.clear()
        try:
            await self.gateway.drop(code)
            yield
        finally:
            self.gateway.accepting.set()

    async def send_reconnect(self) -> None:
        """Op 7, as Discord sends before moving a session: the bot reconnects and RESUMEs."""
        await self.gateway.send_op(7, None)

    async def invalid_session(self, resumable: bool) -> None:
        """Op 9; with `False` the session is forgotten, so the bot must IDENTIFY afresh."""
        await self.gateway.invalidate(resumable)

    # -- interactions ---------------------------------------------------------------------------
    def register_interaction(self, payload: JSON) -> InteractionRecord:
        """Remember an interaction so its callback and follow-ups can be checked and collected.

        Delivering the same interaction twice keeps the first record, as Discord would: that is
        how a test provokes "already acknowledged".
        """
        known = self.interactions.get(int(payload["id"]))
        if known is not None and known.token == str(payload["token"]):
            return known
        record = InteractionRecord(id=int(payload["id"]), token=str(payload["token"]),
                                   type=int(payload["type"]), payload=payload)
        self.interactions[record.id] = record
        self._tokens[record.token] = record
        return record

    def interaction_by_token(self, token: str) -> InteractionRecord | None:
        return self._tokens.get(token)

    # -- request inspection ---------------------------------------------------------------------
    def requests_to(self, method: str, path_regex: str) -> list[RecordedRequest]:
        """Recorded requests with `method` whose path below /api/v10 matches `path_regex`."""
        pattern = re.compile(path_regex)
        return [r for r in self.requests
                if r.method == method.upper() and pattern.search(r.path)]

    # -- plumbing -------------------------------------------------------------------------------
    @web.middleware
    async def _middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.path == "/gateway":
            return await self._guard_ws(request, handler)
        path = request.path.removeprefix(API_PREFIX)
        record = RecordedRequest(request.method, path, dict(request.query), None, [])
        self.requests.append(record)
        incoming = Incoming(request.method, path, None, [])
        try:
            record.json, uploads = await self._read_body(request)
            record.files = [(u.filename, u.content) for u in uploads]
            incoming.json, incoming.uploads = record.json, uploads
            current_body.set(incoming)
            injected = self._injected(request.method, path)
            record.injected = injected is not None
            if injected is not None:
                response: web.StreamResponse = injected
            elif request.match_info.http_exception is not None:
                raise NotUnderstood(f"unknown route {request.method} {request.path}")
            else:
                response = await handler(request)
        except DiscordError as exc:
            self.rejections.append(Rejection(request.method, path, exc.status, exc.code,
                                             exc.message, exc.errors))
            response = json_response(exc.body(), exc.status)
        except NotUnderstood as exc:
            self.errors.append(f"{request.method} {request.path}: {exc}")
            response = json_response({"code": 0, "message": f"fakediscord: {exc}"}, 400)
        except Exception as exc:
            self.errors.append(f"{request.method} {request.path}: crashed: {exc!r}\n"
                               + traceback.format_exc())
            response = json_response({"code": 0, "message": f"fakediscord crashed: {exc!r}"}, 400)
        record.status = response.status
        if (record.json is not None and not incoming.checked and not record.injected
                and response.status < 300):
            self.errors.append(f"{request.method} {request.path}: the fake took a body without "
                               "checking it against Discord's API description")
        if self.check_responses and not record.injected and request.path.startswith(API_PREFIX):
            self._check_response(request.method, path, response)
        return response

    def _check_response(self, method: str, path: str, response: web.StreamResponse) -> None:
        """Hold an answer to what the description says Discord sends (the fake's own tests)."""
        op = openapi.operation(method, path)
        if op is None:
            self.errors.append(f"{method} {path}: answered a route the description lacks")
            return
        body = None
        if isinstance(response, web.Response) and response.body is not None:
            if response.content_type != "application/json":
                return  # files from the attachment route: not JSON, nothing to compare
            body = json.loads(bytes(response.body))  # type: ignore[arg-type]
        self.errors.extend(f"{method} {path}: {problem}"
                           for problem in openapi.response_problems(op, response.status, body))

    async def _guard_ws(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        try:
            return await handler(request)
        except Exception as exc:
            self.errors.append(f"gateway crashed: {exc!r}\n" + traceback.format_exc())
            return json_response({"code": 0, "message": "fakediscord gateway crashed"}, 400)

    @staticmethod
    async def _read_body(request: web.Request) -> tuple[Any, list[Upload]]:
        if not request.can_read_body:
            return None, []
        if request.content_type == "multipart/form-data":
            payload: Any = None
            uploads: list[Upload] = []
            reader = await request.multipart()
            async for part in reader:
                if not isinstance(part, BodyPartReader):
                    raise NotUnderstood("nested multipart body")
                name = part.name
                data = await part.read()
                if name == "payload_json":
                    payload = _parse_json(bytes(data))
                elif name is not None and name.startswith("files["):
                    filename = part.filename or name
                    content_type = part.headers.get("Content-Type", "application/octet-stream")
                    uploads.append(Upload(name, filename, bytes(data), content_type))
                else:
                    raise NotUnderstood(f"unexpected multipart field {name!r}")
            return payload, uploads
        raw = await request.read()
        if not raw:
            return None, []
        if request.content_type != "application/json":
            raise NotUnderstood(f"body with content type {request.content_type!r}")
        return _parse_json(raw), []


def _parse_json(raw: bytes) -> Any:
    try:
        return json.loads(raw)
    except ValueError as exc:
        raise NotUnderstood(f"malformed JSON body: {exc}") from None
