"""Run a Python program with cProfile switched on by SIGUSR1 and off (and saved) by SIGUSR2.

Usage: python benchmarks/profiled.py OUT.prof -m bot run   (or: ... OUT.prof script.py ARGS)

The pledge burst benchmark starts the bots through this when asked to profile, so that only the
burst is profiled, in the bot's own process, with no change to the bot. The profile covers the
main thread, where the event loop and every handler run, in CPU time (a busy machine's
preemption and the loop's waiting are left out). The garbage collector's time and collections
are counted too (OUT.gc.json), as cProfile leaves them out.
"""

from __future__ import annotations

import cProfile
import gc
import json
import runpy
import signal
import sys
import time
from types import FrameType
from typing import Any


def main() -> None:
    out, *argv = sys.argv[1:]
    profile = cProfile.Profile(time.thread_time)  # CPU time: waiting and preemption left out
    collections: dict[str, Any] = {"on": False, "began": 0.0, "seconds": 0.0,
                                   "by generation": [0, 0, 0], "seconds by generation": [0.0] * 3}

    def collecting(phase: str, info: dict[str, int]) -> None:
        """The garbage collector's own time, which cProfile does not see."""
        if not collections["on"]:
            return
        if phase == "start":
            collections["began"] = time.thread_time()
            collections["by generation"][info["generation"]] += 1
        else:
            spent = time.thread_time() - collections["began"]
            collections["seconds"] += spent
            collections["seconds by generation"][info["generation"]] += spent

    def start(signum: int, frame: FrameType | None) -> None:
        collections.update({"on": True, "seconds": 0.0, "by generation": [0, 0, 0],
                            "seconds by generation": [0.0] * 3})
        profile.enable()

    def stop(signum: int, frame: FrameType | None) -> None:
        profile.disable()
        collections["on"] = False
        with open(out + ".gc.json", "w", encoding="utf-8") as sink:
            json.dump(collections, sink)
        profile.dump_stats(out)

    gc.callbacks.append(collecting)

    signal.signal(signal.SIGUSR1, start)
    signal.signal(signal.SIGUSR2, stop)
    if argv[0] == "-m":
        sys.argv = [argv[1], *argv[2:]]
        runpy.run_module(argv[1], run_name="__main__", alter_sys=True)
    else:
        sys.argv = argv
        runpy.run_path(argv[0], run_name="__main__")


if __name__ == "__main__":
    main()
