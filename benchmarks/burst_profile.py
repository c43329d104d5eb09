"""Profiles of a pledge burst: where each process spends its CPU while the burst lasts.

`python benchmarks/pledges_burst_process.py --profile DIR` adds one run after the measured
ones, with the bots started under benchmarks/profiled.py: cProfile is switched on in the bot's
process for exactly the largest burst, and in the benchmark's own process (the fake Discord)
likewise. The pstats files go to DIR (`snakeviz` or `python -m pstats` read them) and a summary
is printed: own time by package (our code, discord.py, aiohttp, asyncio, json...) and the
costliest functions with their calls per interaction, which is how objects built and thrown
away per interaction show up.

cProfile slows a process about twofold and weighs small Python calls more than C work, so the
profiled run is left out of the table; its shares are for finding where the time goes.
"""

from __future__ import annotations

import asyncio
import collections
import cProfile
import json
import os
import pstats
import signal
import sys
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WRAPPER = ROOT / "benchmarks" / "profiled.py"
OURS = ("bot", "cogs", "benchmarks")
TOP = 15


def where(filename: str) -> str:
    """The package a profiled function belongs to, for the summary."""
    if filename.startswith("~") or filename.startswith("<"):
        return "builtins (C)"
    if "site-packages/" in filename:
        return filename.split("site-packages/", 1)[1].split("/", maxsplit=1)[0].removesuffix(".py")
    parts = Path(filename).parts
    for ours in OURS:
        if ours in parts and "lib/python" not in filename:
            index = len(parts) - 1 - parts[::-1].index(ours)
            return "/".join(parts[index:index + 2]).removesuffix(".py")
    if "lib/python" in filename:
        rest = filename.split("lib/python", 1)[1].split("/")[1:]
        return "stdlib " + (rest[0].removesuffix(".py") if rest else "?")
    return filename


def summarise(stats: pstats.Stats, interactions: int, top: int = TOP) -> list[str]:
    """Own time by package, then the functions with the most own time."""
    table = stats.stats  # type: ignore[attr-defined]
    by_package: collections.Counter[str] = collections.Counter()
    for (filename, _, _), (_, _, own, _, _) in table.items():
        by_package[where(filename)] += own
    total = sum(by_package.values()) or 1e-9
    lines = [f"{total:.2f} s profiled; own time by package: " + ", ".join(
        f"{name} {share * 100 / total:.0f}%" for name, share in by_package.most_common(12))]
    ranked = sorted(table.items(), key=lambda item: -item[1][2])[:top]
    lines.append(f"  {'own %':>6} {'cum %':>6} {'calls/interaction':>17}  function")
    for (filename, line, name), (_, calls, own, cumulative, _) in ranked:
        short = "/".join(Path(filename).parts[-2:]) if "/" in filename else filename
        lines.append(f"  {own * 100 / total:>6.1f} {cumulative * 100 / total:>6.1f} "
                     f"{calls / interactions:>17.1f}  {name} ({short}:{line})")
    return lines


def wrapped(argv: list[str], out: Path) -> list[str]:
    """`argv` (a Python command line) run under the profiling wrapper."""
    return [sys.executable, str(WRAPPER), str(out), *argv[1:]]


class BurstProfiler:
    """Profiles one burst at a time in both processes; `summary` collects what was found."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder.resolve()
        self.folder.mkdir(parents=True, exist_ok=True)
        self.summary: list[str] = []

    def output(self, bot: str) -> Path:
        return self.folder / f"{bot}-process.prof"

    @asynccontextmanager
    async def during(self, bot: str, pid: int, interactions: int) -> AsyncIterator[None]:
        out = self.output(bot)
        out.unlink(missing_ok=True)
        os.kill(pid, signal.SIGUSR1)
        await asyncio.sleep(0.1)  # the handler runs between two bytecodes of the main thread
        profile = cProfile.Profile(time.thread_time)
        profile.enable()
        try:
            yield
        finally:
            profile.disable()
            os.kill(pid, signal.SIGUSR2)
        fake_out = self.folder / f"{bot}-fake.prof"
        profile.dump_stats(fake_out)
        for _ in range(300):
            if out.exists() and out.stat().st_size:
                break
            await asyncio.sleep(0.1)
        await asyncio.sleep(0.2)  # written in one go, but give it time to close
        self.summary.append(f"profile of {bot}, {interactions} at once: its process ({out})")
        self.summary += ["  " + line for line in summarise(pstats.Stats(str(out)), interactions)]
        gc_path = Path(f"{out}.gc.json")
        if gc_path.exists():
            collected = json.loads(gc_path.read_text(encoding="utf-8"))
            self.summary.append(
                f"  garbage collector (not in the profile): {collected['seconds'] * 1000:.0f} ms "
                f"CPU; collections of generation 0/1/2: "
                f"{'/'.join(str(n) for n in collected['by generation'])}, taking "
                f"{'/'.join(f'{s * 1000:.0f}' for s in collected['seconds by generation'])} ms")
        self.summary.append(f"profile of {bot}: the fake Discord ({fake_out})")
        self.summary += ["  " + line for line in summarise(pstats.Stats(profile), interactions,
                                                             top=5)]
