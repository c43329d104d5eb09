"""The search over the topics (or a server's entries): SQLite FTS5 (BM25) plus typo
correction with rapidfuzz.

The documents and their statistics are bot.kb.corpus; a question in any of the three languages
meets the text written in that language. Each query term is scored on its own (one UNION ALL
statement) so that synonyms and typo corrections can count less than the member's own words,
and so the share of the question a topic explains can serve as confidence.

Searches run synchronously: one is well under a millisecond, far cheaper than a thread hop.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from bot.kb.corpus import MAX_CACHED, MAX_TERMS, WEIGHTS, Corpus, Name
from bot.kb.model import Topic
from bot.kb.text import (
    ALL_STOPWORDS,
    STEM_LENGTH,
    Term,
    analyze,
    fold,
    proper_names,
    spellings,
    stem,
    word_concepts,
    words,
    written_as_names,
)

TYPO_WEIGHT = 0.7
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
class Query:
    terms: tuple[Term, ...]
    # The question's words the knowledge base has never seen (not even as a typo), as written,
    # and which of them are written like names ("Milosevic" inside a sentence).
    unknown: tuple[str, ...] = ()
    names: tuple[str, ...] = ()

    def without_unknown(self) -> Query:
        return Query(tuple(t for t in self.terms if t.kind != "unknown"))


class SearchIndex(Corpus):
    """Questions against a corpus: ranked hits, confidence, autocomplete."""

    def parse(self, question: str) -> Query:
        terms, content = analyze(question)
        names = proper_names(question)
        capitalised = written_as_names(question)
        written = spellings(question)
        loose = {stem(w) for w in content if self._stem_only(w)}
        known = {t.term: t for t in terms if t.term in self._df and t.term not in loose}
        known.update(self._known_elsewhere(terms, content, known))
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

    def _known_elsewhere(self, terms: list[Term], content: list[str],
                         known: dict[str, Term]) -> dict[str, Term]:
        """Terms only the background knows: they count in how much of the question a document
        explains (as words it lacks), not as words nobody has heard of."""
        other = self.background
        if other is None:
            return {}
        loose = {stem(w) for w in content if other._stem_only(w)}
        return {t.term: t for t in terms if t.term not in known and t.term in other._df
                and t.term not in loose}

    def search(self, question: str, *, limit: int = 5) -> list[Hit]:
        return self.answer(question, limit=limit)[0]

    def answer(self, question: str, *, limit: int = 5,
               nearest: bool = True) -> tuple[list[Hit], tuple[str, ...]]:
        """Ranked hits, and the words of the question no topic covers when they are why it
        cannot be answered (then the hits are the topics closest to the rest of it).

        "Milosevic arrest warrant" is about Milosevic: the arrest-warrant topics explain the
        rest of it, not the name, so the member is told we have nothing on Milosevic and
        offered them, instead of an answer about someone else. `nearest=False` skips the
        look-alike titles offered when nothing matched (an answer was found elsewhere).
        """
        query = self.parse(question)
        hits = self.run(query, limit=limit)
        if not hits:
            return (self.nearest(question, limit) if nearest else []), query.names
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

    def run(self, query: Query, *, limit: int = 5) -> list[Hit]:
        searchable = [t for t in query.terms if t.term in self._df]
        # A term every topic contains ranks nothing beside rarer ones: skip it unless alone.
        telling = [t for t in searchable if self.found_in(t.term) < self.documents]
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
        for a, b in pairs:
            having = self._pair_slugs.get((a.term, b.term))
            if having:
                bonus = PHRASE_BONUS * (self.idf(a.term) + self.idf(b.term))
                for slug in having.intersection(scores):
                    scores[slug] += bonus

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
