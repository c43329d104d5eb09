"""Questions the knowledge base could not answer, kept per server for its moderators.

Only the text, language and time are kept, never who asked: moderators need to know what is
missing from the content, not to watch members. Each server keeps its newest MAX_PER_GUILD
questions, so a flood of junk cannot grow the file without bound.

A moderator answers a question with an entry or dismisses it; the decision is kept beside the
questions (kb_gap_status), by normalized text. A dismissed question stays off the list; an
answered one comes back only if members ask it again after the answer (the entry did not
catch their wording).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from bot.kb.text import fold
from bot.storage import Database

MAX_QUESTION = 500
MAX_PER_GUILD = 5_000

RECORD = ("INSERT INTO kb_gaps (guild_id, question, normalized, lang) "
          "VALUES (:guild_id, :question, :normalized, :lang)")
PRUNE = ("DELETE FROM kb_gaps WHERE guild_id = :guild_id AND id <= "
         "(SELECT id FROM kb_gaps WHERE guild_id = :guild_id ORDER BY id DESC "
         "LIMIT 1 OFFSET :keep)")
TOP = """
SELECT normalized, count(*) AS times, max(asked_at) AS last_asked,
       (SELECT g2.question FROM kb_gaps AS g2
         WHERE g2.guild_id = g.guild_id AND g2.normalized = g.normalized
         ORDER BY g2.id DESC LIMIT 1) AS question,
       (SELECT g3.lang FROM kb_gaps AS g3
         WHERE g3.guild_id = g.guild_id AND g3.normalized = g.normalized
         ORDER BY g3.id DESC LIMIT 1) AS lang
FROM kb_gaps AS g
WHERE g.guild_id = :guild_id AND NOT EXISTS (
    SELECT 1 FROM kb_gap_status AS s
     WHERE s.guild_id = g.guild_id AND s.normalized = g.normalized
       AND (s.state = 'dismissed' OR g.id <= s.last_gap_id))
GROUP BY g.guild_id, normalized
ORDER BY times DESC, last_asked DESC
LIMIT :limit
"""
MARK = """
INSERT INTO kb_gap_status (guild_id, normalized, state, entry_id, last_gap_id, decided_by,
                           decided_at)
VALUES (:guild_id, :normalized, :state, :entry_id,
        (SELECT coalesce(max(id), 0) FROM kb_gaps
          WHERE guild_id = :guild_id AND normalized = :normalized),
        :by, strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
ON CONFLICT (guild_id, normalized) DO UPDATE SET state = excluded.state,
    entry_id = excluded.entry_id, last_gap_id = excluded.last_gap_id,
    decided_by = excluded.decided_by, decided_at = excluded.decided_at
"""
COUNT = "SELECT count(*) FROM kb_gaps WHERE guild_id = :guild_id"


@dataclass(frozen=True, slots=True)
class Gap:
    question: str
    lang: str
    times: int
    last_asked: str
    normalized: str = ""

    @property
    def key(self) -> str:
        return gap_key(self.normalized)


def gap_key(normalized: str) -> str:
    """A short handle for a question in a button's custom_id (which holds 100 characters):
    a hash of its normalized text, so the id tells nothing about other servers."""
    return hashlib.blake2b(normalized.encode("utf-8"), digest_size=8).hexdigest()


async def mark_gap(conn: Any, guild_id: int, normalized: str, state: str, by: int, *,
                   entry_id: int | None = None) -> None:
    """Record a moderator's decision on a question, inside the caller's transaction: it covers
    the times it was asked so far."""
    await conn.execute(MARK, {"guild_id": guild_id, "normalized": normalized, "state": state,
                              "entry_id": entry_id, "by": by})


def clean_question(text: str) -> str:
    """One line, no control characters, bounded: safe to store and to show back."""
    flat = " ".join("".join(c if c.isprintable() else " " for c in text).split())
    return flat[:MAX_QUESTION]


def normalize_question(text: str) -> str:
    """Same question, different punctuation or case: one gap."""
    return " ".join("".join(c if c.isalnum() else " " for c in fold(text)).split())[:MAX_QUESTION]


class GapStore:
    def __init__(self, db: Database, *, keep: int = MAX_PER_GUILD) -> None:
        self.db = db
        self.keep = keep

    async def record(self, guild_id: int, question: str, lang: str) -> bool:
        """Store an unanswered question; False when there was nothing worth storing."""
        text = clean_question(question)
        normalized = normalize_question(text)
        if not normalized:
            return False
        async with self.db.transaction() as conn:
            await conn.execute(RECORD, {"guild_id": guild_id, "question": text,
                                        "normalized": normalized, "lang": lang})
            await conn.execute(PRUNE, {"guild_id": guild_id, "keep": self.keep})
        return True

    async def top(self, guild_id: int, limit: int = 20) -> list[Gap]:
        rows = await self.db.fetchall(TOP, {"guild_id": guild_id, "limit": limit})
        return [Gap(str(r["question"]), str(r["lang"]), int(r["times"]), str(r["last_asked"]),
                    str(r["normalized"])) for r in rows]

    async def find(self, guild_id: int, key: str) -> Gap | None:
        """The open question of this server a button's key names, or None."""
        for gap in await self.top(guild_id, self.keep):
            if gap.key == key:
                return gap
        return None

    async def dismiss(self, guild_id: int, normalized: str, by: int) -> None:
        async with self.db.transaction() as conn:
            await mark_gap(conn, guild_id, normalized, "dismissed", by)

    async def count(self, guild_id: int) -> int:
        return int(await self.db.fetchval(COUNT, {"guild_id": guild_id}) or 0)
