"""Pledges under load: a burst of submissions, and exporting 100,000 pledges to CSV.

Run from the repository root: `python benchmarks/pledges.py` (add `--rows N` to change the
export size). Part 1 is the members' burst (benchmarks/pledges_burst.py). Part 2 times our
streaming exporter against sqlite3's own CSV output of the same query, each in its own child
process so that peak memory (VmHWM from /proc) belongs to that run alone, and exports 10x fewer
rows too, to show memory does not grow with the row count.

Targets: export time within 2x of sqlite3; peak memory for 100k rows about that of 10k.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.pledges.export import ExportRequest, write_export  # noqa: E402
from bot.storage import Database  # noqa: E402

RUNS = 5
BIG_GUILD = 700000000000000001
SMALL_GUILD = 700000000000000002
REGIONS = ("americas", "africa", "asia-pacific", "europe", "mena")
TEXT = ("Nous nous engageons à adopter une législation de mise en œuvre complète, "
        "y compris sur la coopération avec la Cour, d'ici \"2012\".\nSegundo párrafo, con ñ. ")
BASELINE_SQL = (
    "SELECT p.id, p.created_at, p.updated_at, p.status, p.withdrawn_at, c.name AS campaign, "
    "p.region, p.topic, p.on_behalf_of, p.text, p.lang, p.author_id FROM pledges AS p "
    "LEFT JOIN campaigns AS c ON c.id = p.campaign_id AND c.guild_id = p.guild_id "
    "WHERE p.guild_id = {guild} AND p.status = 'active' ORDER BY p.created_at, p.id"
)


# -- part 1 -------------------------------------------------------------------------------------


def burst() -> None:
    print("== 1. burst of 1,000 members pledging at once (real command tree, fake Discord)")
    try:
        from benchmarks.pledges_burst import run_both
    except ImportError as exc:
        print(f"   skipped: benchmarks/pledges_burst.py is not available ({exc})")
        return
    for line in run_both(1000):
        print(f"   {line}")


# -- part 2 -------------------------------------------------------------------------------------


async def fill(path: Path, rows: int) -> None:
    db = await Database.open(path)
    try:
        async with db.transaction() as conn:
            await conn.execute("INSERT INTO campaigns (guild_id, name, opened_by, opened_at) "
                               "VALUES (?, 'Kampala 2010', 1, '2010-05-31T00:00:00Z')", (BIG_GUILD,))
            for guild, count in ((BIG_GUILD, rows), (SMALL_GUILD, rows // 10)):
                await conn.executemany(
                    "INSERT INTO pledges (guild_id, author_id, campaign_id, text, on_behalf_of, "
                    "region, topic, lang, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, 'fr', "
                    "?, ?)",
                    ((guild, 10**17 + i, 1 if guild == BIG_GUILD and i % 2 else None,
                      ("=SUM(A1) " if i % 50 == 0 else "") + TEXT + str(i), f"État n° {i % 120}",
                      REGIONS[i % 5], "implementing-legislation",
                      f"2010-06-01T{i // 3600 % 24:02d}:{i // 60 % 60:02d}:{i % 60:02d}Z",
                      "2010-06-01T00:00:00Z") for i in range(count)))
    finally:
        await db.close()


async def child_export(db_path: str, guild: int, out: str, trace: bool) -> None:
    """Runs in a child process: export, then report seconds and the Python heap peak."""
    if trace:
        tracemalloc.start()
    db = await Database.open(db_path, migrate=False)
    start = time.perf_counter()
    with open(out, "wb") as sink:
        count = await write_export(db, ExportRequest("pledges", guild), "csv", sink)
    elapsed = time.perf_counter() - start
    await db.close()
    peak = tracemalloc.get_traced_memory()[1] if trace else 0
    print(f"{count} {elapsed:.4f} {peak} {peak_kib(os.getpid())}")


def peak_kib(pid: int) -> int:
    """VmHWM of a live process: the peak RSS of its current program only.

    ru_maxrss from wait4 would not do: Linux carries the forking parent's peak across exec.
    """
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0
    for line in status.splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


def measure(argv: list[str], stdout: int | None = None) -> tuple[float, int, str]:
    """(wall seconds, peak RSS in KiB, stdout) of one child process, RSS sampled every 2 ms."""
    start = time.perf_counter()
    with tempfile.TemporaryFile() as captured:
        process = subprocess.Popen(argv, stdout=stdout if stdout is not None else captured, cwd=ROOT)
        peak = 0
        while (status := os.waitpid(process.pid, os.WNOHANG))[0] == 0:
            peak = max(peak, peak_kib(process.pid))
            time.sleep(0.002)
        elapsed = time.perf_counter() - start
        process.returncode = os.waitstatus_to_exitcode(status[1])
        if process.returncode != 0:
            raise SystemExit(f"{argv[0]} failed with {process.returncode}")
        captured.seek(0)
        return elapsed, peak, captured.read().decode()


def ours(db: Path, guild: int, out: Path, trace: bool = False) -> tuple[float, int, int, int]:
    """(export seconds, peak RSS KiB, Python heap peak bytes, rows)."""
    argv = [sys.executable, __file__, "--child", str(db), str(guild), str(out)]
    _, sampled, text = measure([*argv, "--trace"] if trace else argv)
    count, seconds, peak, own = text.split()
    return float(seconds), max(sampled, int(own)), int(peak), int(count)


def baseline(sqlite3: str, db: Path, guild: int, out: Path) -> tuple[float, int]:
    with out.open("wb") as sink:
        seconds, rss, _ = measure([sqlite3, "-csv", "-header", str(db),
                                   BASELINE_SQL.format(guild=guild)], stdout=sink.fileno())
    return seconds, rss


def export_benchmark(rows: int) -> None:
    print(f"== 2. exporting {rows:,} pledges to CSV (best of {RUNS})")
    sqlite3 = shutil.which("sqlite3")
    with tempfile.TemporaryDirectory() as folder:
        db, out = Path(folder) / "bench.sqlite3", Path(folder) / "out.csv"
        start = time.perf_counter()
        asyncio.run(fill(db, rows))
        print(f"   filled {rows + rows // 10:,} rows in {time.perf_counter() - start:.1f} s")
        runs, bases = [], []
        for _ in range(RUNS):  # interleaved, so a busy moment hits both sides alike
            runs.append(ours(db, BIG_GUILD, out))
            if sqlite3 is not None:
                bases.append(baseline(sqlite3, db, BIG_GUILD, out))
        best = min(runs)
        idle = int(measure([sys.executable, __file__, "--idle"])[2].split()[3])
        print(f"   ours:    {best[0]:.3f} s, peak RSS {best[1] / 1024:.1f} MiB ({idle / 1024:.1f} MiB "
              f"of it is the interpreter and imports), {best[3]:,} rows")
        if not bases:
            print("   sqlite3 CLI not installed: no baseline (install the sqlite3 package)")
        else:
            base = min(bases)
            print(f"   sqlite3: {base[0]:.3f} s (whole process, start-up included), peak RSS "
                  f"{base[1] / 1024:.1f} MiB")
            print(f"   time ratio ours/sqlite3: {best[0] / base[0]:.2f}x (target <= 2x)")
        small = min(ours(db, SMALL_GUILD, out) for _ in range(RUNS))
        traced_big = ours(db, BIG_GUILD, out, trace=True)
        traced_small = ours(db, SMALL_GUILD, out, trace=True)
        print(f"   memory, {rows // 10:,} vs {rows:,} rows: peak RSS {small[1] / 1024:.1f} vs "
              f"{best[1] / 1024:.1f} MiB (ratio {best[1] / small[1]:.2f}); Python heap peak "
              f"{traced_small[2] / 1024:.0f} vs {traced_big[2] / 1024:.0f} KiB "
              f"(ratio {traced_big[2] / traced_small[2]:.2f})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--skip-burst", action="store_true")
    parser.add_argument("--child", nargs=3, metavar=("DB", "GUILD", "OUT"), help=argparse.SUPPRESS)
    parser.add_argument("--trace", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--idle", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.idle:
        print(f"0 0 0 {peak_kib(os.getpid())}")
        return
    if args.child:
        db, guild, out = args.child
        asyncio.run(child_export(db, int(guild), out, args.trace))
        return
    if not args.skip_burst:
        burst()
    export_benchmark(args.rows)


if __name__ == "__main__":
    main()
