"""What /status tells a server's moderators: is the bot well here, and if not, what is wrong.

Everything is read for one server only (its feeds, its waiting announcements); the process-wide
facts (version, uptime, latency, last backup, knowledge base) are the same for every server.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bot.client import CoalitionBot
from bot.resources.clock import parse_iso
from bot.resources.delivery import Waiting, waiting
from bot.resources.feedstore import Feed, FeedStore
from bot.version import version


@dataclass(frozen=True, slots=True)
class KnowledgeBaseState:
    topics: int
    reviewed: str | None  # the newest review date of any topic
    fingerprint: str  # changes whenever a topic is added, removed or re-reviewed
    problems: int


@dataclass(frozen=True, slots=True)
class BackupState:
    enabled: bool
    at: datetime | None = None
    ok: bool = True
    detail: str = ""  # the file, or why it failed


@dataclass(frozen=True, slots=True)
class Status:
    version: str
    started_at: datetime
    latency_ms: int | None
    guild_id: int
    feeds: int = 0
    failing_feeds: list[Feed] = field(default_factory=list)
    waiting: list[Waiting] = field(default_factory=list)
    backup: BackupState = BackupState(enabled=True)
    kb: KnowledgeBaseState | None = None


def knowledge_base(bot: CoalitionBot) -> KnowledgeBaseState | None:
    kb: Any = getattr(bot, "kb", None)
    if kb is None:
        return None
    topics = kb.topics
    stamp = sorted((slug, topic.checked.isoformat()) for slug, topic in topics.items())
    return KnowledgeBaseState(
        topics=len(topics),
        reviewed=max((checked for _, checked in stamp), default=None),
        fingerprint=hashlib.sha256(json.dumps(stamp).encode()).hexdigest()[:8],
        problems=len(kb.problems),
    )


async def last_backup(bot: CoalitionBot) -> BackupState:
    if bot.settings.backup_hours <= 0:
        return BackupState(enabled=False)
    raw = await bot.db.fetchval("SELECT value FROM bot_meta WHERE key = 'backup'")
    if raw is None:
        return BackupState(enabled=True)
    outcome = json.loads(raw)
    return BackupState(enabled=True, at=parse_iso(outcome["at"]), ok=bool(outcome.get("ok")),
                       detail=str(outcome.get("file") or outcome.get("error") or ""))


async def collect(bot: CoalitionBot, guild_id: int) -> Status:
    feeds = await FeedStore(bot.db).for_guild(guild_id)
    latency = bot.latency
    return Status(
        version=version(),
        started_at=bot.started_at,
        latency_ms=round(latency * 1000) if math.isfinite(latency) else None,
        guild_id=guild_id,
        feeds=len(feeds),
        failing_feeds=[f for f in feeds if f.failures > 0 or not f.enabled],
        waiting=await waiting(bot.db, guild_id),
        backup=await last_backup(bot),
        kb=knowledge_base(bot),
    )
