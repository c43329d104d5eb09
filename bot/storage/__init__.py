"""The one SQLite connection the bot owns, and the migrations that shape it."""

from bot.storage.database import Database, DatabaseTooNew, Row, migration_version

__all__ = ["Database", "DatabaseTooNew", "Row", "migration_version"]
