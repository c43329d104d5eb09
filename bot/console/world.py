"""Setting up the console's little world: a fake Discord, one server, the real bot and its database."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from bot.client import CoalitionBot
from bot.config import Settings
from bot.fakediscord.harness import Harness
from bot.fakediscord.server import FakeDiscord
from bot.storage import Database

CONSOLE_TOKEN = "console-token-" + "x" * 40
# Fixed ids, so pledges and settings made in one console session are there in the next.
CONSOLE_GUILD_ID = 1_000_000_000_000_000_001
CONSOLE_MEMBER_ID = 1_000_000_000_000_000_101
CONSOLE_MODERATOR_ID = 1_000_000_000_000_000_102


@dataclass
class ConsoleWorld:
    fake: FakeDiscord
    h: Harness
    bot: CoalitionBot
    guild_id: int
    channel_id: int
    member: Any
    moderator: Any
    channels: dict[str, int] = field(default_factory=dict)
    roles: dict[str, int] = field(default_factory=dict)


def quiet_logs() -> None:
    """The transcript is the console's output; only warnings and errors go to stderr."""
    root = logging.getLogger()
    root.setLevel(logging.WARNING)
    for name in ("discord", "bot", "cogs", "aiohttp"):
        logging.getLogger(name).setLevel(logging.WARNING)
    # Voice support is irrelevant here; its missing-library notice would only confuse.
    logging.getLogger("discord.client").setLevel(logging.ERROR)


@asynccontextmanager
async def console_world(settings: Settings) -> AsyncIterator[ConsoleWorld]:
    quiet_logs()
    fake = FakeDiscord()
    await fake.start()
    db: Database | None = None
    try:
        guild_id = fake.add_guild(name="Coalition console", preferred_locale="en-US",
                                  guild_id=CONSOLE_GUILD_ID)
        channels = {
            "general": fake.add_channel(guild_id, "general"),
            "announcements": fake.add_channel(guild_id, "announcements", type=5),
            "moderators": fake.add_channel(guild_id, "moderators"),
        }
        roles = {"moderators": fake.add_role(guild_id, "moderators")}
        db = await Database.open(settings.db_path)
        local = Settings(
            token=CONSOLE_TOKEN, db_path=settings.db_path, guild_id=None,
            api_base=fake.api_base, gateway_url=fake.gateway_url,
            log_level=settings.log_level, data_dir=settings.data_dir,
            allow_private_feeds=settings.allow_private_feeds,
        )
        bot = CoalitionBot(local, db, sync_commands=False, background_tasks=False)
        h = Harness(fake, bot)
        await h.start()
        try:
            yield ConsoleWorld(
                fake=fake, h=h, bot=bot, guild_id=guild_id, channel_id=channels["general"],
                member=h.member(guild_id, name="member", user_id=CONSOLE_MEMBER_ID),
                moderator=h.moderator(guild_id, name="moderator", user_id=CONSOLE_MODERATOR_ID),
                channels=channels, roles=roles,
            )
        finally:
            await h.close()
    finally:
        if db is not None:
            await db.close()
        await fake.close()
