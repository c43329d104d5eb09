"""The knowledge base as the bot serves it: topics, their index, and safe reloading.

The files under data/topics are reviewed content that can change while the bot runs. A cheap
fingerprint (names, sizes, times) is compared at most every CHECK_INTERVAL seconds before a
search; a changed, valid base replaces the index at once, while an invalid one is reported and
the previous good index keeps serving, so a typo in a YAML file never takes /ask down.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.kb.checks import check_knowledge_base
from bot.kb.loader import Problem, fingerprint
from bot.kb.model import Topic
from bot.kb.search import Hit, SearchIndex

log = logging.getLogger(__name__)
CHECK_INTERVAL = 5.0
Fingerprint = tuple[tuple[str, int, int], ...]


@dataclass(frozen=True, slots=True)
class Answer:
    """What a question found: ranked hits, and whether the best one is sure enough to show."""

    question: str
    hits: tuple[Hit, ...]
    # Words of the question the knowledge base knows nothing about, as the member wrote them.
    missing: tuple[str, ...] = ()

    @property
    def best(self) -> Hit | None:
        """The answer to show, if any: never one when the question names what we lack."""
        if self.missing or not self.hits or not self.hits[0].confident:
            return None
        return self.hits[0]

    @property
    def others(self) -> tuple[Hit, ...]:
        return self.hits[1:] if self.best else self.hits


@dataclass(frozen=True, slots=True)
class ReloadResult:
    changed: bool
    topics: int
    problems: list[Problem] = field(default_factory=list)


class KnowledgeBase:
    def __init__(self, data_dir: Path, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.data_dir = data_dir
        self._clock = clock
        self._checked_at = clock()
        self._index = SearchIndex({})
        self._seen: Fingerprint = ()
        self.problems: list[Problem] = []
        self._load(initial=True)

    @property
    def topics(self) -> dict[str, Topic]:
        return self._index.topics

    @property
    def index(self) -> SearchIndex:
        return self._index

    def reload(self) -> ReloadResult:
        """Re-read data/ now (moderator command, or a change noticed before a search)."""
        return self._load(initial=False)

    def refresh_if_changed(self) -> ReloadResult | None:
        """Reload when the files changed; checks the disk at most every CHECK_INTERVAL."""
        now = self._clock()
        if now - self._checked_at < CHECK_INTERVAL:
            return None
        self._checked_at = now
        if self._fingerprint() == self._seen:
            return None
        return self._load(initial=False)

    def ask(self, question: str, *, limit: int = 3, nearest: bool = True) -> Answer:
        self.refresh_if_changed()
        hits, missing = self._index.answer(question, limit=limit, nearest=nearest)
        return Answer(question, tuple(hits), missing)

    def complete(self, partial: str, lang: str, *, limit: int = 25) -> list[Topic]:
        self.refresh_if_changed()
        return self._index.complete(partial, lang, limit=limit)

    def get(self, slug: str) -> Topic | None:
        return self.topics.get(slug)

    def _fingerprint(self) -> Fingerprint:
        try:
            return fingerprint(self.data_dir)
        except OSError:
            return ()

    def _load(self, *, initial: bool) -> ReloadResult:
        seen = self._fingerprint()
        topics, problems = check_knowledge_base(self.data_dir)
        self._seen = seen
        self.problems = problems
        if problems and not initial:
            log.warning("knowledge base reload refused, still serving %d topics: %s",
                        len(self.topics), "; ".join(map(str, problems)))
            return ReloadResult(False, len(self.topics), problems)
        if problems:
            # At start-up there is no previous index: serve the files that passed review.
            bad = {p.file for p in problems if p.blocking}
            topics = {s: t for s, t in topics.items() if f"{s}.yaml" not in bad}
            log.error("knowledge base has problems; serving %d valid topics: %s",
                      len(topics), "; ".join(map(str, problems)))
        old, self._index = self._index, SearchIndex(topics)
        old.close()
        log.info("knowledge base loaded: %d topics", len(topics))
        return ReloadResult(True, len(topics), problems)


def attach(bot: Any) -> KnowledgeBase:
    """The bot's knowledge base, created on first use so any cog's setup may ask for it."""
    kb: KnowledgeBase | None = getattr(bot, "kb", None)
    if kb is None:
        kb = KnowledgeBase(bot.settings.data_dir)
        bot.kb = kb
    return kb
