"""The `coalition-bot` command: run the bot, the local console, and the operators' tools."""

from __future__ import annotations

import argparse
import asyncio
import importlib
import logging
import sys
from collections.abc import Callable, Coroutine, Sequence
from pathlib import Path
from typing import Any

import discord

from bot.config import ConfigError, Settings, configure_logging
from bot.storage import Database, DatabaseTooNew

log = logging.getLogger(__name__)
Handler = Callable[[Settings, argparse.Namespace], Coroutine[Any, Any, int]]
# Feature modules that add their own subcommands through `register(subparsers)`.
FEATURE_CLIS: tuple[str, ...] = (
    "bot.pledges.cli",
    "bot.pledges.report_cli",
    "bot.kb.cli",
)


async def cmd_run(settings: Settings, args: argparse.Namespace) -> int:
    if settings.token is None:
        print("No DISCORD_TOKEN is set, so the bot is starting in the local console "
              "(a fake Discord on this machine). Set DISCORD_TOKEN in .env to connect to Discord.",
              file=sys.stderr)
        return await cmd_console(settings, args)
    from bot.runner import run_bot

    return await run_bot(settings)


async def cmd_console(settings: Settings, args: argparse.Namespace) -> int:
    from bot.console import run_console

    return await run_console(settings, script=getattr(args, "script", None))


async def cmd_sync(settings: Settings, args: argparse.Namespace) -> int:
    """Force a command sync once, without staying connected."""
    if settings.token is None:
        raise ConfigError("DISCORD_TOKEN: required to sync commands with Discord")
    from bot.client import CoalitionBot
    from bot.runner import point_at

    point_at(settings)
    db = await Database.open(settings.db_path)
    try:
        bot = CoalitionBot(settings, db, sync_commands=False, background_tasks=False)
        async with bot:
            await bot.login(settings.token)
            changed = await bot.sync_if_changed(force=True)
        print("commands synced" if changed else "commands unchanged")
    finally:
        await db.close()
    return 0


async def cmd_db_migrate(settings: Settings, args: argparse.Namespace) -> int:
    db = await Database.open(settings.db_path, migrate=False)
    try:
        applied = await db.migrate()
        version = await db.user_version()
    finally:
        await db.close()
    print(f"{settings.db_path}: schema version {version}"
          + (f" (applied {', '.join(applied)})" if applied else " (up to date)"))
    return 0


async def cmd_db_backup(settings: Settings, args: argparse.Namespace) -> int:
    target = Path(args.path)
    if target.resolve() == settings.db_path.resolve():
        raise ConfigError("db backup PATH: must differ from COALITION_DB")
    db = await Database.open(settings.db_path, migrate=False)
    try:
        await db.backup(target)
    finally:
        await db.close()
    print(f"backup written to {target}")
    return 0


async def cmd_db_check(settings: Settings, args: argparse.Namespace) -> int:
    if not settings.db_path.exists():
        print(f"{settings.db_path}: no database yet", file=sys.stderr)
        return 1
    db = await Database.open(settings.db_path, migrate=False)
    try:
        problems = await db.integrity_check()
        version = await db.user_version()
    finally:
        await db.close()
    for problem in problems:
        print(problem)
    print(f"{settings.db_path}: schema version {version}, "
          + ("ok" if not problems else f"{len(problems)} problem(s)"))
    return 0 if not problems else 1


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="coalition-bot", description=__doc__)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.add_parser("run", help="connect to Discord (or start the console without a token)"
                   ).set_defaults(func=cmd_run)
    console = sub.add_parser("console", help="the bot against a local fake Discord, in a terminal")
    console.add_argument("--script", metavar="FILE",
                         help="run the lines of FILE ('-' for standard input) and print a transcript")
    console.set_defaults(func=cmd_console)
    sub.add_parser("sync", help="sync slash commands to Discord now").set_defaults(func=cmd_sync)
    db = sub.add_parser("db", help="database maintenance").add_subparsers(dest="db_command",
                                                                          required=True)
    db.add_parser("migrate", help="apply pending migrations").set_defaults(func=cmd_db_migrate)
    backup = db.add_parser("backup", help="online backup (safe while the bot runs)")
    backup.add_argument("path")
    backup.set_defaults(func=cmd_db_backup)
    db.add_parser("check", help="integrity check").set_defaults(func=cmd_db_check)
    for module in FEATURE_CLIS:
        importlib.import_module(module).register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    handler: Handler = getattr(args, "func", cmd_run)
    try:
        settings = Settings.from_env()
        configure_logging(settings.log_level)
        return asyncio.run(handler(settings, args))
    except ConfigError as exc:
        print(f"configuration error: {exc}", file=sys.stderr)
        return 2
    except DatabaseTooNew as exc:
        print(f"database error: {exc}", file=sys.stderr)
        return 2
    except discord.LoginFailure:
        print("configuration error: DISCORD_TOKEN: Discord rejected this token", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
