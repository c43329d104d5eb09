"""What holding the fake Discord to Discord's API description costs, per process and per request.

    python benchmarks/openapi.py [--repeat N]

Part 1, once per process: reading the 1.2 MB description and the memory it keeps, and the first
validation of a message (builds the route's validator and resolves its references).
Part 2, per request: the bodies the bot sends most (a reply with an embed and buttons, a modal, a
follow-up, a channel post) and the real bot's command sync with its fr/es localizations, taken
from a sync against the fake. Each is timed through the fake's validator (tagged unions, cached
references) and through plain jsonschema on the same schema, for comparison.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

started = time.perf_counter()
import jsonschema  # noqa: E402

IMPORTED = time.perf_counter() - started

from bot.fakediscord import openapi  # noqa: E402

EMBED = {"title": "Cooperation with the ICC", "description": "d" * 1500, "color": 0x2F6F9F,
         "fields": [{"name": f"Source {i}", "value": "v" * 200, "inline": False} for i in range(5)],
         "footer": {"text": "Coalition for the ICC"}}
BUTTONS = {"type": 1, "components": [
    {"type": 2, "style": 2, "label": f"Related {i}", "custom_id": f"kb:related:{i}"}
    for i in range(4)] + [{"type": 2, "style": 5, "label": "Read", "url": "https://example.org"}]}
LABEL = {"type": 18, "label": "Region", "component": {"type": 3, "custom_id": "region", "options": [
    {"label": r, "value": r} for r in ("Africa", "Americas", "Asia-Pacific", "Europe", "MENA")]}}
TEXT = {"type": 18, "label": "Your pledge", "component": {
    "type": 4, "custom_id": "text", "style": 2, "max_length": 1000, "required": True}}
BODIES: dict[str, tuple[str, str, Any]] = {
    "reply, embed + buttons": ("POST", "/interactions/1/tok/callback", {"type": 4, "data": {
        "embeds": [EMBED], "components": [BUTTONS], "flags": 64,
        "allowed_mentions": {"parse": []}}}),
    "modal, 2 labels": ("POST", "/interactions/1/tok/callback", {"type": 9, "data": {
        "custom_id": "pledge:form", "title": "Make a pledge", "components": [TEXT, LABEL]}}),
    "follow-up": ("POST", "/webhooks/1/tok", {"content": "Saved.", "flags": 64,
                                              "allowed_mentions": {"parse": []}}),
    "channel post, embed": ("POST", "/channels/1/messages", {
        "embeds": [EMBED], "allowed_mentions": {"parse": []}}),
}


async def real_command_sync() -> Any:
    """The body the real bot sends to sync its commands (all extensions, fr/es localized)."""
    from bot.client import CoalitionBot
    from bot.fakediscord import FakeDiscord, Harness
    from bot.storage import Database
    from tests.conftest import make_settings

    fake = FakeDiscord()
    await fake.start()
    with tempfile.TemporaryDirectory() as tmp:
        db = await Database.open(Path(tmp) / "bench.sqlite3")
        bot = CoalitionBot(make_settings(fake, Path(tmp) / "bench.sqlite3"), db,
                           sync_commands=False, background_tasks=False)
        harness = Harness(fake, bot)
        try:
            await harness.start()
            await bot.tree.sync()
        finally:
            await harness.close()
            await db.close()
            await fake.close()
    return fake.requests_to("PUT", r"/commands$")[-1].json


def timed(run: Any, repeat: int) -> tuple[float, float]:
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples), min(samples)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=200)
    args = parser.parse_args()

    print("== 1. once per process")
    start = time.perf_counter()
    spec = openapi.description()
    loaded = time.perf_counter() - start
    openapi.description.cache_clear()
    tracemalloc.start()  # a second read, only to count the memory it keeps
    spec = openapi.description()
    held = tracemalloc.get_traced_memory()[0] / 2**20
    tracemalloc.stop()
    print(f"   import jsonschema + referencing: {IMPORTED * 1000:.0f} ms")
    print(f"   read {openapi.SPEC_FILE.stat().st_size / 2**20:.2f} MB description: "
          f"{loaded * 1000:.0f} ms, {held:.1f} MiB held, {len(spec['paths'])} paths")
    method, path, body = BODIES["reply, embed + buttons"]
    op = openapi.operation(method, path)
    assert op is not None
    start = time.perf_counter()
    assert openapi.request_errors(op, body) == {}
    print(f"   first validation of a reply (builds its validator): "
          f"{(time.perf_counter() - start) * 1000:.1f} ms")

    print("== 2. per request, ms (median / best of", args.repeat, "runs)")
    bodies = dict(BODIES)
    bodies["command sync, whole bot"] = (
        "PUT", "/applications/1/commands", asyncio.run(real_command_sync()))
    print(f"   {'body':28} {'fake validator':>16} {'plain jsonschema':>18}")
    for name, (method, path, body) in bodies.items():
        op = openapi.operation(method, path)
        assert op is not None and openapi.request_errors(op, body) == {}, name
        pointer = op.request_schema()
        plain = jsonschema.Draft202012Validator(
            {"$ref": f"{openapi.SPEC_URI}#{pointer}"}, registry=openapi._registry())
        repeat = max(5, args.repeat // 20) if "sync" in name else args.repeat
        ours = timed(lambda op=op, body=body: openapi.request_errors(op, body), repeat)
        theirs = timed(lambda plain=plain, body=body: list(plain.iter_errors(body)), repeat)
        print(f"   {name:28} {ours[0]:7.2f} / {ours[1]:5.2f} {theirs[0]:9.2f} / {theirs[1]:5.2f}")


if __name__ == "__main__":
    main()
