"""The numbers behind a campaign report: one server's pledges, optionally one campaign's.

Charts count active pledges (a withdrawn pledge is no longer a commitment); the summary says
how many were withdrawn. Everything is aggregated in SQL, so gathering costs the same few
queries whether a server has a hundred pledges or a hundred thousand.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date

from bot.i18n import t
from bot.storage import Database

# The campaign filter: `:campaign` NULL means every pledge of the server. One pass over the
# server's rows (0.3 s for 100,000), grouped finely enough to give every chart: the groups are
# never more than the pledges, and usually far fewer.
WHERE = "guild_id = :guild AND (:campaign IS NULL OR campaign_id = :campaign)"
SQL_GROUPS = (f"SELECT status, region, topic, progress, substr(created_at, 1, 10) AS day, "
              f"count(*) AS n, sum(progress_updates) AS updates, "
              f"sum(progress_updates > 0) AS reported "
              f"FROM pledges WHERE {WHERE} GROUP BY status, region, topic, progress, day")


@dataclass(slots=True)
class ReportData:
    campaign: str | None
    by_region: Counter[str] = field(default_factory=Counter)
    by_topic: Counter[str] = field(default_factory=Counter)
    by_progress: Counter[str | None] = field(default_factory=Counter)  # None: no update yet
    by_day: list[tuple[date, int]] = field(default_factory=list)
    total: int = 0  # every pledge, withdrawn ones included
    withdrawn: int = 0
    updates: int = 0
    reported: int = 0  # active pledges with at least one progress update

    @property
    def active(self) -> int:
        return self.total - self.withdrawn

    @property
    def fulfilled(self) -> int:
        return self.by_progress.get("fulfilled", 0)


async def gather(db: Database, guild_id: int, campaign_id: int | None = None,
                 campaign: str | None = None) -> ReportData:
    params = {"guild": guild_id, "campaign": campaign_id}
    data = ReportData(campaign)
    days: Counter[str] = Counter()
    for row in await db.fetchall(SQL_GROUPS, params):
        data.total += row["n"]
        data.updates += row["updates"]
        if row["status"] != "active":
            data.withdrawn += row["n"]
            continue
        data.reported += row["reported"]
        data.by_region[row["region"]] += row["n"]
        data.by_topic[row["topic"]] += row["n"]
        data.by_progress[row["progress"]] += row["n"]
        days[row["day"]] += row["n"]
    data.by_day = sorted((day, n) for day, n in ((_day(d), n) for d, n in days.items()) if day)
    return data


def _day(text: str | None) -> date | None:
    """A pledge's day, or None for a time written some other way (it is not placed in time)."""
    try:
        return date.fromisoformat(text or "")
    except ValueError:
        return None


def summary(data: ReportData, lang: str) -> str:
    """A few localized lines to go with the chart; each figure agrees with its own words."""
    values = {key: t(f"pledges_admin.report.{key}", lang, count=getattr(data, key))
              for key in ("active", "withdrawn", "reported", "fulfilled", "updates")}
    return t("pledges_admin.report.summary", lang, **values)
