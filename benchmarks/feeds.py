"""Feed polling at scale: N feeds of M items served by a local aiohttp server (default 50 x 100).

Run from the repository root: `python benchmarks/feeds.py [--feeds N] [--items M]`.

Phases, all through the real poller and a real SQLite file:
  subscribe   /feeds add for every feed (first read, items recorded without announcing)
  changed     every feed now carries M new items: fetch, parse, store N*M resources, queue up
              to 25 announcements per feed (bot/resources/feeds.py: the rest are stored quietly)
  unchanged   nothing changed: conditional requests, every answer a 304
  no-etag     nothing changed, but the server ignores validators: full bodies, parsing skipped
              because the bytes hash the same
Baseline in the same process: fetching every feed unconditionally and parsing it with feedparser,
which is what a poller without conditional requests pays on every pass.

Bytes are response body bytes counted by the server (headers excluded).
"""

from __future__ import annotations

import argparse
import asyncio
import io
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import aiohttp  # noqa: E402
import feedparser  # noqa: E402

from bot.resources.feeds import Poller  # noqa: E402
from bot.resources.fetch import FeedFetcher  # noqa: E402
from bot.storage import Database  # noqa: E402
from tests.resources_helpers import Document, Entry, FeedServer, rss  # noqa: E402

GUILD = 700000000000000003
MOD = 700000000000000004
T0 = datetime(2024, 6, 1, 8, tzinfo=UTC)


def feed_body(feed: int, items: int, generation: int) -> bytes:
    return rss([
        Entry(title=f"Report {generation}-{feed}-{i} on cooperation with the Court",
              link=f"https://ngo{feed}.example.org/{generation}/report-{i}?utm_source=rss",
              guid=f"urn:{generation}:{feed}:{i}", author=f"NGO {feed}")
        for i in range(items)
    ], title=f"NGO {feed}")


def publish(server: FeedServer, feeds: int, items: int, generation: int, *,
            conditional: bool = True) -> None:
    for f in range(feeds):
        server.documents[f"f{f}"] = Document(feed_body(f, items, generation),
                                             conditional=conditional)


async def timed_poll(poller: Poller, server: FeedServer, now: datetime) -> tuple[float, int, int]:
    before = server.bytes_sent
    start = time.perf_counter()
    results = await poller.poll_due(now)
    elapsed = time.perf_counter() - start
    failed = [r for r in results if r.status not in ("new", "unchanged")]
    assert not failed, failed[:3]
    return elapsed, server.bytes_sent - before, sum(r.new for r in results)


async def baseline(server: FeedServer, feeds: int) -> tuple[float, int]:
    """Fetch everything unconditionally and parse it: the cost of a poller without validators."""
    before = server.bytes_sent
    start = time.perf_counter()
    gate = asyncio.Semaphore(8)
    async with aiohttp.ClientSession() as session:
        async def one(name: str) -> int:
            async with gate, session.get(server.url(name)) as response:
                body = await response.read()
            parsed = await asyncio.to_thread(feedparser.parse, io.BytesIO(body))
            return len(parsed.entries)

        counts = await asyncio.gather(*(one(f"f{f}") for f in range(feeds)))
    assert all(counts)
    return time.perf_counter() - start, server.bytes_sent - before


def row(label: str, seconds: float, sent: int, note: str = "") -> None:
    print(f"  {label:<34} {seconds * 1000:9.1f} ms  {sent / 1024:10.1f} KiB  {note}")


async def run(feeds: int, items: int) -> None:
    server = FeedServer()
    await server.start()
    with tempfile.TemporaryDirectory() as tmp:
        db = await Database.open(Path(tmp) / "bench.sqlite3")
        fetcher = FeedFetcher(max_bytes=10_000_000, allow_private=True)
        poller = Poller(db, fetcher, batch=feeds)
        try:
            await measure(server, db, poller, feeds, items)
        finally:
            await fetcher.close()
            await db.close()
            await server.close()


async def measure(server: FeedServer, db: Database, poller: Poller, feeds: int,
                  items: int) -> None:
    print(f"{feeds} feeds x {items} items, one server")
    publish(server, feeds, items, generation=0)
    start = time.perf_counter()
    for f in range(feeds):
        await poller.add_feed(GUILD, server.url(f"f{f}"), channel_id=None, region=None,
                              added_by=MOD, now=T0)
    row("subscribe (sequential /feeds add)", time.perf_counter() - start, server.bytes_sent,
        f"{feeds * items} items recorded, 0 announced")

    base_s, base_b = await baseline(server, feeds)
    row("baseline: unconditional fetch+parse", base_s, base_b)

    publish(server, feeds, items, generation=1)
    changed_s, changed_b, new = await timed_poll(poller, server, T0 + timedelta(hours=1))
    queued = await db.fetchval("SELECT count(*) FROM outbox WHERE guild_id = ?", (GUILD,))
    row("changed: poll, parse, store, queue", changed_s, changed_b,
        f"{new} new resources, {queued} announcements queued")

    same_s, same_b, same_new = await timed_poll(poller, server, T0 + timedelta(hours=2))
    requests_304 = sum(1 for r in server.requests[-feeds:] if r.status == 304)
    row("unchanged: conditional (304s)", same_s, same_b, f"{requests_304}/{feeds} were 304")
    assert same_new == 0

    publish(server, feeds, items, generation=1, conditional=False)
    await timed_poll(poller, server, T0 + timedelta(hours=3))  # learn the bodies' hashes
    plain_s, plain_b, plain_new = await timed_poll(poller, server, T0 + timedelta(hours=4))
    row("unchanged: no validators, same hash", plain_s, plain_b, "parsing skipped")
    assert plain_new == 0

    print("ratios")
    print(f"  unchanged/changed time     {same_s / changed_s:8.3f}")
    print(f"  unchanged/baseline time    {same_s / base_s:8.3f}")
    print(f"  changed/baseline time      {changed_s / base_s:8.3f}  (parsing plus storing)")
    print(f"  no-etag/baseline time      {plain_s / base_s:8.3f}")
    print(f"  bytes unchanged/changed    {same_b / max(changed_b, 1):8.4f}  "
          f"({same_b} B vs {changed_b} B)")
    print(f"  per feed, unchanged pass   {same_s / feeds * 1000:8.2f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--feeds", type=int, default=50)
    parser.add_argument("--items", type=int, default=100)
    args = parser.parse_args()
    asyncio.run(run(args.feeds, args.items))


if __name__ == "__main__":
    main()
