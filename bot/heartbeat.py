"""The running bot's heartbeat, and the health check a monitor runs against it.

The bot writes a small record to its database every INTERVAL seconds and at once when it
connects or loses Discord; `coalition-bot health` reads it from another process. A heartbeat
that is recent proves the process is alive and its database takes writes; its state says
whether Discord is reachable. Nothing here needs the bot's own connection, so the check works
from cron, a monitoring agent or systemd while the bot runs.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import math
import os
import sqlite3
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from discord.ext import commands

from bot.resources.clock import iso, parse_iso, utcnow
from bot.storage import Database
from bot.storage.database import migration_files

log = logging.getLogger(__name__)
KEY = "heartbeat"
INTERVAL = 30.0
STALE_AFTER = 4 * INTERVAL
UPSERT = ("INSERT INTO bot_meta (key, value) VALUES (?, ?) "
          "ON CONFLICT (key) DO UPDATE SET value = excluded.value")


@dataclass(frozen=True, slots=True)
class Beat:
    at: str
    state: str  # starting, connected, disconnected, stopped
    pid: int
    detail: str = ""
    user: str = ""
    guilds: int = 0
    latency_ms: int | None = None


class Heartbeat:
    """Kept by the runner; follows whichever bot object is currently connecting."""

    def __init__(self, db: Database, *, interval: float = INTERVAL) -> None:
        self.db = db
        self.interval = interval
        self.state = "starting"
        self.detail = ""
        self.bot: commands.Bot | None = None

    def watch(self, bot: commands.Bot) -> None:
        self.bot = bot
        bot.add_listener(self._on_connected, "on_ready")
        bot.add_listener(self._on_connected, "on_resumed")
        bot.add_listener(self._on_disconnect, "on_disconnect")

    async def _on_connected(self) -> None:
        self.state, self.detail = "connected", ""
        await self.write()

    async def _on_disconnect(self) -> None:
        if self.state == "connected":
            self.state, self.detail = "disconnected", "the gateway connection dropped"
            await self.write()

    async def trouble(self, detail: str) -> None:
        """Discord could not be reached (or refused us): say why until the next connection."""
        self.state, self.detail = "disconnected", detail
        await self.write()

    def beat(self, state: str | None = None) -> Beat:
        bot = self.bot
        latency = bot.latency if bot is not None else math.inf
        return Beat(
            at=iso(utcnow()), state=state or self.state, pid=os.getpid(), detail=self.detail[:300],
            user=str(bot.user) if bot is not None and bot.user else "",
            guilds=len(bot.guilds) if bot is not None else 0,
            latency_ms=round(latency * 1000) if math.isfinite(latency) else None,
        )

    async def write(self, state: str | None = None) -> None:
        """Best effort: a failed write shows up as a stale heartbeat, which is the point."""
        try:
            await self.db.execute(UPSERT, (KEY, json.dumps(asdict(self.beat(state)))))
        except (sqlite3.Error, ValueError) as exc:
            log.warning("could not write the heartbeat: %s", exc)

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            await self.write()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=self.interval)


def judge(beat: dict[str, Any] | None, now: datetime) -> tuple[bool, str]:
    """(healthy, one line) from the last heartbeat."""
    if beat is None:
        return False, "the bot has never run on this database"
    at = parse_iso(str(beat.get("at")))
    age = (now - at).total_seconds()
    state, detail = beat.get("state"), beat.get("detail") or ""
    if state == "stopped":
        return False, f"the bot is not running (stopped at {beat['at']})"
    if age > STALE_AFTER:
        return False, (f"no heartbeat for {age:.0f} s (last at {beat['at']}, pid {beat.get('pid')}): "
                       "the bot was killed or is stuck")
    if state != "connected":
        return False, f"the bot is running but not connected to Discord: {detail or state}"
    latency = beat.get("latency_ms")
    return True, (f"ok: connected as {beat.get('user') or '?'} to {beat.get('guilds', 0)} server(s), "
                  f"gateway latency {'?' if latency is None else latency} ms, "
                  f"heartbeat {age:.0f} s ago")


def read_database(db_path: Path) -> tuple[list[str], dict[str, Any] | None]:
    """(problems, heartbeat) read without writing: the bot may hold the file right now."""
    with contextlib.closing(sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, timeout=5)) as conn:
        problems = [str(r[0]) for r in conn.execute("PRAGMA quick_check") if r[0] != "ok"]
        version = int(conn.execute("PRAGMA user_version").fetchone()[0])
        known = len(migration_files())
        if version != known:
            problems.append(f"schema version {version}, this code expects {known}")
            return problems, None
        row = conn.execute("SELECT value FROM bot_meta WHERE key = ?", (KEY,)).fetchone()
    return problems, (json.loads(row[0]) if row else None)


def check(db_path: Path, now: datetime | None = None) -> tuple[bool, str]:
    if not db_path.is_file():
        return False, f"no database at {db_path}"
    try:
        problems, beat = read_database(db_path)
    except (sqlite3.Error, ValueError) as exc:
        return False, f"database {db_path} cannot be read: {exc}"
    if problems:
        return False, f"database {db_path}: {'; '.join(problems)[:300]}"
    return judge(beat, now or utcnow())
