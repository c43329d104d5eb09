"""Speed (and accuracy) of the knowledge-base search beside a naive baseline, in one process.

    python benchmarks/ask.py [--repeat N]

Times every evaluation question (tests/data/ask_eval.yaml) through the real index, /ask's
path including the change check, and /topic's autocomplete over the prefixes a member types;
the baseline is a substring match of the question's words over the topic titles. Then the same
in a server with 500 entries of its own (tests/kb_entry_helpers.py): /ask searches both, so its
p99 there is the figure that must stay well under 5 ms.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import yaml  # noqa: E402

from bot.kb.entry_index import GuildEntries, ask_server  # noqa: E402
from bot.kb.model import Topic  # noqa: E402
from bot.kb.service import KnowledgeBase  # noqa: E402
from tests.kb_entry_helpers import unrelated_entries, unrelated_questions  # noqa: E402
from tests.kb_eval_helpers import expected  # noqa: E402

SERVER_ENTRIES = 500


def naive_search(topics: dict[str, Topic], question: str) -> list[str]:
    """What a loop over strings would do: count question words found inside each title."""
    words = [w for w in question.lower().split() if len(w) > 2]
    scored = []
    for slug, topic in topics.items():
        title = topic.title("en").lower()
        hits = sum(word in title for word in words)
        if hits:
            scored.append((-hits, slug))
    return [slug for _, slug in sorted(scored)]


def naive_complete(topics: dict[str, Topic], partial: str) -> list[str]:
    needle = partial.lower().strip()
    return [slug for slug, topic in topics.items() if needle in topic.title("en").lower()][:25]


def measure(label: str, func: Callable[[str], object], inputs: list[str], repeat: int, *,
            warm: bool = True) -> dict:
    if warm:
        for text in inputs:  # warm the memoised postings, as a running bot has them
            func(text)
    else:
        repeat = 1
    samples: list[int] = []
    # CPU time of the calling thread too: on a loaded machine the wall-clock p99 is mostly
    # time spent waiting for a core (one scheduler tick is 4 ms), not time spent searching.
    cpu: list[int] = []
    started = time.perf_counter()
    for _ in range(repeat):
        for text in inputs:
            t0, c0 = time.perf_counter_ns(), time.thread_time_ns()
            func(text)
            cpu.append(time.thread_time_ns() - c0)
            samples.append(time.perf_counter_ns() - t0)
    elapsed = time.perf_counter() - started
    samples.sort()
    cpu.sort()
    return {
        "label": label, "n": len(samples), "qps": len(samples) / elapsed,
        "p50": statistics.median(samples) / 1e6,
        "p99": samples[min(len(samples) - 1, int(len(samples) * 0.99))] / 1e6,
        "max": samples[-1] / 1e6,
        "cpu_p99": cpu[min(len(cpu) - 1, int(len(cpu) * 0.99))] / 1e6,
    }


def show(row: dict) -> str:
    return (f"{row['label']:28} {row['n']:7d} {row['qps']:10.0f} {row['p50']:8.3f} "
            f"{row['p99']:8.3f} {row['max']:8.3f} {row['cpu_p99']:8.3f}")


HEADER = (f"{'':28} {'calls':>7} {'queries/s':>10} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8} "
          f"{'cpu p99':>8}")


def accuracy(ranker: Callable[[str], list[str]], questions: list[dict]) -> tuple[float, float]:
    top1 = top3 = 0
    for item in questions:
        ranked = ranker(item["q"])
        expect = expected(item)
        top1 += bool(ranked[:1]) and ranked[0] in expect
        top3 += bool(expect & set(ranked[:3]))
    return top1 / len(questions), top3 / len(questions)


def prefixes(questions: list[str]) -> list[str]:
    """What the autocomplete sees while a member types: growing prefixes, empty box included."""
    out = [""]
    for question in questions:
        out += [question[:n] for n in (1, 3, 6, 12, 24) if n < len(question)]
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()
    items = [q for q in yaml.safe_load((ROOT / "tests/data/ask_eval.yaml").read_text("utf-8"))
             if q.get("expect")]
    questions = [str(q["q"]) for q in items]
    started = time.perf_counter()
    kb = KnowledgeBase(ROOT / "data")
    built = time.perf_counter() - started
    topics = kb.topics
    partials = prefixes(questions)

    cold = KnowledgeBase(ROOT / "data")  # nothing memoised yet: every term goes to SQLite
    rows = [
        measure("index search, cold (1 pass)", cold.index.search, questions, 0, warm=False),
        measure("index search (FTS5+fuzzy)", kb.index.search, questions, args.repeat),
        measure("/ask path (kb.ask)", kb.ask, questions, args.repeat),
        measure("naive title substring", lambda q: naive_search(topics, q), questions,
                args.repeat),
        measure("autocomplete (kb.complete)", lambda p: kb.complete(p, "en"), partials,
                args.repeat),
        measure("naive autocomplete", lambda p: naive_complete(topics, p), partials,
                args.repeat),
    ]
    print(f"{len(topics)} topics, {len(questions)} questions, {len(partials)} prefixes, "
          f"index built in {built * 1000:.0f} ms (YAML parse + analysis)")
    print(HEADER)
    for row in rows:
        print(show(row))
    index, naive = rows[1], rows[3]
    verdict = "ok" if max(r["p99"] for r in rows[:3]) < 5 else "MISSED"
    print(f"index vs naive: {naive['qps'] / index['qps']:.1f}x fewer queries/s, "
          f"p99 {index['p99']:.3f} ms (target < 5 ms for /ask's search: {verdict})")
    ours = accuracy(lambda q: [h.slug for h in kb.ask(q).hits], items)
    baseline = accuracy(lambda q: naive_search(topics, q), items)
    print(f"accuracy top-1/top-3: index {ours[0]:.1%}/{ours[1]:.1%}, "
          f"naive {baseline[0]:.1%}/{baseline[1]:.1%}")
    report_refusals(kb)
    with_entries(kb, questions, partials, args.repeat)


def with_entries(kb: KnowledgeBase, questions: list[str], partials: list[str],
                 repeat: int) -> None:
    """/ask and autocomplete in a server with SERVER_ENTRIES entries: members' questions on
    the topics and on the entries, in turn."""
    entries = unrelated_entries(SERVER_ENTRIES)
    started = time.perf_counter()
    server = GuildEntries(entries, kb)
    built = time.perf_counter() - started
    own = [q for _, q in unrelated_questions(SERVER_ENTRIES)][::5]
    mixed = [q for pair in zip(questions, own, strict=False) for q in pair]
    update = entries[0]
    started = time.perf_counter()
    server.update(update.number, update)
    updated = time.perf_counter() - started
    rows = [
        measure(f"/ask, {SERVER_ENTRIES} entries", lambda q: ask_server(kb, server, q), mixed,
                repeat),
        measure(f"autocomplete, {SERVER_ENTRIES} entries",
                lambda p: (kb.complete(p, "en"), server.complete(p, "en", 25)), partials,
                repeat),
    ]
    print(f"\none server with {SERVER_ENTRIES} entries: index built in {built * 1000:.0f} ms, "
          f"one entry changed in {updated * 1000:.1f} ms; {len(mixed)} questions "
          f"(topics' and entries' in turn)")
    print(HEADER)
    for row in rows:
        print(show(row))
    ask = rows[0]
    verdict = "ok" if ask["p99"] < 5 else ("ok in CPU time" if ask["cpu_p99"] < 5 else "MISSED")
    print(f"/ask p99 with {SERVER_ENTRIES} server entries: {ask['p99']:.3f} ms wall clock, "
          f"{ask['cpu_p99']:.3f} ms CPU (target < 5 ms: {verdict})")
    found = sum(1 for number, (_, q) in enumerate(unrelated_questions(SERVER_ENTRIES), 1)
                if (best := ask_server(kb, server, q).best) and best.slug == f"#{number}")
    print(f"entries found by their own question: {found}/{SERVER_ENTRIES}")


def report_refusals(kb: KnowledgeBase) -> None:
    """How often /ask says it does not know: right for off-topic questions, wrong for the rest."""
    def load(name: str) -> list[dict]:
        return list(yaml.safe_load((ROOT / "tests/data" / name).read_text("utf-8")) or [])

    def refused(items: list[dict]) -> list[str]:
        return [str(q["q"]) for q in items if kb.ask(str(q["q"])).best is None]

    on_topic = [q for name in ("ask_eval.yaml", "ask_extra.yaml") for q in load(name)
                if q.get("expect")]
    off = [q for q in load("ask_offtopic.yaml") if not q.get("near")]
    near = [q for q in load("ask_offtopic.yaml") if q.get("near")]
    wrong = refused(on_topic)
    print(f"refused: off-topic {len(refused(off))}/{len(off)} "
          f"({len(refused(off)) / len(off):.1%}), on-topic {len(wrong)}/{len(on_topic)}, "
          f"near-topic (unscored) {len(refused(near))}/{len(near)}")
    for question in wrong:
        print(f"  on-topic refused: {question}")


if __name__ == "__main__":
    main()
