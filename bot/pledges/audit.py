"""The export audit log: who took which members' data out of the bot, when, and how much.

Pledges and comments are members' words; a moderator exporting them is accountable to the
server, so every export is recorded before the file leaves the bot (never a delivery without
a record). Exports run from the command line have no Discord user: they are recorded with
moderator id 0 and a "via": "cli" note inside the filters.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from bot.i18n import t
from bot.pledges.campaigns import now_iso
from bot.regions import region_label
from bot.storage import Database

CLI_MODERATOR = 0

SQL_INSERT = (
    "INSERT INTO export_audit (guild_id, moderator_id, kind, format, filters, row_count, created_at) "
    "VALUES (:guild, :moderator, :kind, :format, :filters, :rows, :now)"
)
SQL_LATEST = (
    "SELECT id, moderator_id, kind, format, filters, row_count, created_at FROM export_audit "
    "WHERE guild_id = :guild ORDER BY id DESC LIMIT :limit"
)


@dataclass(frozen=True, slots=True)
class AuditEntry:
    id: int
    moderator_id: int
    kind: str
    format: str
    filters: dict[str, Any]
    row_count: int
    created_at: str

    @property
    def via_cli(self) -> bool:
        return self.moderator_id == CLI_MODERATOR


async def record_export(
    db: Database, guild_id: int, moderator_id: int, *, kind: str, fmt: str,
    filters: Mapping[str, Any], row_count: int, now: str | None = None,
) -> int:
    """Write one audit row (committed on return); filters are kept as sorted JSON."""
    params = {
        "guild": guild_id, "moderator": moderator_id, "kind": kind, "format": fmt,
        "filters": json.dumps(dict(filters), sort_keys=True, ensure_ascii=False),
        "rows": row_count, "now": now or now_iso(),
    }
    async with db.transaction() as conn:
        cursor = await conn.execute(SQL_INSERT, params)
    assert cursor.lastrowid is not None
    return cursor.lastrowid


async def latest(db: Database, guild_id: int, limit: int = 10) -> list[AuditEntry]:
    rows = await db.fetchall(SQL_LATEST, {"guild": guild_id, "limit": limit})
    return [
        AuditEntry(row["id"], row["moderator_id"], row["kind"], row["format"],
                   _filters(row["filters"]), row["row_count"], row["created_at"])
        for row in rows
    ]


def describe_filters(filters: Mapping[str, Any], lang: str,
                     topic_title: Callable[[str, str], str]) -> str:
    """"campaign “Rome 2026”, Africa, since 31 May 2010, withdrawn included": the filters of an
    export in the moderator's words (delivery notes are left out)."""
    parts: list[str] = []
    for name, value in sorted(filters.items()):
        if name in ("delivery", "via") or value in (None, False):
            continue
        if name == "region":
            parts.append(region_label(str(value), lang))
        elif name == "topic":
            parts.append(t("pledges_admin.audit.filter.topic", lang,
                           topic=topic_title(str(value), lang)))
        elif name == "since":
            parts.append(t("pledges_admin.audit.filter.since", lang, date=_day(value)))
        elif name in ("campaign", "include_withdrawn"):
            parts.append(t(f"pledges_admin.audit.filter.{name}", lang, name=str(value)))
        else:
            parts.append(f"{name}: {value}")
    return ", ".join(parts) or t("pledges_admin.audit.no_filters", lang)


def _day(value: Any) -> date | str:
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        return str(value)


def _filters(text: str) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except ValueError:
        return {"raw": text}
    return value if isinstance(value, dict) else {"raw": value}
