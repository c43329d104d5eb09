"""The event loop the bot runs on: uvloop where it is installed, asyncio's own otherwise.

uvloop (libuv under asyncio's API) cuts the loop's share of every interaction: scheduling
callbacks, reading the gateway socket, opening and reusing REST connections. It is a
dependency on Linux and macOS; COALITION_UVLOOP=0 turns it off, to rule it out when chasing a
problem or to compare. Nothing in the bot depends on which loop runs it.
"""

from __future__ import annotations

import asyncio
import importlib.util
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

T = TypeVar("T")


def loop_factory(use_uvloop: bool) -> Callable[[], asyncio.AbstractEventLoop] | None:
    """uvloop's loop constructor when wanted and installed; None means asyncio's default."""
    if not use_uvloop or importlib.util.find_spec("uvloop") is None:
        return None
    import uvloop

    factory: Callable[[], asyncio.AbstractEventLoop] = uvloop.new_event_loop
    return factory


def run(main: Coroutine[Any, Any, T], *, use_uvloop: bool) -> T:
    """asyncio.run(main) on the chosen loop."""
    with asyncio.Runner(loop_factory=loop_factory(use_uvloop)) as runner:
        return runner.run(main)


def describe(loop: asyncio.AbstractEventLoop) -> str:
    """"uvloop" or "asyncio", for the start-up log line."""
    return "uvloop" if type(loop).__module__.startswith("uvloop") else "asyncio"
