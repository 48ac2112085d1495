"""Feed items as episode files: one metadata file per item (plus its transcript and chapters).

Each feed gets a folder in the cache beside the database; ingest reads those folders like
DATA_DIR, below it in priority. Files are written only when their bytes change, so an unchanged
feed leaves nothing for ingest to do, and an item that drops out of the feed keeps its file: old
episodes stay answerable, and only removing the feed from feeds.toml removes them.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import tomlkit

from bot.feeds.atomic import write_atomically
from bot.ingest.feeds import FEED_INDEX as INDEX

if TYPE_CHECKING:  # parsing pulls in feedparser, which ingest and the bot's start do not need
    from bot.feeds.parse import FeedItem, ParsedFeed

log = logging.getLogger(__name__)
TRANSCRIPT_SUFFIXES = {"vtt": ".vtt", "srt": ".srt", "json": ".json"}
CHAPTERS_SUFFIX = ".chapters.json"
_SLUG = re.compile(r"[^a-z0-9]+")


def cache_root(database_path: Path) -> Path:
    """Return the folder beside the database that holds every feed's cached items."""
    path = Path(database_path)
    return path.with_name(f"{path.stem}.feeds")


def feed_dir_name(url: str) -> str:
    """Return a feed's folder name: its host, readable, plus a hash of the whole URL."""
    host = (urlsplit(url).hostname or "feed").removeprefix("www.").removeprefix("feeds.")
    slug = _SLUG.sub("-", host.lower()).strip("-")[:24].strip("-") or "feed"
    return f"{slug}-{_hash(url, 6)}"


def _hash(text: str, size: int) -> str:
    return hashlib.blake2b(text.encode(), digest_size=16).hexdigest()[:size]


def media_identity(item: FeedItem) -> str:
    """Return the enclosure without its query, plus the title: an item's identity when its guid changes."""
    media = (item.audio_url or item.video_url or "").split("?", 1)[0]
    return f"{media}\n{item.title}" if media else ""


@dataclass
class IndexEntry:
    """Remember one cached item: its guid, how to recognise it, and which downloads it holds."""

    guid: str
    media: str = ""
    show: str | None = None
    number: int | None = None
    transcript_url: str | None = None
    transcript_file: str | None = None
    chapters_url: str | None = None
    chapters_file: str | None = None


@dataclass
class FeedCache:
    """One feed's folder of cached items."""

    root: Path
    url: str
    entries: dict[str, IndexEntry] = field(default_factory=dict)  # by episode key

    @property
    def path(self) -> Path:
        """Return the feed's folder."""
        return self.root / feed_dir_name(self.url)

    @classmethod
    def open(cls, root: Path, url: str) -> FeedCache:
        """Return the feed's cache with its index read (empty when none or unreadable)."""
        cache = cls(Path(root), url)
        try:
            raw = json.loads((cache.path / INDEX).read_text(encoding="utf-8"))
            cache.entries = {key: IndexEntry(**value) for key, value in raw["items"].items()}
        except FileNotFoundError:
            pass
        except (OSError, ValueError, KeyError, TypeError):
            log.warning("feed cache index %s is unreadable; rebuilding it", cache.path / INDEX)
        return cache

    def keys_for(self, items: Iterable[FeedItem]) -> dict[str, str]:
        """Return each item's episode key by guid: the cached key when known, else a new one."""
        by_guid = {entry.guid: key for key, entry in self.entries.items()}
        by_media = {entry.media: key for key, entry in self.entries.items() if entry.media}
        keys: dict[str, str] = {}
        taken = set(self.entries)
        for item in items:
            key = by_guid.get(item.guid)
            if key is None and (media := media_identity(item)) and media in by_media:
                # The same enclosure and title under a new guid: some hosts re-issue guids, and
                # a new key would make an old episode look new.
                key = by_media.pop(media)
                log.info("feed %s: item %r changed its guid; kept its episode", self.url, item.title)
            if key is None or key in keys.values():
                key = self._new_key(item.guid, taken)
            taken.add(key)
            keys[item.guid] = key
        return keys

    def _new_key(self, guid: str, taken: set[str]) -> str:
        base = f"{feed_dir_name(self.url)}-"
        for size in (8, 12, 16, 32):
            key = base + hashlib.blake2b(guid.encode(), digest_size=16).hexdigest()[:size]
            if key not in taken:
                return key
        raise RuntimeError(f"no free key for {guid!r}")

    def save_index(self) -> None:
        """Write the index atomically."""
        data = {"url": self.url, "items": {key: vars(entry) for key, entry in sorted(self.entries.items())}}
        write_if_changed(self.path / INDEX, json.dumps(data, indent=1, ensure_ascii=False).encode())


def item_toml(item: FeedItem, show: str | None, feed_url: str) -> bytes:
    """Return the metadata file for one item, in the format README "Metadata format" describes."""
    doc = tomlkit.document()
    doc.add(tomlkit.comment(f"Written by episode-bot from {feed_url}"))
    doc.add(tomlkit.comment('Edits here are overwritten: put corrections in DATA_DIR (README "Feeds").'))
    fields: dict[str, Any] = {
        "guid": item.guid,
        "title": item.title,
        "show": show,
        "number": item.number,
        "season": item.season,
        "published": item.published,
        "duration": item.duration_seconds,
        "url": item.video_url or item.audio_url or item.link,
        "audio": item.audio_url,
        "link": item.link,
        "hosts": list(item.hosts) or None,
        "guests": list(item.guests) or None,
        "description": _text(item.description) if item.description else None,
    }
    for key, value in fields.items():
        if value is not None:
            doc.add(key, value)
    quotes = tomlkit.aot()
    for bite in item.soundbites:
        # The publisher chose the moment but not who speaks: the show is named, never a guess.
        quotes.append(tomlkit.item({"text": bite.text, "speaker": show or "Soundbite", "time": bite.seconds}))
    if len(quotes):
        doc.add("quotes", quotes)
    return tomlkit.dumps(doc).encode()


def _text(value: str) -> tomlkit.items.String:
    return tomlkit.string(value, multiline="\n" in value)


def write_if_changed(path: Path, data: bytes) -> bool:
    """Write `data` to `path` atomically unless it already holds exactly that; say whether it wrote."""
    try:
        if path.stat().st_size == len(data) and path.read_bytes() == data:
            return False
    except OSError:
        pass
    write_atomically(path, data)
    return True


@dataclass(frozen=True, slots=True)
class Written:
    """Say what writing a feed's items changed."""

    keys: dict[str, str]  # guid -> episode key, for every item in the feed
    changed: tuple[str, ...]  # keys whose metadata file was written (new or changed)
    new: tuple[str, ...]  # keys seen for the first time


def write_items(cache: FeedCache, feed: ParsedFeed, show: str | None) -> Written:
    """Write each item's metadata file where it changed, and record the items in the index."""
    keys = cache.keys_for(feed.items)
    changed, new = [], []
    show_name = show or feed.title
    for item in feed.items:
        key = keys[item.guid]
        entry = cache.entries.get(key)
        if entry is None:
            new.append(key)
            entry = cache.entries[key] = IndexEntry(item.guid)
        entry.guid, entry.media = item.guid, media_identity(item)
        entry.show, entry.number = show_name, item.number
        if write_if_changed(cache.path / f"{key}.toml", item_toml(item, show_name, cache.url)):
            changed.append(key)
    cache.save_index()
    return Written(keys, tuple(changed), tuple(new))
