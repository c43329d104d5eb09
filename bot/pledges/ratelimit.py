"""A per-member limit on submissions that a crafted modal submit cannot skip.

Discord's command cooldowns guard only slash commands; a modal can be submitted again and
again without running the command that opened it. So the limit is applied where the row is
written, and checked (without counting) when the command opens the form, so a member who is
over the limit learns it before typing.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Hashable

from discord import app_commands

SUBMISSIONS = 3
PER_SECONDS = 60.0
PRUNE_ABOVE = 10_000  # members tracked before forgotten windows are swept


class SubmissionLimiter:
    """A sliding window of `rate` submissions per `per` seconds for each key (server, member).

    Kept in memory: a restart forgets it, which only ever lets a member submit sooner.
    """

    def __init__(self, rate: int = SUBMISSIONS, per: float = PER_SECONDS, *,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.cooldown = app_commands.Cooldown(rate, per)
        self.rate = rate
        self.per = per
        self.clock = clock
        self._hits: dict[Hashable, deque[float]] = {}

    def retry_after(self, key: Hashable) -> float:
        """Seconds until `key` may submit again; 0 when it may now."""
        hits = self._current(key)
        if len(hits) < self.rate:
            return 0.0
        return max(0.0, hits[0] + self.per - self.clock())

    def check(self, key: Hashable) -> None:
        wait = self.retry_after(key)
        if wait > 0:
            raise app_commands.CommandOnCooldown(self.cooldown, wait)

    def hit(self, key: Hashable) -> None:
        """Count one submission, or raise CommandOnCooldown (the tree words it for the member).

        Synchronous on purpose: check and count happen without an await in between, so
        concurrent submits from one member cannot both slip under the limit.
        """
        self.check(key)
        if len(self._hits) > PRUNE_ABOVE:
            for stale in list(self._hits):
                self._current(stale)
        self._hits.setdefault(key, deque()).append(self.clock())

    def refund(self, key: Hashable) -> None:
        """Give back the last submission when it was refused after counting (nothing stored)."""
        hits = self._hits.get(key)
        if hits:
            hits.pop()

    def _current(self, key: Hashable) -> deque[float]:
        hits = self._hits.get(key)
        if hits is None:
            return deque()
        horizon = self.clock() - self.per
        while hits and hits[0] <= horizon:
            hits.popleft()
        if not hits:
            del self._hits[key]
        return hits
