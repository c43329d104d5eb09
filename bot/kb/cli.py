"""`coalition-bot ask` and `coalition-bot kb check`: the knowledge base without Discord.

`ask` runs the very search /ask uses, so reviewers can try questions and evaluation scripts can
score it; with no QUESTION it answers one question per standard-input line, always one JSON line
each (a driving program reads JSON whatever the flags), flushed at once so it can interleave.
Every JSON line says whether /ask would answer (`answered`, the same decision) beside the
ranked results, and what the question names that no topic covers (`missing`).
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from bot.config import Settings
from bot.i18n import LANGS
from bot.kb.checks import check_knowledge_base
from bot.kb.service import KnowledgeBase

MAX_TOP = 25


def register(sub: Any) -> None:
    ask = sub.add_parser("ask", help="search the knowledge base as /ask does")
    ask.add_argument("question", nargs="?",
                     help="the question; without it, one question per line of standard input")
    ask.add_argument("--lang", choices=LANGS, default="en", help="language of the titles shown")
    ask.add_argument("--top", type=int, default=3, metavar="N", help="results to show (1-25)")
    ask.add_argument("--json", action="store_true",
                     help="print JSON (always, when questions come from standard input)")
    ask.set_defaults(func=cmd_ask)
    kb = sub.add_parser("kb", help="knowledge base maintenance").add_subparsers(
        dest="kb_command", required=True)
    kb.add_parser("check", help="validate every topic file; exit 1 on any problem"
                  ).set_defaults(func=cmd_kb_check)


def results(kb: KnowledgeBase, question: str, lang: str, top: int) -> dict[str, Any]:
    answer = kb.ask(question, limit=top)
    return {
        "question": question,
        "answered": answer.best is not None,
        "missing": list(answer.missing),
        "results": [{"slug": hit.slug, "title": kb.topics[hit.slug].title(lang),
                     "score": hit.score} for hit in answer.hits],
    }


def _text(kb: KnowledgeBase, question: str, lang: str, top: int) -> str:
    answer = kb.ask(question, limit=top)
    lines = [f"? {question}"]
    lines += [f"{rank}. {hit.slug}: {kb.topics[hit.slug].title(lang)} "
              f"(score {hit.score:.2f}, confidence {hit.confidence:.0%})"
              for rank, hit in enumerate(answer.hits, 1)]
    if answer.missing:
        lines.append(f"   (no topic covers {', '.join(answer.missing)}: /ask would say so and "
                     f"offer the closest topic)")
    elif answer.best is None:
        lines.append("   (below the confidence threshold: /ask would say it does not know)")
    return "\n".join(lines)


async def cmd_ask(settings: Settings, args: argparse.Namespace) -> int:
    kb = KnowledgeBase(settings.data_dir)
    for problem in kb.problems:
        print(f"warning: {problem}", file=sys.stderr)
    top = max(1, min(MAX_TOP, args.top))

    def show(question: str, *, as_json: bool) -> None:
        if as_json:
            print(json.dumps(results(kb, question, args.lang, top), ensure_ascii=False),
                  flush=True)
        else:
            print(_text(kb, question, args.lang, top), flush=True)

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
