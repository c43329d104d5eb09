"""One process per database: the bot and the console hold an exclusive lock on a file beside it.

Two bots on one file would both post every announcement and race each other's writes. The lock
is `flock` on `<database>.lock`: the kernel drops it when the holder exits, even on SIGKILL, so
a crash never leaves a stale lock behind. Readers (export, db check, db backup) do not take it.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Iterator
from pathlib import Path


class DatabaseInUse(Exception):
    """Another process holds the database; the message says which and what to do."""


def lock_path(db_path: Path) -> Path:
    return db_path.with_name(db_path.name + ".lock")


def holder(db_path: Path) -> str:
    """What the holder wrote about itself ("pid 1234, coalition-bot run"), for messages."""
    try:
        text = lock_path(db_path).read_text(encoding="utf-8").strip()
    except OSError:
        return ""
    return text[:200]


@contextlib.contextmanager
def exclusive(db_path: Path, purpose: str, *, record: bool = True) -> Iterator[None]:
    """Hold the database for the block, or raise DatabaseInUse at once (never wait)."""
    if str(db_path) == ":memory:":
        yield
        return
    path = lock_path(db_path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            who = holder(db_path)
            raise DatabaseInUse(
                f"{db_path} is in use by another process ({who or 'unknown'}): the bot may "
                "already be running (systemctl status coalition-bot); stop it first"
            ) from None
        if record:
            os.ftruncate(fd, 0)
            os.write(fd, f"pid {os.getpid()}, {purpose}\n".encode())
        yield
    finally:
        os.close(fd)  # closing the only descriptor releases the lock
