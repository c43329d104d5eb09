"""Excel workbooks of one server's pledges or comments, ready for a spreadsheet.

The same rows, filters and column order as the CSV (bot.pledges.export), with what a CSV
cannot say: ids are text cells (a 19-digit Discord id keeps every digit), times are real dates
(UTC, shown as yyyy-mm-dd hh:mm:ss), and next to each slug (`status`, `region`, `topic`,
`progress`) a `..._label` column names it in the moderator's language.

Members' text is always written as a text cell, never as a formula; a cell that starts like
one (the CSV's rule, `neutralise` in bot.pledges.export) also carries Excel's "quote prefix"
style, the hidden apostrophe Excel itself adds, so editing the cell later does not turn it into
a formula either, while the text stays exactly as the member typed it.

Written by XlsxWriter in constant-memory mode (rows go to disk as they come) from a read-only
SQLite connection. XlsxWriter spends about 10 us of Python per cell, so this is blocking work:
the bot runs it in a worker thread (asyncio.to_thread).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Mapping
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import xlsxwriter

from bot.i18n import t
from bot.pledges.export import FORMULA_STARTS, LEADING_BLANKS, SOURCES, ExportRequest
from bot.pledges.progress import STATUSES
from bot.regions import PLEDGE_REGIONS, region_label

BATCH = 2000
MAX_ROWS = 1_048_575  # an Excel sheet holds 1,048,576 rows, the header included
EXCEL_EPOCH = 2415018.5  # julianday('1899-12-30'): Excel's day 0
WIDTHS = {"text": 60, "on_behalf_of": 30, "campaign": 24}
LABELLED = ("status", "region", "topic", "progress")  # each gets a `..._label` column after it
IDS = ("id", "number", "author_id")  # text cells: Excel keeps only 15 digits of a number

Writer = Callable[[int, int, Any], None]


@dataclass(frozen=True, slots=True)
class Labels:
    """Names of slugs in one language; topic titles come from the knowledge base."""

    lang: str
    topics: Mapping[str, str] = field(default_factory=dict)

    def names(self, column: str) -> dict[Any, str]:
        if column == "status":
            return {s: t(f"pledges.status.{s}", self.lang) for s in ("active", "withdrawn")}
        if column == "region":
            return {r: region_label(r, self.lang) for r in PLEDGE_REGIONS}
        if column == "progress":
            found: dict[Any, str] = {s: t(f"pledges.progress.{s}", self.lang)
                                            for s in STATUSES}
            found[None] = t("pledges.progress.none", self.lang)
            return found
        return dict(self.topics)


def headers(kind: str) -> list[str]:
    out: list[str] = []
    for name, _, _ in SOURCES[kind]:  # type: ignore[index]
        out += [name, f"{name}_label"] if name in LABELLED else [name]
    return out


def formula_like(value: str) -> bool:
    return value.lstrip(LEADING_BLANKS).startswith(FORMULA_STARTS)


class _Sheet:
    """One worksheet: a writer per column, chosen once, so each cell costs one call."""

    def __init__(self, book: Any, request: ExportRequest, labels: Labels) -> None:
        self.sheet = book.add_worksheet(request.kind)
        self.date = book.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
        self.quoted = book.add_format({"quote_prefix": True})
        bold = book.add_format({"bold": True})
        for column, name in enumerate(headers(request.kind)):
            self.sheet.write_string(0, column, name, bold)
            self.sheet.set_column(column, column, WIDTHS.get(name, 20 if "_at" in name else 14))
        self.sheet.freeze_panes(1, 0)
        # (writer, whether it also writes a missing value): labels name a missing progress
        self.writers: list[tuple[Writer, bool]] = []
        for name, _, cell in SOURCES[request.kind]:  # type: ignore[index]
            self.writers.append((self._writer(name, cell), False))
            if name in LABELLED:
                self.writers.append((self._labeller(labels.names(name)), True))

    def _writer(self, name: str, cell: str) -> Writer:
        sheet = self.sheet
        if name in IDS:
            return lambda row, col, value: sheet.write_string(row, col, str(value))
        if cell == "number":
            return sheet.write_number  # type: ignore[no-any-return]
        if cell == "time":
            return self._time
        return self._text

    def _labeller(self, names: dict[Any, str]) -> Writer:
        sheet = self.sheet
        return lambda row, col, value: sheet.write_string(row, col, names.get(value, value or ""))

    def _time(self, row: int, col: int, value: Any) -> None:
        if isinstance(value, float):
            self.sheet.write_number(row, col, value, self.date)
        else:
            self._text(row, col, value)  # stored some other way than ISO 8601: shown as is

    def _text(self, row: int, col: int, value: Any) -> None:
        text = str(value)
        if formula_like(text):
            self.sheet.write_string(row, col, text, self.quoted)
        else:
            self.sheet.write_string(row, col, text)

    def write(self, row: int, values: tuple[Any, ...]) -> None:
        for col, ((writer, missing_too), value) in enumerate(zip(self.writers, values, strict=True)):
            if value is not None or missing_too:
                writer(row, col, value)


def select_columns(kind: str) -> str:
    """Raw values (a slug twice: the value, then for its label), and times as Excel's day
    numbers, or as the stored text when it is not an ISO 8601 time."""
    out: list[str] = []
    for name, expr, cell in SOURCES[kind]:  # type: ignore[index]
        out.append(f"iif(julianday({expr}) IS NULL, {expr}, julianday({expr}) - {EXCEL_EPOCH})"
                   if cell == "time" else expr)
        if name in LABELLED:
            out.append(expr)
    return ", ".join(out)


def write_xlsx(db_path: Path, request: ExportRequest, labels: Labels, target: Path) -> int:
    """Write the workbook to `target`; the number of rows. Blocking: run it in a thread."""
    sql, params = request.select(select_columns(request.kind))
    book = xlsxwriter.Workbook(str(target), {"constant_memory": True,
                                             "strings_to_formulas": False,
                                             "strings_to_numbers": False,
                                             "strings_to_urls": False})
    count = 0
    try:
        sheet = _Sheet(book, request, labels)
        with closing(sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)) as conn:
            cursor = conn.execute(sql, params)
            while (rows := cursor.fetchmany(BATCH)) and count < MAX_ROWS:
                for values in rows[: MAX_ROWS - count]:
                    count += 1
                    sheet.write(count, values)
    finally:
        book.close()
    return count
