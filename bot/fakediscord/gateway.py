"""The websocket gateway: HELLO, IDENTIFY/READY, heartbeats, RESUME with replay, control ops.

Each session keeps a log of its numbered dispatches, so a bot that drops and RESUMEs receives
what it missed, exactly the behaviour discord.py's reconnect logic is written against.
Frames are sent uncompressed as text, which discord.py accepts whatever `compress` it asked for.
"""

from __future__ import annotations

import asyncio
import json
import secrets
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from aiohttp import WSMsgType, web

from bot.fakediscord.state import JSON

if TYPE_CHECKING:
    from bot.fakediscord.server import FakeDiscord

Outgoing = tuple[str, Any]  # ("send", frame) | ("close", code) | ("stop", None)


@dataclass
class Session:
    id: str
    intents: int
    seq: int = 0
    log: list[JSON] = field(default_factory=list)
    conn: Connection | None = None
    invalid: bool = False
    heartbeat_seq: int = 0  # highest sequence the bot reported having processed


@dataclass(eq=False)
class Connection:
    ws: web.WebSocketResponse
    outgoing: asyncio.Queue[Outgoing] = field(default_factory=asyncio.Queue)
    session: Session | None = None

    def send(self, frame: JSON) -> None:
        self.outgoing.put_nowait(("send", frame))


class Gateway:
    def __init__(self, fake: FakeDiscord) -> None:
        self.fake = fake
        self.identify_payloads: list[JSON] = []
        self.resume_payloads: list[JSON] = []
        self.presence_updates: list[JSON] = []
        self.queries: list[dict[str, str]] = []
        self.replayed: list[JSON] = []
        self.heartbeats = 0
        self.connected = asyncio.Event()
        self.accepting = asyncio.Event()
        self.accepting.set()
        self.closing = False
        self._connections: set[Connection] = set()
        self._sessions: dict[str, Session] = {}

    # -- the websocket --------------------------------------------------------------------------
    async def handle(self, request: web.Request) -> web.StreamResponse:
        await self.accepting.wait()  # held while a test makes the bot miss events
        if self.closing:
            return web.Response(status=503, text="fakediscord is shutting down")
        ws = web.WebSocketResponse(timeout=2.0, max_msg_size=0)
        await ws.prepare(request)
        self.queries.append(dict(request.query))
        conn = Connection(ws)
        self._connections.add(conn)
        writer = asyncio.create_task(self._writer(conn), name="fakediscord-gateway-writer")
        conn.send({"op": 10, "d": {"heartbeat_interval": int(self.fake.heartbeat_interval * 1000),
                                   "_trace": ["fakediscord"]}})
        try:
            async for msg in ws:
                if msg.type is not WSMsgType.TEXT:
                    self.fake.errors.append(f"gateway: unexpected {msg.type!r} frame")
                    continue
                try:
                    await self._on_frame(conn, msg.data)
                except Exception as exc:  # keep serving: the test fails on `errors` instead
                    self.fake.errors.append(f"gateway crashed on {msg.data[:200]!r}: {exc!r}\n"
                                            + traceback.format_exc())
        finally:
            self._connections.discard(conn)
            if conn.session is not None and conn.session.conn is conn:
                conn.session.conn = None
            if not any(c.session for c in self._connections):
                self.connected.clear()
            conn.outgoing.put_nowait(("stop", None))
            await writer
        return ws

    async def _writer(self, conn: Connection) -> None:
        while True:
            kind, value = await conn.outgoing.get()
            try:
                if kind == "stop":
                    self._drain(conn)
                    return
                if conn.ws.closed:
                    continue
                if kind == "send":
                    await conn.ws.send_str(json.dumps(value))
                    if value.get("t") == "INTERACTION_CREATE":
                        self._mark_sent(value["d"])
                else:
                    await conn.ws.close(code=int(value), message=b"fakediscord")
            except (ConnectionError, RuntimeError):
                pass  # the bot went away mid-send; the session log keeps the dispatch for RESUME
            finally:
                conn.outgoing.task_done()

    def _mark_sent(self, data: JSON) -> None:
        """Stamp the interaction's record when its frame first left the socket (not on replay)."""
        record = self.fake.interactions.get(int(data["id"]))
        if record is not None and record.sent_at is None:
            record.sent_at = time.monotonic()

    @staticmethod
    def _drain(conn: Connection) -> None:
        while not conn.outgoing.empty():
            conn.outgoing.get_nowait()
            conn.outgoing.task_done()

    async def _on_frame(self, conn: Connection, text: str) -> None:
        try:
            frame = json.loads(text)
            op, data = frame["op"], frame.get("d")
        except (ValueError, KeyError, TypeError):
            self.fake.errors.append(f"gateway: undecodable frame {text[:200]!r}")
            conn.outgoing.put_nowait(("close", 4002))
            return
        if op == 1:
            self.heartbeats += 1
            if conn.session is not None and isinstance(data, int):
                conn.session.heartbeat_seq = max(conn.session.heartbeat_seq, data)
            conn.send({"op": 11})
        elif op == 2:
            self._identify(conn, data)
        elif op == 6:
            self._resume(conn, data)
        elif op == 3:
            self.presence_updates.append(data)
        elif op == 8:
            self._request_members(conn, data)
        else:
            self.fake.errors.append(f"gateway: unhandled op {op}: {text[:200]}")

    def _identify(self, conn: Connection, data: Any) -> None:
        if conn.session is not None:
            conn.outgoing.put_nowait(("close", 4005))  # already authenticated
            return
        if not isinstance(data, dict) or not isinstance(data.get("intents"), int):
            self.fake.errors.append(f"gateway: IDENTIFY without intents: {data!r}")
            conn.outgoing.put_nowait(("close", 4002))
            return
        self.identify_payloads.append(data)
        if self.fake.token is not None and data.get("token") != self.fake.token:
            conn.outgoing.put_nowait(("close", 4004))
            return
        for old in self._sessions.values():
            if old.conn is None:
                old.invalid = True  # superseded: nobody will RESUME it any more
        session = Session(id=secrets.token_hex(16), intents=data["intents"], conn=conn)
        self._sessions[session.id] = session
        conn.session = session
        self._send_dispatch(session, "READY",
                            self.fake.ready_payload(session.id, self.fake.gateway_url))
        for guild_id in self.fake.guilds:
            self._send_dispatch(session, "GUILD_CREATE", self.fake.guild_create_payload(guild_id))
        self.connected.set()

    def _resume(self, conn: Connection, data: Any) -> None:
        self.resume_payloads.append(data)
        session = self._sessions.get(str((data or {}).get("session_id")))
        if session is None or session.invalid or conn.session is not None:
            conn.send({"op": 9, "d": False})
            return
        session.conn = conn
        conn.session = session
        seq = int((data or {}).get("seq") or 0)
        for frame in session.log:
            if frame["s"] > seq:
                self.replayed.append(frame)
                conn.send(frame)
        self._send_dispatch(session, "RESUMED", {"_trace": ["fakediscord"]})
        self.connected.set()

    def _request_members(self, conn: Connection, data: Any) -> None:
        guild_id = int((data or {}).get("guild_id") or 0)
        members = list(self.fake.members.get(guild_id, {}).values())
        wanted = {str(u) for u in (data or {}).get("user_ids") or []}
        query = str((data or {}).get("query") or "")
        if wanted:
            members = [m for m in members if m["user"]["id"] in wanted]
        elif query:
            members = [m for m in members if m["user"]["username"].startswith(query)]
        if conn.session is not None:
            self._send_dispatch(conn.session, "GUILD_MEMBERS_CHUNK", {
                "guild_id": str(guild_id), "members": members, "chunk_index": 0,
                "chunk_count": 1, "not_found": [], "nonce": (data or {}).get("nonce")})

    # -- sending --------------------------------------------------------------------------------
    def _send_dispatch(self, session: Session, event: str, data: JSON) -> None:
        session.seq += 1
        frame = {"op": 0, "t": event, "s": session.seq, "d": data}
        session.log.append(frame)
        del session.log[:-1000]
        if session.conn is not None:
            session.conn.send(frame)

    def enqueue_dispatch(self, event: str, data: JSON, intent: int) -> None:
        """Log for every live session (so RESUME replays it) and send where connected."""
        for session in self._sessions.values():
            if session.invalid or (intent and not session.intents & intent):
                continue
            self._send_dispatch(session, event, data)

    async def flush(self, timeout: float = 5.0) -> None:
        queues = [c.outgoing for c in list(self._connections)]
        await asyncio.wait_for(asyncio.gather(*(q.join() for q in queues)), timeout)

    async def barrier(self, timeout: float = 10.0) -> None:
        """Return once every connected bot has parsed all dispatches sent so far.

        discord.py answers a server's op 1 at once with a heartbeat carrying the last sequence it
        handled, after the frames before it: that is the only echo the protocol offers.
        """
        targets = [(c.session, c.session.seq) for c in list(self._connections)
                   if c.session is not None]
        for conn in list(self._connections):
            if conn.session is not None:
                conn.send({"op": 1, "d": None})
        await self.wait_for(lambda: all(s.heartbeat_seq >= seq or s.conn is None
                                        for s, seq in targets), timeout)

    async def send_op(self, op: int, data: Any) -> None:
        for conn in list(self._connections):
            if conn.session is not None:
                conn.send({"op": op, "d": data})
        await self.flush()

    async def invalidate(self, resumable: bool) -> None:
        for conn in list(self._connections):
            if conn.session is not None and not resumable:
                conn.session.invalid = True
        await self.send_op(9, resumable)

    async def drop(self, code: int = 4000) -> None:
        """Close every connection with `code`; the sessions stay resumable."""
        closing = list(self._connections)
        for conn in closing:
            conn.outgoing.put_nowait(("close", code))
        await self.wait_for(lambda: not any(c in self._connections for c in closing), 5.0)

    async def close_all(self) -> None:
        self.closing = True
        self.accepting.set()
        if self._connections:
            await self.drop(1001)

    @staticmethod
    async def wait_for(predicate: Callable[[], bool], timeout: float) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not predicate():
            if loop.time() > deadline:
                raise TimeoutError(f"fakediscord: condition not met within {timeout} s")
            await asyncio.sleep(0.005)
