"""Comments as their authors see them: create, list, delete.

Like pledges, members name a comment by its number in the server, and every query names the
server and the author, so another member's or another server's comment is simply not found.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from bot.errors import UserError
from bot.pledges.store import utc_now
from bot.storage import Database

COMMENT_COLUMNS = "id, guild_id, number, author_id, topic, text, lang, created_at"
SQL_COMMENT_INSERT = """
INSERT INTO comments (guild_id, author_id, topic, text, lang, created_at)
VALUES (:guild, :author, :topic, :text, :lang, :now)
"""
SQL_COMMENT_BY_ID = f"SELECT {COMMENT_COLUMNS} FROM comments WHERE id = :id"
SQL_COMMENT_OWN = (f"SELECT {COMMENT_COLUMNS} FROM comments "
                   "WHERE number = :number AND guild_id = :guild AND author_id = :author")
SQL_COMMENT_MINE = (f"SELECT {COMMENT_COLUMNS} FROM comments WHERE guild_id = :guild "
                    "AND author_id = :author ORDER BY number DESC LIMIT :limit OFFSET :offset")
SQL_COMMENT_COUNT = "SELECT count(*) FROM comments WHERE guild_id = :guild AND author_id = :author"
SQL_COMMENT_DELETE = ("DELETE FROM comments "
                      "WHERE number = :number AND guild_id = :guild AND author_id = :author")


@dataclass(frozen=True, slots=True)
class Comment:
    id: int
    guild_id: int
    number: int
    author_id: int | None
    topic: str
    text: str
    lang: str
    created_at: str

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> Comment:
        return cls(*tuple(row))


class CommentStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def create(self, guild_id: int, author_id: int, topic: str, text: str, lang: str, *,
                     now: str | None = None) -> Comment:
        params = {"guild": guild_id, "author": author_id, "topic": topic, "text": text,
                  "lang": lang, "now": now or utc_now()}
        async with self.db.transaction() as conn:
            cursor = await conn.execute(SQL_COMMENT_INSERT, params)
            async with conn.execute(SQL_COMMENT_BY_ID, {"id": cursor.lastrowid}) as cur:
                row = await cur.fetchone()
        assert row is not None
        return Comment.from_row(row)

    async def get_own(self, guild_id: int, author_id: int, number: int) -> Comment:
        row = await self.db.fetchone(SQL_COMMENT_OWN,
                                     {"number": number, "guild": guild_id, "author": author_id})
        if row is None:
            raise UserError("comments.not_found", id=number)
        return Comment.from_row(row)

    async def mine(self, guild_id: int, author_id: int, *, limit: int = 5,
                   offset: int = 0) -> tuple[list[Comment], int]:
        params = {"guild": guild_id, "author": author_id, "limit": limit, "offset": offset}
        rows = await self.db.fetchall(SQL_COMMENT_MINE, params)
        total = await self.db.fetchval(SQL_COMMENT_COUNT, params)
        return [Comment.from_row(r) for r in rows], int(total or 0)

    async def delete(self, guild_id: int, author_id: int, number: int) -> None:
        """Really delete: a comment is the member's to take back entirely."""
        params = {"number": number, "guild": guild_id, "author": author_id}
        async with self.db.transaction() as conn, conn.execute(SQL_COMMENT_DELETE, params) as cur:
            if cur.rowcount != 1:
                raise UserError("comments.not_found", id=number)
