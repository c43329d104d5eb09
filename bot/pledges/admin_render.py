"""What moderators read: statistics, the campaign list and the export audit, as embeds.

Kept out of the cog so the cog only parses, checks and answers. Every list is cut to fit
Discord's limits (1024 characters a field, 4096 a description) with an ellipsis line.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import discord

from bot.i18n import t
from bot.l10n import day
from bot.pledges import audit, campaigns
from bot.pledges.campaigns import Counts, Listed
from bot.pledges.progress import STATUSES
from bot.pledges.stats import PledgeStats
from bot.pledges.topics import TopicSource
from bot.regions import PLEDGE_REGIONS, region_label

FIELD_LIMIT = 1024
DESCRIPTION_LIMIT = 4096


def fit_lines(lines: list[str], limit: int = FIELD_LIMIT) -> str:
    """As many whole lines as fit, then an ellipsis line."""
    text = ""
    for line in lines:
        if len(text) + len(line) + 2 + 1 > limit:
            return text + "\n…"
        text = f"{text}\n{line}" if text else line
    return text


def stats_embed(stats: PledgeStats, title: str, lang: str, topics: TopicSource) -> discord.Embed:
    embed = discord.Embed(title=title[:256], colour=discord.Colour.dark_gold(),
                          description=t("pledges_admin.stats.summary", lang,
                                        pledges=t("units.pledges", lang, count=stats.total),
                                        comments=t("units.comments", lang, count=stats.comments)))
    regions = [f"{region_label(r, lang)}: **{stats.by_region.get(r, 0)}**" for r in PLEDGE_REGIONS]
    ranked = sorted(stats.by_topic.items(), key=lambda kv: (-kv[1], kv[0]))
    topic_lines = [f"{topics.title(slug, lang)}: **{n}**" for slug, n in ranked]
    statuses = [f"{t(f'pledges_admin.status.{s}', lang)}: **{stats.by_status.get(s, 0)}**"
                for s in ("active", "withdrawn")]
    progress = [f"{t(f'pledges.progress.{s}' if s else 'pledges.progress.none', lang)}: "
                f"**{stats.by_progress.get(s, 0)}**" for s in (*STATUSES, None)]
    for key, lines in (("region", regions), ("topic", topic_lines), ("status", statuses),
                       ("progress", progress)):
        embed.add_field(name=t(f"pledges_admin.stats.{key}", lang),
                        value=fit_lines(lines) or "—", inline=key not in ("topic", "progress"))
    return embed


def _counts(counts: Counts, lang: str) -> str:
    return t("pledges_admin.campaign.counts", lang,
             pledges=t("units.pledges", lang, count=counts.pledges),
             withdrawn=t("pledges_admin.count.withdrawn", lang, count=counts.withdrawn),
             reported=t("pledges_admin.count.reported", lang, count=counts.reported),
             fulfilled=t("pledges_admin.count.fulfilled", lang, count=counts.fulfilled))


def campaign_line(entry: Listed, lang: str, now: str) -> str:
    if entry.is_open(now):
        state = (t("pledges_admin.campaign.state_until", lang, date=day(entry.closes_at, lang))
                 if entry.closes_at else t("pledges_admin.campaign.state_open", lang))
    else:
        closed = entry.closed_at or entry.closes_at or ""
        state = t("pledges_admin.campaign.state_closed", lang, date=day(closed, lang))
    line = (f"**{discord.utils.escape_markdown(entry.name)}** · {state} · "
            f"{_counts(entry.counts, lang)}")
    if entry.remind_days:
        line += " · " + t("pledges_admin.campaign.reminder", lang, count=entry.remind_days)
    return line


def campaigns_embed(listed: list[Listed], without: Counts, lang: str) -> discord.Embed:
    now = campaigns.now_iso()
    lines = [campaign_line(entry, lang, now) for entry in listed]
    lines.append(t("pledges_admin.campaign.without", lang, counts=_counts(without, lang)))
    if not listed:
        lines.insert(0, t("pledges_admin.campaign.none_yet", lang))
    return discord.Embed(title=t("pledges_admin.campaign.list_title", lang),
                         description=fit_lines(lines, DESCRIPTION_LIMIT),
                         colour=discord.Colour.dark_gold())


def audit_line(entry: audit.AuditEntry, lang: str, topic_title: Callable[[str, str], str]) -> str:
    moment = datetime.strptime(entry.created_at, campaigns.ISO_FORMAT).replace(tzinfo=UTC)
    who = t("pledges_admin.audit.cli", lang) if entry.via_cli else f"<@{entry.moderator_id}>"
    filters = audit.describe_filters(entry.filters, lang, topic_title)
    return t("pledges_admin.audit.line", lang, id=entry.number,
             when=discord.utils.format_dt(moment, "f"), who=who,
             kind=t(f"pledges_admin.kind.{entry.kind}", lang), format=entry.format,
             rows=t("units.rows", lang, count=entry.row_count),
             filters=discord.utils.escape_markdown(filters)[:300])
