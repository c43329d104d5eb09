"""`coalition-bot` as a process with its own environment, for the start-up and operations tests."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "startup-test-token-" + "z" * 40


def free_port() -> int:
    """A loopback port nothing listens on (yet)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def bot_env(db_path: Path, api_base: str, gateway_url: str, **extra: str) -> dict[str, str]:
    env = {**os.environ, "DISCORD_TOKEN": TOKEN, "DISCORD_API_BASE": api_base,
           "DISCORD_GATEWAY_URL": gateway_url, "COALITION_DB": str(db_path), "LOG_LEVEL": "INFO"}
    env.pop("DISCORD_GUILD_ID", None)
    env.pop("JOURNAL_STREAM", None)
    env.pop("LOG_FORMAT", None)
    env.update(extra)
    return env


async def spawn(env: dict[str, str], log_path: Path, *args: str) -> asyncio.subprocess.Process:
    with log_path.open("ab") as log:
        return await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", *(args or ("run",)), cwd=ROOT, env=env,
            stdin=asyncio.subprocess.DEVNULL, stdout=log, stderr=log)


async def wait_for_text(path: Path, text: str, count: int = 1, timeout: float = 60.0) -> str:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        content = path.read_text(encoding="utf-8", errors="replace") if path.exists() else ""
        if content.count(text) >= count:
            return content
        assert loop.time() < deadline, f"{text!r} x{count} never logged:\n{content[-3000:]}"
        await asyncio.sleep(0.05)


async def stop(process: asyncio.subprocess.Process) -> int:
    if process.returncode is None:
        process.send_signal(signal.SIGTERM)
    return await asyncio.wait_for(process.wait(), 30)


def cli(env: dict[str, str], *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """A one-shot command (health, db ..., export) beside the running bot."""
    return subprocess.run([sys.executable, "-m", "bot", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=timeout, check=False)
