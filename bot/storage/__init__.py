"""SQLite storage: the database, its migrations, and every query the knowledge base runs."""

from bot.storage.database import Database, Migration, load_migrations

__all__ = ["Database", "Migration", "load_migrations"]
