"""What a server's weekly digest says: the last seven days of pledges, progress, unanswered
questions, and the feeds that are failing now.

Every query names the server; the texts shown (questions members asked, feed addresses) are
escaped and cut short, and the embed stays within Discord's limits.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

import discord
from babel.dates import format_date

from bot.i18n import t
from bot.storage import Database

ISO_FORMAT = "%Y-%m-%dT%H:%M:%SZ"
DAYS = 7
TOP_QUESTIONS = 5
FEEDS_SHOWN = 5
SNIPPET = 100

SQL_PLEDGES = """
SELECT (SELECT count(*) FROM pledges WHERE guild_id = :guild AND created_at >= :since) AS new,
       (SELECT count(*) FROM pledge_updates WHERE guild_id = :guild AND created_at >= :since) AS updates,
       (SELECT count(DISTINCT pledge_id) FROM pledge_updates
         WHERE guild_id = :guild AND created_at >= :since AND status = 'fulfilled') AS fulfilled
"""
SQL_GAPS = """
SELECT normalized, count(*) AS times, max(question) AS question FROM kb_gaps
WHERE guild_id = :guild AND asked_at >= :since
GROUP BY normalized ORDER BY times DESC, max(asked_at) DESC LIMIT :limit
"""
SQL_FEEDS = """
SELECT url, enabled, failures, last_error FROM feeds
WHERE guild_id = :guild AND (enabled = 0 OR failures > 0)
ORDER BY enabled, failures DESC, id LIMIT :limit
"""
SQL_FEEDS_COUNT = ("SELECT count(*) FROM feeds WHERE guild_id = :guild "
                   "AND (enabled = 0 OR failures > 0)")


@dataclass(slots=True)
class Digest:
    since: datetime
    until: datetime
    new_pledges: int = 0
    updates: int = 0
    fulfilled: int = 0
    questions: list[tuple[str, int]] = field(default_factory=list)  # (question, times asked)
    feeds: list[tuple[str, bool, int, str | None]] = field(default_factory=list)
    failing_feeds: int = 0


async def gather(db: Database, guild_id: int, now: datetime) -> Digest:
    since = now - timedelta(days=DAYS)
    params = {"guild": guild_id, "since": since.strftime(ISO_FORMAT)}
    digest = Digest(since, now)
    row = await db.fetchone(SQL_PLEDGES, params)
    assert row is not None
    digest.new_pledges, digest.updates, digest.fulfilled = row["new"], row["updates"], row["fulfilled"]
    digest.questions = [(r["question"], r["times"]) for r in await db.fetchall(
        SQL_GAPS, {**params, "limit": TOP_QUESTIONS})]
    digest.feeds = [(r["url"], bool(r["enabled"]), r["failures"], r["last_error"])
                    for r in await db.fetchall(SQL_FEEDS, {**params, "limit": FEEDS_SHOWN})]
    digest.failing_feeds = int(await db.fetchval(SQL_FEEDS_COUNT, params) or 0)
    return digest


def _short(text: str, limit: int = SNIPPET) -> str:
    flat = " ".join(text.split())
    flat = flat if len(flat) <= limit else flat[: limit - 1] + "…"
    return discord.utils.escape_markdown(discord.utils.escape_mentions(flat))


def _feed_line(url: str, enabled: bool, failures: int, error: str | None, lang: str) -> str:
    state = (t("digest.feed_disabled", lang) if not enabled
             else t("digest.feed_failing", lang, count=failures))
    line = f"<{url[:200]}> · {state}"
    return line + (f" · {_short(error, 80)}" if error else "")


def embed(digest: Digest, lang: str) -> discord.Embed:
    """The digest in the server's language."""
    period = t("digest.period", lang, start=format_date(digest.since.date(), "d MMM", locale=lang),
               end=format_date(digest.until.date(), "d MMM y", locale=lang))
    body = discord.Embed(title=t("digest.title", lang), description=period,
                         colour=discord.Colour.dark_teal())
    body.add_field(name=t("digest.pledges", lang), inline=False, value=t(
        "digest.pledges_line", lang,
        new=t("digest.new_pledges", lang, count=digest.new_pledges),
        updates=t("digest.progress_updates", lang, count=digest.updates),
        fulfilled=t("digest.fulfilled", lang, count=digest.fulfilled)))
    questions = [t("digest.question", lang, question=_short(q), times=n)
                 for q, n in digest.questions]
    body.add_field(name=t("digest.questions", lang), inline=False,
                   value="\n".join(questions) or t("digest.none", lang))
    feeds = [_feed_line(*feed, lang=lang) for feed in digest.feeds]
    if digest.failing_feeds > len(feeds):
        feeds.append(t("digest.more", lang, count=digest.failing_feeds - len(feeds)))
    body.add_field(name=t("digest.feeds", lang), inline=False,
                   value="\n".join(feeds)[:1024] or t("digest.feeds_ok", lang))
    body.set_footer(text=t("digest.footer", lang))
    return body
