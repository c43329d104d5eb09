"""A member's own data: what the bot holds about them in one server, a copy, and erasure.

Pledges and comments carry a member's id (with their texts, language and times); so do a
moderator's own records (exports, campaigns opened, resources and feeds added, changes to the
server's knowledge-base entries), which are shown and exported here but kept on erasure.
Erasure records the member's choice and the counts in `data_deletions` without their id, so the
server can show that requests were honoured without keeping who made them.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import Any, Literal

from bot.pledges.store import (
    COMMENT_COLUMNS,
    PLEDGE_COLUMNS,
    Comment,
    Pledge,
    utc_now,
)
from bot.storage import Database

Choice = Literal["delete", "anonymise"]
EXPORT_VERSION = 1

SQL_PLEDGES = (f"SELECT {PLEDGE_COLUMNS} FROM pledges WHERE guild_id = :guild "
               "AND author_id = :author ORDER BY id")
SQL_COMMENTS = (f"SELECT {COMMENT_COLUMNS} FROM comments WHERE guild_id = :guild "
                "AND author_id = :author ORDER BY id")
# What a moderator's own actions left behind, by kind (kept when they erase their pledges).
SQL_MODERATION = {
    "exports": "SELECT kind, format, filters, row_count, created_at FROM export_audit "
               "WHERE guild_id = :guild AND moderator_id = :author ORDER BY id",
    "campaigns_opened": "SELECT id, name, opened_at, closes_at, closed_at FROM campaigns "
                        "WHERE guild_id = :guild AND opened_by = :author ORDER BY id",
    "resources_added": "SELECT id, url, title, created_at FROM resources "
                       "WHERE guild_id = :guild AND added_by = :author ORDER BY id",
    "feeds_added": "SELECT id, url, added_at FROM feeds "
                   "WHERE guild_id = :guild AND added_by = :author ORDER BY id",
    "kb_entries": "SELECT e.number AS entry, v.version, v.action, v.lang, v.state, v.question, "
                  "v.created_at FROM kb_entry_versions AS v JOIN kb_entries AS e "
                  "ON e.id = v.entry_id WHERE v.guild_id = :guild AND v.author_id = :author "
                  "ORDER BY v.id",
}
SQL_DELETE_PLEDGES = "DELETE FROM pledges WHERE guild_id = :guild AND author_id = :author"
SQL_ANONYMISE_PLEDGES = ("UPDATE pledges SET author_id = NULL "
                         "WHERE guild_id = :guild AND author_id = :author")
SQL_DELETE_COMMENTS = "DELETE FROM comments WHERE guild_id = :guild AND author_id = :author"
SQL_RECORD = """
INSERT INTO data_deletions (guild_id, choice, pledges, comments, created_at)
VALUES (:guild, :choice, :pledges, :comments, :now)
"""


@dataclass(frozen=True, slots=True)
class MemberData:
    guild_id: int
    user_id: int
    pledges: list[Pledge]
    comments: list[Comment]
    # Records of this member's actions as a moderator (exports, campaigns opened, resources and
    # feeds added): kept for accountability, not erased with their pledges.
    moderation: dict[str, list[dict[str, Any]]]

    @property
    def moderation_count(self) -> int:
        return sum(len(rows) for rows in self.moderation.values())

    @property
    def empty(self) -> bool:
        return not self.pledges and not self.comments and not self.moderation_count

    @property
    def erasable(self) -> bool:
        return bool(self.pledges or self.comments)


@dataclass(frozen=True, slots=True)
class Erasure:
    choice: Choice
    pledges: int
    comments: int


async def collect(db: Database, guild_id: int, user_id: int) -> MemberData:
    params = {"guild": guild_id, "author": user_id}
    pledges = [Pledge.from_row(r) for r in await db.fetchall(SQL_PLEDGES, params)]
    comments = [Comment.from_row(r) for r in await db.fetchall(SQL_COMMENTS, params)]
    moderation = {kind: [dict(r) for r in await db.fetchall(sql, params)]
                  for kind, sql in SQL_MODERATION.items()}
    return MemberData(guild_id, user_id, pledges, comments, moderation)


def export_json(data: MemberData, *, now: str | None = None) -> bytes:
    """Everything stored about the member here, as readable UTF-8 JSON (any script as is)."""
    document: dict[str, Any] = {
        "format": "coalition-bot member data",
        "version": EXPORT_VERSION,
        "exported_at": now or utc_now(),
        "server_id": str(data.guild_id),
        "member_id": str(data.user_id),
        "pledges": [_without_ids(asdict(p)) for p in data.pledges],
        "comments": [_without_ids(asdict(c)) for c in data.comments],
        "as_moderator": data.moderation,
    }
    return json.dumps(document, ensure_ascii=False, indent=2).encode("utf-8")


def _without_ids(row: dict[str, Any]) -> dict[str, Any]:
    """Snowflakes already head the file; repeating them per row adds nothing."""
    return {k: v for k, v in row.items() if k not in ("guild_id", "author_id")}


async def erase(db: Database, guild_id: int, user_id: int, choice: Choice, *,
                now: str | None = None) -> Erasure:
    """Delete or anonymise the member's pledges and delete their comments, in one commit."""
    if choice not in ("delete", "anonymise"):
        raise ValueError(f"unknown erasure choice {choice!r}")
    params = {"guild": guild_id, "author": user_id}
    pledge_sql = SQL_DELETE_PLEDGES if choice == "delete" else SQL_ANONYMISE_PLEDGES
    async with db.transaction() as conn:
        async with conn.execute(pledge_sql, params) as cur:
            pledges = cur.rowcount
        async with conn.execute(SQL_DELETE_COMMENTS, params) as cur:
            comments = cur.rowcount
        await conn.execute(SQL_RECORD, {"guild": guild_id, "choice": choice, "pledges": pledges,
                                        "comments": comments, "now": now or utc_now()})
    return Erasure(choice, pledges, comments)
