"""A per-server cooldown for commands that start expensive work (`/feeds refresh`).

Each refresh reads every feed of the server and can queue up to 25 announcements per feed;
pressed repeatedly it would fill the outbox faster than Discord lets the bot post. Kept in memory:
a restart forgets it, which costs at most one early use per server.
"""

from __future__ import annotations

from datetime import datetime, timedelta


class Cooldown:
    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._ready: dict[int, datetime] = {}

    def claim(self, guild_id: int, now: datetime) -> datetime | None:
        """None when the server may go ahead (counted from now); otherwise when it may."""
        ready = self._ready.get(guild_id)
        if ready is not None and now < ready:
            return ready
        self._ready[guild_id] = now + timedelta(seconds=self.seconds)
        return None
