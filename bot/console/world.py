"""The console's little world: a fake Discord, one server, the whole bot and its database.

Server, channels, roles and people have fixed ids, so whatever a session configured (the
announcements channel, the moderator role) and whatever members stored is found again by the
next session on the same database.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.client import CoalitionBot
from bot.config import Settings
from bot.console.commands import translated_payloads
from bot.console.parse import Names
from bot.fakediscord.harness import Harness
from bot.fakediscord.server import FakeDiscord
from bot.fakediscord.state import CHANNEL_ANNOUNCEMENT, CHANNEL_TEXT
from bot.storage import Database

CONSOLE_TOKEN = "console-token-" + "x" * 40
CONSOLE_GUILD_ID = 1_000_000_000_000_000_001
CONSOLE_MEMBER_ID = 1_000_000_000_000_000_101
CONSOLE_MODERATOR_ID = 1_000_000_000_000_000_102
CHANNELS = (
    ("general", CHANNEL_TEXT, 1_000_000_000_000_000_201),
    ("announcements", CHANNEL_ANNOUNCEMENT, 1_000_000_000_000_000_202),
    ("moderators", CHANNEL_TEXT, 1_000_000_000_000_000_203),
)
ROLES = (("moderators", 1_000_000_000_000_000_301),)


@dataclass
class ConsoleWorld:
    fake: FakeDiscord
    h: Harness
    bot: CoalitionBot
    guild_id: int
    channel_id: int
    member: Any
    moderator: Any
    names: Names
    payloads: list[dict[str, Any]]


def quiet_logs() -> None:
    """The transcript is the console's output; only warnings and errors go to stderr."""
    root = logging.getLogger()
    root.setLevel(logging.WARNING)
    for name in ("discord", "bot", "cogs", "aiohttp"):
        logging.getLogger(name).setLevel(logging.WARNING)
    # Voice support is irrelevant here; its missing-library notice would only confuse.
    logging.getLogger("discord.client").setLevel(logging.ERROR)


def build_server(fake: FakeDiscord) -> Names:
    guild_id = fake.add_guild(name="Coalition console", preferred_locale="en-US",
                              guild_id=CONSOLE_GUILD_ID, owner_id=CONSOLE_MODERATOR_ID)
    channels = {name: (fake.add_channel(guild_id, name, kind, channel_id=ident), kind)
                for name, kind, ident in CHANNELS}
    roles = {name: fake.add_role(guild_id, name, role_id=ident) for name, ident in ROLES}
    users = {"member": CONSOLE_MEMBER_ID, "moderator": CONSOLE_MODERATOR_ID}
    return Names(channels, roles, users)


def console_settings(settings: Settings, fake: FakeDiscord) -> Settings:
    """Feeds on this machine are allowed: the person at the console is the operator."""
    return Settings(
        token=CONSOLE_TOKEN, db_path=settings.db_path, guild_id=None,
        api_base=fake.api_base, gateway_url=fake.gateway_url, log_level=settings.log_level,
        data_dir=settings.data_dir, allow_private_feeds=True,
    )


@asynccontextmanager
async def console_world(settings: Settings, *, background: bool = True
                        ) -> AsyncIterator[ConsoleWorld]:
    quiet_logs()
    fake = FakeDiscord()
    await fake.start()
    db: Database | None = None
    try:
        names = build_server(fake)
        Path(settings.db_path).parent.mkdir(parents=True, exist_ok=True)
        db = await Database.open(settings.db_path)
        bot = CoalitionBot(console_settings(settings, fake), db, sync_commands=False,
                           background_tasks=background)
        h = Harness(fake, bot)
        await h.start()
        try:
            yield ConsoleWorld(
                fake=fake, h=h, bot=bot, guild_id=CONSOLE_GUILD_ID,
                channel_id=names.channels["general"][0],
                member=h.member(CONSOLE_GUILD_ID, name="member", user_id=CONSOLE_MEMBER_ID),
                moderator=h.moderator(CONSOLE_GUILD_ID, name="moderator",
                                      user_id=CONSOLE_MODERATOR_ID),
                names=names, payloads=await translated_payloads(bot.tree),
            )
        finally:
            await h.close()
    finally:
        if db is not None:
            await db.close()
        await fake.close()
