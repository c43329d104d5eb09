"""The knowledge-base topics that pledges and comments are filed under.

The knowledge-base cog keeps the live topics on `bot.kb.topics` (reloaded when reviewers change
the files). When it is not loaded, the topics are read from the data folder once, and if that
fails too, the required slugs still work, titled by their slugs, so pledging never depends on
the knowledge base being healthy.

Pledges may also be filed under `other`: work that fits none of the knowledge base's topics
still deserves a pledge. Comments stay on knowledge-base topics (a comment is about one).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.i18n import t
from bot.kb.loader import REQUIRED_SLUGS, KnowledgeBaseError, load_topics
from bot.kb.model import Topic

log = logging.getLogger(__name__)
SELECT_LIMIT = 25  # Discord's limit on options in one select
OTHER = "other"  # the pledge topic for work outside the knowledge base's topics


@dataclass(frozen=True, slots=True)
class TopicChoice:
    slug: str
    title: str


class TopicSource:
    def __init__(self, bot: Any) -> None:
        self.bot = bot
        self._fallback: Mapping[str, Topic] | None = None

    def topics(self) -> Mapping[str, Topic] | None:
        live = getattr(getattr(self.bot, "kb", None), "topics", None)
        if isinstance(live, Mapping) and live:
            return live
        if self._fallback is None:
            self._fallback = _read(self.bot.settings.data_dir)
        return self._fallback or None

    def slugs(self, *, other: bool = False) -> set[str]:
        topics = self.topics()
        found = set(topics) if topics is not None else set(REQUIRED_SLUGS)
        return found | {OTHER} if other else found

    def title(self, slug: str, lang: str) -> str:
        if slug == OTHER:
            return t("pledges.topic.other", lang)
        topics = self.topics()
        topic = topics.get(slug) if topics is not None else None
        return topic.title(lang) if topic is not None else slug

    def choices(self, lang: str, *, other: bool = False) -> list[TopicChoice]:
        """Every topic in title order, then `other` when asked (the caller cuts to what fits)."""
        found = sorted((TopicChoice(s, self.title(s, lang)) for s in self.slugs()),
                       key=lambda c: c.title.casefold())
        return [*found, TopicChoice(OTHER, self.title(OTHER, lang))] if other else found

    def search(self, query: str, lang: str, limit: int = SELECT_LIMIT) -> list[TopicChoice]:
        """Topics whose title or slug contains the query, for autocomplete."""
        needle = query.strip().casefold()
        found = [c for c in self.choices(lang)
                 if not needle or needle in c.title.casefold() or needle in c.slug]
        return found[:limit]


def _read(data_dir: Path) -> dict[str, Topic]:
    try:
        return load_topics(data_dir)
    except (KnowledgeBaseError, OSError) as exc:
        log.warning("knowledge base unreadable (%s); pledges use the required topic slugs", exc)
        return {}


def titles_from(data_dir: Path, lang: str) -> dict[str, str]:
    """slug -> title in `lang` without a running bot (the command line), `other` included."""
    topics = _read(data_dir)
    found = {slug: topic.title(lang) for slug, topic in topics.items()}
    for slug in REQUIRED_SLUGS:
        found.setdefault(slug, slug)
    found[OTHER] = t("pledges.topic.other", lang)
    return found
