"""Seed resources from data/resources.yaml, loaded once per server and never announced.

They are years old: announcing them in a server the bot just joined would be noise. Loading is
recorded per server, so a seed a moderator removed stays removed after a restart.
"""

from __future__ import annotations

import logging
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from bot.resources.clock import iso, utcnow
from bot.resources.store import NewResource, insert_resources
from bot.resources.text import (
    InvalidField,
    language_code,
    optional_author,
    parse_published,
    required_title,
    valid_kind,
    valid_region,
)
from bot.resources.urls import InvalidURL, canonical_url
from bot.storage import Database

log = logging.getLogger(__name__)
SEED_FILE = "resources.yaml"
MARK_SEEDED = """
INSERT INTO resource_seeded (guild_id, seeded_at) VALUES (:guild_id, :now)
ON CONFLICT (guild_id) DO NOTHING
RETURNING guild_id
"""
IS_SEEDED = "SELECT 1 FROM resource_seeded WHERE guild_id = :guild_id"


class SeedError(ValueError):
    """data/resources.yaml is wrong; the message names the entry."""


def _entry(index: int, item: Any) -> NewResource:
    if not isinstance(item, dict):
        raise SeedError(f"{SEED_FILE} entry {index}: expected a mapping")
    published = item.get("published")
    try:
        return NewResource(
            url=canonical_url(str(item.get("url") or "")),
            title=required_title(str(item.get("title") or "")),
            author=optional_author(item.get("author")),
            published=parse_published(
                published.isoformat() if isinstance(published, date) else published),
            region=valid_region(item.get("region")),
            kind=valid_kind(item.get("kind")),
            language=language_code(item.get("language")),
            source="seed",
        )
    except (InvalidURL, InvalidField) as exc:
        raise SeedError(f"{SEED_FILE} entry {index}: {exc}") from exc


def load_seed(path: Path) -> list[NewResource]:
    """Every entry checked as strictly as a moderator's /resource add."""
    if not path.is_file():
        return []
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    items = data.get("resources") if isinstance(data, dict) else None
    if not isinstance(items, list):
        raise SeedError(f"{SEED_FILE}: expected a 'resources' list")
    seeds = [_entry(i, item) for i, item in enumerate(items, 1)]
    urls = [s.url for s in seeds]
    if len(set(urls)) != len(urls):
        raise SeedError(f"{SEED_FILE}: two entries have the same canonical URL")
    return seeds


@lru_cache(maxsize=4)
def _cached_seed(path: Path) -> tuple[NewResource, ...]:
    return tuple(load_seed(path))


async def ensure_seeded(db: Database, guild_id: int, data_dir: Path) -> int:
    """Load the seed into this server if it never was; the number of resources added."""
    if await db.fetchval(IS_SEEDED, {"guild_id": guild_id}):
        return 0
    seeds = _cached_seed(data_dir / SEED_FILE)
    async with db.transaction() as conn:
        async with conn.execute(MARK_SEEDED, {"guild_id": guild_id, "now": iso(utcnow())}) as cur:
            if await cur.fetchone() is None:
                return 0  # another task seeded it meanwhile
        added = len(await insert_resources(conn, guild_id, seeds, announce=False))
    if added:
        log.info("loaded %d seed resources into guild %s", added, guild_id)
    return added
