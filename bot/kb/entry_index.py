"""Each server's entries searched beside the shipped topics, and the one answer /ask gives.

A server's entries have their own index, so one server's entries can never surface in another
and the shipped topics rank exactly as they do without any entries (their accuracy is measured
on that). The two are joined on confidence, the share of the question an answer explains, the
one figure both indexes compute the same way: an entry is shown first only when it explains
more of the question than the best topic, and a confident answer from the other side is always
offered beside it.

A server's index is built when the server is first asked something (in a worker thread, as a
few hundred entries take a moment to analyse) and then kept current entry by entry as
moderators publish, so a published entry is found by the next question.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

from bot.kb.entries import Entry, entry_number, entry_slug
from bot.kb.entry_store import EntryStore
from bot.kb.search import Hit, SearchIndex
from bot.kb.service import Answer, KnowledgeBase, attach
from bot.kb.text import fold

# Below this many entries the index is built on the event loop (a few milliseconds).
THREAD_ABOVE = 20


class GuildEntries:
    """One server's published entries and their index (no index while there are none).

    The shipped topics are the index's background: a word counts for as much in an entry as
    it would among the topics and this server's entries together, so one entry about "the
    regional call" is weighed as it would be in a full knowledge base, and a question in the
    topics' words is seen to be about something the entry does not say.
    """

    def __init__(self, entries: list[Entry], topics: KnowledgeBase | None = None) -> None:
        self.topics = topics
        self.entries = {e.number: e for e in entries if e.published}
        self.index: SearchIndex | None = None
        if self.entries:
            self.index = SearchIndex({e.slug: e.as_topic() for e in self.entries.values()},
                                     background=self._background())

    def _background(self) -> SearchIndex | None:
        return self.topics.index if self.topics is not None else None

    def get(self, number: int) -> Entry | None:
        return self.entries.get(number)

    def update(self, number: int, entry: Entry | None) -> None:
        """Put an entry as it is published now, or take it out (removed, or nothing
        published)."""
        if entry is None or not entry.published:
            self.entries.pop(number, None)
            if self.index is not None:
                self.index.remove(entry_slug(number))
            return
        self.entries[number] = entry
        if self.index is None:
            self.index = SearchIndex({}, background=self._background())
        self.index.put(entry.as_topic())

    def search(self, question: str, limit: int) -> list[Hit]:
        if self.index is None or not self.entries:
            return []
        self.index.background = self._background()  # the topics may have been reloaded
        return self.index.run(self.index.parse(question), limit=limit)

    def complete(self, partial: str, lang: str, limit: int) -> list[Entry]:
        if self.index is None:
            return []
        found = self.index.complete(partial, lang, limit=limit)
        return [e for e in (self.get(entry_number(t.slug) or 0) for t in found) if e]

    def find(self, name: str) -> Entry | None:
        """An entry named by "#12" (autocomplete's value) or, typed by hand, its question."""
        number = entry_number(name.strip())
        if number is not None:
            return self.get(number)
        folded = fold(" ".join(name.split()))
        return next((e for e in self.entries.values()
                     if any(fold(t.question) == folded for t in e.texts.values())), None)

    def close(self) -> None:
        if self.index is not None:
            self.index.close()


EMPTY = GuildEntries([])


class ServerEntries:
    """Every server's entry index, loaded on first use and updated as entries change."""

    def __init__(self, store: EntryStore, topics: KnowledgeBase | None = None) -> None:
        self.store = store
        self.topics = topics
        self._loaded: dict[int, GuildEntries] = {}
        self._locks: dict[int, asyncio.Lock] = {}

    def _lock(self, guild_id: int) -> asyncio.Lock:
        return self._locks.setdefault(guild_id, asyncio.Lock())

    async def of(self, guild_id: int | None) -> GuildEntries:
        """The server's entries (none outside a server)."""
        if guild_id is None:
            return EMPTY
        loaded = self._loaded.get(guild_id)
        if loaded is not None:
            return loaded
        async with self._lock(guild_id):
            loaded = self._loaded.get(guild_id)
            if loaded is None:
                entries = await self.store.published(guild_id)
                loaded = (await asyncio.to_thread(GuildEntries, entries, self.topics)
                          if len(entries) > THREAD_ABOVE else GuildEntries(entries, self.topics))
                self._loaded[guild_id] = loaded
        return loaded

    async def preload(self) -> None:
        """Build every server's index now, one after the other, so no member's first question
        in a server with hundreds of entries waits for it (Discord allows 3 s to answer)."""
        for guild_id in await self.store.servers():
            await self.of(guild_id)

    async def refresh(self, guild_id: int, number: int) -> None:
        """After a change was committed: the entry as it now stands, in the index at once.

        Under the server's lock, so a load that read the database before the commit finishes
        first and this change lands on top of it.
        """
        async with self._lock(guild_id):
            loaded = self._loaded.get(guild_id)
            if loaded is not None:
                loaded.update(number, await self.store.get(guild_id, number))

    def close(self) -> None:
        for loaded in self._loaded.values():
            loaded.close()
        self._loaded.clear()


@dataclass(frozen=True, slots=True)
class ServerAnswer:
    """What a question found among the shipped topics and among this server's entries."""

    topics: Answer
    entries: tuple[Hit, ...]

    @property
    def best(self) -> Hit | None:
        """The entry when it explains more of the question than the best topic, else that
        topic (the reviewed base wins a tie); None when neither is sure enough."""
        topic = self.topics.best
        entry = self.entries[0] if self.entries and self.entries[0].confident else None
        if entry is not None and (topic is None or entry.confidence > topic.confidence):
            return entry
        return topic

    @property
    def missing(self) -> tuple[str, ...]:
        return () if self.best is not None else self.topics.missing

    def also(self) -> list[Hit]:
        """Confident answers from the other side of the best one, then other confident
        entries: an entry and a topic answering the same question are both offered."""
        best = self.best
        if best is None:
            return []
        confident_entries = [h for h in self.entries if h.confident and h != best]
        topic = self.topics.best
        if entry_number(best.slug) is None:
            return confident_entries
        return ([topic] if topic is not None else []) + confident_entries

    def closest(self, limit: int = 3) -> list[Hit]:
        """For a refusal: the nearest topics, and the nearest entry if any matched at all."""
        topics = list(self.topics.hits[:limit])
        entries = [h for h in self.entries[:1] if h.score > 0]
        return (topics[: limit - len(entries)] + entries) if entries else topics


def ask_server(kb: KnowledgeBase, entries: GuildEntries, question: str, *,
               limit: int = 3) -> ServerAnswer:
    """Both searches; when an entry is sure, the topics' look-alike titles (only offered when
    nothing matched at all) are not worth their cost."""
    found = tuple(entries.search(question, limit))
    sure = bool(found) and found[0].confident
    return ServerAnswer(kb.ask(question, limit=limit, nearest=not sure), found)


def attach_entries(bot: Any) -> ServerEntries:
    """The bot's entry indexes, created on first use so any cog's setup may ask for them."""
    found: ServerEntries | None = getattr(bot, "kb_entries", None)
    if found is None:
        found = ServerEntries(EntryStore(bot.db), attach(bot))
        bot.kb_entries = found
    return found
