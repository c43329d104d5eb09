"""Turning member questions and topic text into the same index terms.

Both sides go through `analyze`, so a French question with accents, a Spanish one without, a
typo'd English keyword and the topic files all meet on one vocabulary: lower-case, accent-free,
light suffix stripping then truncation (a cheap stemmer that works across en/fr/es), plus
concept terms for acronyms and synonyms ("UNSC", "CSNU", "Security Council" -> one concept).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import re2

from bot.kb.synonyms import CONCEPT_GROUPS, STOPWORDS

STEM_LENGTH = 6
# Concept phrases compare longer stems: at six letters "president" is "preside" (a chair).
CONCEPT_STEM_LENGTH = 8
PHRASE_PART_WEIGHT = 0.5
CONCEPT_PREFIX = "zz"
_WORD = re.compile(r"[^\W_]+", re.UNICODE)
# Questions reach the patterns below, so they run on RE2, whose matching time is linear in the
# text whatever the pattern: with backtracking, "part 1111...1b" (a digit run that can be split
# many ways before a failing "\b") took longer than doubling per digit. RE2's \b, \d and \s
# are ASCII; fold() has already made Latin letters, digits and spaces ASCII.
# "art 88", "art. 87(7)", "article 88", "artículo 88", "arts 86 and 88" -> art86 art88
_ARTICLE = re2.compile(r"\b(?:art(?:icle|iculo|s)?s?|article)\b\.?\s*((?:\d+\s*(?:\([\pL\pN_]+\)\s*)*"
                       r"(?:,|and|et|y|&|to|a)?\s*)+)")
_PART = re2.compile(r"\b(?:parts?|partie|chapitre|chapter|partes?)\s+((?:(?:\d+|ix|x)\s*"
                    r"(?:,|and|et|y|&|-|to|a)?\s*)+)\b")
_RULE = re2.compile(r"\b(?:rule|regle|regla)\s+(\d+)")
_SUBSCRIPT = re2.compile(r"\([\pL\pN_]+\)")
_LISTED = re2.compile(r"\d+|\bix\b|\bx\b")
_ROMAN = {"ix": "9", "x": "10"}
_SUFFIXES = tuple(sorted((
    "ements", "ement", "ments", "ment", "mente", "ings", "ing", "ed", "es", "s", "e",
), key=len, reverse=True))
# Control characters, and lone surrogates (RE2 reads UTF-8, which cannot carry them).
_CONTROL = dict.fromkeys([c for c in range(0x20) if c not in (0x0A, 0x09)]
                         + list(range(0xD800, 0xE000)))
# Acronyms that are also ordinary words ("us", "un", "au"): taken as acronyms only in capitals.
_ACRONYM_CASE = {"US": "usa", "USA": "usa", "UN": "un", "AU": "au", "UA": "au", "UE": "eu",
                 "EU": "eu", "RC": "rc", "CS": "unsc", "AG": "unga", "GA": "unga"}


def fold(text: str) -> str:
    """Lower-case, accent-free, control characters and lone surrogates removed, ligatures
    spelled out."""
    text = unicodedata.normalize("NFKD", text.translate(_CONTROL).replace("œ", "oe")
                                 .replace("Œ", "OE").replace("æ", "ae").replace("Æ", "AE"))
    return "".join(c for c in text if not unicodedata.combining(c)).casefold()


def words(text: str) -> list[str]:
    return _WORD.findall(fold(text))


@lru_cache(maxsize=65536)
def stem(word: str, length: int = STEM_LENGTH) -> str:
    """Strip one common ending, then truncate: "implementing", "implementación" -> "implem"."""
    if word.isdigit() or len(word) <= 3:
        return word
    if word.endswith("ies"):
        word = word[:-2]
    elif word.endswith("y"):
        word = word[:-1] + "i"
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            word = word[: -len(suffix)]
            break
    return word[:length]


def concept_stem(word: str) -> str:
    return stem(word, CONCEPT_STEM_LENGTH)


def _concept_table() -> dict[str, list[tuple[tuple[str, ...], str]]]:
    """First stem -> [(stemmed phrase, concept name)], longest phrases first."""
    table: dict[str, list[tuple[tuple[str, ...], str]]] = {}
    for name, phrases in CONCEPT_GROUPS.items():
        for phrase in phrases:
            stems = tuple(concept_stem(w) for w in _WORD.findall(fold(phrase)))
            table.setdefault(stems[0], []).append((stems, name.replace(" ", "")))
    for entries in table.values():
        entries.sort(key=lambda entry: -len(entry[0]))
    return table


CONCEPTS = _concept_table()
ALL_STOPWORDS = frozenset().union(*STOPWORDS.values())
# Small words only one of the languages uses: the clues for guessing a question's language.
_DISTINCTIVE = {lang: stops - frozenset().union(*(o for k, o in STOPWORDS.items() if k != lang))
                for lang, stops in STOPWORDS.items()}


def concept_term(name: str) -> str:
    return CONCEPT_PREFIX + name


def word_concepts(word: str) -> list[str]:
    """The concept terms one (folded) word stands for on its own ("recommendations")."""
    return [concept_term(name) for phrase, name in CONCEPTS.get(concept_stem(word), ())
            if len(phrase) == 1 and word not in ALL_STOPWORDS]


def guess_lang(tokens: Iterable[str]) -> str | None:
    """The language whose distinctive small words the text uses most; None when unclear."""
    counts = dict.fromkeys(STOPWORDS, 0)
    for token in tokens:
        for lang, stops in _DISTINCTIVE.items():
            if token in stops:
                counts[lang] += 1
    best = max(counts, key=lambda lang: counts[lang])
    ordered = sorted(counts.values(), reverse=True)
    return best if ordered[0] > ordered[1] else None


@dataclass(frozen=True, slots=True)
class Term:
    """One index term of a question, with how much it should count."""

    term: str
    weight: float
    # "word", "part" (a word of a concept phrase), "number", "concept", "phrase", "typo",
    # "unknown"
    kind: str
    # For a one-word synonym or acronym: the member's word term it restates.
    source: str = ""


def _numbered(pattern: Any, text: str, prefix: str) -> tuple[str, list[str]]:
    """`pattern` (an RE2 pattern, untyped) with the numbers it lists replaced by plain ones."""
    found: list[str] = []

    def replace(match: Any) -> str:
        listed = str(_SUBSCRIPT.sub(" ", match.group(1)))
        numbers = [_ROMAN.get(n, n) for n in _LISTED.findall(listed)]
        found.extend(prefix + n for n in numbers)
        return " " + " ".join(numbers) + " "

    return str(pattern.sub(replace, text)), found


def _special_terms(text: str) -> tuple[str, list[str]]:
    """Article, part and rule numbers as single terms ("art 88" -> zzart88)."""
    text, articles = _numbered(_ARTICLE, text, concept_term("art"))
    text, parts = _numbered(_PART, text, concept_term("part"))
    text, rules = _numbered(_RULE, text, concept_term("rule"))
    return text, articles + parts + rules


def _acronyms(raw: str) -> list[str]:
    return [concept_term(_ACRONYM_CASE[w]) for w in _WORD.findall(raw) if w in _ACRONYM_CASE]


def _phrase_concepts(tokens: list[str]) -> Iterator[tuple[str, int, int]]:
    """(concept, start, length) for each concept phrase in the token list (compared stemmed).

    A one-word phrase never fires on a stop word: "avoirs" (assets) is a concept, "avoir"
    (to have) is not.
    """
    stems = [concept_stem(t) for t in tokens]
    for index in range(len(stems)):
        for phrase, name in CONCEPTS.get(stems[index], ()):
            if len(phrase) == 1 and tokens[index] in ALL_STOPWORDS:
                continue
            if tuple(stems[index:index + len(phrase)]) == phrase:
                yield name, index, len(phrase)


def index_terms(text: str) -> list[str]:
    """The terms a piece of topic text is indexed under: stems, numbers and concepts."""
    folded, special = _special_terms(fold(text))
    tokens = _WORD.findall(folded)
    concepts = [concept_term(name) for name, _, _ in _phrase_concepts(tokens)]
    out = [stem(t) for t in tokens if t not in ALL_STOPWORDS]
    return out + special + _acronyms(text) + concepts


def name_slots(text: str) -> tuple[frozenset[str], ...]:
    """A topic name as one slot per content word or concept phrase: the terms any of which
    give it.

    "cooperation with the ICC" is given by "cooperate with the court" too: the slot of "ICC"
    accepts its concept, which "court" also stands for. "Security Council" is one slot, given
    by its concept however the question says it ("UNSC", "consejo de seguridad").
    """
    folded, special = _special_terms(fold(text))
    tokens = _WORD.findall(folded)
    slots: list[set[str]] = [set() if t in ALL_STOPWORDS else {stem(t)} for t in tokens]
    phrases: list[frozenset[str]] = []
    for name, start, length in _phrase_concepts(tokens):
        if length == 1:
            slots[start].add(concept_term(name))
            continue
        phrases.append(frozenset({concept_term(name)}))
        for index in range(start, start + length):
            slots[index] = set()
    kept = [frozenset(slot) for slot in slots if slot]
    return tuple(dict.fromkeys(kept + phrases + [frozenset({term}) for term in special]))


def analyze(question: str) -> tuple[list[Term], list[str]]:
    """(weighted terms, the plain content words) of a member's question.

    Stop words go before stemming, except where a lower-case "un"/"au" is clearly the acronym
    (an English question). A multi-word phrase ("refuses to cooperate") counts as its concept,
    its words a little; a one-word synonym counts a little less than the member's own word.
    """
    folded, special = _special_terms(fold(question))
    tokens = _WORD.findall(folded)
    matches = list(_phrase_concepts(tokens))
    in_phrase = {i for _, start, length in matches if length > 1
                 for i in range(start, start + length)}
    terms: dict[str, Term] = {}
    for index, token in enumerate(tokens):
        if token not in ALL_STOPWORDS:
            term = stem(token)
            part = index in in_phrase
            weight = PHRASE_PART_WEIGHT if part else 1.0
            if weight > terms.get(term, Term(term, 0.0, "")).weight:
                kind = "part" if part else "number" if token.isdigit() else "word"
                terms[term] = Term(term, weight, kind)
    for term in special:
        terms[term] = Term(term, 1.5, "concept")
    for name, start, length in matches:
        phrase = length > 1
        source = "" if phrase or tokens[start] in ALL_STOPWORDS else stem(tokens[start])
        terms.setdefault(concept_term(name), Term(concept_term(name), 1.0 if phrase else 0.8,
                                                  "phrase" if phrase else "concept", source))
    acronyms = _acronyms(question)
    if guess_lang(tokens) == "en":
        acronyms += [concept_term(t) for t in tokens if t in ("un", "au")]
    for term in acronyms:
        terms.setdefault(term, Term(term, 0.8, "concept", term[len(CONCEPT_PREFIX):]))
    content = [t for t in tokens if t not in ALL_STOPWORDS]
    return list(terms.values()), content


def common_prefix(a: str, b: str) -> int:
    length = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        length += 1
    return length


def proper_names(question: str) -> set[str]:
    """Folded words written like names: capitalised (not all capitals), not opening the text."""
    raw = _WORD.findall(question)
    return {fold(w) for w in raw[1:] if w[:1].isupper() and not w.isupper()}



def written_as_names(question: str) -> set[str]:
    """Folded words written like names or acronyms ("Milosevic", "ECCC"), the first word too.

    Unlike `proper_names`, the opening word counts ("Putin arrest warrant"): this is only
    asked of words the knowledge base has never seen, where a capital is the best clue left.
    A question typed all in capitals says nothing about names.
    """
    raw = _WORD.findall(question)
    if all(w.isupper() or not w.isalpha() for w in raw):
        return set()
    return {fold(w) for w in raw if w[:1].isupper() and not w.isdigit()}


def spellings(question: str) -> dict[str, str]:
    """Each folded word of the question and how the member wrote it ("milosevic" -> "Milošević")."""
    return {fold(w): w for w in _WORD.findall(question)}
