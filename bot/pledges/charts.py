"""The campaign report as one PNG: pledges by region, by topic, where they stand, over time.

Drawn with matplotlib's object API on the Agg backend (no display, no pyplot global state, so
a render can run in a worker thread). Colours are the Okabe-Ito palette, which stays distinct
for readers with any common colour-vision deficiency; every bar also carries its number, so no
reading depends on colour. Labels, titles and dates are in the moderator's language (dates by
Babel from CLDR data).
"""

from __future__ import annotations

import io
import warnings
from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any

from babel.dates import format_date

from bot.i18n import t
from bot.l10n import number
from bot.pledges.progress import STATUSES
from bot.pledges.report import ReportData
from bot.regions import PLEDGE_REGIONS, region_label

# Okabe & Ito (2008), "Color Universal Design"
OKABE_ITO = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442",
             "#000000")
PROGRESS_COLOURS = {"planned": "#0072B2", "in_progress": "#E69F00", "fulfilled": "#009E73",
                    "not_fulfilled": "#D55E00", None: "#999999"}
TOPICS_SHOWN = 10  # the rest are summed into one "other topics" bar
LABEL_LIMIT = 34
SIZE = (12.0, 9.0)  # inches; 100 dpi gives 1200 x 900 pixels
DPI = 100


def _fit(text: str, limit: int = LABEL_LIMIT) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _bars(axis: Any, labels: list[str], values: list[int], colours: list[str] | str,
          lang: str) -> None:
    """Horizontal bars, first item on top, each with its count at its end."""
    positions = list(range(len(labels)))[::-1]
    bars = axis.barh(positions, values, color=colours, edgecolor="#333333", linewidth=0.5)
    axis.set_yticks(positions, labels=labels, fontsize=9)
    axis.bar_label(bars, labels=[number(v, lang) for v in values], padding=3, fontsize=9)
    axis.set_xlim(0, max([*values, 1]) * 1.18)
    axis.xaxis.set_visible(False)
    for side in ("top", "right", "bottom"):
        axis.spines[side].set_visible(False)


def _regions(axis: Any, data: ReportData, lang: str) -> None:
    regions = list(PLEDGE_REGIONS)
    _bars(axis, [_fit(region_label(r, lang)) for r in regions],
          [data.by_region.get(r, 0) for r in regions], list(OKABE_ITO[: len(regions)]), lang)
    axis.set_title(t("pledges_admin.report.by_region", lang), loc="left", fontweight="bold")


def _topics(axis: Any, data: ReportData, lang: str, titles: Mapping[str, str]) -> None:
    ranked = sorted(data.by_topic.items(), key=lambda kv: (-kv[1], kv[0]))
    shown, rest = ranked[:TOPICS_SHOWN], ranked[TOPICS_SHOWN:]
    labels = [_fit(titles.get(slug, slug)) for slug, _ in shown]
    values = [n for _, n in shown]
    if rest:
        labels.append(t("pledges_admin.report.other_topics", lang, count=len(rest)))
        values.append(sum(n for _, n in rest))
    _bars(axis, labels or ["—"], values or [0], OKABE_ITO[4], lang)
    axis.set_title(t("pledges_admin.report.by_topic", lang), loc="left", fontweight="bold")


def _progress(axis: Any, data: ReportData, lang: str) -> None:
    statuses: list[str | None] = [*STATUSES, None]
    labels = [t(f"pledges.progress.{s}" if s else "pledges.progress.none", lang) for s in statuses]
    _bars(axis, labels, [data.by_progress.get(s, 0) for s in statuses],
          [PROGRESS_COLOURS[s] for s in statuses], lang)
    axis.set_title(t("pledges_admin.report.by_progress", lang), loc="left", fontweight="bold")


def _over_time(axis: Any, data: ReportData, lang: str) -> None:
    """Active pledges made so far, day by day (a step line), from the first to the last."""
    axis.set_title(t("pledges_admin.report.over_time", lang), loc="left", fontweight="bold")
    if not data.by_day:
        axis.set_axis_off()
        return
    days = [day for day, _ in data.by_day]
    totals, running = [], 0
    for _, count in data.by_day:
        running += count
        totals.append(running)
    if len(days) == 1:  # a single day still draws as a line
        days, totals = [days[0] - timedelta(days=1), *days], [0, *totals]
    axis.step(days, totals, where="post", color=OKABE_ITO[0], linewidth=2)
    axis.fill_between(days, totals, step="post", color=OKABE_ITO[4], alpha=0.3)
    axis.set_ylim(0, running * 1.1 + 1)
    ticks = _ticks(days[0], days[-1])
    axis.set_xticks(ticks, labels=[format_date(d, "d MMM y", locale=lang) for d in ticks],
                    rotation=20, ha="right", fontsize=9)
    axis.set_ylabel(t("pledges_admin.report.cumulative", lang))
    axis.yaxis.set_major_formatter(lambda value, _: number(int(value), lang))
    axis.tick_params(axis="y", labelsize=9)
    for side in ("top", "right"):
        axis.spines[side].set_visible(False)


def _ticks(first: date, last: date, count: int = 5) -> list[date]:
    span = max((last - first).days, 1)
    step = max(span // (count - 1), 1)
    return [first + timedelta(days=i * step) for i in range(count) if i * step <= span]


def build_figure(data: ReportData, lang: str, topic_titles: Mapping[str, str], *,
                 server: str | None = None) -> Any:
    """The four charts on one matplotlib Figure, titled with the campaign (or the server)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=SIZE, dpi=DPI)
    FigureCanvasAgg(figure)
    # Fixed margins sized for LABEL_LIMIT-character labels: an automatic layout would lay the
    # figure out once more before drawing it, nearly doubling the render time.
    figure.subplots_adjust(left=0.2, right=0.97, top=0.9, bottom=0.09, wspace=0.72, hspace=0.3)
    scope = (t("pledges_admin.report.title_campaign", lang, name=_fit(data.campaign, 60))
             if data.campaign else t("pledges_admin.report.title", lang))
    if server:
        scope = f"{scope} · {_fit(server, 40)}"
    figure.suptitle(scope, fontsize=15, fontweight="bold")
    axes = figure.subplots(2, 2)
    _regions(axes[0][0], data, lang)
    _topics(axes[0][1], data, lang, topic_titles)
    _progress(axes[1][0], data, lang)
    _over_time(axes[1][1], data, lang)
    return figure


def render_png(data: ReportData, lang: str, topic_titles: Mapping[str, str], *,
               server: str | None = None) -> bytes:
    """The report as PNG bytes (1200 x 900). Blocking: the bot runs it in a worker thread."""
    figure = build_figure(data, lang, topic_titles, server=server)
    buffer = io.BytesIO()
    with warnings.catch_warnings():  # a glyph the font lacks (an emoji in a name) is drawn as a box
        warnings.simplefilter("ignore")
        figure.savefig(buffer, format="png", metadata={"Software": None})
    return buffer.getvalue()

