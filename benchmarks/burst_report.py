"""The pledge burst's report: figures per burst, the table beside the floor, the verdicts.

Used by benchmarks/pledges_burst_process.py, which runs the bursts.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass

TARGET_P99_MS = 250.0
TARGET_RATIO = 1.3
BOTS = ("bot", "floor", "floor+receipt")


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


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
    main_cpu: float  # the main thread's share of `cpu` (the event loop and every handler)

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
    def other_ms(self) -> float:
        """CPU per interaction outside the event loop's thread (SQLite's, for the bot)."""
        return (self.cpu - self.main_cpu) / self.size * 1000 if self.main_cpu else 0.0

    @property
    def fake_cpu_ms(self) -> float:
        return self.fake_cpu / self.size * 1000

    @property
    def busy(self) -> float:
        """Share of the burst the bot process spent on a core; near 100%: its core is the limit."""
        return self.cpu / self.span * 100


def median(results: list[Burst], metric: Callable[[Burst], float]) -> float:
    return statistics.median(metric(r) for r in results)


def ms(value: float) -> str:
    return "late" if value == float("inf") else f"{value:.0f}"


def table(results: list[Burst], sizes: Sequence[int]) -> list[str]:
    """The report: per burst size, the bot beside the floor, medians of the runs."""
    runs = len(results) // (len(BOTS) * len(sizes))
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
    """A process's first burst warms it up (connections, first calls); the rest, pooled per
    run (the first too when it is the only one)."""
    runs: dict[int, list[Burst]] = {}
    for result in results:
        runs.setdefault(result.run, []).append(result)
    per_run = [sum(r.cpu for r in warm) / sum(r.size for r in warm) * 1000
               for bursts in runs.values() for warm in [bursts[1:] or bursts]]
    return statistics.median(per_run) if per_run else float("nan")


def details(results: list[Burst], sizes: Sequence[int]) -> list[str]:
    """Spread over the runs, the fake's share, and the verdicts."""
    largest = max(sizes)
    lines = []
    for bot in BOTS:
        big = [r for r in results if r.bot == bot and r.size == largest]
        lines.append(f"{bot} at {largest}: p99 over runs {'/'.join(ms(r.p99) for r in big)} ms, "
                     f"CPU per interaction {'/'.join(f'{r.cpu_ms:.2f}' for r in big)} ms (other "
                     f"threads than the loop's: {median(big, lambda r: r.other_ms):.2f} ms), busy "
                     f"{median(big, lambda r: r.busy):.0f}% of the burst; the fake's CPU "
                     f"{median(big, lambda r: r.fake_cpu_ms):.2f} ms per interaction")
    pooled = {bot: pooled_cpu([r for r in results if r.bot == bot]) for bot in BOTS}
    lines.append(f"CPU per interaction over the bursts after the first of each run, median of "
                 f"the runs: bot {pooled['bot']:.3f} ms, floor {pooled['floor']:.3f} ms "
                 f"({pooled['bot'] / pooled['floor']:.2f}x), floor sending the bot's receipt "
                 f"{pooled['floor+receipt']:.3f} ms")
    lines.append(f"of the bot's {pooled['bot'] - pooled['floor']:.3f} ms over the floor, "
                 f"{pooled['floor+receipt'] - pooled['floor']:.3f} ms is discord.py building, "
                 f"sending and reading back a receipt of that shape (an embed, two buttons); "
                 f"{pooled['bot'] - pooled['floor+receipt']:.3f} ms is the bot's own work "
                 f"(checking, storing, localizing), net of its connection pool")
    lines.append(f"a burst queued at once drains one interaction at a time on the process's one "
                 f"core: its last answer cannot come before {largest} x CPU per interaction = "
                 f"{largest * pooled['bot']:.0f} ms for the bot, {largest * pooled['floor']:.0f} "
                 f"ms for the floor, with a core to itself; a p99 under {TARGET_P99_MS:.0f} ms "
                 f"at {largest} needs under {TARGET_P99_MS / largest:.2f} ms per interaction")
    p99 = median([r for r in results if r.bot == "bot" and r.size == largest], lambda r: r.p99)
    cpu_ratio = pooled["bot"] / pooled["floor"]
    lines.append(f"target p99 < {TARGET_P99_MS:.0f} ms at {largest}: "
                 f"{'met' if p99 < TARGET_P99_MS else 'MISSED'} ({ms(p99)} ms); "
                 f"CPU within {TARGET_RATIO}x of the floor: "
                 f"{'met' if cpu_ratio <= TARGET_RATIO else 'MISSED'} ({cpu_ratio:.2f}x, pooled)")
    return lines
