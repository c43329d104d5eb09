"""A warning in the log whenever the event loop is blocked for long.

Every server's commands run on one asyncio loop, so one slow call freezes them all. asyncio's
debug mode reports slow callbacks but slows every callback down; this costs one callback on the
loop and one thread wake-up every INTERVAL. The callback stamps the time; the thread looks at
the stamp and, when it is older than the threshold, logs where the loop's thread is stuck (its
current stack). When the loop runs again, the callback logs how long the block lasted. A block
inside a C call that keeps the GIL (a regular expression, say) holds the thread back too: then
only the second warning comes, with the duration.
"""

from __future__ import annotations

import asyncio
import logging
import sys
import threading
import time
import traceback

log = logging.getLogger(__name__)
THRESHOLD = 0.25
INTERVAL = 0.05
STACK_FRAMES = 12


class LoopWatchdog:
    def __init__(self, loop: asyncio.AbstractEventLoop, *, threshold: float = THRESHOLD,
                 interval: float = INTERVAL) -> None:
        self.loop = loop
        self.threshold = threshold
        self.interval = interval
        self._stamp = time.monotonic()
        self._reported = False
        self._loop_thread = threading.get_ident()
        self._handle: asyncio.TimerHandle | None = None
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Call from the loop's own thread."""
        self._loop_thread = threading.get_ident()
        self._stamp = time.monotonic()
        self._stopping.clear()
        self._handle = self.loop.call_later(self.interval, self._beat)
        self._thread = threading.Thread(target=self._watch, name="loop-watchdog", daemon=True)
        self._thread.start()
        log.info("watching the event loop: a block longer than %d ms is logged",
                 round(self.threshold * 1000))

    def stop(self) -> None:
        self._stopping.set()
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def _beat(self) -> None:
        now = time.monotonic()
        late = now - self._stamp - self.interval
        if late > self.threshold:
            log.warning("the event loop was blocked for %.2f s", late)
        self._stamp, self._reported = now, False
        if not self._stopping.is_set():
            self._handle = self.loop.call_later(self.interval, self._beat)

    def _watch(self) -> None:
        while not self._stopping.wait(self.interval):
            late = time.monotonic() - self._stamp - self.interval
            if late > self.threshold and not self._reported:
                self._reported = True
                frame = sys._current_frames().get(self._loop_thread)
                stack = "".join(traceback.format_stack(frame)[-STACK_FRAMES:]) if frame else "?"
                log.warning("the event loop has been blocked for %.2f s, at:\n%s", late, stack)
