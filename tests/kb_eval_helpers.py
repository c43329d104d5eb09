"""Scoring the search against the evaluation sets (shared by the tests and benchmarks/ask.py)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml

from bot.kb.service import KnowledgeBase

ROOT = Path(__file__).resolve().parent.parent
EVAL = ROOT / "tests" / "data" / "ask_eval.yaml"
EXTRA = ROOT / "tests" / "data" / "ask_extra.yaml"
OFFTOPIC = ROOT / "tests" / "data" / "ask_offtopic.yaml"
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


def evaluate(kb: KnowledgeBase, questions: list[dict]) -> Score:
    """Top-1/top-3 over questions with an expected topic; expect: null must not be confident."""
    score = Score()
    for item in questions:
        answer = kb.ask(str(item["q"]), limit=3)
        ranked = [hit.slug for hit in answer.hits]
        expect = item.get("expect")
        score.total += 1
        if expect is None:
            ok = answer.best is None
            score.top1 += ok
            score.top3 += ok
            if not ok:
                score.misses.append(f"{item['q']!r}: expected no answer, got {ranked[:1]}")
            continue
        score.top1 += ranked[:1] == [expect]
        score.top3 += expect in ranked
        if ranked[:1] != [expect] or answer.best is None:
            shown = [(h.slug, h.score, h.confidence) for h in answer.hits]
            score.misses.append(f"{item['q']!r}: expected {expect}, got {shown}"
                                + ("" if answer.best else " (not confident)"))
    return score
