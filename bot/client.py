"""The bot: lifecycle, extensions, translator and command sync.

The database is opened by the caller and handed in, so the same bot runs against Discord, the
local console and the tests, and whoever opened the database closes it.
"""

from __future__ import annotations

import hashlib
import json
import logging
import pkgutil
from collections.abc import Sequence
from typing import Any

import aiohttp
import discord
from discord.ext import commands

import cogs
from bot.config import Settings
from bot.guild_settings import GuildSettings
from bot.storage import Database
from bot.translator import CatalogueTranslator
from bot.tree import CoalitionTree

log = logging.getLogger(__name__)
MAX_RATELIMIT_WAIT = 30.0
# REST connections open at once, at most. discord.py's own connector has no limit, so a burst of
# 1,000 interactions opened up to 1,000 connections (each a TLS handshake with Discord) for the
# callbacks alone; a hundred kept alive carry more requests a second than the bot can produce.
REST_CONNECTIONS = 100


def all_extensions() -> list[str]:
    return sorted(f"cogs.{m.name}" for m in pkgutil.iter_modules(cogs.__path__) if not m.name.startswith("_"))


def intents() -> discord.Intents:
    """Slash commands need only guild events: no message content, no member list."""
    wanted = discord.Intents.none()
    wanted.guilds = True
    return wanted


class CoalitionBot(commands.Bot):
    def __init__(
        self,
        settings: Settings,
        db: Database,
        *,
        extensions: Sequence[str] | None = None,
        sync_commands: bool = True,
        background_tasks: bool = True,
    ) -> None:
        # The bot never joins voice: discord.py's notice about missing voice libraries would
        # only send an operator looking for a problem that is not there.
        discord.VoiceClient.warn_nacl = False
        discord.VoiceClient.warn_dave = False
        super().__init__(
            command_prefix=commands.when_mentioned,
            intents=intents(),
            allowed_mentions=discord.AllowedMentions.none(),
            tree_cls=CoalitionTree,
            help_command=None,
            # A longer rate limit raises RateLimited instead of sleeping: the poster then
            # reschedules that announcement rather than holding every server's behind it.
            max_ratelimit_timeout=MAX_RATELIMIT_WAIT,
            connector=aiohttp.TCPConnector(limit=REST_CONNECTIONS),
        )
        self.settings = settings
        self.db = db
        self.guild_settings = GuildSettings(db)
        self.extension_names = list(all_extensions() if extensions is None else extensions)
        self.sync_commands = sync_commands
        # Pollers and posters start only when this is on; tests drive them by hand.
        self.background_tasks = background_tasks
        self.failed_extensions: dict[str, BaseException] = {}
        self.started_at = discord.utils.utcnow()  # for /status

    async def setup_hook(self) -> None:
        for name in self.extension_names:
            try:
                await self.load_extension(name)
            except Exception as exc:  # a broken feature must not take the others down
                self.failed_extensions[name] = exc
                log.exception("FAILED to load extension %s: its commands are missing", name)
        await self.tree.set_translator(CatalogueTranslator())
        if self.sync_commands:
            await self.sync_if_changed()

    def sync_target(self) -> discord.Object | None:
        return discord.Object(self.settings.guild_id) if self.settings.guild_id else None

    async def command_payload(self) -> list[dict[str, Any]]:
        """What a sync would send, translations included: the basis of the change hash."""
        guild = self.sync_target()
        if guild is not None:
            self.tree.copy_global_to(guild=guild)
        translator = self.tree.translator
        assert translator is not None
        return [
            await command.get_translated_payload(self.tree, translator)
            for command in self.tree._get_all_commands(guild=guild)
        ]

    async def sync_if_changed(self, *, force: bool = False) -> bool:
        """Sync only when the commands changed: Discord allows 200 creates a day per server."""
        guild = self.sync_target()
        scope = f"sync_hash:{guild.id if guild else 'global'}:{self.application_id}"
        payload = json.dumps(await self.command_payload(), sort_keys=True, ensure_ascii=False)
        digest = hashlib.sha256(payload.encode()).hexdigest()
        stored = await self.db.fetchval("SELECT value FROM bot_meta WHERE key = ?", (scope,))
        if stored == digest and not force:
            log.info("commands unchanged since the last sync; not syncing")
            return False
        synced = await self.tree.sync(guild=guild)
        await self.db.execute(
            "INSERT INTO bot_meta (key, value) VALUES (?, ?) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (scope, digest),
        )
        log.info("synced %d commands to %s", len(synced), f"guild {guild.id}" if guild else "all servers")
        return True

    async def on_ready(self) -> None:
        log.info("ready as %s in %d servers", self.user, len(self.guilds))
        for guild in self.guilds:  # the ids operators pass to `coalition-bot export --guild`
            log.info("server %s: %s", guild.id, guild.name)

    async def on_guild_join(self, guild: discord.Guild) -> None:
        log.info("added to server %s: %s", guild.id, guild.name)
