"""Fixtures: the real bot, a real SQLite file, and the fake Discord on 127.0.0.1."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings

from bot import i18n
from bot.client import CoalitionBot
from bot.config import Settings
from bot.fakediscord.harness import Harness
from bot.fakediscord.server import FakeDiscord
from bot.storage import Database
from tests.resources_helpers import FeedServer

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "fake-token-" + "x" * 40

# Property tests stay within the suite's minutes: a bounded number of examples each, no
# per-example deadline (timing is the job of tests/test_linear_time.py). HYPOTHESIS_PROFILE=deep
# runs many more locally.
settings.register_profile("coalition", max_examples=60, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("deep", parent=settings.get_profile("coalition"), max_examples=2000)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "coalition"))


def make_settings(fake: FakeDiscord, db_path: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "token": TOKEN,
        "db_path": db_path,
        "guild_id": None,
        "api_base": fake.api_base,
        "gateway_url": fake.gateway_url,
        "log_level": "DEBUG",
        "data_dir": ROOT / "data",
        "allow_private_feeds": True,  # the test feeds are served on 127.0.0.1
    }
    values.update(overrides)
    return Settings(**values)


@pytest.fixture(autouse=True)
def numbers_take_plural_forms() -> Any:
    """A number given to a message without plural forms fails the test that shows it."""
    i18n.STRICT = True
    i18n.count_violations.clear()
    yield
    found = list(i18n.count_violations)
    i18n.count_violations.clear()
    assert found == [], "\n".join(found)


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    """A migrated database in a real SQLite file, for tests of the storage layers."""
    database = await Database.open(tmp_path / "test.sqlite3")
    try:
        yield database
    finally:
        await database.close()


@pytest.fixture
async def server() -> AsyncIterator[FeedServer]:
    """A real HTTP server on 127.0.0.1 serving the feeds a test puts in `documents`."""
    feeds = FeedServer()
    await feeds.start()
    try:
        yield feeds
    finally:
        await feeds.close()


@asynccontextmanager
async def running_bot(fake: FakeDiscord, db_path: Path, *, background_tasks: bool = False,
                      **overrides: Any) -> AsyncIterator[tuple[CoalitionBot, Harness]]:
    """A bot logged in to the fake on `db_path`: a restart on the same file, or other settings."""
    db = await Database.open(db_path)
    bot = CoalitionBot(make_settings(fake, db_path, **overrides), db, sync_commands=False,
                       background_tasks=background_tasks)
    h = Harness(fake, bot)
    try:
        await h.start()
        yield bot, h
    finally:
        await h.close()
        await db.close()


@dataclass
class World:
    """Everything a test needs to act as members and moderators on two servers."""

    fake: FakeDiscord
    h: Harness
    bot: CoalitionBot
    db: Database
    guild_id: int
    channel_id: int
    other_guild_id: int
    other_channel_id: int
    member: Any
    other_member: Any
    moderator: Any
    outsider: Any  # a member of the other server


@pytest.fixture
async def fake(request: pytest.FixtureRequest) -> AsyncIterator[FakeDiscord]:
    """Fails the test on a request the fake did not understand, and on any refusal Discord
    would have sent (over-long embed, double reply...) unless the test provokes refusals on
    purpose and says so with `@pytest.mark.allow_rejections`."""
    server = FakeDiscord()
    await server.start()
    try:
        yield server
    finally:
        await server.close()
    assert server.errors == [], server.errors
    if request.node.get_closest_marker("allow_rejections") is None:
        assert server.rejections == [], server.rejections


@pytest.fixture
async def world(fake: FakeDiscord, tmp_path: Path) -> AsyncIterator[World]:
    guild_id = fake.add_guild(name="Coalition Europe", preferred_locale="en-US")
    channel_id = fake.add_channel(guild_id, "general")
    other_guild_id = fake.add_guild(name="Coalición Américas", preferred_locale="es-ES")
    other_channel_id = fake.add_channel(other_guild_id, "general")
    async with running_bot(fake, tmp_path / "bot.sqlite3") as (bot, h):
        assert bot.failed_extensions == {}, bot.failed_extensions
        yield World(
            fake=fake, h=h, bot=bot, db=bot.db,
            guild_id=guild_id, channel_id=channel_id,
            other_guild_id=other_guild_id, other_channel_id=other_channel_id,
            member=h.member(guild_id, name="ana"),
            other_member=h.member(guild_id, name="bruno"),
            moderator=h.moderator(guild_id, name="mod"),
            outsider=h.member(other_guild_id, name="carla"),
        )
