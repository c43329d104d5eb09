"""Everything `kb check` verifies: the loader's schema checks, the source-host policy over all
of data/, and how topics will render.

Parsing is cached per directory and fingerprint: the files are re-read only when they change,
which keeps start-up (and every test's fresh bot) cheap.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import yaml

from bot.i18n import LANGS
from bot.kb.hosts import host_of, refused, urls_in
from bot.kb.loader import _YAML_LOADER, Problem, check_topics, fingerprint, latest_valid_date
from bot.kb.model import Topic
from bot.kb.render import answer_embed, body_embed, embed_problems, source_pages

MAX_SLUG = 60  # custom ids ("kb:more:<slug>:<lang>") must stay under Discord's 100
MAX_ALIASES = 60

_cache: dict[Path, tuple[object, dict[str, Topic], list[Problem]]] = {}


def render_problems(topic: Topic) -> list[Problem]:
    name = f"{topic.slug}.yaml"
    found: list[Problem] = []
    if len(topic.slug) > MAX_SLUG:
        found.append(Problem(name, f"slug longer than {MAX_SLUG} characters"))
    for lang in LANGS:
        if lang not in topic.text:
            continue
        if len(topic.text[lang].aliases) > MAX_ALIASES:
            found.append(Problem(name, f"{lang}: more than {MAX_ALIASES} aliases"))
        embeds = [("answer", answer_embed(topic, lang, question="?" * 254)),
                  ("read more", body_embed(topic, lang))]
        embeds += [("all sources", page) for page in source_pages(topic, lang)]
        for kind, embed in embeds:
            found += [Problem(name, f"{lang} {kind} embed: {p}") for p in embed_problems(embed)]
    return found


def data_files(data_dir: Path) -> list[Path]:
    """Every YAML file under data/ (topics, resources, anything added later)."""
    return sorted(p for p in data_dir.rglob("*.y*ml") if p.is_file())


def host_problems(data_dir: Path) -> list[Problem]:
    """Addresses on refused (document-dump or mirror) hosts, in any YAML file under data/."""
    found: list[Problem] = []
    for path in data_files(data_dir):
        try:
            raw = yaml.load(path.read_text(encoding="utf-8"), Loader=_YAML_LOADER)  # noqa: S506
        except (yaml.YAMLError, UnicodeDecodeError, OSError):
            continue  # the topic loader reports unreadable topic files; others have owners
        name = str(path.relative_to(data_dir)) if path.parent != data_dir / "topics" else path.name
        found += [Problem(name, f"{url} is on a refused host ({host_of(url)}): cite the "
                                f"document on an official host instead")
                  for url in dict.fromkeys(urls_in(raw)) if refused(url)]
    return found


def _stamp(data_dir: Path, today: date) -> object:
    others = tuple((str(p), p.stat().st_size, p.stat().st_mtime_ns) for p in data_files(data_dir)
                   if p.parent != data_dir / "topics")
    return fingerprint(data_dir), others, today


def check_knowledge_base(data_dir: Path, *, today: date | None = None
                         ) -> tuple[dict[str, Topic], list[Problem]]:
    """(topics that parsed, every problem); the base is fit to serve when the list is empty."""
    key = data_dir.resolve()
    today = today or latest_valid_date()
    try:
        stamp = _stamp(data_dir, today)
    except OSError as exc:
        return {}, [Problem(str(data_dir), f"cannot read the topics folder: {exc}")]
    cached = _cache.get(key)
    if cached is not None and cached[0] == stamp:
        return dict(cached[1]), list(cached[2])
    topics, problems = check_topics(data_dir, today=today)
    if not topics and not problems:
        problems.append(Problem(str(data_dir), "no topic files found"))
    problems += host_problems(data_dir)
    for topic in topics.values():
        problems += render_problems(topic)
    _cache[key] = (stamp, topics, problems)
    return dict(topics), list(problems)
