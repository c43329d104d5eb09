"""Scoring the search against the evaluation sets (shared by the tests and benchmarks/ask.py)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml

from bot.kb.service import KnowledgeBase
from bot.kb.text import fold

ROOT = Path(__file__).resolve().parent.parent
EVAL = ROOT / "tests" / "data" / "ask_eval.yaml"
EXTRA = ROOT / "tests" / "data" / "ask_extra.yaml"
OFFTOPIC = ROOT / "tests" / "data" / "ask_offtopic.yaml"
HELDOUT = ROOT / "tests" / "data" / "ask_heldout.yaml"
# How many topics the shipped knowledge base has (tests state counts relative to it).
TOPIC_COUNT = len(list((ROOT / "data" / "topics").glob("*.yaml")))


def load_questions(path: Path, *, near: bool = False) -> list[dict]:
    """The scored questions of a set; with near=True, only its ambiguous, unscored ones."""
    items = list(yaml.safe_load(path.read_text(encoding="utf-8")) or [])
    return [item for item in items if bool(item.get("near")) == near]


def refused(kb: KnowledgeBase, questions: list[dict]) -> list[str]:
    """The questions /ask would not answer (no hit above the confidence threshold)."""
    return [str(item["q"]) for item in questions if kb.ask(str(item["q"])).best is None]


@dataclass
class Score:
    total: int = 0
    top1: int = 0
    top3: int = 0
    misses: list[str] = field(default_factory=list)

    @property
    def top1_rate(self) -> float:
        return self.top1 / max(1, self.total)

    @property
    def top3_rate(self) -> float:
        return self.top3 / max(1, self.total)


def placeholder_slugs(data_dir: Path) -> set[str]:
    """Topics whose file says it is a placeholder (scope only, content still being written)."""
    return {path.stem for path in (data_dir / "topics").glob("*.yaml")
            if path.read_text(encoding="utf-8").startswith("# PLACEHOLDER")}


def expected(item: dict) -> set[str]:
    """The acceptable slugs: one, or several when two topics genuinely answer the question."""
    expect = item.get("expect")
    if expect is None:
        return set()
    return {str(expect)} if isinstance(expect, str) else {str(e) for e in expect}


def on_topic(questions: list[dict]) -> list[dict]:
    return [q for q in questions if q.get("expect")]


def off_topic(questions: list[dict]) -> list[dict]:
    return [q for q in questions if not q.get("expect")]


def evaluate(kb: KnowledgeBase, questions: list[dict]) -> Score:
    """Top-1/top-3 over questions with an expected topic; expect: null must not be confident,
    and where `missing` is given the refusal must name it as what is not covered."""
    score = Score()
    for item in questions:
        answer = kb.ask(str(item["q"]), limit=3)
        ranked = [hit.slug for hit in answer.hits]
        expect = expected(item)
        score.total += 1
        if not expect:
            missing = item.get("missing")
            ok = answer.best is None and (missing is None
                                          or missing in {fold(w) for w in answer.missing})
            score.top1 += ok
            score.top3 += ok
            if not ok:
                score.misses.append(f"{item['q']!r}: expected no answer"
                                    + (f" naming {missing!r}" if missing else "")
                                    + f", got {ranked[:1]} missing={list(answer.missing)}")
            continue
        score.top1 += bool(ranked[:1]) and ranked[0] in expect
        score.top3 += bool(expect & set(ranked))
        if not ranked or ranked[0] not in expect or answer.best is None:
            shown = [(h.slug, h.score, h.confidence) for h in answer.hits]
            score.misses.append(f"{item['q']!r}: expected {sorted(expect)}, got {shown}"
                                + ("" if answer.best else " (not confident)"))
    return score
