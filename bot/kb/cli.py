"""`coalition-bot ask`, `kb check` and `kb export`: the knowledge base without Discord.

`ask` runs the very search /ask uses, so reviewers can try questions and evaluation scripts can
score it; with no QUESTION it answers one question per standard-input line, always one JSON line
each (a driving program reads JSON whatever the flags), flushed at once so it can interleave.
Every JSON line says whether /ask would answer (`answered`, the same decision) beside the
ranked results, and what the question names that no topic covers (`missing`). With `--guild`,
that server's own entries are searched too, as /ask does there (results of kind "entry").

`kb export --guild ID OUTDIR` writes that server's published entries as topic files, for
reviewers to bring good ones into data/topics.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from bot.config import Settings
from bot.i18n import LANGS
from bot.kb.checks import check_knowledge_base
from bot.kb.entries import entry_number
from bot.kb.entry_export import write_topic_files
from bot.kb.entry_index import GuildEntries, ServerAnswer, ask_server
from bot.kb.entry_store import EntryStore
from bot.kb.service import KnowledgeBase
from bot.storage import Database, migration_version

ENTRIES_SCHEMA = migration_version("kb_entries")  # the migration that created the entry tables

MAX_TOP = 25


def register(sub: Any) -> None:
    ask = sub.add_parser("ask", help="search the knowledge base as /ask does")
    ask.add_argument("question", nargs="?",
                     help="the question; without it, one question per line of standard input")
    ask.add_argument("--lang", choices=LANGS, default="en", help="language of the titles shown")
    ask.add_argument("--top", type=int, default=3, metavar="N", help="results to show (1-25)")
    ask.add_argument("--json", action="store_true",
                     help="print JSON (always, when questions come from standard input)")
    ask.add_argument("--guild", type=_guild, metavar="ID",
                     help="also search this server's own entries, as /ask does there")
    ask.set_defaults(func=cmd_ask)
    kb = sub.add_parser("kb", help="knowledge base maintenance").add_subparsers(
        dest="kb_command", required=True)
    kb.add_parser("check", help="validate every topic file; exit 1 on any problem"
                  ).set_defaults(func=cmd_kb_check)
    export = kb.add_parser("export", help="write a server's published entries as topic files")
    export.add_argument("--guild", type=_guild, required=True, metavar="ID",
                        help="the Discord server id whose entries to export")
    export.add_argument("outdir", metavar="OUTDIR", type=Path,
                        help="folder for the topic files (created if missing)")
    export.set_defaults(func=cmd_kb_export)


def _guild(text: str) -> int:
    if not text.isdigit() or not 0 < int(text) < 2**64:
        raise argparse.ArgumentTypeError(f"expected a Discord server id (digits), got {text!r}")
    return int(text)


def _ranked(kb: KnowledgeBase, entries: GuildEntries, answer: ServerAnswer,
            lang: str) -> list[dict[str, Any]]:
    """Topics and entries in the order /ask weighs them: the best first, then the rest."""
    best = answer.best
    hits = [*([best] if best else []), *answer.topics.hits, *answer.entries]
    ranked: list[dict[str, Any]] = []
    for hit in dict.fromkeys(hits):
        number = entry_number(hit.slug)
        entry = entries.get(number) if number is not None else None
        if entry is not None:
            ranked.append({"kind": "entry", "slug": hit.slug, "title": entry.title(lang),
                           "score": hit.score, "confidence": hit.confidence})
        elif hit.slug in kb.topics:
            ranked.append({"kind": "topic", "slug": hit.slug,
                           "title": kb.topics[hit.slug].title(lang), "score": hit.score,
                           "confidence": hit.confidence})
    return ranked


def results(kb: KnowledgeBase, question: str, lang: str, top: int,
            entries: GuildEntries | None = None) -> dict[str, Any]:
    """One JSON line; results say their `kind` (topic or entry) when a server's entries are
    searched too."""
    here = entries or GuildEntries([])
    answer = ask_server(kb, here, question, limit=top)
    shown = {"slug", "title", "score"} | ({"kind"} if entries is not None else set())
    return {
        "question": question,
        "answered": answer.best is not None,
        "missing": list(answer.missing),
        "results": [{k: v for k, v in r.items() if k in shown}
                    for r in _ranked(kb, here, answer, lang)][:top],
    }


def _text(kb: KnowledgeBase, question: str, lang: str, top: int,
          entries: GuildEntries | None = None) -> str:
    here = entries or GuildEntries([])
    answer = ask_server(kb, here, question, limit=top)
    lines = [f"? {question}"]
    lines += [f"{rank}. {r['slug']}{' (server entry)' if r['kind'] == 'entry' else ''}: "
              f"{r['title']} (score {r['score']:.2f}, confidence {r['confidence']:.0%})"
              for rank, r in enumerate(_ranked(kb, here, answer, lang)[:top], 1)]
    if answer.missing:
        lines.append(f"   (no topic covers {', '.join(answer.missing)}: /ask would say so and "
                     f"offer the closest topic)")
    elif answer.best is None:
        lines.append("   (below the confidence threshold: /ask would say it does not know)")
    return "\n".join(lines)


async def server_entries(settings: Settings, guild_id: int,
                         kb: KnowledgeBase | None) -> GuildEntries | None:
    """A server's published entries, read from the bot's database without changing it; None
    (with a message) when the database has no entries yet."""
    if not settings.db_path.exists():
        print(f"{settings.db_path}: no database", file=sys.stderr)
        return None
    db = await Database.open(settings.db_path, migrate=False)
    try:
        if await db.user_version() < ENTRIES_SCHEMA:
            print(f"{settings.db_path}: this database has no server entries yet "
                  f"(run `coalition-bot db migrate`)", file=sys.stderr)
            return None
        found = await EntryStore(db).published(guild_id)
    finally:
        await db.close()
    return GuildEntries(found, kb)


async def cmd_ask(settings: Settings, args: argparse.Namespace) -> int:
    kb = KnowledgeBase(settings.data_dir)
    for problem in kb.problems:
        print(f"warning: {problem}", file=sys.stderr)
    top = max(1, min(MAX_TOP, args.top))
    entries = None
    if args.guild is not None:
        entries = await server_entries(settings, args.guild, kb)
        if entries is None:
            return 1

    def show(question: str, *, as_json: bool) -> None:
        if as_json:
            print(json.dumps(results(kb, question, args.lang, top, entries),
                             ensure_ascii=False), flush=True)
        else:
            print(_text(kb, question, args.lang, top, entries), flush=True)

    if args.question is not None:
        show(args.question, as_json=args.json)
        return 0
    for line in sys.stdin:
        show(line.rstrip("\r\n"), as_json=True)
    return 0


async def cmd_kb_check(settings: Settings, args: argparse.Namespace) -> int:
    topics, problems = check_knowledge_base(settings.data_dir)
    for problem in problems:
        print(problem)
    print(f"{len(topics)} topics, " + (f"{len(problems)} problem(s)" if problems else "all valid"))
    return 1 if problems else 0


async def cmd_kb_export(settings: Settings, args: argparse.Namespace) -> int:
    entries = await server_entries(settings, args.guild, None)
    if entries is None:
        return 1
    written = write_topic_files(sorted(entries.entries.values(), key=lambda e: e.number),
                                args.guild, args.outdir)
    for item in written:
        note = f" (still to write: {', '.join(item.missing)})" if item.missing else ""
        print(f"#{item.number} -> {item.path}{note}")
    print(f"{len(written)} entries of server {args.guild} written to {args.outdir}")
    return 0
