"""The `coalition-bot` command: run the bot, the local console, and the operators' tools."""

from __future__ import annotations

import argparse
import asyncio
import importlib
import logging
import os
import sys
from collections.abc import Callable, Coroutine, Sequence
from pathlib import Path
from typing import Any

import discord

from bot.config import ConfigError, Settings
from bot.logs import configure_logging
from bot.loop import run
from bot.storage import Database, DatabaseTooNew
from bot.storage.backup import BackupError, restore_backup, write_backup
from bot.storage.lock import DatabaseInUse, exclusive

log = logging.getLogger(__name__)
Handler = Callable[[Settings, argparse.Namespace], Coroutine[Any, Any, int]]
# Feature modules that add their own subcommands through `register(subparsers)`.
FEATURE_CLIS: tuple[str, ...] = (
    "bot.pledges.cli",
    "bot.pledges.report_cli",
    "bot.kb.cli",
)


async def cmd_run(settings: Settings, args: argparse.Namespace) -> int:
    if settings.token is None and getattr(args, "require_token", False):
        raise ConfigError("DISCORD_TOKEN: not set; paste the bot's token (Developer Portal, Bot "
                          "page) into the settings file")
    if settings.token is None:
        print("No DISCORD_TOKEN is set, so the bot is starting in the local console "
              "(a fake Discord on this machine). Set DISCORD_TOKEN in .env to connect to Discord.",
              file=sys.stderr)
        return await cmd_console(settings, args)
    from bot.runner import run_bot

    return await run_bot(settings)


async def cmd_console(settings: Settings, args: argparse.Namespace) -> int:
    from bot.console import run_console

    with exclusive(settings.db_path, "coalition-bot console"):
        return await run_console(settings, script=getattr(args, "script", None),
                                 files=getattr(args, "files", None),
                                 background=not getattr(args, "no_background", False))


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
    """Only with the bot stopped: code that is running must not find its schema changed."""
    with exclusive(settings.db_path, "coalition-bot db migrate"):
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
    """Safe while the bot runs: the copy is read from a snapshot, the bot keeps writing."""
    target = Path(args.path)
    if target.resolve() == settings.db_path.resolve():
        raise ConfigError("db backup PATH: must differ from COALITION_DB")
    await asyncio.to_thread(write_backup, settings.db_path, target, overwrite=args.force)
    print(f"backup written to {target} (integrity checked; readable by its owner only)")
    return 0


async def cmd_db_restore(settings: Settings, args: argparse.Namespace) -> int:
    """Only with the bot stopped; the database it replaces is kept beside it."""
    from bot.resources.clock import utcnow

    with exclusive(settings.db_path, "coalition-bot db restore"):
        aside = await asyncio.to_thread(restore_backup, Path(args.path), settings.db_path, utcnow())
    print(f"restored {args.path} to {settings.db_path}"
          + (f"; the replaced database is kept as {aside}" if aside else "")
          + ". Start the bot again; pending migrations apply on start.")
    return 0


async def cmd_health(settings: Settings, args: argparse.Namespace) -> int:
    """For monitors: exit 0 when the bot is connected and its database sound; one line."""
    from bot.heartbeat import check

    healthy, line = await asyncio.to_thread(check, settings.db_path)
    print(line, file=sys.stdout if healthy else sys.stderr)
    return 0 if healthy else 1


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
    parser.add_argument("--env-file", default=".env", metavar="FILE",
                        help="settings file read under the environment (default: .env here)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    run = sub.add_parser("run", help="connect to Discord (or start the console without a token)")
    run.add_argument("--require-token", action="store_true",
                     help="fail instead of starting the console when DISCORD_TOKEN is unset (services)")
    run.set_defaults(func=cmd_run)
    console = sub.add_parser("console", help="the bot against a local fake Discord, in a terminal")
    console.add_argument("--script", metavar="FILE",
                         help="run the lines of FILE ('-' for standard input) and print a transcript")
    console.add_argument("--files", metavar="DIR", type=Path,
                         help="where files the bot attaches are written (default: "
                              "console-files beside the database)")
    console.add_argument("--no-background", action="store_true",
                         help="do not run the feed poller and the announcement poster")
    console.set_defaults(func=cmd_console)
    sub.add_parser("sync", help="sync slash commands to Discord now").set_defaults(func=cmd_sync)
    db = sub.add_parser("db", help="database maintenance").add_subparsers(dest="db_command",
                                                                          required=True)
    db.add_parser("migrate", help="apply pending migrations").set_defaults(func=cmd_db_migrate)
    backup = db.add_parser("backup", help="online backup (safe while the bot runs)")
    backup.add_argument("path")
    backup.add_argument("--force", action="store_true", help="replace PATH if it exists")
    backup.set_defaults(func=cmd_db_backup)
    restore = db.add_parser("restore", help="replace the database with a backup (bot stopped)")
    restore.add_argument("path")
    restore.set_defaults(func=cmd_db_restore)
    db.add_parser("check", help="integrity check").set_defaults(func=cmd_db_check)
    sub.add_parser("health", help="exit 0 when the running bot is connected and its database "
                   "sound").set_defaults(func=cmd_health)
    for module in FEATURE_CLIS:
        importlib.import_module(module).register(sub)
    return parser


REJECTED_LOGIN = ("configuration error: DISCORD_TOKEN: Discord rejected this token (copy it again "
                  "from the Developer Portal, Bot page)")


def refused(exc: discord.ConnectionClosed | discord.PrivilegedIntentsRequired) -> tuple[str, int]:
    """What Discord's refusal to keep the gateway open means for the operator."""
    if isinstance(exc, discord.PrivilegedIntentsRequired):
        return ("configuration error: Discord refused the bot's gateway intents: a privileged "
                "intent is off in the Developer Portal (Bot page)", 2)
    if exc.code == 4004:
        return REJECTED_LOGIN, 2
    return f"Discord closed the gateway connection (code {exc.code}: {exc.reason or 'no reason'})", 1


def main(argv: Sequence[str] | None = None) -> int:
    """Expected failures end with one line and a code systemd can tell apart: 2 is a setting or
    state a restart cannot fix (the unit does not restart on it), 1 anything else."""
    args = build_parser().parse_args(argv)
    handler: Handler = getattr(args, "func", cmd_run)
    # The database, its backups and exports hold members' data: owner-only, whatever the shell's umask.
    os.umask(0o077)
    try:
        settings = Settings.from_env(env_file=Path(args.env_file))
        configure_logging(settings.log_level, settings.log_format)
        return run(handler(settings, args), use_uvloop=settings.uvloop)
    except ConfigError as exc:
        print(f"configuration error: {exc}", file=sys.stderr)
    except (DatabaseTooNew, DatabaseInUse) as exc:
        print(f"database error: {exc}", file=sys.stderr)
    except discord.LoginFailure:
        print(REJECTED_LOGIN, file=sys.stderr)
    except (discord.ConnectionClosed, discord.PrivilegedIntentsRequired) as exc:
        message, code = refused(exc)
        print(message, file=sys.stderr)
        return code
    except BackupError as exc:
        print(f"backup error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    return 2
