"""`coalition-bot export pledges|comments`: exports for server admins on the bot's machine.

For exports too large to attach in Discord. CSV and JSON rows stream from the database to the
file (or to standard output), so memory stays flat whatever the row count; an Excel workbook
(`--format xlsx`, labels in `--lang`) needs `--out`. `--guild` is required: one bot
serves many servers, and an export never mixes them. Every run is written to the export audit
log with moderator id 0 and a "via": "cli" note, so `/pledges audit` shows it too.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shlex
import sys
import tempfile
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any, BinaryIO

from bot.config import Settings
from bot.i18n import LANGS
from bot.pledges import audit, campaigns
from bot.pledges.export import FORMATS, KINDS, ExportRequest, Format, write_export
from bot.pledges.topics import titles_from
from bot.pledges.xlsx import Labels, write_xlsx
from bot.regions import PLEDGE_REGIONS
from bot.storage import Database, migration_version

SCHEMA_VERSION = migration_version("pledge_records")  # pledges' numbers and progress


def guild_id(text: str) -> int:
    if not (text.isascii() and text.isdecimal()) or int(text) <= 0:  # "²" is a digit to isdigit
        raise argparse.ArgumentTypeError(f"expected a Discord server id (digits), got {text!r}")
    return int(text)


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a date as YYYY-MM-DD, got {text!r}") from None


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "export", help="export one server's pledges or comments as CSV, JSON or Excel",
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("kind", choices=KINDS)
    parser.add_argument("--guild", type=guild_id, required=True, metavar="ID",
                        help="the Discord server id whose rows to export")
    parser.add_argument("--format", choices=FORMATS, required=True)
    parser.add_argument("--out", metavar="FILE", help="write here instead of standard output")
    parser.add_argument("--campaign", metavar="NAME", help="pledges: only this campaign")
    parser.add_argument("--region", choices=sorted(PLEDGE_REGIONS), help="pledges: only this region")
    parser.add_argument("--include-withdrawn", action="store_true",
                        help="pledges: include withdrawn pledges")
    parser.add_argument("--topic", metavar="SLUG", help="comments: only this topic")
    parser.add_argument("--since", type=_day, metavar="YYYY-MM-DD",
                        help="only rows created on or after this day (UTC)")
    parser.add_argument("--lang", choices=LANGS, default="en",
                        help="xlsx: the language of the label columns (default en)")
    parser.set_defaults(func=cmd_export)


def request_from(args: argparse.Namespace) -> ExportRequest:
    wrong = (["--campaign", "--region", "--include-withdrawn"] if args.kind == "comments"
             else ["--topic"])
    used = [flag for flag in wrong if getattr(args, flag[2:].replace("-", "_"))]
    if used:
        raise ValueError(f"{', '.join(used)} does not apply to {args.kind}")
    if args.format == "xlsx" and args.out is None:
        raise ValueError("--format xlsx writes a file: give it with --out")
    return ExportRequest(kind=args.kind, guild_id=args.guild, campaign=args.campaign,
                         region=args.region, topic=args.topic, since=args.since,
                         include_withdrawn=args.include_withdrawn)


async def cmd_export(settings: Settings, args: argparse.Namespace) -> int:
    try:
        request = request_from(args)
    except ValueError as exc:
        print(f"export: {exc}", file=sys.stderr)
        return 2
    if not settings.db_path.exists():
        print(f"{settings.db_path}: no database yet", file=sys.stderr)
        return 1
    db = await Database.open(settings.db_path, migrate=False)
    try:
        problem = await _problem(db, request)
        if problem:
            print(f"export: {problem}", file=sys.stderr)
            return 1
        if args.format == "xlsx":
            labels = Labels(args.lang, titles_from(settings.data_dir, args.lang))
            with replaced(Path(args.out)) as temp:
                count = write_xlsx(db.path, request, labels, temp)
        else:
            with _sink(args.out) as sink:
                count = await write_export(db, request, args.format, sink)
        await audit.record_export(
            db, request.guild_id, audit.CLI_MODERATOR, kind=request.kind, fmt=args.format,
            filters={**request.filters(), "via": "cli"}, row_count=count,
        )
    finally:
        await db.close()
    print(f"exported {count} {request.kind} of server {request.guild_id}"
          + (f" to {args.out}" if args.out else ""), file=sys.stderr)
    return 0


async def _problem(db: Database, request: ExportRequest) -> str | None:
    if await db.user_version() < SCHEMA_VERSION:
        return "the database predates pledges: run `coalition-bot db migrate` first"
    if request.campaign is not None and await campaigns.find(
            db, request.guild_id, request.campaign) is None:
        return f"server {request.guild_id} has no campaign named {request.campaign!r}"
    return None


@contextlib.contextmanager
def _sink(out: str | None) -> Iterator[BinaryIO]:
    """Standard output, or a temporary file renamed over FILE only once complete."""
    if out is None:
        yield sys.stdout.buffer
        sys.stdout.buffer.flush()
        return
    with replaced(Path(out)) as temp, temp.open("wb") as sink:
        yield sink


@contextlib.contextmanager
def replaced(target: Path) -> Iterator[Path]:
    """A temporary file beside `target`, renamed over it only once the block completes."""
    fd, temp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    os.close(fd)
    try:
        yield Path(temp)
        os.replace(temp, target)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def cli_command(request: ExportRequest, fmt: Format) -> str:
    """The command a server admin can run for an export too large for Discord."""
    words = ["coalition-bot", "export", request.kind, "--guild", str(request.guild_id),
             "--format", fmt, "--out", f"{request.kind}.{fmt}"]
    for flag, value in (("--campaign", request.campaign), ("--region", request.region),
                        ("--topic", request.topic),
                        ("--since", request.since.isoformat() if request.since else None)):
        if value is not None:
            words += [flag, value]
    if request.include_withdrawn:
        words.append("--include-withdrawn")
    return shlex.join(words)
