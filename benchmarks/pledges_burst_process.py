"""The pledge burst against the bot as deployed, beside the framework's floor.

The bot runs as `python -m bot run` (DISCORD_API_BASE and DISCORD_GATEWAY_URL pointing at a
FakeDiscord in this process, the database in a temporary folder, the default log level), as
tests/test_crash.py runs it. For each burst, N distinct members open the form first (`/pledge
make`, in waves: setup, not measured); then all N modal submissions, built beforehand, are
queued on the gateway at once. Latency per pledge runs from the moment its INTERACTION_CREATE
frame left the fake's socket to the moment the fake accepted the receipt callback (both
`time.monotonic()` in this process). CPU per interaction is the bot process's user + system
CPU time (from /proc) over the burst, divided by N: far steadier than latency on a shared
machine.

The floor is benchmarks/floor_bot.py, a bare discord.py client that only acknowledges each
submission, run the same way against the same fake with the same N submissions (same form,
distinct members). Each run starts the bot, does every burst size, stops it, then does the same
with the floor bot; figures are medians over the runs. Afterwards every pledge row is counted
per burst and the database goes through `coalition-bot db check`.

A submission the fake could not answer within Discord's 3 s (the callback came too late) is
counted as late, with an infinite latency: on a busy machine p99 then reads "late".

Run from the repository root: `python benchmarks/pledges_burst_process.py [--members N]`.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from contextlib import asynccontextmanager, nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.burst_profile import BurstProfiler, wrapped  # noqa: E402
from bot.fakediscord.harness import Harness  # noqa: E402
from bot.fakediscord.records import InteractionRecord  # noqa: E402
from bot.fakediscord.server import FakeDiscord  # noqa: E402
from tests.process_helpers import (  # noqa: E402
    TOKEN,
    db_check,
    open_forms,
    payload_builder,
    submit_payload,
)

TARGET_P99_MS = 250.0
TARGET_RATIO = 1.3
SIZES = (100, 250, 500, 1000)
TIMEOUT = 120.0
RUNS = 3  # other work on a small machine moves single runs a lot; medians are reported
TICKS = os.sysconf("SC_CLK_TCK")
BOTS = {"bot": [sys.executable, "-m", "bot", "run"],
        "floor": [sys.executable, str(ROOT / "benchmarks" / "floor_bot.py")]}
TEXT = "Pledge {i} of {size}: ratify the APIC ✊"


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def cpu_seconds(pid: int) -> float:
    """CPU time of a live process so far, from /proc (0 where there is no /proc).

    The scheduler's nanosecond count per thread (schedstat) where the kernel keeps it; else
    user plus system time in clock ticks (10 ms: coarse for a burst of 100).
    """
    try:
        tasks = list(Path(f"/proc/{pid}/task").iterdir())
        return sum(int((task / "schedstat").read_text().split()[0]) for task in tasks) / 1e9
    except (OSError, ValueError, IndexError):
        pass
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICKS


@dataclass
class Burst:
    """One burst's figures (latencies in ms; inf for a submission answered too late)."""

    bot: str
    run: int
    size: int
    latencies: list[float]
    span: float
    cpu: float
    fake_cpu: float

    @property
    def late(self) -> int:
        return sum(1 for x in self.latencies if x == float("inf"))

    @property
    def p50(self) -> float:
        return percentile(self.latencies, 0.50)

    @property
    def p99(self) -> float:
        return percentile(self.latencies, 0.99)

    @property
    def throughput(self) -> float:
        return (self.size - self.late) / self.span

    @property
    def cpu_ms(self) -> float:
        return self.cpu / self.size * 1000

    @property
    def fake_cpu_ms(self) -> float:
        return self.fake_cpu / self.size * 1000

    @property
    def busy(self) -> float:
        """Share of the burst the bot process spent on a core; near 100%: its core is the limit."""
        return self.cpu / self.span * 100


async def settle(fake: FakeDiscord, records: list[InteractionRecord]) -> None:
    """Until every submission has its receipt or was refused for coming past the deadline."""
    waiters = [asyncio.ensure_future(r.acknowledged.wait()) for r in records]
    deadline = max(r.created for r in records) + fake.interaction_deadline + 0.5
    try:
        await asyncio.wait(waiters, timeout=max(0.0, deadline - time.monotonic()))
        give_up = time.monotonic() + TIMEOUT
        while any(r.callback_at is None and not r.rejections for r in records):
            if time.monotonic() > give_up:
                raise TimeoutError("submissions neither answered nor refused")
            await asyncio.sleep(0.05)
    finally:
        for waiter in waiters:
            waiter.cancel()


async def burst(fake: FakeDiscord, bot: tuple[str, int], pid: int, size: int,
                payloads: list[dict[str, Any]], *, profiler: BurstProfiler | None = None
                ) -> Burst:
    """Queue every submission at once; figures once all are answered (or late)."""
    await fake.gateway.barrier(TIMEOUT)  # the bot has parsed everything before the burst
    profiling = profiler.during(bot[0], pid, size) if profiler else nullcontext()
    async with profiling:
        cpu_before, fake_before = cpu_seconds(pid), time.process_time()
        for payload in payloads:
            fake.emit("INTERACTION_CREATE", payload, intent=0)
        records = [fake.interactions[int(p["id"])] for p in payloads]
        await settle(fake, records)
        cpu, fake_cpu = cpu_seconds(pid) - cpu_before, time.process_time() - fake_before
    wrong = [r for r in records if r.callback_at is not None and r.callback_type != 4]
    if wrong:
        raise RuntimeError(f"{len(wrong)} submissions got no receipt: {wrong[0].callback!r}")
    latencies = [(r.callback_at - r.sent_at) * 1000
                 if r.callback_at is not None and r.sent_at is not None else float("inf")
                 for r in records]
    span = max(r.callback_at or r.created for r in records) - min(r.sent_at or r.created
                                                                  for r in records)
    return Burst(bot[0], bot[1], size, latencies, span, cpu, fake_cpu)


async def stop(process: asyncio.subprocess.Process) -> int:
    if process.returncode is None:
        process.send_signal(signal.SIGTERM)
        try:
            return await asyncio.wait_for(process.wait(), 30)
        except TimeoutError:
            process.kill()
    return await process.wait()


class Runner:
    """Starts one bot process after another on one fake Discord and checks each exits cleanly."""

    def __init__(self, fake: FakeDiscord, tmp: Path) -> None:
        self.fake, self.tmp = fake, tmp
        self.db_path, self.log_path = tmp / "bot.sqlite3", tmp / "bot.log"
        self.identified = 0

    @asynccontextmanager
    async def running(self, bot: str, profiler: BurstProfiler | None = None):
        env = {**os.environ, "DISCORD_TOKEN": TOKEN, "DISCORD_API_BASE": self.fake.api_base,
               "DISCORD_GATEWAY_URL": self.fake.gateway_url, "COALITION_DB": str(self.db_path),
               "LOG_LEVEL": "INFO"}
        env.pop("DISCORD_GUILD_ID", None)
        argv = wrapped(BOTS[bot], profiler.output(bot)) if profiler else BOTS[bot]
        with self.log_path.open("ab") as log:
            process = await asyncio.create_subprocess_exec(
                *argv, cwd=ROOT, env=env, stdin=asyncio.subprocess.DEVNULL, stdout=log, stderr=log)
        try:
            self.identified += 1
            await self.fake.wait_for_identify(self.identified, timeout=60)
            await self.fake.gateway.barrier(60)  # READY and GUILD_CREATE parsed
            yield process
        finally:
            code = await stop(process)
        if code != 0:
            log_text = self.log_path.read_text(encoding="utf-8", errors="replace")
            raise RuntimeError(f"{bot} exited with {code}:\n{log_text[-3000:]}")


async def one_run(runner: Runner, h: Harness, sizes: Sequence[int], run: int,
                  guilds: dict[tuple[str, int, int], int], *,
                  profiler: BurstProfiler | None = None) -> list[Burst]:
    """Every size against the bot, then every size against the floor (one process each)."""
    fake, results = runner.fake, []
    async with runner.running("bot", profiler) as process:
        # One opened form per floor burst gives the shape of its submissions; the floor bot has
        # no form of its own to open.
        forms = {size: (await open_forms(fake, h, guilds["floor", size, run], 1, prefix="form"))[0]
                 for size in sizes}
        for size in sizes:
            opened = await open_forms(fake, h, guilds["bot", size, run], size, wave=50,
                                      prefix=f"burst{size}-")
            payloads = [submit_payload(h, user, form, TEXT.format(i=i, size=size))
                        for i, (user, form) in enumerate(opened)]
            results.append(await burst(fake, ("bot", run), process.pid, size, payloads,
                                       profiler=profiler))
    async with runner.running("floor", profiler) as process:
        for size in sizes:
            _, form = forms[size]
            guild_id = guilds["floor", size, run]
            payloads = [submit_payload(h, h.member(guild_id, f"floor{size}-{i}"), form,
                                       TEXT.format(i=i, size=size)) for i in range(size)]
            results.append(await burst(fake, ("floor", run), process.pid, size, payloads,
                                       profiler=profiler))
    return results


def stored_per_guild(db_path: Path) -> dict[int, int]:
    with sqlite3.connect(f"file:{db_path}?mode=ro", uri=True) as conn:
        rows = conn.execute("SELECT guild_id, count(DISTINCT author_id) FROM pledges "
                            "GROUP BY guild_id")
        return {int(guild): int(count) for guild, count in rows}


async def run_bursts(sizes: Sequence[int] = SIZES, runs: int = RUNS,
                     profiler: BurstProfiler | None = None) -> list[Burst]:
    """Every burst of every run, checked: each pledge stored once, the database sound."""
    fake = FakeDiscord()
    await fake.start()
    try:
        with tempfile.TemporaryDirectory(prefix="coalition-burst-process-") as folder:
            tmp = Path(folder)
            # the profiled run, if any, comes last and bursts only at the largest size
            plan = [(run, sizes) for run in range(runs)] + ([(runs, [max(sizes)])] if profiler
                                                            else [])
            guilds = {(bot, size, run): fake.add_guild(name=f"{bot} {size} run {run}",
                                                       preferred_locale="en-US")
                      for bot in BOTS for run, run_sizes in plan for size in run_sizes}
            for guild_id in guilds.values():
                fake.add_channel(guild_id, "general")
            runner = Runner(fake, tmp)
            results: list[Burst] = []
            async with payload_builder(fake, tmp, "cogs.pledges") as h:
                for run, run_sizes in plan:
                    if run == runs:  # profiled: slower, and expired interactions are not the point
                        fake.interaction_deadline = 60.0
                    measured = await one_run(runner, h, run_sizes, run, guilds,
                                             profiler=profiler if run == runs else None)
                    results += measured if run < runs else []
            check, report = await db_check(runner.db_path)
            stored = stored_per_guild(runner.db_path)
    finally:
        await fake.close()
    if check != 0 or fake.errors:
        raise RuntimeError(f"db check {check}: {report}\n{fake.errors[:3]}")
    missing = {key: stored.get(g, 0) for key, g in guilds.items()
               if key[0] == "bot" and stored.get(g, 0) != key[1]}
    if missing:
        raise RuntimeError(f"bursts lost pledges (burst: rows stored): {missing}")
    return results


def median(results: list[Burst], metric: Callable[[Burst], float]) -> float:
    return statistics.median(metric(r) for r in results)


def ms(value: float) -> str:
    return "late" if value == float("inf") else f"{value:.0f}"


def table(results: list[Burst], sizes: Sequence[int]) -> list[str]:
    """The report: per burst size, the bot beside the floor, medians of the runs."""
    runs = len(results) // (2 * len(sizes))
    lines = [f"pledge burst, bot as a process, beside a bare discord.py bot (median of {runs} "
             "runs; CPU: the bot process's CPU time per interaction; late: answered past "
             "Discord's 3 s, all runs)",
             f"{'':>6}  {'---- Coalition bot ----':^33}  {'--- discord.py floor ---':^26}  "
             f"{'ratio to floor':>14}",
             f"{'burst':>6}  {'p50 ms':>7}{'p99 ms':>7}{'per s':>7}{'CPU ms':>7}{'late':>5}  "
             f"{'p50 ms':>7}{'p99 ms':>7}{'per s':>6}{'CPU ms':>7}{'':>1}  {'p99':>6}{'CPU':>6}"]
    for size in sizes:
        ours = [r for r in results if r.bot == "bot" and r.size == size]
        floor = [r for r in results if r.bot == "floor" and r.size == size]
        mine = {k: median(ours, f) for k, f in METRICS.items()}
        base = {k: median(floor, f) for k, f in METRICS.items()}
        finite = float("inf") not in (mine["p99"], base["p99"]) and base["p99"] > 0
        p99_ratio = f"{mine['p99'] / base['p99']:>5.2f}x" if finite else f"{'-':>6}"
        lines.append(
            f"{size:>6}  {ms(mine['p50']):>7}{ms(mine['p99']):>7}{mine['rate']:>7.0f}"
            f"{mine['cpu']:>7.2f}{sum(r.late for r in ours):>5}  {ms(base['p50']):>7}"
            f"{ms(base['p99']):>7}{base['rate']:>6.0f}{base['cpu']:>7.2f}{'':>1}  "
            f"{p99_ratio}{mine['cpu'] / base['cpu']:>5.2f}x")
    return lines


METRICS: dict[str, Callable[[Burst], float]] = {
    "p50": lambda r: r.p50, "p99": lambda r: r.p99, "rate": lambda r: r.throughput,
    "cpu": lambda r: r.cpu_ms,
}


def pooled_cpu(results: list[Burst]) -> float:
    """A process's first burst warms it up (connections, first calls); the rest, pooled per run."""
    runs: dict[int, list[Burst]] = {}
    for result in results:
        runs.setdefault(result.run, []).append(result)
    per_run = [sum(r.cpu for r in bursts[1:]) / sum(r.size for r in bursts[1:]) * 1000
               for bursts in runs.values() if len(bursts) > 1]
    return statistics.median(per_run) if per_run else float("nan")


def details(results: list[Burst], sizes: Sequence[int]) -> list[str]:
    """Spread over the runs, the fake's share, and the verdicts."""
    largest = max(sizes)
    lines = []
    for bot in BOTS:
        big = [r for r in results if r.bot == bot and r.size == largest]
        lines.append(f"{bot} at {largest}: p99 over runs {'/'.join(ms(r.p99) for r in big)} ms, "
                     f"CPU per interaction {'/'.join(f'{r.cpu_ms:.2f}' for r in big)} ms, busy "
                     f"{median(big, lambda r: r.busy):.0f}% of the burst; the fake's CPU "
                     f"{median(big, lambda r: r.fake_cpu_ms):.2f} ms per interaction")
    pooled = {bot: pooled_cpu([r for r in results if r.bot == bot]) for bot in BOTS}
    lines.append(f"CPU per interaction over every burst after the first of each run, median of "
                 f"the runs: bot {pooled['bot']:.3f} ms, floor {pooled['floor']:.3f} ms "
                 f"({pooled['bot'] / pooled['floor']:.2f}x)")
    ours = [r for r in results if r.bot == "bot" and r.size == largest]
    floor = [r for r in results if r.bot == "floor" and r.size == largest]
    p99 = median(ours, lambda r: r.p99)
    cpu_ratio = median(ours, lambda r: r.cpu_ms) / median(floor, lambda r: r.cpu_ms)
    lines.append(f"target p99 < {TARGET_P99_MS:.0f} ms at {largest}: "
                 f"{'met' if p99 < TARGET_P99_MS else 'MISSED'} ({ms(p99)} ms); "
                 f"CPU within {TARGET_RATIO}x of the floor: "
                 f"{'met' if cpu_ratio <= TARGET_RATIO else 'MISSED'} ({cpu_ratio:.2f}x)")
    return lines


def report(sizes: Sequence[int] = SIZES, runs: int = RUNS, profile: Path | None = None
           ) -> list[str]:
    profiler = BurstProfiler(profile) if profile else None
    results = asyncio.run(run_bursts(sizes, runs, profiler))
    return table(results, sizes) + details(results, sizes) + (profiler.summary if profiler else [])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=1000, help="the largest burst")
    parser.add_argument("--runs", type=int, default=RUNS)
    parser.add_argument("--profile", type=Path, metavar="DIR",
                        help="add a profiled run of the largest burst (benchmarks/burst_profile.py)")
    args = parser.parse_args()
    sizes = [s for s in SIZES if s < args.members] + [args.members]
    for line in report(sizes, args.runs, args.profile):
        print(line)


if __name__ == "__main__":
    main()
