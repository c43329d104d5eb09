"""Times as stored: ISO 8601 UTC 'YYYY-MM-DDTHH:MM:SSZ', which sorts as text.

The poller and the poster take `now` as a parameter so tests can step time forward instead of
sleeping through backoffs.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

ISO_FORMAT = "%Y-%m-%dT%H:%M:%SZ"


def utcnow() -> datetime:
    return datetime.now(UTC)


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime(ISO_FORMAT)


def parse_iso(text: str) -> datetime:
    return datetime.strptime(text, ISO_FORMAT).replace(tzinfo=UTC)


def later(moment: datetime, seconds: float) -> str:
    return iso(moment + timedelta(seconds=seconds))
