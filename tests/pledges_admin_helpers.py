"""Rows for the moderators' tests, written with plain SQL (independent of the members' store)."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from bot.storage import Database

HOSTILE = [
    "=HYPERLINK(\"http://evil.example\",\"click\")",
    "+1+1",
    "-2+3",
    "@SUM(A1:A9)",
    "\tindented",
    "\rcarriage",
    "line one\nline two, with \"quotes\"",
    "@everyone <@123> <@&456>",
    "Cour pénale, Corte Penal, 🇺🇳 المحكمة",
]


async def add_campaign(db: Database, guild_id: int, name: str, *, opened_by: int = 1,
                       opened_at: str = "2024-01-01T00:00:00Z", closes_at: str | None = None,
                       closed_at: str | None = None, remind_days: int | None = None) -> int:
    async with db.transaction() as conn:
        cur = await conn.execute(
            "INSERT INTO campaigns (guild_id, name, opened_by, opened_at, closes_at, closed_at, "
            "remind_days) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (guild_id, name, opened_by, opened_at, closes_at, closed_at, remind_days))
    return cur.lastrowid


async def add_pledge(db: Database, guild_id: int, **fields: Any) -> int:
    row = {
        "author_id": 111, "campaign_id": None, "text": "We will cooperate.",
        "on_behalf_of": "Republic of Testland", "region": "europe", "topic": "arrest-warrants",
        "lang": "en", "status": "active", "created_at": "2024-03-01T10:00:00Z",
        "updated_at": None, "withdrawn_at": None, "progress": None, "progress_at": None,
        "progress_updates": 0,
    }
    row.update(fields)
    row["updated_at"] = row["updated_at"] or row["created_at"]
    if row["progress"] is not None:
        row["progress_at"] = row["progress_at"] or row["updated_at"]
    async with db.transaction() as conn:
        cur = await conn.execute(
            "INSERT INTO pledges (guild_id, author_id, campaign_id, text, on_behalf_of, region, "
            "topic, lang, status, created_at, updated_at, withdrawn_at, progress, progress_at, "
            "progress_updates) VALUES "
            "(:guild, :author_id, :campaign_id, :text, :on_behalf_of, :region, :topic, :lang, "
            ":status, :created_at, :updated_at, :withdrawn_at, :progress, :progress_at, "
            ":progress_updates)", {"guild": guild_id, **row})
    return cur.lastrowid


async def add_comment(db: Database, guild_id: int, **fields: Any) -> int:
    row = {"author_id": 222, "topic": "outcome-document", "text": "Paragraph 3 is too weak.",
           "lang": "en", "created_at": "2024-03-02T10:00:00Z"}
    row.update(fields)
    async with db.transaction() as conn:
        cur = await conn.execute(
            "INSERT INTO comments (guild_id, author_id, topic, text, lang, created_at) VALUES "
            "(:guild, :author_id, :topic, :text, :lang, :created_at)", {"guild": guild_id, **row})
    return cur.lastrowid


def read_csv(data: bytes) -> list[dict[str, str]]:
    """Parse as a spreadsheet import would: the BOM must be there, then RFC 4180 CSV."""
    assert data.startswith(b"\xef\xbb\xbf"), data[:10]
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def read_json(data: bytes) -> list[dict[str, Any]]:
    value = json.loads(data.decode("utf-8"))
    assert isinstance(value, list)
    return value
