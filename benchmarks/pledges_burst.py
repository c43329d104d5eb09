"""A burst of members submitting a pledge at once, through the real command tree.

Each of N distinct members runs `/pledge make` (untimed: it only opens the form), then all N
form submissions are handed to discord.py's gateway parser in one go, as a burst arriving on
the gateway would be. Latency is timed per member from that dispatch to the moment the fake
Discord received the bot's receipt (the callback). A solo run (one member at a time) in the
same process is the baseline. Afterwards every row is checked.

Run from the repository root: `python benchmarks/pledges_burst.py [--members N]` (both modes).
Target: p99 under 250 ms for 1,000 members (Discord allows 3 s for the first response).

The bot and the fake share one process (and one core) here, so every figure counts the fake's
CPU as well as the bot's. The figures that matter come next: the same burst against the bot as
deployed, its own process, beside a bare discord.py bot that only acknowledges (the framework's
floor), for bursts of 100, 250, 500 and 1,000 (benchmarks/pledges_burst_process.py, which also
says what the figures were and where the CPU goes).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.client import CoalitionBot  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.fakediscord.harness import Harness  # noqa: E402
from bot.fakediscord.reply import FakeUser, Reply  # noqa: E402
from bot.fakediscord.server import FakeDiscord  # noqa: E402
from bot.storage import Database  # noqa: E402

TARGET_P99_MS = 250.0
SOLO_RUNS = 30
CPU_KEY = "CPU per pledge ms (bot and fake together)"
TOKEN = "fake-token-" + "x" * 40
VALUES = {"on_behalf_of": "Republic of Costa Rica", "region": ["americas"], "topic": ["pledges"]}


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def submit_payload(h: Harness, opened: Reply, user: FakeUser, index: int) -> dict[str, Any]:
    """The modal submit the member's client would send (as Harness.submit_modal builds it)."""
    assert opened.modal is not None
    origin = opened.interaction
    payload = h.payloads.envelope(5, user, guild_id=user.guild_id,
                                  channel_id=int(origin["channel_id"]), locale="en-US",
                                  guild_locale=None, app_permissions=None)
    values = {**VALUES, "pledge_text": f"Pledge {index}: ratify the APIC and adopt "
                                       "implementing legislation ✊"}
    components = h.payloads.modal_components(opened.modal, values, user.guild_id, {}, check=True)
    payload["data"] = {"custom_id": opened.modal["custom_id"], "components": components}
    return payload


async def open_forms(h: Harness, members: list[FakeUser]) -> list[Reply]:
    replies = []
    for member in members:
        reply = await h.slash("pledge make", user=member)
        if reply.modal is None:
            raise RuntimeError(f"/pledge make opened no form: {reply.text()!r}")
        replies.append(reply)
    return replies


async def fire(fake: FakeDiscord, h: Harness, payloads: list[dict[str, Any]]) -> list[float]:
    """Dispatch every payload at once; latency (s) per payload to its receipt."""
    records = [fake.register_interaction(p) for p in payloads]
    ends: list[float] = [0.0] * len(records)

    async def watch(i: int) -> None:
        await records[i].acknowledged.wait()
        ends[i] = time.perf_counter()

    watchers = [asyncio.create_task(watch(i)) for i in range(len(records))]
    parse = h.bot._connection.parsers["INTERACTION_CREATE"]
    starts = []
    for payload in payloads:
        starts.append(time.perf_counter())
        parse(payload)
    await asyncio.wait_for(asyncio.gather(*watchers), timeout=120)
    await h.wait_idle(120)
    bad = [r for r in records if r.callback_type != 4 or r.rejections]
    if bad:
        raise RuntimeError(f"{len(bad)} submissions got no receipt, e.g. {bad[0].callback!r}")
    return [end - start for start, end in zip(starts, ends, strict=True)]


async def solo_baseline(fake: FakeDiscord, h: Harness, guild_id: int) -> list[float]:
    """One member at a time: what a submission costs with nothing else going on."""
    latencies: list[float] = []
    for i in range(SOLO_RUNS):
        user = h.member(guild_id, f"solo{i}")
        [opened] = await open_forms(h, [user])
        latencies += await fire(fake, h, [submit_payload(h, opened, user, i)])
    return latencies


async def run_burst(n: int = 1000) -> dict[str, Any]:
    """Figures for a burst of `n` members (ms, per second); raises if a row is missing."""
    fake = FakeDiscord()
    await fake.start()
    with tempfile.TemporaryDirectory(prefix="coalition-burst-") as tmp:
        db = await Database.open(Path(tmp) / "burst.sqlite3")
        guild_id = fake.add_guild(name="Coalition Americas", preferred_locale="en-US")
        solo_guild = fake.add_guild(name="Solo", preferred_locale="en-US")
        fake.add_channel(guild_id, "general")
        fake.add_channel(solo_guild, "general")
        settings = Settings(token=TOKEN, db_path=db.path, guild_id=None, api_base=fake.api_base,
                            gateway_url=fake.gateway_url, log_level="WARNING",
                            data_dir=ROOT / "data")
        bot = CoalitionBot(settings, db, sync_commands=False, background_tasks=False)
        h = Harness(fake, bot, timeout=120)
        await h.start()
        try:
            solo = await solo_baseline(fake, h, solo_guild)
            members = [h.member(guild_id, f"member{i}") for i in range(n)]
            forms = await open_forms(h, members)
            payloads = [submit_payload(h, f, m, i)
                        for i, (f, m) in enumerate(zip(forms, members, strict=True))]
            began, cpu_began = time.perf_counter(), time.process_time()
            latencies = await fire(fake, h, payloads)
            elapsed, cpu = time.perf_counter() - began, time.process_time() - cpu_began
            rows = await db.fetchval(
                "SELECT count(DISTINCT author_id) FROM pledges WHERE guild_id = ?", (guild_id,))
            problems = await db.integrity_check()
        finally:
            await h.close()
            await db.close()
            await fake.close()
    if rows != n or problems or fake.errors:
        raise RuntimeError(f"burst lost data: {rows} of {n} rows, {problems}, {fake.errors}")
    p50, p99 = percentile(latencies, 0.50) * 1000, percentile(latencies, 0.99) * 1000
    solo_p50 = percentile(solo, 0.50) * 1000
    return {
        "members": n,
        "rows stored (distinct members)": rows,
        "p50 ms": p50,
        "p99 ms": p99,
        "max ms": max(latencies) * 1000,
        "throughput pledges/s": n / elapsed,
        CPU_KEY: cpu / n * 1000,
        "solo p50 ms (baseline, one member at a time)": solo_p50,
        "p99 / solo p50": p99 / solo_p50,
        "target p99 < 250 ms": "met" if p99 < TARGET_P99_MS else "MISSED",
    }


def in_process_lines(inproc: dict[str, Any]) -> list[str]:
    """The burst with the bot, the fake and the payload builder sharing one process."""
    return [f"pledge burst of {inproc['members']}, bot and fake in one process: "
            f"p50 {inproc['p50 ms']:.0f} ms, p99 {inproc['p99 ms']:.0f} ms, "
            f"{inproc['throughput pledges/s']:.0f} pledges/s, {inproc[CPU_KEY]:.2f} ms CPU per "
            f"pledge (bot and fake together); one member at a time: p50 "
            f"{inproc['solo p50 ms (baseline, one member at a time)']:.1f} ms; "
            f"{inproc['rows stored (distinct members)']} rows stored"]


def run_both(n: int = 1000) -> list[str]:
    """The in-process burst of `n`, then the bot-as-a-process table beside the floor."""
    from benchmarks.pledges_burst_process import SIZES, report

    inproc = asyncio.run(run_burst(n))
    return in_process_lines(inproc) + report([s for s in SIZES if s < n] + [n])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=1000)
    args = parser.parse_args()
    for line in run_both(args.members):
        print(line)


if __name__ == "__main__":
    main()
