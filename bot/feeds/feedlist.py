"""Read and edit `DATA_DIR/feeds.toml`, keeping the owner's other entries and comments."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import tomlkit
import tomlkit.exceptions

from bot.errors import DataError, UserError
from bot.feeds.atomic import write_atomically
from bot.ingest.metadata import syntax_error
from bot.ingest.page import split_lines
from bot.links import http_url

FEEDS_FILE = "feeds.toml"
_KEYS = ("url", "show")
_HEADER = (
    "# Podcast feeds this bot follows; manage them with `python -m bot feeds add|remove URL`.\n"
    "# Each [[feed]] has a `url` and an optional `show` that overrides the feed's own title.\n"
)


@dataclass(frozen=True, slots=True)
class FeedEntry:
    """Hold one `[[feed]]` of feeds.toml."""

    url: str
    show: str | None = None


def feeds_path(data_dir: Path) -> Path:
    """Return where the feed list lives."""
    return Path(data_dir) / FEEDS_FILE


def read_feeds(path: Path) -> list[FeedEntry]:
    """Return the feeds listed in `path` ([] when it does not exist); raise DataError naming the line."""
    try:
        text = path.read_bytes().decode("utf-8").removeprefix("\ufeff")
    except FileNotFoundError:
        return []
    except OSError as err:
        raise DataError(path, 1, f"expected a readable file, got {err.strerror or err}") from None
    except UnicodeDecodeError as err:
        raise DataError(path, 1, f"expected UTF-8 text, got byte 0x{err.object[err.start]:02x}") from None
    try:
        table = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise syntax_error(err, text, path) from None
    return _entries(table, split_lines(text), path)


def _entries(table: dict[str, Any], lines: list[str], path: Path) -> list[FeedEntry]:
    unknown = [key for key in table if key != "feed"]
    if unknown:
        line = _line_of(lines, unknown[0])
        raise DataError(path, line, f"expected only [[feed]] tables, got {unknown[0]!r}")
    feeds = table.get("feed", [])
    if not isinstance(feeds, list):
        raise DataError(path, _line_of(lines, "feed"), "expected [[feed]] tables, got `feed = ...`")
    entries: list[FeedEntry] = []
    seen: set[str] = set()
    headers = [n for n, line in enumerate(lines, 1) if line.strip().replace(" ", "") == "[[feed]]"]
    for position, feed in enumerate(feeds):
        line = headers[position] if position < len(headers) else 1
        entry = _entry(feed, path, line)
        if entry.url in seen:
            raise DataError(path, line, f"expected each feed once, got {entry.url} again")
        seen.add(entry.url)
        entries.append(entry)
    return entries


def _entry(feed: object, path: Path, line: int) -> FeedEntry:
    if not isinstance(feed, dict):
        raise DataError(path, line, "expected a [[feed]] table")
    for key in feed:
        if key not in _KEYS:
            raise DataError(path, line, f"expected `url` or `show` in [[feed]], got {key!r}")
    url = feed_url(feed.get("url"))
    if url is None:
        raise DataError(path, line, f'expected `url = "https://..."` in [[feed]], got {feed.get("url")!r}')
    show = feed.get("show")
    if show is not None and (not isinstance(show, str) or not show.strip()):
        raise DataError(path, line, f"expected `show` to be a non-empty string, got {show!r}")
    return FeedEntry(url, show.strip() if show else None)


def feed_url(value: object) -> str | None:
    """Return `value` as a feed URL (http or https with a host), or None."""
    return http_url(value) if isinstance(value, str) else None


def _line_of(lines: list[str], key: str) -> int:
    for number, line in enumerate(lines, 1):
        stripped = line.strip()
        if stripped.startswith((key, f"[{key}", f"[[{key}")):
            return number
    return 1


def add_feed(path: Path, url: str, show: str | None = None) -> FeedEntry:
    """Append a feed to the list; raise UserError when the URL is bad or already listed."""
    clean = feed_url(url)
    if clean is None:
        raise UserError(f"{url!r} is not a feed URL: expected http:// or https:// and a host.")
    if show is not None and not show.strip():
        raise UserError("--show must not be empty.")
    current = read_feeds(path)
    if any(entry.url == clean for entry in current):
        raise UserError(f"{clean} is already in {path}.")
    document = _load_document(path)
    table = tomlkit.table()
    table.add("url", clean)
    if show:
        table.add("show", show.strip())
    feeds = document.get("feed")
    if feeds is None:
        document.add("feed", tomlkit.aot())
        feeds = document["feed"]
    feeds.append(table)
    write_atomically(path, tomlkit.dumps(document).encode())
    return FeedEntry(clean, show.strip() if show else None)


def remove_feed(path: Path, url: str) -> FeedEntry:
    """Remove a feed from the list, leaving every other line as it was; raise UserError if absent."""
    clean = feed_url(url) or url.strip()
    current = read_feeds(path)
    match = next((entry for entry in current if entry.url in (clean, url.strip())), None)
    if match is None:
        listed = ", ".join(entry.url for entry in current) or "none"
        raise UserError(f"{url} is not in {path} (listed: {listed}).")
    document = _load_document(path)
    feeds = document["feed"]
    index = next(n for n, table in enumerate(feeds) if feed_url(table.get("url")) == match.url)
    del feeds[index]
    if not len(feeds):
        del document["feed"]
    write_atomically(path, tomlkit.dumps(document).encode())
    return match


def _load_document(path: Path) -> tomlkit.TOMLDocument:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        return tomlkit.parse(_HEADER)
    try:
        return tomlkit.parse(text)
    except tomlkit.exceptions.ParseError as err:  # tomllib accepted it, so this is rare
        raise DataError(path, err.line, f"expected TOML this tool can edit, got {err}") from None
