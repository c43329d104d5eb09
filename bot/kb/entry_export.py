"""A server's published entries as topic files in the data/topics format, for review upstream.

A good entry written by one server's moderators may deserve a place in the shipped knowledge
base; this writes it in the format reviewers already read (see data/topics and `kb check`), one
file per entry, with a header saying where it came from and what review must still add: the
languages it lacks, and dates for facts that can change. Nothing here makes it a topic: a
reviewer copies the file into data/topics and `kb check` holds it to the same rules as the rest.

The entries' text was cleaned when it was written (no control or bidirectional characters);
the YAML writer quotes whatever needs quoting, so text that starts with "=" or "@" stays text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from bot.i18n import LANGS
from bot.kb.entries import Entry, split_keywords
from bot.kb.loader import LIMITS, SOURCE_TITLE_LIMIT
from bot.kb.text import fold

SLUG_LIMIT = 60
MAX_KEY_SOURCES = 5


class _Dumper(yaml.SafeDumper):
    """Safe YAML whose multi-line text is written as a block, as the topic files are."""


def _text(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _text)


@dataclass(frozen=True, slots=True)
class Exported:
    path: Path
    number: int
    missing: tuple[str, ...]


def slug_for(entry: Entry) -> str:
    """"entry-12-when-is-the-next-regional-call": lower-case words of the question."""
    words = re.findall(r"[a-z0-9]+", fold(entry.title("en")))
    slug = "-".join(["entry", str(entry.number), *words])[:SLUG_LIMIT]
    return slug.rstrip("-")


def _short(answer: str) -> str:
    """The answer shown first: all of it when it fits, else its first sentences."""
    limit = LIMITS["short"]
    if len(answer) <= limit:
        return answer
    cut = answer.rfind(". ", 0, limit - 1)
    return answer[: cut + 1] if cut > limit // 3 else answer[: limit - 1].rstrip() + "…"


def _source(text: str) -> dict[str, Any]:
    web = text.startswith(("https://", "http://"))
    label = text.split("://", 1)[1] if web else text
    if len(label) > SOURCE_TITLE_LIMIT:
        label = label[: SOURCE_TITLE_LIMIT - 1] + "…"
    item: dict[str, Any] = {"title": dict.fromkeys(LANGS, label)}
    if web:
        item["url"] = text
    return item


def topic_document(entry: Entry) -> dict[str, Any]:
    """The entry in the topic schema: its languages, its sources (key), its last date."""
    sources: list[dict[str, Any]] = []
    for lang in LANGS:
        if lang in entry.texts:
            source = _source(entry.texts[lang].source)
            if source not in sources:
                sources.append(source)
    for index, source in enumerate(sources):
        source["key"] = index < MAX_KEY_SOURCES
    document: dict[str, Any] = {
        "slug": slug_for(entry),
        "checked": max(t.published_on for t in entry.texts.values()),
        "related": [],
        "sources": sources,
    }
    for lang, text in ((lang, entry.texts[lang]) for lang in LANGS if lang in entry.texts):
        title = text.question
        aliases = list(split_keywords(text.keywords))
        if len(title) > LIMITS["title"]:
            aliases.insert(0, title)
            title = title[: LIMITS["title"] - 1].rstrip() + "…"
        document[lang] = {"title": title, "short": _short(text.answer), "body": text.answer,
                          "aliases": aliases}
    return document


def header(entry: Entry, guild_id: int) -> str:
    missing = ", ".join(entry.missing)
    lines = [f"Exported by `coalition-bot kb export` from server {guild_id}, entry "
             f"#{entry.number} (written by its moderators, not yet reviewed).",
             "Before copying it into data/topics: check every fact against its source, date "
             "what can change (\"as of ...\"), and give the sources their titles in each "
             "language."]
    if missing:
        lines.append(f"Languages still to write: {missing} (`kb check` refuses the file "
                     f"until they are there).")
    return "".join(f"# {line}\n" for line in lines)


def write_topic_files(entries: list[Entry], guild_id: int, folder: Path) -> list[Exported]:
    """One `<slug>.yaml` per published entry; other files in the folder are left alone."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for entry in entries:
        if not entry.published:
            continue
        document = topic_document(entry)
        path = folder / f"{document['slug']}.yaml"
        body = yaml.dump(document, Dumper=_Dumper, allow_unicode=True, sort_keys=False,
                         width=100)
        path.write_text(header(entry, guild_id) + body, encoding="utf-8")
        written.append(Exported(path, entry.number, entry.missing))
    return written
