"""The search index over the topics: SQLite FTS5 (BM25) plus typo correction with rapidfuzz.

One FTS5 row per (topic, language), columns title / aliases / short / body holding the
analysed terms (see `bot.kb.text`), so a question in any of the three languages meets the text
written in that language. Each query term is scored on its own (one UNION ALL statement) so
that synonyms and typo corrections can count less than the member's own words, and so the
share of the question a topic explains can serve as confidence.

The connection is in memory and used synchronously: a search is well under a millisecond,
far cheaper than a thread hop.
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
    Term,
    analyze,
    common_prefix,
    fold,
    index_terms,
    name_slots,
    proper_names,
    spellings,
    stem,
    word_concepts,
    words,
    written_as_names,
)

# BM25 weights per column: slug, lang (unindexed), title, aliases, short, body.
WEIGHTS = (0.0, 0.0, 8.0, 6.0, 2.0, 1.0)
TYPO_WEIGHT = 0.7
TYPO_CUTOFF = 80.0
MIN_TYPO_LENGTH = 5
MAX_TERMS = 24
PREFETCH_ROWS = 8
MAX_CACHED = 10_000  # memoised typo corrections and autocomplete prefixes
# A topic is a confident answer when it explains enough of the question, strongly enough.
MIN_SCORE = 0.3
MIN_CONFIDENCE = 0.3
# Extra credit, in units of a term's weight, when a term is in a topic's title or aliases, and
# when two adjacent question terms are adjacent there too.
NAME_BONUS = 1.0
PHRASE_BONUS = 0.5
NEAREST_CUTOFF = 70.0
# Confidence is the IDF-weighted share of the question's terms the topic contains. A word not
# in the corpus at all weighs what the IDF formula gives a term no topic contains (the most
# telling word there can be: the question is about something we don't cover); a topic none of
# whose names the question gives counts for WEAK_SHARE of that.
WEAK_SHARE = 0.25
CONCEPT_SHARE = 0.6
# A topic that stands out (its score well above the next one's) is nearly as sure.
DISTINCT_SCORE = 6.0
DISTINCT_RATIO = 2.0
# How many of the best-scoring topics are weighed for confidence before ranking.
CANDIDATES = 5
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
class Hit:
    slug: str
    score: float
    confidence: float
    # The question gives one of the topic's titles or aliases in full.
    named: bool = False

    @property
    def confident(self) -> bool:
        return self.score >= MIN_SCORE and self.confidence >= MIN_CONFIDENCE


@dataclass(frozen=True, slots=True)
class Name:
    """One title or alias of a topic, as index terms: plain words, and concept terms."""

    words: frozenset[str]
    concepts: frozenset[str]
    slots: tuple[frozenset[str], ...] = ()


@dataclass(frozen=True, slots=True)
class Query:
    terms: tuple[Term, ...]
    # The question's words the knowledge base has never seen (not even as a typo), as written,
    # and which of them are written like names ("Milosevic" inside a sentence).
    unknown: tuple[str, ...] = ()
    names: tuple[str, ...] = ()

    def without_unknown(self) -> Query:
        return Query(tuple(t for t in self.terms if t.kind != "unknown"))


class SearchIndex:
    def __init__(self, topics: Mapping[str, Topic]) -> None:
        self.topics = dict(topics)
        self._db = sqlite3.connect(":memory:")
        self._db.executescript(_SCHEMA)
        self._words: dict[str, str] = {}
        self._topic_df: dict[str, int] = {}
        # Per topic, the terms and adjacent term pairs of its titles and aliases (any language).
        self._names: dict[str, set[str]] = {}
        self._aliases: dict[str, list[Name]] = {}
        self._pairs: dict[str, set[tuple[str, str]]] = {}
        for topic in self.topics.values():
            self._add_topic(topic)
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
        self._corrections: dict[str, str | None] = {}
        self._name_texts = [fold(n) for t in self.topics.values() for x in t.text.values()
                            for n in (x.title, *x.aliases)]
        self._name_slugs = [t.slug for t in self.topics.values() for x in t.text.values()
                            for _ in (x.title, *x.aliases)]
        self._postings: dict[str, dict[str, float]] = {}
        self._prefix_cache: dict[tuple[str, str], list[str]] = {}
        self._titles: dict[str, dict[str, str]] = {}
        weights = ", ".join(str(w) for w in WEIGHTS)
        self._term_sql = [_TERM_QUERY.format(index=i, weights=weights) for i in range(MAX_TERMS)]
        # Common terms are the costly ones (bm25() runs once per matching row): fetch them now.
        self.postings([t for t, n in self._df.items() if n >= PREFETCH_ROWS])

    def close(self) -> None:
        self._db.close()

    def _add_topic(self, topic: Topic) -> None:
        seen: set[str] = set()
        names = self._names.setdefault(topic.slug, set())
        pairs = self._pairs.setdefault(topic.slug, set())
        for lang, text in topic.text.items():
            row = {"title": self._analysed(text.title),
                   "aliases": self._analysed(" ; ".join(text.aliases)),
                   "short": self._analysed(text.short),
                   "body": self._analysed(text.body)}
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

    def _analysed(self, text: str) -> str:
        for word in words(text):
            if word not in ALL_STOPWORDS:
                self._words.setdefault(word, stem(word))
        return " ".join(index_terms(text))

    @property
    def idf_unseen(self) -> float:
        """What a word no topic contains counts for: as much as the rarest word we know (one
        topic), so a question about something else is mostly unexplained, without the word
        outweighing everything else the member asked."""
        total = max(1, len(self.topics))
        return math.log(1.0 + (total - 0.5) / 1.5)

    def telling(self, term: str) -> bool:
        """Whether a term is used by fewer than half of the topics: only then can it, alone,
        point at one of them (FTS5 draws the same line for its own IDF)."""
        return 2 * self._topic_df.get(term, 0) < len(self.topics)

    def idf(self, term: str) -> float:
        """How telling a term is, over topics (not rows), and never zero or negative."""
        found = self._topic_df.get(term, 0)
        total = max(1, len(self.topics))
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

    def parse(self, question: str) -> Query:
        terms, content = analyze(question)
        names = proper_names(question)
        capitalised = written_as_names(question)
        written = spellings(question)
        loose = {stem(w) for w in content if self._stem_only(w)}
        known = {t.term: t for t in terms if t.term in self._df and t.term not in loose}
        # A word of a phrase the analyser recognised ("pick up") is explained by its concept.
        parts = {t.term for t in terms if t.kind == "part"}
        unknown: list[Term] = []
        missing: dict[str, None] = {}
        for word in content:
            term = stem(word)
            if term in known or term in parts:
                continue
            meant = None if word.isdigit() else self.correct(word, name=word in names)
            if meant is None:
                unknown.append(Term(term, 1.0, "unknown"))
                if not word.isdigit():  # a number is not something a topic could cover
                    missing.setdefault(written.get(word, word))
                continue
            fixed = self._words[meant]
            known.setdefault(fixed, Term(fixed, TYPO_WEIGHT, "typo"))
            for concept in word_concepts(meant):
                known.setdefault(concept, Term(concept, TYPO_WEIGHT, "concept", fixed))
        named = tuple(w for w in missing if fold(w) in capitalised)
        return Query(tuple([*known.values(), *unknown][:MAX_TERMS]), tuple(missing), named)

    def search(self, question: str, *, limit: int = 5) -> list[Hit]:
        return self.answer(question, limit=limit)[0]

    def answer(self, question: str, *, limit: int = 5) -> tuple[list[Hit], tuple[str, ...]]:
        """Ranked hits, and the words of the question no topic covers when they are why it
        cannot be answered (then the hits are the topics closest to the rest of it).

        "Milosevic arrest warrant" is about Milosevic: the arrest-warrant topics explain the
        rest of it, not the name, so the member is told we have nothing on Milosevic and
        offered them, instead of an answer about someone else.
        """
        query = self.parse(question)
        hits = self.run(query, limit=limit)
        if not hits:
            return self.nearest(question, limit), query.names
        if not query.unknown or (hits[0].confident and not query.names):
            return hits, ()
        rest = self.run(query.without_unknown(), limit=limit) or hits
        if query.names:
            return rest, query.names
        return (rest, query.unknown) if rest[0].confident else (hits, ())

    def nearest(self, question: str, limit: int) -> list[Hit]:
        """When no term matched: the topics whose titles or aliases look most like the text.

        Never confident (score 0), but /ask can still offer them and the CLI still ranks.
        """
        content = [w for w in words(question) if w not in ALL_STOPWORDS]
        if len("".join(content)) < 3:
            return []
        found = process.extract(" ".join(content), self._name_texts, scorer=fuzz.WRatio,
                                score_cutoff=NEAREST_CUTOFF, limit=limit * 8)
        ranked = dict.fromkeys(self._name_slugs[index] for _, _, index in found)
        return [Hit(slug, 0.0, 0.0) for slug in list(ranked)[:limit]]

    def postings(self, terms: list[str]) -> list[dict[str, float]]:
        """Per term, each topic's BM25 term-frequency part (best language row).

        bm25() of a one-term query is FTS5's IDF times a saturating term frequency; the
        frequency part is kept and our own IDF applied later. The index never changes during
        this object's life, so each term's postings are fetched once (one UNION ALL statement
        for all new terms) and then served from memory: bm25() costs a few microseconds per
        matching row, and common terms match every row.
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

    def run(self, query: Query, *, limit: int = 5) -> list[Hit]:
        searchable = [t for t in query.terms if t.term in self._df]
        # A term every topic contains ranks nothing beside rarer ones: skip it unless alone.
        telling = [t for t in searchable if self._topic_df[t.term] < len(self.topics)]
        searchable = telling or searchable
        if not searchable:
            return []
        scores: dict[str, float] = {}
        for term, posting in zip(searchable, self.postings([t.term for t in searchable]),
                                 strict=True):
            weight = self.idf(term.term) * term.weight
            for slug, value in posting.items():
                named = NAME_BONUS if term.term in self._names[slug] else 0.0
                scores[slug] = scores.get(slug, 0.0) + weight * (value + named)
        self._phrase_bonus(searchable, scores)
        ranked = sorted(scores.items(), key=lambda item: (-item[1], item[0]))
        runner_up = ranked[1][1] if len(ranked) > 1 else 0.0
        distinct = ranked[0][1] >= max(DISTINCT_SCORE, DISTINCT_RATIO * runner_up)
        given = self.named(query)
        first = self._hit(query, *ranked[0], named=given, distinct=distinct)
        # An answer the search can stand behind ranks before closer-scoring ones it cannot:
        # when every word is common to all topics ("who has to cooperate with the court"),
        # scores are noise and the topic the question names is the answer. Only weighed when
        # the best-scoring topic is unsure (confidence costs more than the score).
        depth = limit if first.confident else max(limit, CANDIDATES)
        hits = [first, *(self._hit(query, slug, score, named=given)
                         for slug, score in ranked[1:depth])]
        hits.sort(key=lambda hit: (not hit.confident, not hit.named))
        return hits[:limit]

    def _hit(self, query: Query, slug: str, score: float, *, named: set[str],
             distinct: bool = False) -> Hit:
        confidence = self.confidence(query, slug, distinct=distinct, named=slug in named)
        return Hit(slug, round(score, 3), round(confidence, 3), slug in named)

    def confidence(self, query: Query, slug: str, *, distinct: bool = False,
                   named: bool | None = None) -> float:
        """How much of the question the topic explains, IDF-weighted, and whether it is named.

        A one-word synonym or acronym restates the member's word: either one matching counts
        for that word. Unknown words count against the topic, so "le prix de l'essence en
        France" is mostly unexplained by the topic that names France.
        """
        restated: dict[str, list[Term]] = {}
        for term in query.terms:
            if term.source:
                restated.setdefault(term.source, []).append(term)
        words = {t.term for t in query.terms if not t.source}
        covered = total = 0.0
        for term in query.terms:
            if term.source in words:
                continue
            weight = (self.idf_unseen if term.kind == "unknown" else self.idf(term.term)
                      ) * min(1.0, term.weight)
            total += weight
            if any(self._contains(t, slug) for t in (term, *restated.get(term.term, ()))):
                covered += weight
        coverage = covered / total if total else 0.0
        if slug in self.named(query) if named is None else named:
            return coverage
        if distinct or any(t.kind in ("concept", "phrase", "number")
                           and self.telling(t.term) and self._contains(t, slug)
                           for t in query.terms):
            return coverage * CONCEPT_SHARE
        return coverage * WEAK_SHARE

    def _contains(self, term: Term, slug: str) -> bool:
        return term.kind != "unknown" and term.term in self._df and (
            slug in self.postings([term.term])[0])

    def named(self, query: Query) -> set[str]:
        """The topics one of whose names (title or alias) the question gives in full."""
        # Each term present, and the member's word it comes from (a synonym restates one).
        present = {t.term: t.source or t.term for t in query.terms if t.kind != "unknown"}
        found: set[str] = set()
        for term in present:
            for slug, name in self._keyed_names.get(term, ()):
                if slug not in found and self._gives(name, present):
                    found.add(slug)
        return found

    def _gives(self, name: Name, present: dict[str, str]) -> bool:
        """All of a name's words are in the question, or each of its slots (a word, the concept
        it stands for, or a concept phrase) is given by a different word of the question; and
        together they are more than one common word. "arrest" alone does not give "arrest
        fugitives", though both words stand for one concept; "UNSC" gives "Security Council"."""
        words = name.words
        if words and words <= present.keys() and (len(words) > 1 or self.telling(*words)):
            return True
        found = [slot & present.keys() for slot in name.slots]
        if not found or not all(found):
            return False
        if len(found) == 1:
            return len(words) > 1 or any(self.telling(term) for term in found[0])
        return len({present[term] for terms in found for term in terms}) >= len(found)

    def _phrase_bonus(self, terms: list[Term], scores: dict[str, float]) -> None:
        """Two question words side by side in a topic's title or alias: a strong signal."""
        pairs = [(a, b) for a, b in itertools.pairwise(terms)
                 if a.kind != "concept" and b.kind != "concept"]
        for slug in scores:
            for a, b in pairs:
                if (a.term, b.term) in self._pairs[slug]:
                    scores[slug] += PHRASE_BONUS * (self.idf(a.term) + self.idf(b.term))

    def complete(self, partial: str, lang: str, *, limit: int = 25) -> list[Topic]:
        """Topics for an autocomplete box: all of them for an empty box, else the best matches."""
        if not fold(partial).strip():
            return sorted(self.topics.values(), key=lambda t: fold(t.title(lang)))[:limit]
        ranked = [h.slug for h in self.run(self.parse(partial), limit=limit)]
        last = words(partial)[-1:] if not partial[-1:].isspace() else []
        if last and len(last[0]) >= 2:
            ranked += self._prefixed(last[0][:STEM_LENGTH], lang)
        ranked += self._fuzzy_titles(partial, lang)
        seen: dict[str, None] = dict.fromkeys(s for s in ranked if s in self.topics)
        return [self.topics[slug] for slug in list(seen)[:limit]]

    def _prefixed(self, prefix: str, lang: str) -> list[str]:
        """Topics with a term starting with `prefix`, best first (cached: prefixes repeat)."""
        key = (prefix, lang)
        if key in self._prefix_cache:
            return self._prefix_cache[key]
        rows = self._db.execute(
            f"SELECT slug FROM docs WHERE docs MATCH ? AND lang = ? "
            f"ORDER BY bm25(docs, {', '.join(map(str, WEIGHTS))})",
            (f'"{prefix}" *', lang),
        ).fetchall()
        found = [str(r[0]) for r in rows]
        if len(self._prefix_cache) < MAX_CACHED:
            self._prefix_cache[key] = found
        return found

    def _fuzzy_titles(self, partial: str, lang: str) -> list[str]:
        titles = self._titles.get(lang)
        if titles is None:
            titles = self._titles[lang] = {s: fold(t.title(lang)) for s, t in self.topics.items()}
        found = process.extract(fold(partial), titles, scorer=fuzz.partial_ratio,
                                score_cutoff=70, limit=10)
        return [str(key) for _, _, key in found]


