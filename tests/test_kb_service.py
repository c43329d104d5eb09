"""Reloading the knowledge base while it serves, and the command-line tools."""

import json
import os
import re
import shutil
import subprocess
import sys
from datetime import date

import pytest

from bot.kb.checks import check_knowledge_base
from bot.kb.service import CHECK_INTERVAL, KnowledgeBase
from tests.kb_eval_helpers import ROOT, TOPIC_COUNT


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


@pytest.fixture
def data(tmp_path):
    shutil.copytree(ROOT / "data" / "topics", tmp_path / "topics")
    return tmp_path


def edit(path, old, new):
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    stat = path.stat()  # make sure the fingerprint changes even within one clock tick
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))


def test_changed_files_are_picked_up_after_the_interval(data):
    clock = Clock()
    kb = KnowledgeBase(data, clock=clock)
    assert kb.problems == [] and len(kb.topics) == TOPIC_COUNT
    edit(data / "topics" / "pledges.yaml", "title: \"Pledges", "title: \"Zanzibar pledges")
    assert kb.refresh_if_changed() is None  # checked too recently
    assert "Zanzibar" not in kb.topics["pledges"].title("en")
    clock.now += CHECK_INTERVAL + 1
    assert kb.ask("zanzibar").hits[0].slug == "pledges"
    assert kb.topics["pledges"].title("en").startswith("Zanzibar")
    clock.now += CHECK_INTERVAL + 1
    assert kb.refresh_if_changed() is None  # unchanged since


def test_invalid_reload_keeps_the_previous_index(data):
    kb = KnowledgeBase(data)
    edit(data / "topics" / "pledges.yaml", "\nfr:\n", "\nfrench:\n")
    (data / "topics" / "stocktaking.yaml").write_text("slug: [unclosed", encoding="utf-8")
    result = kb.reload()
    assert not result.changed and result.topics == TOPIC_COUNT
    text = "\n".join(map(str, result.problems))
    assert "pledges.yaml" in text and "'fr' is missing" in text
    assert "stocktaking.yaml" in text and "YAML" in text
    assert kb.ask("Costa Rica Ireland focal points").hits[0].slug == "stocktaking"


def test_start_up_serves_the_valid_files_only(data):
    edit(data / "topics" / "pledges.yaml", "url: \"http", "url: \"ftp")
    kb = KnowledgeBase(data)
    assert "pledges" not in kb.topics and len(kb.topics) == TOPIC_COUNT - 1
    assert any("malformed URL" in p.message for p in kb.problems)


def test_check_reports_source_limits_and_missing_related(data):
    path = data / "topics" / "civil-society.yaml"
    edit(path, "related: [", "related: [no-such-topic, ")
    label = "Source number {n} with a fairly long descriptive title here"
    sources = "".join(f'  - title: {{en: "{label.format(n=n)}", fr: "{label.format(n=n)}", '
                      f'es: "{label.format(n=n)}"}}\n'
                      f'    url: "https://example.org/{"x" * 150}/{n}"\n'
                      f'    key: {str(n < 6).lower()}\n' for n in range(25))
    long_label = "L" * 301
    sources += (f'  - title: {{en: "{long_label}", fr: "x", es: "x"}}\n'
                f'    url: "https://example.org/{"y" * 500}"\n')
    edit(path, "sources:\n", "sources:\n" + sources)
    _, problems = check_knowledge_base(data)
    text = "\n".join(map(str, problems))
    assert "related slug 'no-such-topic' does not exist" in text
    assert "8 sources are marked key: true (there must be 1 to 5)" in text
    assert "en title is 301 characters (limit 300)" in text
    assert "URL is 520 characters (limit 500)" in text


def run_cli(*args, data_dir=ROOT / "data", stdin=None):
    env = {**os.environ, "COALITION_DATA_DIR": str(data_dir), "LOG_LEVEL": "WARNING"}
    env.pop("DISCORD_TOKEN", None)
    return subprocess.run([sys.executable, "-m", "bot", *args], input=stdin, env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=60, check=False)


def test_kb_check_passes_on_the_shipped_files():
    done = run_cli("kb", "check")
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"{TOPIC_COUNT} topics" in done.stdout


def test_kb_check_fails_on_a_broken_file(data):
    edit(data / "topics" / "agreements.yaml", "\nes:\n", "\nespanol:\n")
    done = run_cli("kb", "check", data_dir=data)
    assert done.returncode == 1
    assert "agreements.yaml: language 'es' is missing" in done.stdout


def test_ask_json_and_stdin_lines():
    done = run_cli("ask", "art 88?", "--json", "--top", "2", "--lang", "fr")
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["question"] == "art 88?"
    assert result["results"][0]["slug"] == "implementing-legislation"
    assert result["results"][0]["title"].startswith("Législation")
    assert len(result["results"]) <= 2
    assert set(result["results"][0]) == {"slug", "title", "score"}
    assert result["answered"] is True and result["missing"] == []
    lines = run_cli("ask", stdin="APIC\n\n\"NEAR( AND *\nqui a modéré la session\n"
                                 "recipe for chocolate cake\nMilosevic arrest warrant\n")
    parsed = [json.loads(line) for line in lines.stdout.splitlines()]
    assert [p["question"] for p in parsed] == ["APIC", "", "\"NEAR( AND *", "qui a modéré la session",
                                              "recipe for chocolate cake", "Milosevic arrest warrant"]
    assert parsed[0]["results"][0]["slug"] == "agreements"
    assert parsed[1]["results"] == []
    assert parsed[3]["results"][0]["slug"] == "stocktaking"
    assert [p["answered"] for p in parsed] == [True, False, False, True, False, False]
    assert parsed[5]["missing"] == ["Milosevic"] and parsed[5]["results"]


def test_ask_text_output_says_when_unsure():
    done = run_cli("ask", "recipe for chocolate cake")
    assert done.returncode == 0
    assert "does not know" in done.stdout


def test_check_refuses_dump_hosts_anywhere_in_data(data):
    topic = data / "topics" / "agreements.yaml"
    edit(topic, "sources:\n", 'sources:\n  - title: {en: "Dump", fr: "Dump", es: "Dump"}\n'
                              '    url: "https://fr.scribd.com/document/1"\n')
    edit(topic, "  body: |\n", "  body: |\n    See https://bafy.ipfs.dweb.link/x and "
                               "http://docplayer.es/1.\n")
    (data / "resources.yaml").write_text(
        "resources:\n  - url: https://www.docslib.org/doc/1\n    title: x\n", encoding="utf-8")
    _, problems = check_knowledge_base(data)
    text = "\n".join(map(str, problems))
    assert "https://fr.scribd.com/document/1 is on a refused host (fr.scribd.com)" in text
    assert "bafy.ipfs.dweb.link" in text and "docplayer.es" in text
    assert "resources.yaml: https://www.docslib.org/doc/1 is on a refused host" in text
    done = run_cli("kb", "check", data_dir=data)
    assert done.returncode == 1 and "refused host" in done.stdout


def test_check_dates_and_the_old_field(data):
    edit(data / "topics" / "pledges.yaml", "checked: ", "updated: ")
    path = data / "topics" / "stocktaking.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(re.sub(r"^checked: .*$", "checked: 2999-01-01", text, count=1, flags=re.M),
                    encoding="utf-8")
    _, problems = check_knowledge_base(data)
    text = "\n".join(map(str, problems))
    assert "pledges.yaml: unknown field 'updated' (replaced by `checked`" in text
    assert "pledges.yaml: checked must be the ISO date" in text
    assert "stocktaking.yaml: checked date 2999-01-01 is in the future" in text
    # a date that is already today somewhere on Earth is not "in the future"
    _, later = check_knowledge_base(data, today=date(2999, 1, 1))
    assert not any("stocktaking" in p.file and "future" in p.message for p in later)


@pytest.mark.parametrize(("source", "message"), [
    ('  - title: {en: "Only English"}\n    key: true\n', "has no title in 'fr'"),
    ('  - title: "plain string"\n', "has no title in 'en'"),
    ('  - title: {en: "x", fr: "x", es: "x"}\n    url: "javascript:alert(1)"\n', "malformed URL"),
    ('  - title: {en: "x", fr: "x", es: "x"}\n    key: "yes"\n', "key must be true or false"),
    ('  - title: {en: "x", fr: "x", es: "x"}\n    link: "https://x.org"\n', "unknown field 'link'"),
    ("  - just text\n", "source is not a mapping"),
])
def test_check_source_fields(data, source, message):
    edit(data / "topics" / "agreements.yaml", "sources:\n", "sources:\n" + source)
    _, problems = check_knowledge_base(data)
    assert any(message in p.message for p in problems), problems


def test_no_key_source_is_a_problem(data):
    path = data / "topics" / "agreements.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("    key: true\n", ""),
                    encoding="utf-8")
    _, problems = check_knowledge_base(data)
    assert any("0 sources are marked key: true" in p.message for p in problems)
