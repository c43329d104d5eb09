"""Entries in SQLite: every change a version, published text derived from the versions.

Every read and write names the server: an entry is found by (server, number), never by a
number alone, so another server's moderators can neither see nor change it whatever they send.
The limits (entries per server, changes per moderator per hour) are checked inside the write
transaction that they guard, so two submits at once cannot both slip under them; the hourly
count is read from the versions themselves, so a restart forgets nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import aiosqlite

from bot.errors import UserError
from bot.kb.entries import Entry, EntryText, Version
from bot.kb.entry_text import Draft
from bot.kb.gaps import mark_gap
from bot.storage import Database

MAX_ENTRIES = 500
CHANGES_PER_HOUR = 30
# guild_settings key: "1" when a change waits for a second moderator before members see it.
REVIEW_SETTING = "kb_review"
ISO = "%Y-%m-%dT%H:%M:%SZ"
HOUR = timedelta(hours=1)

ENTRY = ("SELECT id, guild_id, number, first_lang, created_by, created_at, retired_at "
         "FROM kb_entries WHERE guild_id = :guild AND number = :number")
TEXTS = ("SELECT entry_id, lang, question, answer, keywords, source, version, published_at "
         "FROM kb_entry_texts WHERE guild_id = :guild")
VERSIONS = ("SELECT e.number, v.* FROM kb_entry_versions AS v JOIN kb_entries AS e "
            "ON e.id = v.entry_id WHERE v.guild_id = :guild")
INSERT_VERSION = """
INSERT INTO kb_entry_versions (guild_id, entry_id, version, action, lang, question, answer,
    keywords, source, reverted_to, gap, author_id, created_at, state)
VALUES (:guild, :entry, (SELECT coalesce(max(version), 0) + 1 FROM kb_entry_versions
    WHERE entry_id = :entry), :action, :lang, :question, :answer, :keywords, :source,
    :reverted_to, :gap, :author, :now, :state)
RETURNING version
"""
PUBLISH_TEXT = """
INSERT INTO kb_entry_texts (entry_id, lang, guild_id, version, question, answer, keywords,
    source, published_at)
VALUES (:entry, :lang, :guild, :version, :question, :answer, :keywords, :source, :now)
ON CONFLICT (entry_id, lang) DO UPDATE SET version = excluded.version,
    question = excluded.question, answer = excluded.answer, keywords = excluded.keywords,
    source = excluded.source, published_at = excluded.published_at
"""
RECENT_CHANGES = ("SELECT count(*), min(created_at) FROM kb_entry_versions "
                  "WHERE guild_id = :guild AND author_id = :author AND created_at > :since")


def now_utc() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class Outcome:
    """What a change did: the entry and version it made, and whether members see it yet."""

    number: int
    version: int
    state: str
    action: str
    lang: str | None = None
    gap: str | None = None


async def _one(conn: aiosqlite.Connection, sql: str, params: dict[str, Any]) -> Any:
    async with conn.execute(sql, params) as cursor:
        return await cursor.fetchone()


async def _all(conn: aiosqlite.Connection, sql: str, params: dict[str, Any]) -> list[Any]:
    async with conn.execute(sql, params) as cursor:
        return list(await cursor.fetchall())


def _entries(rows: Iterable[Any], texts: Iterable[Any]) -> list[Entry]:
    by_entry: dict[int, dict[str, EntryText]] = {}
    for t in texts:
        by_entry.setdefault(int(t["entry_id"]), {})[str(t["lang"])] = EntryText(
            str(t["lang"]), str(t["question"]), str(t["answer"]), str(t["keywords"]),
            str(t["source"]), int(t["version"]), str(t["published_at"]))
    return [Entry(int(r["guild_id"]), int(r["number"]), str(r["first_lang"]),
                  int(r["created_by"]), str(r["created_at"]), r["retired_at"],
                  by_entry.get(int(r["id"]), {})) for r in rows]


class EntryStore:
    def __init__(self, db: Database, *, max_entries: int = MAX_ENTRIES,
                 changes_per_hour: int = CHANGES_PER_HOUR,
                 clock: Callable[[], datetime] = now_utc) -> None:
        self.db = db
        self.max_entries = max_entries
        self.changes_per_hour = changes_per_hour
        self.clock = clock

    # --- reading ---------------------------------------------------------------------------

    async def get(self, guild_id: int, number: int) -> Entry | None:
        """The entry with this number in this server (retired ones too), or None."""
        row = await self.db.fetchone(ENTRY, {"guild": guild_id, "number": number})
        if row is None:
            return None
        texts = await self.db.fetchall(TEXTS + " AND entry_id = :entry",
                                       {"guild": guild_id, "entry": row["id"]})
        return _entries([row], texts)[0]

    async def active(self, guild_id: int) -> list[Entry]:
        """Every entry not removed, published or still waiting for review, by number."""
        rows = await self.db.fetchall(
            "SELECT * FROM kb_entries WHERE guild_id = :guild AND retired_at IS NULL "
            "ORDER BY number", {"guild": guild_id})
        texts = await self.db.fetchall(TEXTS, {"guild": guild_id})
        return _entries(rows, texts)

    async def published(self, guild_id: int) -> list[Entry]:
        """What members can find: entries not removed with at least one published language."""
        return [e for e in await self.active(guild_id) if e.published]

    async def servers(self) -> list[int]:
        """The servers with entries members can find (to load their indexes at start-up)."""
        rows = await self.db.fetchall("SELECT DISTINCT guild_id FROM kb_entry_texts")
        return [int(r["guild_id"]) for r in rows]

    async def history(self, guild_id: int, number: int) -> list[Version]:
        rows = await self.db.fetchall(VERSIONS + " AND e.number = :number ORDER BY v.version",
                                      {"guild": guild_id, "number": number})
        return [Version.from_row(r) for r in rows]

    async def version(self, guild_id: int, number: int, version: int) -> Version | None:
        rows = await self.db.fetchall(
            VERSIONS + " AND e.number = :number AND v.version = :version",
            {"guild": guild_id, "number": number, "version": version})
        return Version.from_row(rows[0]) if rows else None

    async def pending(self, guild_id: int) -> list[Version]:
        rows = await self.db.fetchall(VERSIONS + " AND v.state = 'pending' ORDER BY v.id",
                                      {"guild": guild_id})
        return [Version.from_row(r) for r in rows]

    async def authored(self, guild_id: int, user_id: int) -> list[Version]:
        """Every change this moderator made here (for /mydata)."""
        rows = await self.db.fetchall(VERSIONS + " AND v.author_id = :author ORDER BY v.id",
                                      {"guild": guild_id, "author": user_id})
        return [Version.from_row(r) for r in rows]

    async def latest(self, guild_id: int, number: int, lang: str) -> Version | None:
        """The newest text of one language that is published or waiting (what a moderator
        continues from), or None."""
        found = [v for v in await self.history(guild_id, number)
                 if v.lang == lang and v.has_text and v.state != "rejected"]
        return found[-1] if found else None

    async def check_room(self, guild_id: int, author: int, *, new: bool) -> None:
        """The limits, checked before a form opens so no one types an answer for nothing
        (the write checks them again)."""
        async with self.db.transaction() as conn:
            await self._check_rate(conn, guild_id, author)
            if new:
                await self._check_cap(conn, guild_id)

    # --- writing ---------------------------------------------------------------------------

    def _now(self) -> datetime:
        return self.clock().astimezone(UTC)

    async def _check_rate(self, conn: aiosqlite.Connection, guild_id: int, author: int) -> None:
        since = (self._now() - HOUR).strftime(ISO)
        count, oldest = await _one(conn, RECENT_CHANGES,
                                   {"guild": guild_id, "author": author, "since": since})
        if int(count) >= self.changes_per_hour:
            free = datetime.strptime(str(oldest), ISO).replace(tzinfo=UTC) + HOUR
            raise UserError("kb.entry.error.rate", limit=self.changes_per_hour,
                            when=f"<t:{int(free.timestamp()) + 1}:R>")

    async def _check_cap(self, conn: aiosqlite.Connection, guild_id: int) -> None:
        row = await _one(conn, "SELECT count(*) FROM kb_entries WHERE guild_id = :guild "
                               "AND retired_at IS NULL", {"guild": guild_id})
        if int(row[0]) >= self.max_entries:
            raise UserError("kb.entry.error.cap", limit=self.max_entries)

    async def _entry_row(self, conn: aiosqlite.Connection, guild_id: int, number: int) -> Any:
        row = await _one(conn, ENTRY, {"guild": guild_id, "number": number})
        if row is None:
            raise UserError("kb.entry.error.not_found", id=number)
        return row

    async def _new_entry(self, conn: aiosqlite.Connection, guild_id: int, author: int,
                         lang: str, now: str) -> tuple[int, int]:
        await self._check_cap(conn, guild_id)
        row = await _one(conn, "INSERT INTO kb_entries (guild_id, number, first_lang, "
                               "created_by, created_at) VALUES (:guild, (SELECT coalesce("
                               "max(number), 0) + 1 FROM kb_entries WHERE guild_id = :guild), "
                               ":lang, :author, :now) RETURNING id, number",
                         {"guild": guild_id, "lang": lang, "author": author, "now": now})
        return int(row["id"]), int(row["number"])

    async def _add_version(self, conn: aiosqlite.Connection, params: dict[str, Any]) -> int:
        row = await _one(conn, INSERT_VERSION, {"lang": None, "question": None, "answer": None,
                                                "keywords": None, "source": None,
                                                "reverted_to": None, "gap": None, **params})
        return int(row["version"])

    async def _publish(self, conn: aiosqlite.Connection, guild_id: int, entry_id: int, *,
                       version: int, fields: dict[str, Any], by: int, now: str) -> None:
        """Members see this text from now on; a gap it answers leaves the list."""
        await conn.execute(PUBLISH_TEXT, {"entry": entry_id, "guild": guild_id,
                                          "version": version, "now": now, **fields})
        await conn.execute("UPDATE kb_entries SET retired_at = NULL, retired_by = NULL "
                           "WHERE id = :entry", {"entry": entry_id})
        if fields.get("gap"):
            await mark_gap(conn, guild_id, str(fields["gap"]), "answered", by,
                           entry_id=entry_id)

    async def propose(self, guild_id: int, author: int, draft: Draft, *, number: int | None,
                      review: bool, gap: str | None = None) -> Outcome:
        """A new entry (number None) or new text for one language of an existing one;
        published at once, or waiting for a second moderator when the server reviews."""
        now = self._now().strftime(ISO)
        state = "pending" if review else "published"
        async with self.db.transaction() as conn:
            await self._check_rate(conn, guild_id, author)
            if number is None:
                entry_id, number = await self._new_entry(conn, guild_id, author, draft.lang, now)
                action = "add"
            else:
                row = await self._entry_row(conn, guild_id, number)
                if row["retired_at"] is not None:
                    raise UserError("kb.entry.error.retired", id=number)
                entry_id = int(row["id"])
                # Text in that language already written (published or waiting): an edit.
                exists = await _one(conn, "SELECT 1 FROM kb_entry_versions WHERE entry_id = :e "
                                          "AND lang = :lang AND state != 'rejected'",
                                    {"e": entry_id, "lang": draft.lang})
                action = "edit" if exists else "translate"
            fields = {**draft.fields(), "lang": draft.lang, "gap": gap}
            version = await self._add_version(conn, {
                "guild": guild_id, "entry": entry_id, "action": action, "author": author,
                "now": now, "state": state, **fields})
            if state == "published":
                await self._publish(conn, guild_id, entry_id, version=version, fields=fields,
                                    by=author, now=now)
        return Outcome(number, version, state, action, draft.lang, gap)

    async def revert(self, guild_id: int, author: int, number: int, to_version: int, *,
                     review: bool) -> Outcome:
        """A new version restoring an earlier text (and the entry, if it was removed)."""
        now = self._now().strftime(ISO)
        old = await self.version(guild_id, number, to_version)
        if old is None:
            raise UserError("kb.entry.error.no_version", id=number, version=to_version)
        if not old.has_text:
            raise UserError("kb.entry.error.version_without_text", id=number, version=to_version)
        state = "pending" if review else "published"
        async with self.db.transaction() as conn:
            await self._check_rate(conn, guild_id, author)
            row = await self._entry_row(conn, guild_id, number)
            entry_id = int(row["id"])
            if row["retired_at"] is not None:
                await self._check_cap(conn, guild_id)
            else:
                await self._check_changes(conn, int(row["id"]), old)
            fields = {**old.fields(), "lang": old.lang}
            version = await self._add_version(conn, {
                "guild": guild_id, "entry": entry_id, "action": "revert", "author": author,
                "now": now, "state": state, "reverted_to": to_version, **fields})
            if state == "published":
                await self._publish(conn, guild_id, entry_id, version=version, fields=fields,
                                    by=author, now=now)
        return Outcome(number, version, state, "revert", old.lang)

    async def _check_changes(self, conn: aiosqlite.Connection, entry_id: int,
                             old: Version) -> None:
        current = await _one(conn, "SELECT question, answer, keywords, source FROM "
                                   "kb_entry_texts WHERE entry_id = :e AND lang = :lang",
                             {"e": entry_id, "lang": old.lang})
        if current is not None and dict(current) == old.fields():
            raise UserError("kb.entry.error.revert_same", id=old.entry_number,
                            version=old.version)

    async def remove(self, guild_id: int, author: int, number: int) -> Outcome:
        """Retire the entry (members stop finding it); its history stays, and a waiting
        change to it is closed as rejected by the moderator who removed it."""
        now = self._now().strftime(ISO)
        async with self.db.transaction() as conn:
            await self._check_rate(conn, guild_id, author)
            row = await self._entry_row(conn, guild_id, number)
            if row["retired_at"] is not None:
                raise UserError("kb.entry.error.retired", id=number)
            entry_id = int(row["id"])
            await conn.execute("UPDATE kb_entry_versions SET state = 'rejected', "
                               "reviewed_by = :by, reviewed_at = :now WHERE entry_id = :entry "
                               "AND state = 'pending'", {"by": author, "now": now,
                                                         "entry": entry_id})
            version = await self._add_version(conn, {
                "guild": guild_id, "entry": entry_id, "action": "remove", "author": author,
                "now": now, "state": "published"})
            await conn.execute("UPDATE kb_entries SET retired_at = :now, retired_by = :by "
                               "WHERE id = :entry", {"now": now, "by": author,
                                                     "entry": entry_id})
        return Outcome(number, version, "published", "remove")

    async def _pending_row(self, conn: aiosqlite.Connection, guild_id: int, number: int,
                           version: int) -> Any:
        row = await _one(conn, "SELECT v.*, e.retired_at FROM kb_entry_versions AS v JOIN "
                               "kb_entries AS e ON e.id = v.entry_id WHERE v.guild_id = :guild "
                               "AND e.number = :number AND v.version = :version",
                         {"guild": guild_id, "number": number, "version": version})
        if row is None:
            raise UserError("kb.entry.error.no_version", id=number, version=version)
        if row["state"] != "pending":
            raise UserError(f"kb.review.error.already_{row['state']}", id=number,
                            version=version)
        return row

    async def approve(self, guild_id: int, reviewer: int, number: int, version: int) -> Outcome:
        """A second moderator publishes a waiting change (never its own author)."""
        now = self._now().strftime(ISO)
        async with self.db.transaction() as conn:
            row = await self._pending_row(conn, guild_id, number, version)
            if int(row["author_id"]) == reviewer:
                raise UserError("kb.review.error.own")
            if row["retired_at"] is not None and row["action"] != "revert":
                raise UserError("kb.entry.error.retired", id=number)
            await conn.execute("UPDATE kb_entry_versions SET state = 'published', "
                               "reviewed_by = :by, reviewed_at = :now WHERE id = :id",
                               {"by": reviewer, "now": now, "id": row["id"]})
            fields = {k: row[k] for k in ("lang", "question", "answer", "keywords", "source",
                                          "gap")}
            await self._publish(conn, guild_id, int(row["entry_id"]), version=version,
                                fields=fields, by=reviewer, now=now)
        return Outcome(number, version, "published", str(row["action"]), row["lang"],
                       row["gap"])

    async def reject(self, guild_id: int, reviewer: int, number: int, version: int) -> Outcome:
        """Refuse a waiting change (kept in the history); a new entry with nothing published
        is retired with it."""
        now = self._now().strftime(ISO)
        async with self.db.transaction() as conn:
            row = await self._pending_row(conn, guild_id, number, version)
            await conn.execute("UPDATE kb_entry_versions SET state = 'rejected', "
                               "reviewed_by = :by, reviewed_at = :now WHERE id = :id",
                               {"by": reviewer, "now": now, "id": row["id"]})
            await conn.execute(
                "UPDATE kb_entries SET retired_at = :now, retired_by = :by WHERE id = :entry "
                "AND retired_at IS NULL AND NOT EXISTS (SELECT 1 FROM kb_entry_texts WHERE "
                "entry_id = :entry) AND NOT EXISTS (SELECT 1 FROM kb_entry_versions WHERE "
                "entry_id = :entry AND state = 'pending')",
                {"now": now, "by": reviewer, "entry": row["entry_id"]})
        return Outcome(number, version, "rejected", str(row["action"]), row["lang"])
