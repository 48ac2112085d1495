"""Pair cached feed items with local episode files: same guid, else same show and number."""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import tomllib
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from pathlib import Path

from bot.errors import DataError
from bot.ingest.files import CHAPTERS_SUFFIX, TRANSCRIPT_SUFFIXES, SourceFiles, file_kind, read_file
from bot.ingest.page import split_title_line
from bot.text import normalize

log = logging.getLogger(__name__)
FEED_INDEX = ".index.json"  # each feed folder's list of items (hidden: never read as an episode)
FEEDS_FILE = "feeds.toml"  # the feed list in DATA_DIR: not an episode's metadata
_Identity = tuple[str | None, str | None, int | None]  # guid, normalized show, number
MEMO_LIMIT = 200_000
_identities: dict[tuple[str, int, int], _Identity] = {}  # by (path, size, mtime): files read once


@dataclass(frozen=True, slots=True)
class FeedSources:
    """Say where cached feed items are: the cache folder and the folders of the listed feeds.

    `complete` is False when the feed list could not be read: then no feed episode is read, and
    none is removed either.
    """

    root: Path
    dirs: tuple[Path, ...] = ()
    complete: bool = True

    def holds(self, source: str) -> bool:
        """Tell whether a stored episode's source file lies in the feed cache."""
        return os.path.abspath(source).startswith(os.path.join(os.path.abspath(self.root), ""))


def is_feed_list(files: SourceFiles, roots: Sequence[Path]) -> bool:
    """Tell whether a found "episode" is really DATA_DIR's feeds.toml."""
    meta = files.meta
    if meta is None or files.page is not None or meta.name != FEEDS_FILE:
        return False
    parent = os.path.abspath(meta.parent)
    return any(os.path.abspath(root) == parent for root in roots)


def attach_feeds(local: list[SourceFiles], feeds: FeedSources, warnings: list[str]) -> list[SourceFiles]:
    """Return the local episodes, each with its feed item attached, plus the feed items nobody claims."""
    items = feed_items(feeds, warnings)
    if not items:
        return local
    by_guid: dict[str, int] = {}
    by_number: dict[tuple[str, int], int] = {}
    for position, files in enumerate(local):
        guid, show, number = _local_identity(files)
        if guid:
            by_guid.setdefault(guid, position)
        if show and number is not None:
            by_number.setdefault((show, number), position)
    paired = list(local)
    claimed: dict[int, Path | None] = {}  # a local episode's index -> the feed item paired with it
    alone: list[SourceFiles] = []
    for files, (guid, show, number) in items:
        index = by_guid.get(guid or "")
        if index is None and show and number is not None:
            index = by_number.get((show, number))
        if index is None:
            alone.append(files)
        elif index in claimed:
            warnings.append(
                f"{files.feed}:1: skipped: {paired[index].key} already pairs with {claimed[index]}"
            )
        else:
            claimed[index] = files.feed
            mine = paired[index]
            # A transcript or chapters file beside the local files wins over the feed's.
            paired[index] = dataclasses.replace(
                mine,
                feed=files.feed,
                transcript=mine.transcript or files.transcript,
                chapters=mine.chapters or files.chapters,
            )
    return paired + alone


def item_files(feeds: FeedSources, changed: Collection[str]) -> set[str] | None:
    """Return the metadata files (absolute paths) of the cached items the `changed` files belong to.

    None when a path is not an item's file in a listed feed's folder: only a full read can tell.
    """
    folders = {os.path.abspath(folder) for folder in feeds.dirs}
    wanted: set[str] = set()
    for path in changed:
        folder, name = os.path.split(os.path.abspath(path))
        stem, kind = file_kind(Path(name))
        if folder not in folders or name.startswith(".") or not kind:
            return None
        wanted.add(os.path.join(folder, f"{stem}.toml"))
    return wanted


def feed_items(
    feeds: FeedSources, warnings: list[str], only: set[str] | None = None
) -> list[tuple[SourceFiles, _Identity]]:
    """Return each listed feed's cached items with their identity; a guid in two feeds is read once.

    `only`: the absolute paths of the items' metadata files wanted; the others are still looked at
    (which feed reads a guid first), but neither returned nor warned about.
    """
    found: list[tuple[SourceFiles, _Identity]] = []
    guids: dict[str, Path] = {}
    shows: dict[str, str] = {}  # a feed's items share their show: normalize it once
    for folder in feeds.dirs:
        base, present = os.path.abspath(folder), _names(folder)
        for key, (guid, show, number) in _index(folder).items():
            if f"{key}.toml" not in present:
                continue
            path = folder / f"{key}.toml"
            wanted = only is None or os.path.join(base, f"{key}.toml") in only
            if guid in guids:
                if wanted:
                    warnings.append(f"{path}:1: skipped: the same guid is already read from {guids[guid]}")
                continue
            guids[guid] = path
            if not wanted:
                continue
            norm = shows.get(show or "")
            if norm is None:
                norm = shows[show or ""] = normalize(show or "")
            transcript, chapters = _downloads(folder, key, present)
            files = SourceFiles(key, None, None, feed=path, transcript=transcript, chapters=chapters)
            found.append((files, (guid, norm, number)))
    return found


def _downloads(folder: Path, key: str, present: set[str]) -> tuple[Path | None, Path | None]:
    """Return the transcript and the chapters file cached for an item (None for what it lacks)."""
    transcript = next(
        (f"{key}{suffix}" for suffix in TRANSCRIPT_SUFFIXES if f"{key}{suffix}" in present), None
    )
    chapters = f"{key}{CHAPTERS_SUFFIX}"
    return (
        folder / transcript if transcript else None,
        folder / chapters if chapters in present else None,
    )


def _names(folder: Path) -> set[str]:
    """Return the names of the regular files in `folder` (one directory read, not a stat per item)."""
    try:
        with os.scandir(folder) as entries:
            return {entry.name for entry in entries if entry.is_file()}
    except OSError:
        return set()


def _index(folder: Path) -> dict[str, tuple[str, str | None, int | None]]:
    try:
        raw = json.loads((folder / FEED_INDEX).read_text(encoding="utf-8"))
        items = raw["items"].items()
        return {key: (entry["guid"], entry.get("show"), entry.get("number")) for key, entry in items}
    except FileNotFoundError:
        return {}
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        log.warning("feed cache index %s is unreadable; its items are skipped until the next fetch", folder)
        return {}


def _local_identity(files: SourceFiles) -> _Identity:
    """Return the guid, show and number a local episode declares, reading each file version once."""
    guid = show = number = None
    for path in (files.page, files.meta):
        if path is None:
            continue
        try:
            info = os.stat(path)
        except OSError:
            continue
        stamp = (str(path), info.st_size, info.st_mtime_ns)
        if stamp not in _identities:
            if len(_identities) > MEMO_LIMIT:
                _identities.clear()
            _identities[stamp] = _read_identity(path)
        file_guid, file_show, file_number = _identities[stamp]
        guid = file_guid or guid
        show = file_show or show
        number = file_number if file_number is not None else number
    return guid, show, number


def _read_identity(path: Path) -> _Identity:
    # Any problem here is the file's own error, which ingest reports when it reads it properly.
    try:
        text = read_file(path).decode("utf-8").removeprefix("\ufeff")
    except (DataError, UnicodeDecodeError):
        return None, None, None
    if path.suffix.lower() == ".toml":
        try:
            table = tomllib.loads(text)
        except (tomllib.TOMLDecodeError, RecursionError):
            return None, None, None
        guid, show, number = table.get("guid"), table.get("show"), table.get("number")
        return (
            guid if isinstance(guid, str) else None,
            normalize(show) if isinstance(show, str) else None,
            number if isinstance(number, int) and not isinstance(number, bool) else None,
        )
    first = next((line for line in text.splitlines() if line.strip()), "")
    _, show, number = split_title_line(first.strip())
    return None, normalize(show) if show else None, number
