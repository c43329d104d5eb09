"""Producing an export file for Discord: written, then fitted to the upload limit.

CSV and JSON stream from the database (bot.pledges.export) and are gzip-compressed when too
large; a workbook (bot.pledges.xlsx) is already compressed, so it is sent as is or not at all.
The caller records the export in the audit log before the file leaves the bot.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from bot.pledges.export import Attachment, ExportRequest, Format, file_name, fit_attachment, write_export
from bot.pledges.xlsx import Labels, write_xlsx
from bot.storage import Database


@dataclass(frozen=True, slots=True)
class Produced:
    count: int
    attachment: Attachment | None  # None: too large for Discord even compressed

    @property
    def delivery(self) -> str:
        if self.attachment is None:
            return "too_large"
        return "gzip" if self.attachment.compressed else "attached"


async def produce(db: Database, request: ExportRequest, fmt: Format, folder: Path, *,
                  stamp: str, limit: int, lang: str, topics: Mapping[str, str]) -> Produced:
    """Write the export into `folder` and fit it to `limit` bytes."""
    name = file_name(request, fmt, stamp)
    path = folder / name
    if fmt == "xlsx":
        labels = Labels(lang, dict(topics))
        count = await asyncio.to_thread(write_xlsx, db.path, request, labels, path)
        fits = path.stat().st_size <= limit
        return Produced(count, Attachment(path, name, compressed=False) if fits else None)
    with path.open("wb") as sink:
        count = await write_export(db, request, fmt, sink)
    return Produced(count, await asyncio.to_thread(fit_attachment, path, name, limit))
