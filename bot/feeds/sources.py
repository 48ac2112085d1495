"""Tell ingest which cached feed folders to read: those of the feeds listed in feeds.toml."""

from __future__ import annotations

from bot.config import Settings
from bot.errors import DataError
from bot.feeds.cache import FeedCache, cache_root
from bot.feeds.feedlist import feeds_path, read_feeds
from bot.ingest.feeds import FeedSources


def feed_sources(settings: Settings) -> tuple[FeedSources, str | None]:
    """Return what ingest should read from the feed cache, and the feed list's error if unreadable."""
    root = cache_root(settings.database_path)
    if not settings.data_dir.is_dir():
        return FeedSources(root, (), complete=False), f"DATA_DIR {settings.data_dir} is not a directory"
    try:
        entries = read_feeds(feeds_path(settings.data_dir))
    except DataError as err:
        return FeedSources(root, (), complete=False), f"{err.path}:{err.line}: {err.expected}"
    return FeedSources(root, tuple(FeedCache(root, entry.url).path for entry in entries)), None
