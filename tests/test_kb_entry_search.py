"""Server entries in the search: the shipped topics keep their accuracy beside 200 entries on
other subjects, entries are found by their own questions, and the index follows every change."""

import pytest

from bot.kb.entries import Entry, EntryText
from bot.kb.entry_index import GuildEntries, ask_server
from bot.kb.service import KnowledgeBase
from tests.kb_entry_helpers import unrelated_entries, unrelated_questions
from tests.kb_eval_helpers import (
    EVAL,
    EXTRA,
    HELDOUT,
    OFFTOPIC,
    ROOT,
    expected,
    load_questions,
    off_topic,
    on_topic,
)

NONE = GuildEntries([])


@pytest.fixture(scope="module")
def kb():
    return KnowledgeBase(ROOT / "data")


@pytest.fixture(scope="module")
def crowded(kb):
    return GuildEntries(unrelated_entries(200), kb)


def top1(kb, entries, questions):
    """How many questions get an expected topic as the answer /ask would show."""
    found = 0
    for item in questions:
        best = ask_server(kb, entries, str(item["q"])).best
        found += best is not None and best.slug in expected(item)
    return found


def test_held_out_accuracy_does_not_drop_with_200_server_entries(kb, crowded):
    questions = on_topic(load_questions(HELDOUT))
    assert len(questions) >= 25
    assert top1(kb, crowded, questions) >= top1(kb, NONE, questions)


def test_no_entry_on_another_subject_takes_an_on_topic_question(kb, crowded):
    asked = [q for path in (EVAL, EXTRA, HELDOUT) for q in on_topic(load_questions(path))]
    taken = [(q["q"], best.slug) for q in asked
             if (best := ask_server(kb, crowded, str(q["q"])).best) and best.slug.startswith("#")]
    assert taken == []


def test_off_topic_questions_stay_refused(kb, crowded):
    for path in (OFFTOPIC, HELDOUT):
        questions = off_topic(load_questions(path))
        refused = [q for q in questions if ask_server(kb, crowded, str(q["q"])).best is None]
        baseline = [q for q in questions if ask_server(kb, NONE, str(q["q"])).best is None]
        assert len(refused) >= len(baseline)


def test_each_entry_is_found_by_its_own_question(kb, crowded):
    pairs = unrelated_questions(200)
    found = sum(1 for number, (_, question) in enumerate(pairs, 1)
                if (best := ask_server(kb, crowded, question).best)
                and best.slug == f"#{number}")
    assert found >= 0.95 * len(pairs)


def entry(number, question, answer, lang="en", keywords=""):
    text = EntryText(lang, question, answer, keywords, "Memo 2025/1", 1, "2025-03-01T09:00:00Z")
    return Entry(1, number, lang, 1, "2025-03-01T09:00:00Z", None, {lang: text})


def test_one_entry_alone_is_weighed_against_the_topics(kb):
    """A single entry is judged as if it sat among the topics: its own words make it sure,
    the topics' words do not."""
    alone = GuildEntries([entry(1, "When is the next regional members' call?",
                                "Every first Monday at 14:00 UTC.")], kb)
    assert ask_server(kb, alone, "next regional members call").best.slug == "#1"
    answer = ask_server(kb, alone, "what is cooperation with the ICC?")
    assert answer.best.slug == "cooperation-overview"
    assert ask_server(kb, alone, "art 88 implementing legislation").best.slug != "#1"


def test_an_entry_and_a_topic_on_the_same_question_are_both_offered(kb):
    same = GuildEntries([entry(1, "What is cooperation with the ICC?",
                               "Our coalition's own explanation of cooperation with the ICC.",
                               keywords="cooperation with the court")], kb)
    answer = ask_server(kb, same, "what is cooperation with the ICC?")
    offered = {answer.best.slug, *(h.slug for h in answer.also())}
    assert offered == {"#1", "cooperation-overview"}


def test_changes_reach_the_index_and_match_a_fresh_build(kb):
    entries = unrelated_entries(30)
    live = GuildEntries(entries[:10], kb)
    for e in entries[10:]:
        live.update(e.number, e)
    live.update(3, None)
    edited = entry(5, "Who keeps the photo archive?", "The communications team.")
    live.update(5, edited)
    fresh = GuildEntries([edited if e.number == 5 else e for e in entries if e.number != 3], kb)
    for _, question in [*unrelated_questions(30), ("en", "who keeps the photo archive")]:
        assert ([(h.slug, h.score, h.confidence) for h in live.search(question, 3)]
                == [(h.slug, h.score, h.confidence) for h in fresh.search(question, 3)])
    assert live.get(3) is None and live.find("#5") == edited
    assert ask_server(kb, live, "who keeps the photo archive").best.slug == "#5"


def test_a_servers_entries_are_its_own(kb):
    mine = GuildEntries([entry(1, "Where are the call minutes?", "In the shared drive.")], kb)
    theirs = GuildEntries([], kb)
    assert ask_server(kb, mine, "where are the call minutes").best.slug == "#1"
    assert ask_server(kb, theirs, "where are the call minutes").best is None
    assert theirs.find("#1") is None and theirs.complete("call", "en", 25) == []
