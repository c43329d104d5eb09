"""Hostile text for the text entry points: Hypothesis strategies, worst-case shapes, timing.

The shapes are those that make backtracking regular expressions explode or cleaning loops
crawl: a keyword then a long run that can be split many ways and a character that fails the
match at the end, nested brackets, half-open tags, characters that expand under NFKD, invisible
and bidirectional characters, lone surrogates.
"""

from __future__ import annotations

import signal
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from hypothesis import strategies as st

# A bound that only exponential (or badly polynomial) behaviour crosses: every entry point
# handles its longest input in a few milliseconds.
BOUND = 0.1
ABORT_AFTER = 2.0

KEYWORDS = ["art ", "article ", "part ", "chapitre ", "rule ", "https://", "http://a.", "<a",
            "&#", "&amp;", "=", "@"]
RUNS = ["1", "1 ", "1,", "1 and ", "ix ", "x", "(7)", "(a) ", "a", "-", "a-", "a.", ".", " ",
        "<a", "<", "%", "%2", "/", "?a=", "&", "\t", "\n", "\u200b", "\u202e", "\u3164", "\u2800",
        "\ufdfa", "\u00bd", "²", "٣", "é", "👩\u200d💻", "\ud800", "\x00", "\x1b", "_",
        "".join(map(chr, range(0x4E00, 0x4E00 + 1000)))]  # 1,000 different characters
ENDINGS = ["b", "!", ">", "-", ".", ")", "(", "\ud800", "\u200b", "é", "ω", "1b", ":1", ""]
TOKENS = KEYWORDS + RUNS + ENDINGS + ["and", "et", "y", "to", "&", ",", "ß", "İ", "\r\n", "\u0301"]


def worst_cases(length: int) -> Iterator[str]:
    """Inputs of exactly `length` characters: a keyword (or none), a long run of one piece, and
    an ending that makes a match fail at the last moment."""
    for number, run in enumerate(RUNS):
        for keyword in ["", *KEYWORDS]:
            ending = ENDINGS[number % 3]
            body = max(0, length - len(keyword) - len(ending))
            yield (keyword + run * (body // len(run) + 1))[: length - len(ending)] + ending


def hostile_text(max_size: int) -> st.SearchStrategy[str]:
    """Short token soups, and long runs up to `max_size` between a keyword and an ending."""
    soup = st.lists(st.sampled_from(TOKENS) | st.text(max_size=3), max_size=40).map("".join)
    long_run = st.builds(
        lambda keyword, run, count, ending: keyword + run * count + ending,
        st.sampled_from([*KEYWORDS, ""]), st.sampled_from(RUNS), st.integers(1, max_size),
        st.sampled_from(ENDINGS))
    wild = st.text(st.characters(exclude_categories=()), max_size=max_size)
    return st.one_of(soup, long_run, wild).map(lambda text: text[:max_size])


class TooSlow(Exception):
    pass


@contextmanager
def abort_after(seconds: float = ABORT_AFTER) -> Iterator[None]:
    """Interrupt the block after `seconds`, and again every `seconds` (SIGALRM; Python's regex
    engine checks for signals while it backtracks), so a regression fails the test instead of
    hanging the suite, even when the block catches the first interruption."""
    def alarm(signum: int, frame: Any) -> None:
        raise TooSlow(f"still running after {seconds} s")

    previous = signal.signal(signal.SIGALRM, alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def attempt(function: Callable[[str], Any], text: str,
            refusal: type[Exception]) -> tuple[Any, Exception | None]:
    """(result, None), or (None, the refusal) when `function` refused `text`."""
    try:
        return function(text), None
    except refusal as refused:
        return None, refused


def run_quietly(function: Callable[[str], Any], text: str, expected: tuple[type[Exception], ...]) -> Any:
    try:
        return function(text)
    except expected:
        return None


def timed(function: Callable[[str], Any], text: str,
          expected: tuple[type[Exception], ...] = ()) -> float:
    """Seconds for `function(text)`; a slow first run is timed twice more and the fastest kept,
    so a busy machine does not pass for exponential behaviour."""
    best = float("inf")
    for _ in range(3):
        with abort_after():
            start = time.perf_counter()
            run_quietly(function, text, expected)
            best = min(best, time.perf_counter() - start)
        if best < BOUND:
            break
    return best
