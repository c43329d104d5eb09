"""Everything `kb check` verifies: the loader's schema checks plus how topics will render.

Parsing is cached per directory and fingerprint: the files are re-read only when they change,
which keeps start-up (and every test's fresh bot) cheap.
"""

from __future__ import annotations

from pathlib import Path

from bot.i18n import LANGS
from bot.kb.loader import Problem, check_topics, fingerprint
from bot.kb.model import Topic
from bot.kb.render import answer_embed, body_embed, embed_problems

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
        for kind, embed in (("answer", answer_embed(topic, lang, question="?" * 254)),
                            ("read more", body_embed(topic, lang))):
            found += [Problem(name, f"{lang} {kind} embed: {p}") for p in embed_problems(embed)]
    return found


def check_knowledge_base(data_dir: Path) -> tuple[dict[str, Topic], list[Problem]]:
    """(topics that parsed, every problem); the base is fit to serve when the list is empty."""
    key = data_dir.resolve()
    try:
        stamp: object = fingerprint(data_dir)
    except OSError as exc:
        return {}, [Problem(str(data_dir), f"cannot read the topics folder: {exc}")]
    cached = _cache.get(key)
    if cached is not None and cached[0] == stamp:
        return dict(cached[1]), list(cached[2])
    topics, problems = check_topics(data_dir)
    if not topics and not problems:
        problems.append(Problem(str(data_dir), "no topic files found"))
    for topic in topics.values():
        problems += render_problems(topic)
    _cache[key] = (stamp, topics, problems)
    return dict(topics), list(problems)
