"""Reading and validating data/topics/*.yaml.

Validation is strict because the content is legal-political: a topic without sources, with a
missing translation or too long for an embed must fail review, not surprise a member.

A topic file: slug; checked (the ISO date its facts were last checked, not in the future;
the old `updated` is refused); related slugs; sources, each with a title in en, fr and es, an
optional http(s) url and `key: true` on the one to five shown with every answer; and en, fr,
es each with title, short, body and aliases.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import yaml

from bot.i18n import LANGS
from bot.kb.model import Source, Topic, TopicText

# The C loader is several times faster; both are the *safe* loader (no arbitrary objects).
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
LIMITS = {"title": 80, "short": 600, "body": 3000}
# A source line (label and address) must fit in one embed field (1024) with room to spare, and
# five of them beside the short answer in one embed (6000).
SOURCE_TITLE_LIMIT = 300
URL_LIMIT = 500
REQUIRED_SLUGS = (
    "implementing-legislation", "agreements", "cooperation-requests", "un-and-regional-bodies",
    "knowledge-and-support", "arrest-warrants", "stocktaking", "outcome-document",
    "recommendations-66", "pledges", "cooperation-facilitator", "civil-society", "parts-9-and-10",
    "cooperation-overview", "immunities", "non-compliance", "withdrawal",
    "enforcement-of-sentences", "arrest-strategies", "outstanding-warrants",
)
# A reply shows the key sources: at least one carries the answer, more than five bury it.
MIN_KEY_SOURCES, MAX_KEY_SOURCES = 1, 5
TOP_LEVEL = frozenset({"slug", "checked", "related", "sources", *LANGS})
# The last time zone to start a day is UTC+14: a date is "in the future" only once it is
# tomorrow everywhere, so a reviewer in Kiribati can stamp today's date.
_EARLIEST_OFFSET = timedelta(hours=14)


def latest_valid_date() -> date:
    return (datetime.now(UTC) + _EARLIEST_OFFSET).date()


@dataclass(frozen=True, slots=True)
class Problem:
    file: str
    message: str
    # False for problems about the base as a whole (a dangling related slug, a missing required
    # topic): the file itself can still be served.
    blocking: bool = True

    def __str__(self) -> str:
        return f"{self.file}: {self.message}"


class KnowledgeBaseError(Exception):
    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("\n".join(map(str, problems)))
        self.problems = problems


def topics_dir(data_dir: Path) -> Path:
    return data_dir / "topics"


def fingerprint(data_dir: Path) -> tuple[tuple[str, int, int], ...]:
    """Cheap change detector: names, sizes and modification times of the topic files."""
    return tuple(
        (p.name, p.stat().st_size, p.stat().st_mtime_ns)
        for p in sorted(topics_dir(data_dir).glob("*.yaml"))
    )


def check_topics(data_dir: Path, *, today: date | None = None
                 ) -> tuple[dict[str, Topic], list[Problem]]:
    """Every topic that parsed, and every problem found (empty when the base is fit to serve)."""
    today = today or latest_valid_date()
    topics: dict[str, Topic] = {}
    problems: list[Problem] = []
    for path in sorted(topics_dir(data_dir).glob("*.yaml")):
        try:
            raw = yaml.load(path.read_text(encoding="utf-8"), Loader=_YAML_LOADER)  # noqa: S506
        except (yaml.YAMLError, UnicodeDecodeError) as exc:
            problems.append(Problem(path.name, f"not valid YAML: {exc}"))
            continue
        topic, found = _parse(path, raw, today)
        problems += found
        if topic is not None:
            if topic.slug in topics:
                problems.append(Problem(path.name, f"slug {topic.slug!r} used twice"))
            topics[topic.slug] = topic
    for topic in topics.values():
        problems += [Problem(f"{topic.slug}.yaml", f"related slug {r!r} does not exist", False)
                     for r in topic.related if r not in topics]
    problems += [Problem("data/topics", f"required topic {s!r} is missing", False)
                 for s in REQUIRED_SLUGS if s not in topics]
    return topics, problems


def load_topics(data_dir: Path) -> dict[str, Topic]:
    topics, problems = check_topics(data_dir)
    if problems:
        raise KnowledgeBaseError(problems)
    return topics


def _parse(path: Path, raw: Any, today: date) -> tuple[Topic | None, list[Problem]]:
    name = path.name
    if not isinstance(raw, dict):
        return None, [Problem(name, "expected a mapping at the top level")]
    problems: list[Problem] = []
    slug = raw.get("slug")
    if not isinstance(slug, str) or not SLUG.match(slug):
        return None, [Problem(name, "slug missing or not lower-case-with-dashes")]
    if path.stem != slug:
        problems.append(Problem(name, f"file name must be {slug}.yaml"))
    problems += [Problem(name, f"unknown field {str(k)!r}" + (
        " (replaced by `checked`: the date the facts were checked)" if k == "updated" else ""))
        for k in raw if k not in TOP_LEVEL]
    checked = _checked(name, raw.get("checked"), today, problems)
    related = raw.get("related") or []
    if not isinstance(related, list) or not all(isinstance(r, str) for r in related):
        problems.append(Problem(name, "related must be a list of slugs"))
        related = []
    sources = _sources(name, raw.get("sources"), problems)
    text: dict[str, TopicText] = {}
    for lang in LANGS:
        parsed = _text(name, lang, raw.get(lang), problems)
        if parsed is not None:
            text[lang] = parsed
    if "en" not in text:
        return None, problems
    return Topic(slug, checked, tuple(related), tuple(sources), text), problems


def _checked(name: str, value: Any, today: date, problems: list[Problem]) -> date:
    # PyYAML reads an unquoted 2026-11-30 as a date; a quoted one, or a datetime, is refused
    # so that every file states the day alone, the same way.
    if not isinstance(value, date) or isinstance(value, datetime):
        problems.append(Problem(name, "checked must be the ISO date (YYYY-MM-DD) the facts "
                                      "were last checked"))
        return date.min
    if value > today:
        problems.append(Problem(name, f"checked date {value.isoformat()} is in the future"))
    return value


def _sources(name: str, raw: Any, problems: list[Problem]) -> list[Source]:
    if not isinstance(raw, list) or not raw:
        problems.append(Problem(name, "sources must list at least one {title, url, key}"))
        return []
    sources = []
    for item in raw:
        source = _source(name, item, problems)
        if source is not None:
            sources.append(source)
    keys = sum(s.key for s in sources)
    if not MIN_KEY_SOURCES <= keys <= MAX_KEY_SOURCES:
        problems.append(Problem(name, f"{keys} sources are marked key: true (there must be "
                                      f"{MIN_KEY_SOURCES} to {MAX_KEY_SOURCES})"))
    return sources


def _source(name: str, item: Any, problems: list[Problem]) -> Source | None:
    if not isinstance(item, dict):
        problems.append(Problem(name, f"source is not a mapping: {item!r}"))
        return None
    raw_titles = item.get("title")
    titles: dict[str, str] = {lang: raw_titles[lang].strip() for lang in LANGS
              if isinstance(raw_titles, dict) and isinstance(raw_titles.get(lang), str)
              and raw_titles[lang].strip()}
    label = titles.get("en") or repr(raw_titles)
    problems += [Problem(name, f"source {label!r} has no title in {lang!r}")
                 for lang in LANGS if lang not in titles]
    problems += [Problem(name, f"source {label[:60]!r}: {lang} title is {len(text)} characters "
                               f"(limit {SOURCE_TITLE_LIMIT})")
                 for lang, text in titles.items() if len(text) > SOURCE_TITLE_LIMIT]
    problems += [Problem(name, f"source {label!r}: unknown field {str(k)!r}")
                 for k in item if k not in ("title", "url", "key")]
    url = item.get("url")
    if isinstance(url, str) and len(url) > URL_LIMIT:
        problems.append(Problem(name, f"source {label[:60]!r}: URL is {len(url)} characters "
                                      f"(limit {URL_LIMIT})"))
        url = None
    elif url is not None and not _web_address(url):
        problems.append(Problem(name, f"source {label!r} has a malformed URL {url!r}"))
        url = None
    key = item.get("key", False)
    if not isinstance(key, bool):
        problems.append(Problem(name, f"source {label!r}: key must be true or false"))
    if "en" not in titles:
        return None
    return Source(titles, str(url) if url is not None else None, key is True)


def _web_address(url: Any) -> bool:
    if not isinstance(url, str) or any(c.isspace() for c in url):
        return False
    try:
        parsed = urlparse(url)
        return parsed.scheme in ("http", "https") and bool(parsed.hostname)
    except ValueError:
        return False


def _text(name: str, lang: str, raw: Any, problems: list[Problem]) -> TopicText | None:
    if not isinstance(raw, dict):
        problems.append(Problem(name, f"language {lang!r} is missing"))
        return None
    values: dict[str, str] = {}
    for part, limit in LIMITS.items():
        value = raw.get(part)
        if not isinstance(value, str) or not value.strip():
            problems.append(Problem(name, f"{lang}.{part} is missing"))
            value = ""
        elif len(value.strip()) > limit:
            problems.append(Problem(name, f"{lang}.{part} is {len(value.strip())} characters "
                                          f"(limit {limit})"))
        values[part] = value.strip()
    aliases = raw.get("aliases") or []
    if not isinstance(aliases, list) or not all(isinstance(a, str) and a.strip() for a in aliases):
        problems.append(Problem(name, f"{lang}.aliases must be a list of non-empty strings"))
        aliases = []
    return TopicText(values["title"], values["short"], values["body"],
                     tuple(a.strip() for a in aliases))
