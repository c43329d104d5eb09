"""Per-server choices (channels, moderator role, switches), stored in the database.

National and regional coalitions run their own servers, so nothing here is global: every
setting is keyed by the server it belongs to.
"""

from __future__ import annotations

from bot.options import typed_id
from bot.storage import Database

MODERATOR_ROLE = "moderator_role"


class GuildSettings:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def get(self, guild_id: int, key: str) -> str | None:
        value = await self.db.fetchval(
            "SELECT value FROM guild_settings WHERE guild_id = ? AND key = ?", (guild_id, key)
        )
        return None if value is None else str(value)

    async def get_int(self, guild_id: int, key: str) -> int | None:
        value = await self.get(guild_id, key)
        return None if value is None else typed_id(value)

    async def set(self, guild_id: int, key: str, value: str | int | None) -> None:
        if value is None:
            await self.db.execute(
                "DELETE FROM guild_settings WHERE guild_id = ? AND key = ?", (guild_id, key)
            )
            return
        await self.db.execute(
            "INSERT INTO guild_settings (guild_id, key, value) VALUES (?, ?, ?) "
            "ON CONFLICT (guild_id, key) DO UPDATE SET value = excluded.value, "
            "updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')",
            (guild_id, key, str(value)),
        )

    async def all(self, guild_id: int) -> dict[str, str]:
        rows = await self.db.fetchall(
            "SELECT key, value FROM guild_settings WHERE guild_id = ? ORDER BY key", (guild_id,)
        )
        return {str(r["key"]): str(r["value"]) for r in rows}
