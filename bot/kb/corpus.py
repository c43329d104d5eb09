"""The documents a search runs over, and what is known about them as a whole.

One FTS5 row per (document, language), columns title / aliases / short / body holding the
analysed terms (see `bot.kb.text`). Beside the table: how many documents hold each term (for
IDF), each document's names (titles and aliases) and adjacent name terms, and the corpus words
typos are corrected to. Documents are the shipped topics, or one server's entries (see
bot.kb.entry_index); they can be put and removed one at a time, after which the figures over
the whole set are recomputed and memoised answers dropped. The query side is bot.kb.search.

The connection is in memory and used synchronously (it may be built in a worker thread and then
used, one call at a time, from the event loop's thread).
"""

from __future__ import annotations

import itertools
import math
import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass

from rapidfuzz import fuzz, process
from rapidfuzz.distance import Levenshtein

from bot.kb.model import Topic
from bot.kb.text import (
    ALL_STOPWORDS,
    CONCEPT_PREFIX,
    STEM_LENGTH,
    common_prefix,
    fold,
    index_terms,
    name_slots,
    stem,
    words,
)

# BM25 weights per column: slug, lang (unindexed), title, aliases, short, body.
WEIGHTS = (0.0, 0.0, 8.0, 6.0, 2.0, 1.0)
TYPO_CUTOFF = 80.0
MIN_TYPO_LENGTH = 5
MAX_TERMS = 24
PREFETCH_ROWS = 8
MAX_CACHED = 10_000  # memoised typo corrections and autocomplete prefixes
# A long word that shares only its truncated stem with the corpus ("internship" and
# "international") is not a match: more than this many letters differ after the common start.
MAX_STEM_ONLY_TAIL = 3

_SCHEMA = """
CREATE VIRTUAL TABLE docs USING fts5(
    slug UNINDEXED, lang UNINDEXED, title, aliases, short, body,
    tokenize = "unicode61 remove_diacritics 2"
);
CREATE VIRTUAL TABLE vocab USING fts5vocab(docs, 'row');
"""
_INSERT = ("INSERT INTO docs (slug, lang, title, aliases, short, body) "
           "VALUES (:slug, :lang, :title, :aliases, :short, :body)")
_TERM_QUERY = ("SELECT {index} AS k, slug, lang, bm25(docs, {weights}) AS s "
               "FROM docs WHERE docs MATCH ?")


@dataclass(frozen=True, slots=True)
class Name:
    """One title or alias of a topic, as index terms: plain words, and concept terms."""

    words: frozenset[str]
    concepts: frozenset[str]
    slots: tuple[frozenset[str], ...] = ()


class Corpus:
    """A set of documents (topics, or one server's entries) indexed for search."""

    def __init__(self, topics: Mapping[str, Topic], *,
                 background: Corpus | None = None) -> None:
        self.topics: dict[str, Topic] = {}
        # Another index whose documents count in how telling a word is, without being searched
        # (a server's entries are weighed against the shipped topics: see bot.kb.entry_index).
        self.background = background
        self._db = sqlite3.connect(":memory:", check_same_thread=False)
        self._db.executescript(_SCHEMA)
        self._words: dict[str, str] = {}
        self._word_docs: dict[str, int] = {}
        self._topic_df: dict[str, int] = {}
        self._doc_terms: dict[str, set[str]] = {}
        self._doc_words: dict[str, set[str]] = {}
        # Per topic, the terms and adjacent term pairs of its titles and aliases (any language).
        self._names: dict[str, set[str]] = {}
        self._aliases: dict[str, list[Name]] = {}
        self._pairs: dict[str, set[tuple[str, str]]] = {}
        # Which topics have a pair, so a question's pairs are looked up, not every topic's.
        self._pair_slugs: dict[tuple[str, str], set[str]] = {}
        self._corrections: dict[str, str | None] = {}
        self._postings: dict[str, dict[str, float]] = {}
        self._prefix_cache: dict[tuple[str, str], list[str]] = {}
        self._titles: dict[str, dict[str, str]] = {}
        weights = ", ".join(str(w) for w in WEIGHTS)
        self._term_sql = [_TERM_QUERY.format(index=i, weights=weights) for i in range(MAX_TERMS)]
        for topic in topics.values():
            self._add_topic(topic)
        self._recount()
        # Common terms are the costly ones (bm25() runs once per matching row): fetch them now.
        self.postings([t for t, n in self._df.items() if n >= PREFETCH_ROWS])

    def close(self) -> None:
        self._db.close()

    def put(self, topic: Topic) -> None:
        """Add a document, or replace the one with the same slug."""
        self._drop(topic.slug)
        self._add_topic(topic)
        self._recount()

    def remove(self, slug: str) -> None:
        if slug in self.topics:
            self._drop(slug)
            self._recount()

    def _recount(self) -> None:
        """Figures over the whole set, after it changed; memoised answers no longer hold."""
        self._keyed_names = self._key_names()
        self._rows = int(self._db.execute("SELECT count(*) FROM docs").fetchone()[0])
        self._df = {str(term): int(count) for term, count in
                    self._db.execute("SELECT term, doc FROM vocab")}
        # Typos rarely touch the first letter: looking only there is faster and avoids
        # "though" becoming "although".
        self._vocabulary: dict[str, list[str]] = {}
        self._by_stem: dict[str, list[str]] = {}
        for word in sorted(self._words):
            self._vocabulary.setdefault(word[0], []).append(word)
            self._by_stem.setdefault(self._words[word], []).append(word)
        self._name_texts = [fold(n) for t in self.topics.values() for x in t.text.values()
                            for n in (x.title, *x.aliases)]
        self._name_slugs = [t.slug for t in self.topics.values() for x in t.text.values()
                            for _ in (x.title, *x.aliases)]
        for cache in (self._corrections, self._postings, self._prefix_cache, self._titles):
            cache.clear()

    def _drop(self, slug: str) -> None:
        if self.topics.pop(slug, None) is None:
            return
        self._db.execute("DELETE FROM docs WHERE slug = ?", (slug,))
        for term in self._doc_terms.pop(slug, set()):
            self._topic_df[term] -= 1
            if not self._topic_df[term]:
                del self._topic_df[term]
        for word in self._doc_words.pop(slug, set()):
            self._word_docs[word] -= 1
            if not self._word_docs[word]:
                del self._word_docs[word], self._words[word]
        for pair in self._pairs.get(slug, set()):
            self._pair_slugs[pair].discard(slug)
            if not self._pair_slugs[pair]:
                del self._pair_slugs[pair]
        for table in (self._names, self._aliases, self._pairs):
            table.pop(slug, None)

    def _add_topic(self, topic: Topic) -> None:
        self.topics[topic.slug] = topic
        seen: set[str] = set()
        known: set[str] = set()
        names = self._names.setdefault(topic.slug, set())
        pairs = self._pairs.setdefault(topic.slug, set())
        for lang, text in topic.text.items():
            row = {"title": self._analysed(text.title, known),
                   "aliases": self._analysed(" ; ".join(text.aliases), known),
                   "short": self._analysed(text.short, known),
                   "body": self._analysed(text.body, known)}
            self._db.execute(_INSERT, {"slug": topic.slug, "lang": lang, **row})
            seen.update(" ".join(row.values()).split())
            for name in (text.title, *text.aliases):
                terms = index_terms(name)
                names.update(terms)
                pairs.update(itertools.pairwise(terms))
                concepts = frozenset(t for t in terms if t.startswith(CONCEPT_PREFIX))
                self._aliases.setdefault(topic.slug, []).append(
                    Name(frozenset(terms) - concepts, concepts, name_slots(name)))
        for term in seen:
            self._topic_df[term] = self._topic_df.get(term, 0) + 1
        for word in known:
            self._word_docs[word] = self._word_docs.get(word, 0) + 1
        for pair in pairs:
            self._pair_slugs.setdefault(pair, set()).add(topic.slug)
        self._doc_terms[topic.slug] = seen
        self._doc_words[topic.slug] = known

    def _key_names(self) -> dict[str, list[tuple[str, Name]]]:
        """Each topic name under a few terms a question must contain to give it: its rarest
        word, and every term of its rarest slot. A question then tries only the names its own
        terms can open, not every alias of every topic."""
        keyed: dict[str, list[tuple[str, Name]]] = {}
        for slug, names in self._aliases.items():
            for name in dict.fromkeys(names):
                keys: set[str] = set()
                if name.words:
                    keys.add(min(name.words, key=lambda t: (self._topic_df.get(t, 0), t)))
                if name.slots:
                    keys.update(min(name.slots, key=lambda slot: sum(
                        self._topic_df.get(t, 0) for t in slot)))
                for key in keys:
                    keyed.setdefault(key, []).append((slug, name))
        return keyed

    def _analysed(self, text: str, known: set[str]) -> str:
        for word in words(text):
            if word not in ALL_STOPWORDS:
                self._words.setdefault(word, stem(word))
                known.add(word)
        return " ".join(index_terms(text))

    @property
    def documents(self) -> int:
        """How many documents the figures below are taken over (the background's included)."""
        extra = len(self.background.topics) if self.background is not None else 0
        return len(self.topics) + extra

    def found_in(self, term: str) -> int:
        """How many documents contain the term (the background's included)."""
        found = self._topic_df.get(term, 0)
        if self.background is not None:
            found += self.background._topic_df.get(term, 0)
        return found

    @property
    def idf_unseen(self) -> float:
        """What a word no topic contains counts for: as much as the rarest word we know (one
        topic), so a question about something else is mostly unexplained, without the word
        outweighing everything else the member asked."""
        total = max(1, self.documents)
        return math.log(1.0 + (total - 0.5) / 1.5)

    def telling(self, term: str) -> bool:
        """Whether a term is used by fewer than half of the topics: only then can it, alone,
        point at one of them (FTS5 draws the same line for its own IDF)."""
        return 2 * self.found_in(term) < self.documents

    def idf(self, term: str) -> float:
        """How telling a term is, over topics (not rows), and never zero or negative."""
        found = self.found_in(term)
        total = max(1, self.documents)
        return math.log(1.0 + (total - found + 0.5) / (found + 0.5))

    def _fts_idf(self, term: str) -> float:
        """The IDF FTS5's bm25() applied, so it can be divided out again.

        FTS5 clamps the IDF of a term found in over half the rows to 1e-6, which would make
        "declaration" worthless even in the title of the one topic it names.
        """
        found = self._df.get(term, 0)
        return max(1e-6, math.log((self._rows - found + 0.5) / (found + 0.5)))

    def correct(self, word: str, *, name: bool = False) -> str | None:
        """The corpus word a misspelt word most likely meant, or None.

        A proper name ("Australia") is corrected only one letter away ("Kirsh"): a name
        we don't know is a country or person we don't cover, not a typo of "Austria".
        """
        key = f"{word}\0" if name else word
        if key in self._corrections:
            return self._corrections[key]
        found = None
        if len(word) >= MIN_TYPO_LENGTH and not word.isdigit():
            match = process.extractOne(word, self._vocabulary.get(word[0], []),
                                       scorer=fuzz.ratio, score_cutoff=TYPO_CUTOFF)
            if match and (not name or Levenshtein.distance(word, match[0]) <= 1):
                found = str(match[0])
        if len(self._corrections) < MAX_CACHED:
            self._corrections[key] = found
        return found

    def _stem_only(self, word: str) -> bool:
        """Whether a word absent from the corpus meets it only through its truncated stem."""
        if len(word) <= STEM_LENGTH or word in self._words or word.isdigit():
            return False
        shared = max((common_prefix(word, known) for known in
                      self._by_stem.get(stem(word), ())), default=0)
        return len(word) - shared > MAX_STEM_ONLY_TAIL

    def postings(self, terms: list[str]) -> list[dict[str, float]]:
        """Per term, each topic's BM25 term-frequency part (best language row).

        bm25() of a one-term query is FTS5's IDF times a saturating term frequency; the
        frequency part is kept and our own IDF applied later. Each term's postings are fetched
        once (one UNION ALL statement for all new terms) and then served from memory until the
        documents change: bm25() costs a few microseconds per matching row, and common terms
        match every row.
        """
        missing = [t for t in dict.fromkeys(terms) if t not in self._postings]
        for start in range(0, len(missing), MAX_TERMS):
            batch = missing[start:start + MAX_TERMS]
            sql = " UNION ALL ".join(self._term_sql[: len(batch)])
            found: list[dict[str, float]] = [{} for _ in batch]
            for index, slug, _lang, score in self._db.execute(sql, [f'"{t}"' for t in batch]):
                value = -score / self._fts_idf(batch[index])
                found[index][slug] = max(found[index].get(slug, 0.0), value)
            self._postings.update(zip(batch, found, strict=True))
        return [self._postings[t] for t in terms]
