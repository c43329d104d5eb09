"""feedparser in a child process, with a deadline and a memory limit.

feedparser is pure Python and was not written for hostile input: a 2 MB document can cost it far
more than 2 MB's worth. 8,000 attributes on one element (80 KB) took 2.6 s, and the time grows
with the square of their number (xml.sax looks each one up in a list), so 2 MB of them would hold
a parsing thread for about half an hour; 240,000 nested tags took 14 s and 140 MB. A thread
cannot be stopped, so the parse runs in a process that is killed at the deadline and whose
data segment is limited (RLIMIT_DATA): whatever the document, a feed costs at most that. The
checks that need no parser (entities, entry count) stay in the bot's process, before the fork.

Children are forked from a forkserver that has already imported feedparser; the bot's own
process, with its threads and sockets, is never forked. The price, measured with
benchmarks/feeds.py on the shared 2-core machine: 30-80 ms more per parse, and about 2 s for the
first (starting the server). 50 sequential /feeds add went from 2.9 s to 8.8 s, a pass over 50
changed feeds from 2.2 s to 4.2 s; feeds are parsed only when their bytes changed.
"""

from __future__ import annotations

import logging
import multiprocessing
import resource
from multiprocessing.connection import Connection
from typing import Any

from bot.resources.fetch import FeedError
from bot.resources.parse import Item, Source, feed_text, read_items

log = logging.getLogger(__name__)
PARSE_DEADLINE = 10.0  # seconds; a 2 MB feed of 200 entries parses in well under one
PARSE_MEMORY = 256 * 2**20  # bytes a parse may add to the child's data segment
_CONTEXT = multiprocessing.get_context("forkserver")
_CONTEXT.set_forkserver_preload(["bot.resources.sandbox"])


def _data_segment() -> int:
    """This process's data segment in bytes (VmData), the quantity RLIMIT_DATA limits."""
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmData:"):
                return int(line.split()[1]) * 1024
    return 0


def _child(out: Connection, text: bytes, content_type: str, source: Source, memory: int) -> None:
    limit = _data_segment() + memory
    resource.setrlimit(resource.RLIMIT_DATA, (limit, limit))
    answer: tuple[Any, ...]
    try:
        answer = ("items", read_items(text, content_type, source))
    except FeedError as exc:
        answer = ("refused", exc.reason, exc.detail)
    except MemoryError:
        answer = ("refused", "too_complex", "memory")
    except Exception as exc:
        answer = ("crashed", f"{type(exc).__name__}: {exc}"[:300])
    out.send(answer)
    out.close()


def parse_isolated(body: bytes, content_type: str, source: Source, *,
                   deadline: float = PARSE_DEADLINE, memory: int = PARSE_MEMORY) -> list[Item]:
    """Items of a fetched document, or FeedError. Blocks up to `deadline`: run it in a thread."""
    text = feed_text(body, content_type)
    receiver, sender = _CONTEXT.Pipe(duplex=False)
    child = _CONTEXT.Process(target=_child, args=(sender, text, content_type, source, memory),
                             name="coalition-feed-parser", daemon=True)
    child.start()
    sender.close()
    try:
        if not receiver.poll(deadline):
            raise FeedError("too_complex", f"parsing took over {deadline:g} s")
        answer = receiver.recv()
    except EOFError as exc:  # it died without a word: killed for memory, most likely
        child.join()
        raise FeedError("too_complex", f"parser exit code {child.exitcode}") from exc
    finally:
        child.kill()  # done or out of time: no need to wait for its interpreter to wind down
        child.join()
        receiver.close()
    if answer[0] == "items":
        items: list[Item] = answer[1]
        return items
    if answer[0] == "refused":
        raise FeedError(answer[1], answer[2])
    log.error("feed %s: the parser failed: %s", source.url, answer[1])
    raise FeedError("internal", answer[1])
