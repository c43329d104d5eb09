"""Settings, read once from the environment (and a `.env` file) into one validated object.

A bad value stops the program before anything connects, with a one-line message naming the
variable, so an operator never has to read a traceback to fix a typo.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

from dotenv import dotenv_values

from bot.logs import LOG_FORMATS

DEFAULT_DB = Path("state") / "coalition.sqlite3"
DEFAULT_API_BASE = "https://discord.com/api/v10"
DEFAULT_GATEWAY = "wss://gateway.discord.gg/"
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
DEFAULT_BACKUP_HOURS = 24.0
PROJECT_ROOT = Path(__file__).resolve().parent.parent


class ConfigError(Exception):
    """A setting is missing or malformed; the message names the variable."""


@dataclass(frozen=True, slots=True)
class Settings:
    token: str | None
    db_path: Path
    guild_id: int | None
    api_base: str
    gateway_url: str
    log_level: str
    data_dir: Path
    # Feeds on private, loopback or link-local addresses are refused unless this is on: any
    # server's moderators can add feeds, and must not reach the bot's own network through them.
    # The tests and the local console turn it on (their feeds are on 127.0.0.1).
    allow_private_feeds: bool = False
    log_format: str = "text"
    # Hours between automatic backups while the bot runs; 0 turns them off.
    backup_hours: float = DEFAULT_BACKUP_HOURS
    # Run on uvloop where it is installed (see bot.loop); COALITION_UVLOOP=0 for asyncio's loop.
    uvloop: bool = True

    @property
    def backup_dir(self) -> Path:
        """Automatic backups sit next to the database, on the same disk and permissions."""
        return self.db_path.parent / "backups"

    @classmethod
    def from_env(
        cls, env: Mapping[str, str] | None = None, env_file: Path | None = Path(".env")
    ) -> Settings:
        """Environment variables win over the `.env` file, as operators expect."""
        merged: dict[str, str] = {}
        if env_file is not None and env_file.is_file():
            merged.update({k: v for k, v in dotenv_values(env_file).items() if v is not None})
        merged.update(os.environ if env is None else env)
        return cls(
            token=_token(merged.get("DISCORD_TOKEN")),
            db_path=_db_path(merged.get("COALITION_DB")),
            guild_id=_snowflake("DISCORD_GUILD_ID", merged.get("DISCORD_GUILD_ID")),
            api_base=_url("DISCORD_API_BASE", merged.get("DISCORD_API_BASE"), DEFAULT_API_BASE,
                          ("http", "https")),
            gateway_url=_url("DISCORD_GATEWAY_URL", merged.get("DISCORD_GATEWAY_URL"),
                             DEFAULT_GATEWAY, ("ws", "wss")),
            log_level=_log_level(merged.get("LOG_LEVEL")),
            data_dir=_data_dir(merged.get("COALITION_DATA_DIR")),
            allow_private_feeds=_flag("COALITION_ALLOW_PRIVATE_FEEDS",
                                      merged.get("COALITION_ALLOW_PRIVATE_FEEDS")),
            log_format=_log_format(merged.get("LOG_FORMAT"), journal="JOURNAL_STREAM" in merged),
            backup_hours=_backup_hours(merged.get("COALITION_BACKUP_HOURS")),
            uvloop=_flag("COALITION_UVLOOP", merged.get("COALITION_UVLOOP"), default=True),
        )


def _blank(value: str | None) -> bool:
    return value is None or not value.strip()


def _token(value: str | None) -> str | None:
    if _blank(value):
        return None
    assert value is not None
    token = value.strip()
    if any(c.isspace() for c in token) or len(token) < 20:
        raise ConfigError("DISCORD_TOKEN: does not look like a bot token (copy it again from the "
                          "Developer Portal, Bot page)")
    return token


def _db_path(value: str | None) -> Path:
    if _blank(value):
        return DEFAULT_DB
    assert value is not None
    path = Path(value.strip()).expanduser()
    data_dir = (PROJECT_ROOT / "data").resolve()
    resolved = path.resolve()
    if resolved == data_dir or data_dir in resolved.parents:
        raise ConfigError("COALITION_DB: must not point inside data/ (reviewed content lives there)")
    if resolved.is_dir():
        raise ConfigError(f"COALITION_DB: {value!r} is a directory, expected a file path")
    return path


def _snowflake(name: str, value: str | None) -> int | None:
    if _blank(value):
        return None
    assert value is not None
    text = value.strip()
    if not (text.isascii() and text.isdecimal()) or not 15 <= len(text) <= 21:  # not "²"
        raise ConfigError(f"{name}: expected a Discord server id (digits only), got {value!r}")
    return int(text)


def _url(name: str, value: str | None, default: str, schemes: tuple[str, ...]) -> str:
    if _blank(value):
        return default
    assert value is not None
    text = value.strip()
    parsed = urlparse(text)
    if parsed.scheme not in schemes or not parsed.netloc:
        raise ConfigError(f"{name}: expected a {'/'.join(schemes)} URL, got {value!r}")
    return text.rstrip("/") if name == "DISCORD_API_BASE" else text


def _log_level(value: str | None) -> str:
    if _blank(value):
        return "INFO"
    assert value is not None
    level = value.strip().upper()
    if level not in LOG_LEVELS:
        raise ConfigError(f"LOG_LEVEL: expected one of {', '.join(LOG_LEVELS)}, got {value!r}")
    return level


def _flag(name: str, value: str | None, *, default: bool = False) -> bool:
    if _blank(value):
        return default
    assert value is not None
    text = value.strip().lower()
    if text not in ("1", "0", "true", "false", "yes", "no", "on", "off"):
        raise ConfigError(f"{name}: expected 1 or 0, got {value!r}")
    return text in ("1", "true", "yes", "on")


def _data_dir(value: str | None) -> Path:
    path = PROJECT_ROOT / "data" if _blank(value) else Path(str(value).strip())
    if not path.is_dir():
        raise ConfigError(f"COALITION_DATA_DIR: {str(path)!r} is not a directory")
    return path


def _log_format(value: str | None, *, journal: bool) -> str:
    """Unset: journald's format when systemd connected our output to the journal."""
    if _blank(value):
        return "journal" if journal else "text"
    assert value is not None
    text = value.strip().lower()
    if text not in LOG_FORMATS:
        raise ConfigError(f"LOG_FORMAT: expected one of {', '.join(LOG_FORMATS)}, got {value!r}")
    return text


def _backup_hours(value: str | None) -> float:
    if _blank(value):
        return DEFAULT_BACKUP_HOURS
    assert value is not None
    try:
        hours = float(value.strip())
    except ValueError:
        hours = -1.0
    if not 0 <= hours <= 24 * 7:
        raise ConfigError(f"COALITION_BACKUP_HOURS: expected hours between backups (0 to 168, "
                          f"0 turns them off), got {value!r}")
    return hours
