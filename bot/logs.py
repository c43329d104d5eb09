"""Where the log goes and what it looks like: a terminal, journald, or JSON lines for a collector.

Under systemd, journald stamps every line itself and reads its priority from a `<N>` prefix, so
the journal format drops our timestamp and adds that prefix; `journalctl -p warning` then works.
Expected network trouble is logged as one line: discord.py logs every gateway reconnect with a
full traceback, which would bury the real problems an operator is looking for.
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime

LOG_FORMATS = ("text", "json", "journal")
TEXT_FORMAT = "%(asctime)s %(levelname)-7s %(name)s: %(message)s"
# syslog priorities, as journald reads them from a "<N>" line prefix
PRIORITIES = {logging.DEBUG: 7, logging.INFO: 6, logging.WARNING: 4, logging.ERROR: 3,
              logging.CRITICAL: 2}


def short_reason(exc: BaseException | None) -> str:
    """One line naming what went wrong, for failures that are expected and need no traceback."""
    if exc is None:
        return "unknown reason"
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


class JsonFormatter(logging.Formatter):
    """One JSON object per line; a traceback stays inside its record (`exc`)."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


class JournalFormatter(logging.Formatter):
    def __init__(self) -> None:
        super().__init__("%(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        return f"<{PRIORITIES.get(record.levelno, 6)}>{super().format(record)}"


class QuietReconnects(logging.Filter):
    """discord.py's "Attempting a reconnect" carries a traceback of a plain network error."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and str(record.msg).startswith("Attempting a reconnect"):
            reason = short_reason(record.exc_info[1])
            record.msg = f"gateway connection lost ({reason}); {record.getMessage().lower()}"
            record.args = ()
            record.exc_info = None
            record.exc_text = None
            record.levelno, record.levelname = logging.WARNING, "WARNING"
        return True


def formatter(log_format: str) -> logging.Formatter:
    if log_format == "json":
        return JsonFormatter()
    if log_format == "journal":
        return JournalFormatter()
    return logging.Formatter(TEXT_FORMAT)


def configure_logging(level: str, log_format: str = "text") -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(formatter(log_format))
    logging.basicConfig(level=level, handlers=[handler])
    logging.getLogger("discord.client").addFilter(QuietReconnects())
    logging.getLogger("discord.http").setLevel(max(logging.WARNING, logging.getLevelName(level)))
    logging.getLogger("discord.gateway").setLevel(max(logging.INFO, logging.getLevelName(level)))
