"""Pledge counts for moderators: how many, from which regions, on which topics, still active,
and where the active ones stand (their latest progress update).

One grouped query; the number of groups is bounded by regions x topics x statuses x progress,
so the answer stays small whatever the number of pledges.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from bot.storage import Database

SQL_GROUPS = (
    "SELECT status, region, topic, progress, count(*) AS n FROM pledges "
    "WHERE guild_id = :guild AND (:campaign IS NULL OR campaign_id = :campaign) "
    "GROUP BY status, region, topic, progress"
)
SQL_COMMENTS = "SELECT count(*) FROM comments WHERE guild_id = :guild"


@dataclass(slots=True)
class PledgeStats:
    by_region: Counter[str] = field(default_factory=Counter)
    by_topic: Counter[str] = field(default_factory=Counter)
    by_status: Counter[str] = field(default_factory=Counter)
    by_progress: Counter[str | None] = field(default_factory=Counter)  # active pledges only
    comments: int = 0

    @property
    def total(self) -> int:
        return sum(self.by_status.values())


async def pledge_stats(db: Database, guild_id: int, campaign_id: int | None = None) -> PledgeStats:
    """Counts for this server, optionally for one campaign (comments are never per campaign)."""
    stats = PledgeStats()
    rows = await db.fetchall(SQL_GROUPS, {"guild": guild_id, "campaign": campaign_id})
    for row in rows:
        stats.by_region[row["region"]] += row["n"]
        stats.by_topic[row["topic"]] += row["n"]
        stats.by_status[row["status"]] += row["n"]
        if row["status"] == "active":
            stats.by_progress[row["progress"]] += row["n"]
    stats.comments = int(await db.fetchval(SQL_COMMENTS, {"guild": guild_id}) or 0)
    return stats
