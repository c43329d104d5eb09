"""`coalition-bot report pledges`: the campaign report's PNG, written from the shell.

The same charts as /pledges report, for one server (`--guild` is required: one bot serves many
servers, and a report never mixes them), optionally one campaign, in one language.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from bot.config import Settings
from bot.i18n import LANGS
from bot.pledges import campaigns, report
from bot.pledges.charts import render_png
from bot.pledges.cli import SCHEMA_VERSION, guild_id, replaced
from bot.pledges.topics import titles_from
from bot.storage import Database


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "report", help="one server's pledge report as a PNG chart",
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("kind", choices=("pledges",))
    parser.add_argument("--guild", type=guild_id, required=True, metavar="ID",
                        help="the Discord server id whose pledges to chart")
    parser.add_argument("--campaign", metavar="NAME", help="only this campaign")
    parser.add_argument("--lang", choices=LANGS, default="en", help="labels' language (default en)")
    parser.add_argument("--out", metavar="FILE.png", required=True, help="where to write the PNG")
    parser.set_defaults(func=cmd_report)


async def cmd_report(settings: Settings, args: argparse.Namespace) -> int:
    if not settings.db_path.exists():
        print(f"{settings.db_path}: no database yet", file=sys.stderr)
        return 1
    db = await Database.open(settings.db_path, migrate=False)
    try:
        if await db.user_version() < SCHEMA_VERSION:
            print("report: run `coalition-bot db migrate` first", file=sys.stderr)
            return 1
        found = None
        if args.campaign is not None:
            found = await campaigns.find(db, args.guild, args.campaign)
            if found is None:
                print(f"report: server {args.guild} has no campaign named {args.campaign!r}",
                      file=sys.stderr)
                return 1
        data = await report.gather(db, args.guild, found.id if found else None,
                                   found.name if found else None)
    finally:
        await db.close()
    if data.total == 0:
        print(f"report: server {args.guild} has no pledges to chart", file=sys.stderr)
        return 1
    png = render_png(data, args.lang, titles_from(settings.data_dir, args.lang))
    with replaced(Path(args.out)) as temp:
        temp.write_bytes(png)
    print(f"report of {data.active} active pledges written to {args.out}", file=sys.stderr)
    return 0
