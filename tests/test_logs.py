"""Log lines as an operator reads them: journald priorities, JSON for collectors, and discord.py's
reconnect traceback turned into one line."""

from __future__ import annotations

import json
import logging

import aiohttp
import pytest

from bot.logs import JournalFormatter, JsonFormatter, QuietReconnects, formatter


def record(level=logging.WARNING, msg="feed %s failed", args=(3,), exc=None, name="bot.resources"):
    return logging.LogRecord(name, level, __file__, 1, msg, args, exc)


def raised(exc):
    try:
        raise exc
    except type(exc) as caught:
        return (type(caught), caught, caught.__traceback__)


def test_journal_lines_carry_the_priority_and_no_timestamp():
    assert JournalFormatter().format(record()) == "<4>bot.resources: feed 3 failed"
    assert JournalFormatter().format(record(logging.ERROR)).startswith("<3>")
    assert JournalFormatter().format(record(logging.INFO)).startswith("<6>")


def test_json_lines_are_one_object_each_with_the_traceback_inside():
    line = JsonFormatter().format(record(logging.ERROR, "bad «%s»\nsecond line", ("é",),
                                         raised(ValueError("boom"))))
    assert "\n" not in line
    entry = json.loads(line)
    assert entry["level"] == "ERROR" and entry["logger"] == "bot.resources"
    assert entry["message"] == "bad «é»\nsecond line"
    assert "ValueError: boom" in entry["exc"] and entry["time"].endswith("+00:00")


@pytest.mark.parametrize("name", ["text", "json", "journal"])
def test_every_format_renders_a_record(name):
    assert "feed 3 failed" in formatter(name).format(record())


def test_a_gateway_reconnect_is_one_warning_line():
    error = aiohttp.ClientConnectionError("Cannot connect to host gateway.discord.gg:443")
    entry = record(logging.ERROR, "Attempting a reconnect in %.2fs", (4.7,), raised(error),
                   name="discord.client")
    assert QuietReconnects().filter(entry)
    text = logging.Formatter("%(levelname)s %(message)s").format(entry)
    assert text == ("WARNING gateway connection lost (ClientConnectionError: Cannot connect to host "
                    "gateway.discord.gg:443); attempting a reconnect in 4.70s")
    other = record(logging.ERROR, "Ignoring exception in on_ready", (), raised(KeyError("x")))
    assert QuietReconnects().filter(other) and other.exc_info is not None  # real bugs keep theirs
