"""Feed items as episode files: one metadata file per item (plus its transcript and chapters).

Each feed gets a folder in the cache beside the database; ingest reads those folders like
DATA_DIR, below it in priority. Files are written only when their bytes change, so an unchanged
feed leaves nothing for ingest to do, and an item that drops out of the feed keeps its file: old
episodes stay answerable, and only removing the feed from feeds.toml removes them.

The folder's index (`.index.json`) remembers each item: its guid, a hash of its XML (an item
whose hash is unchanged is not parsed again), which transcript and chapters it offers, and the
size of every file written for it. Cached files are not flushed to disk one by one (thousands of
flushes took longer than everything else); instead a file whose size differs from the index's
(say, after a power cut) is not trusted: it is written or fetched again.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import logging
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from bot.feeds.atomic import replace_file, write_atomically
from bot.ingest.feeds import FEED_INDEX as INDEX

if TYPE_CHECKING:  # parsing pulls in feedparser, which ingest and the bot's start do not need
    from bot.feeds.parse import FeedItem

log = logging.getLogger(__name__)
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
    """Remember one cached item: its guid, how to recognise it, and which files it has."""

    guid: str
    media: str = ""
    show: str | None = None
    number: int | None = None
    title: str = ""
    digest: str | None = None  # hash of the item's XML when it was last written (bot.feeds.split)
    transcript_wanted: str | None = None  # what the item offers now: the best transcript's URL
    transcript_suffix: str | None = None  # ... and its file ending (.vtt, .json or .srt)
    chapters_wanted: str | None = None
    transcript_url: str | None = None  # what is cached: the URL it came from, and the file
    transcript_file: str | None = None
    chapters_url: str | None = None
    chapters_file: str | None = None
    sizes: dict[str, int] = field(default_factory=dict)  # file name -> size as written

    def wants_transcript(self) -> bool:
        """Tell whether the offered transcript is not the cached one."""
        return bool(self.transcript_wanted) and self.transcript_url != self.transcript_wanted

    def wants_chapters(self) -> bool:
        """Tell whether the offered chapters are not the cached ones."""
        return bool(self.chapters_wanted) and self.chapters_url != self.chapters_wanted


_ENTRY_FIELDS = frozenset(f.name for f in dataclasses.fields(IndexEntry))


@dataclass
class FeedCache:
    """One feed's folder of cached items."""

    root: Path
    url: str
    entries: dict[str, IndexEntry] = field(default_factory=dict)  # by episode key

    @functools.cached_property
    def path(self) -> Path:
        """Return the feed's folder."""
        return self.root / feed_dir_name(self.url)

    @property
    def index_path(self) -> Path:
        """Return the index file's path."""
        return self.path / INDEX

    @classmethod
    def open(cls, root: Path, url: str) -> FeedCache:
        """Return the feed's cache with its index read (empty when none or unreadable)."""
        cache = cls(Path(root), url)
        try:
            raw = json.loads(cache.index_path.read_text(encoding="utf-8"))
            cache.entries = {
                key: IndexEntry(**{k: v for k, v in value.items() if k in _ENTRY_FIELDS})
                for key, value in raw["items"].items()
            }
        except FileNotFoundError:
            pass
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            log.warning("feed cache index %s is unreadable; rebuilding it", cache.index_path)
        return cache

    def save_index(self) -> None:
        """Write the index atomically (and durably: it says which other files to trust)."""
        data = {"url": self.url, "items": {key: vars(entry) for key, entry in sorted(self.entries.items())}}
        # Compact: an indented dump is written by json's Python encoder, twice as slow as its C one.
        text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
        write_if_changed(self.index_path, text.encode(), durable=True)

    def forget_damaged(self) -> bool:
        """Forget every file missing or of the wrong size, so that it is made again; say if any was."""
        on_disk = _sizes(self.path)  # one directory read: thousands of stat calls by path cost more

        def holds(entry: IndexEntry, name: str | None) -> bool:
            return bool(name) and name in entry.sizes and on_disk.get(name) == entry.sizes[name]

        damaged = False
        for key, entry in self.entries.items():
            if entry.digest is not None and not holds(entry, f"{key}.toml"):
                entry.digest, damaged = None, True
            if entry.transcript_url and not holds(entry, entry.transcript_file):
                entry.transcript_url, damaged = None, True
            if entry.chapters_url and not holds(entry, entry.chapters_file):
                entry.chapters_url, damaged = None, True
        return damaged

    def store(self, key: str, name: str, data: bytes) -> bool:
        """Write one of an item's files unless it holds exactly `data`; say whether it wrote."""
        wrote = write_if_changed(self.path / name, data)
        self.entries[key].sizes[name] = len(data)
        return wrote

    def drop_file(self, key: str, name: str | None) -> None:
        """Remove one of an item's files."""
        if name:
            (self.path / name).unlink(missing_ok=True)
            self.entries[key].sizes.pop(name, None)


class KeyMaker:
    """Give each item its episode key: the cached one for a known guid (or enclosure), else a new one."""

    def __init__(self, cache: FeedCache) -> None:
        self.url = cache.url
        self.by_guid = {entry.guid: key for key, entry in cache.entries.items()}
        self.by_media = {entry.media: key for key, entry in cache.entries.items() if entry.media}
        self.taken = set(cache.entries)
        self.given: set[str] = set()

    def known(self, key: str) -> None:
        """Record that an unchanged item keeps `key`."""
        self.given.add(key)

    def key_for(self, item: FeedItem) -> str:
        """Return the key of a new or changed item."""
        key = self.by_guid.get(item.guid)
        if key is None and (media := media_identity(item)) and media in self.by_media:
            # The same enclosure and title under a new guid: some hosts re-issue guids, and a new
            # key would make an old episode look new.
            key = self.by_media.pop(media)
            log.info("feed %s: item %r changed its guid; kept its episode", self.url, item.title)
        if key is None or key in self.given:
            key = self._new_key(item.guid)
        self.taken.add(key)
        self.given.add(key)
        return key

    def _new_key(self, guid: str) -> str:
        base = f"{feed_dir_name(self.url)}-"
        for size in (8, 12, 16, 32):
            key = base + hashlib.blake2b(guid.encode(), digest_size=16).hexdigest()[:size]
            if key not in self.taken:
                return key
        raise RuntimeError(f"no free key for {guid!r}")


def _sizes(folder: Path) -> dict[str, int]:
    """Return the size of each regular file in `folder` by name (none when it cannot be read)."""
    sizes = {}
    try:
        with os.scandir(folder) as entries:
            for entry in entries:
                try:
                    if entry.is_file(follow_symlinks=False):
                        sizes[entry.name] = entry.stat(follow_symlinks=False).st_size
                except OSError:
                    continue  # gone meanwhile: missing
    except OSError:
        pass
    return sizes


def write_if_changed(path: Path, data: bytes, *, durable: bool = False) -> bool:
    """Write `data` to `path` atomically unless it already holds exactly that; say whether it wrote.

    Not `durable`: not flushed to disk, and the folder must exist.
    """
    try:
        if os.stat(path).st_size == len(data) and path.read_bytes() == data:
            return False
    except OSError:
        pass
    if durable:
        write_atomically(path, data)
    else:
        replace_file(path, data)
    return True


def write_all(cache: FeedCache, files: Iterable[tuple[str, str, bytes]]) -> list[str]:
    """Write (key, file name, bytes) triples; return the keys of those whose bytes changed."""
    cache.path.mkdir(parents=True, exist_ok=True)
    return [key for key, name, data in files if cache.store(key, name, data)]


def index_exists(root: Path, url: str) -> bool:
    """Tell whether a feed has a cache index, without reading it."""
    return os.path.exists(FeedCache(root, url).index_path)
