"""Reading and validating data/topics/*.yaml.

Validation is strict because the content is legal-political: a topic without sources, with a
missing translation or too long for an embed must fail review, not surprise a member.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
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
REQUIRED_SLUGS = (
    "implementing-legislation", "agreements", "cooperation-requests", "un-and-regional-bodies",
    "knowledge-and-support", "arrest-warrants", "stocktaking", "outcome-document",
    "recommendations-66", "pledges", "cooperation-facilitator", "civil-society", "parts-9-and-10",
)


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


def check_topics(data_dir: Path) -> tuple[dict[str, Topic], list[Problem]]:
    """Every topic that parsed, and every problem found (empty when the base is fit to serve)."""
    topics: dict[str, Topic] = {}
    problems: list[Problem] = []
    for path in sorted(topics_dir(data_dir).glob("*.yaml")):
        try:
            raw = yaml.load(path.read_text(encoding="utf-8"), Loader=_YAML_LOADER)  # noqa: S506
        except (yaml.YAMLError, UnicodeDecodeError) as exc:
            problems.append(Problem(path.name, f"not valid YAML: {exc}"))
            continue
        topic, found = _parse(path, raw)
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


def _parse(path: Path, raw: Any) -> tuple[Topic | None, list[Problem]]:
    name = path.name
    if not isinstance(raw, dict):
        return None, [Problem(name, "expected a mapping at the top level")]
    problems: list[Problem] = []
    slug = raw.get("slug")
    if not isinstance(slug, str) or not SLUG.match(slug):
        return None, [Problem(name, "slug missing or not lower-case-with-dashes")]
    if path.stem != slug:
        problems.append(Problem(name, f"file name must be {slug}.yaml"))
    updated = raw.get("updated")
    if not isinstance(updated, date):
        problems.append(Problem(name, "updated must be an ISO date (YYYY-MM-DD)"))
        updated = date.min
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
    return Topic(slug, updated, tuple(related), tuple(sources), text), problems


def _sources(name: str, raw: Any, problems: list[Problem]) -> list[Source]:
    if not isinstance(raw, list) or not raw:
        problems.append(Problem(name, "sources must list at least one {title, url}"))
        return []
    sources = []
    for item in raw:
        title = item.get("title") if isinstance(item, dict) else None
        url = item.get("url") if isinstance(item, dict) else None
        parsed = urlparse(url) if isinstance(url, str) else None
        if not isinstance(title, str) or not title.strip():
            problems.append(Problem(name, f"source without a title: {item!r}"))
        elif parsed is None or parsed.scheme not in ("http", "https") or not parsed.netloc \
                or any(c.isspace() for c in str(url)):
            problems.append(Problem(name, f"source {title!r} has a malformed URL {url!r}"))
        else:
            sources.append(Source(title.strip(), str(url)))
    return sources


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
