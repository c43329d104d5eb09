"""The search over the real topic files: what members type, in three languages, and hostile text."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.kb import hosts
from bot.kb.service import KnowledgeBase
from bot.kb.text import analyze, fold, stem
from tests.kb_eval_helpers import (
    EVAL,
    EXTRA,
    HELDOUT,
    OFFTOPIC,
    ROOT,
    evaluate,
    expected,
    load_questions,
    off_topic,
    on_topic,
    placeholder_slugs,
    refused,
)


@pytest.fixture(scope="module")
def kb():
    return KnowledgeBase(ROOT / "data")


def top(kb, question):
    hits = kb.ask(question).hits
    return hits[0].slug if hits else None


def test_eval_set_top1_at_least_95_percent(kb):
    questions = load_questions(EVAL)
    assert len(questions) >= 160
    assert {e for q in questions for e in expected(q)} >= set(kb.topics)  # every topic asked
    score = evaluate(kb, questions)
    assert score.top1_rate >= 0.95, "\n".join(score.misses)


def test_extra_set_generalises(kb):
    questions = on_topic(load_questions(EXTRA))
    assert len(questions) >= 150
    score = evaluate(kb, questions)
    assert score.top1_rate >= 0.95, "\n".join(score.misses)
    assert score.top3_rate >= 0.98, "\n".join(score.misses)


def test_held_out_set(kb):
    """Questions nobody tuned on. A placeholder topic (scope only, awaiting its content) is
    not held to the bar: its questions are scored once the real file replaces it."""
    questions = load_questions(HELDOUT)
    skipped = placeholder_slugs(ROOT / "data")
    scored = [q for q in on_topic(questions) if not expected(q) & skipped]
    assert len(scored) >= 25
    score = evaluate(kb, scored)
    assert score.top1_rate >= 0.95, "\n".join(score.misses)
    off = off_topic(questions)
    for lang in ("en", "fr", "es"):
        per_lang = [q for q in off if q["lang"] == lang]
        assert len(per_lang) >= 20
        result = evaluate(kb, per_lang)
        assert result.top1_rate >= 0.90, "\n".join(result.misses)


@pytest.mark.parametrize(("question", "slug"), [
    ("art 88?", "implementing-legislation"),
    ("Article 88", "implementing-legislation"),
    ("APIC", "agreements"),
    ("UNSC deferral art 16", "un-and-regional-bodies"),
    ("CSNU", "un-and-regional-bodies"),
    ("el papel de la UA", "un-and-regional-bodies"),
    ("recomendaciones 66", "recommendations-66"),
    ("stoktaking kampala", "stocktaking"),
    ("arest warants", ("arrest-warrants", "outstanding-warrants")),
    ("mandats d'arrêt en suspens", "outstanding-warrants"),
    ("Putin arrest warrant", "outstanding-warrants"),
    ("who is still wanted?", "outstanding-warrants"),
    ("qu'est-ce que la coopération avec la CPI ?", "cooperation-overview"),
    ("what is cooperation with the ICC?", "cooperation-overview"),
    ("¿qué es la cooperación con la CPI?", "cooperation-overview"),
    ("who chaired the cooperation session in Kampala", "stocktaking"),
    ("partie IX du Statut", "parts-9-and-10"),
])
def test_members_phrasings(kb, question, slug):
    assert top(kb, question) in ((slug,) if isinstance(slug, str) else slug)


@pytest.mark.parametrize(("question", "slug"), [
    ("what is cooperation with the ICC?", "cooperation-overview"),
    ("qu'est-ce que la coopération avec la CPI ?", "cooperation-overview"),
    ("¿qué es la cooperación con la CPI?", "cooperation-overview"),
    ("Putin arrest warrant", "outstanding-warrants"),
    ("who is still wanted?", "outstanding-warrants"),
])
def test_the_questions_the_issue_names_are_answered(kb, question, slug):
    answer = kb.ask(question)
    assert answer.best is not None and answer.best.slug == slug
    assert answer.missing == ()


def test_accents_and_case_do_not_matter(kb):
    assert kb.ask("LÉGISLATION DE MISE EN ŒUVRE").hits == kb.ask("legislation de mise en oeuvre").hits


def test_off_topic_questions_are_refused_in_every_language(kb):
    questions = load_questions(OFFTOPIC)
    assert all(q["expect"] is None for q in questions)
    for lang in ("en", "fr", "es"):
        per_lang = [q for q in questions if q["lang"] == lang]
        assert len(per_lang) >= 30, lang
        score = evaluate(kb, per_lang)
        assert score.top1_rate >= 0.90, "\n".join(score.misses)


def test_on_topic_questions_clear_the_threshold(kb):
    asked = [q for path in (EVAL, EXTRA) for q in on_topic(load_questions(path))]
    assert len(asked) >= 300
    assert len(refused(kb, asked)) <= 5, refused(kb, asked)


@pytest.mark.parametrize("question", [
    "who is the president of uganda",  # "president" once matched "preside" (chair)
    "what is complementarity",  # shares its six-letter stem with "complementary"
    "how do I apply for an internship at the court",  # "intern..." is not "international"
    "what's the weather in the hague tomorrow",
])
def test_one_shared_word_is_not_an_answer(kb, question):
    answer = kb.ask(question)
    assert answer.best is None
    assert all(h.confidence < 0.3 for h in answer.hits)


def test_typo_correction_leaves_names_alone(kb):
    terms = {t.term for t in kb.index.parse("capital de Australia").terms}
    assert "austri" not in terms
    assert "kirsch" in {t.term for t in kb.index.parse("moderated by Kirsh").terms}
    assert kb.ask("stoktaking kampala").best is not None


def test_off_topic_question_is_not_answered(kb):
    assert kb.ask("recipe for chocolate cake").best is None
    assert kb.ask("how do I reset my discord password").best is None


@pytest.mark.parametrize("question", [
    "", "   ", "\x00\x1b\x7f", '"', '""', "*", "NEAR(", "NEAR(a b", "a AND", "AND OR NOT",
    "-", "- - -", "^", "col:term", "{title}: x", "a* b*", "(((", ")", "'", "?!.,;:", "=HYPERLINK(\"http://x\")",
    "@everyone", "<@123456789012345678>", "x" * 5000, "🙂🙂🙂", "art " * 400, "\u202e\u200b",
])
def test_hostile_input_never_raises(kb, question):
    answer = kb.ask(question)
    assert all(hit.slug in kb.topics for hit in answer.hits)
    kb.complete(question, "en")


def test_analysis_shares_one_vocabulary():
    assert stem("implementing") == stem("implementation") == stem("implementación")
    assert fold("Œuvre Señor") == "oeuvre senor"
    terms = {t.term for t in analyze("UNSC et CSNU; art. 87(7) et Part IX")[0]}
    assert {"zzunsc", "zzart87", "zzpart9"} <= terms
    assert "zzart7" not in terms  # the (7) is a paragraph, not article 7


def test_autocomplete_ranks_by_the_index(kb):
    everything = kb.complete("", "fr")
    assert len(everything) == len(kb.topics) <= 25
    assert [t.title("fr") for t in everything] == sorted(
        (t.title("fr") for t in everything), key=fold)
    assert kb.complete("arr", "en")[0].slug in ("arrest-warrants", "arrest-strategies")
    assert kb.complete("arrest war", "en")[0].slug in ("arrest-warrants", "outstanding-warrants")
    assert kb.complete("recomend", "es")[0].slug == "recommendations-66"
    assert kb.complete("zzzzqqq", "en") == []
    assert len(kb.complete("a", "en", limit=25)) <= 25


def test_vague_questions_still_rank_but_are_not_confident(kb):
    answer = kb.ask("kampala")
    assert answer.hits and answer.best is None
    assert "stocktaking" in [h.slug for h in answer.hits] or "outcome-document" in [
        h.slug for h in answer.hits]
    assert not kb.ask("the what and").hits


@pytest.mark.parametrize(("question", "word"), [
    ("Milosevic arrest warrant", "Milosevic"),
    ("mandat d'arrêt contre Milosevic", "Milosevic"),
    ("orden de detención contra Milosevic", "Milosevic"),
    ("the Lockerbie case and cooperation", "Lockerbie"),
])
def test_a_name_no_topic_covers_is_said_so(kb, question, word):
    answer = kb.ask(question)
    assert answer.best is None and word in answer.missing
    assert answer.hits  # the closest topics to the rest of the question are still offered


def test_putin_either_way(kb, tmp_path):
    """Not covered while no topic mentions him; answered once one does (the rule is about
    words the whole base lacks, not about a list of names). The shipped base covers him
    (outstanding-warrants): the uncovered case is a copy of the base without that topic and
    with his name taken out of the others."""
    import shutil

    assert kb.ask("Putin arrest warrant").best.slug == "outstanding-warrants"
    shutil.copytree(ROOT / "data" / "topics", tmp_path / "topics")
    (tmp_path / "topics" / "outstanding-warrants.yaml").unlink()
    for path in (tmp_path / "topics").glob("*.yaml"):
        text = path.read_text(encoding="utf-8")
        # Same-length stand-ins: the texts must stay within their size limits.
        path.write_text(text.replace("Putin", "Orlov").replace("Poutine", "Orlovin"),
                        encoding="utf-8")
    before = KnowledgeBase(tmp_path)
    assert "outstanding-warrants" not in before.topics
    assert len(before.topics) == len(kb.topics) - 1
    answer = before.ask("Putin arrest warrant")
    assert answer.best is None and answer.missing == ("Putin",)
    assert answer.hits[0].slug == "arrest-warrants"
    shutil.copy(ROOT / "data" / "topics" / "outstanding-warrants.yaml", tmp_path / "topics")
    after = KnowledgeBase(tmp_path)
    answer = after.ask("Putin arrest warrant")
    assert answer.missing == () and answer.best is not None
    assert answer.best.slug == "outstanding-warrants"


def test_generic_words_the_base_lacks_do_not_refuse(kb):
    # "bank accounts": unknown words, but lower-case and the rest is plainly answered
    assert kb.ask("can the icc ask us to freeze bank accounts").best.slug == "cooperation-requests"
    assert kb.ask("WHAT IS APIC").missing == ()


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=200))
def test_any_text_gets_a_decision_and_only_its_own_words_as_missing(kb, text):
    answer = kb.ask(text)
    assert all(hit.slug in kb.topics for hit in answer.hits)
    assert all(fold(word) in fold(text) and not word.isdigit() for word in answer.missing)
    assert answer.best is None or not answer.missing


_ASKED = [str(q["q"]) for path in (EVAL, EXTRA, OFFTOPIC) for q in load_questions(path)]


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(_ASKED) | st.text(max_size=80))
def test_names_looked_up_by_key_are_every_name_the_question_gives(kb, text):
    """The index tries only the names a question's terms can open: it must find exactly the
    topics a check of every alias of every topic finds."""
    query = kb.index.parse(text)
    present = {t.term: t.source or t.term for t in query.terms if t.kind != "unknown"}
    everywhere = {slug for slug, names in kb.index._aliases.items()
                  if any(kb.index._gives(name, present) for name in names)}
    assert kb.index.named(query) == everywhere


@given(st.text(max_size=80), st.sampled_from(["scribd.com", "docplayer.fr", "x.ipfs.dweb.link",
                                              "ipfs.io", "www.docslib.org"]))
def test_refused_hosts_whatever_the_path(path, host):
    assert hosts.refused(f"https://{host}/{path}")
    assert not hosts.refused(f"https://www.icc-cpi.int/{path}")
