"""Find episode files and read them: a page, its metadata merged over it, or either alone.

A cached feed item (bot/feeds) may lie under both: each key the page or the metadata has wins.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from bot.errors import DataError
from bot.ingest.metadata import parse_meta
from bot.ingest.page import parse_page, split_lines
from bot.model import EpisodeSource

PAGE_SUFFIX = ".txt"
META_SUFFIX = ".toml"


@dataclass(frozen=True, slots=True)
class SourceFiles:
    """Name the page and/or metadata file that together make one episode."""

    key: str
    page: Path | None
    meta: Path | None
    feed: Path | None = None  # the cached feed item paired with these files (lowest priority)

    @property
    def paths(self) -> tuple[Path, ...]:
        """Return the files that make the episode, lowest priority first."""
        return tuple(path for path in (self.feed, self.page, self.meta) if path is not None)


def find_sources(paths: Sequence[Path]) -> list[SourceFiles]:
    """Return the episodes under `paths`, pairing `STEM.txt` with `STEM.toml` in the same directory."""
    found: dict[tuple[Path, str], dict[str, Path]] = {}
    for root in paths:
        for file in _candidates(Path(root)):
            kind = "meta" if file.suffix.lower() == META_SUFFIX else "page"
            found.setdefault((file.parent, file.stem), {})[kind] = file
    sources = [SourceFiles(stem, pair.get("page"), pair.get("meta")) for (_, stem), pair in found.items()]
    return sorted(sources, key=lambda s: (s.key, str(s.page or s.meta)))


def read_contents(files: SourceFiles) -> dict[Path, bytes]:
    """Read the bytes of an episode's files; raise DataError when one cannot be read."""
    contents = {}
    for path in files.paths:
        try:
            contents[path] = path.read_bytes()
        except OSError as err:
            raise DataError(path, 1, f"expected a readable file, got {err.strerror or err}") from None
    return contents


def read_episode(files: SourceFiles, contents: Mapping[Path, bytes]) -> EpisodeSource:
    """Parse an episode from its files' bytes: the page, then the metadata merged over it."""
    page = parse_page(_text(files.page, contents), files.page) if files.page else None
    fields = parse_meta(_text(files.meta, contents), files.meta) if files.meta else {}
    if files.feed is not None:
        feed = parse_meta(_text(files.feed, contents), files.feed)
        local = {**(page_fields(page) if page else {}), **fields}
        return EpisodeSource(key=files.key, **{**feed, **local})
    if files.meta is None:
        if page is None:
            raise ValueError(f"no page or metadata file for {files.key!r}")
        return page
    if page is not None:
        return dataclasses.replace(page, **fields)
    if "title" not in fields:
        raise DataError(files.meta, 1, 'expected `title = "..."` (no page pairs with this file), got none')
    return EpisodeSource(key=files.key, **fields)


def page_fields(page: EpisodeSource) -> dict[str, object]:
    """Return the fields a page actually has (what it leaves empty does not hide a feed's value)."""
    fields: dict[str, object] = {}
    for spec in dataclasses.fields(page):
        value = getattr(page, spec.name)
        if spec.name != "key" and value not in (None, "", ()):
            fields[spec.name] = value
    return fields


def decode(data: bytes, path: Path) -> str:
    """Return UTF-8 text without a BOM; raise DataError at the line of the first undecodable byte."""
    try:
        return data.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as err:
        line = len(split_lines(data[: err.start].decode("utf-8")))
        raise DataError(path, line, f"expected UTF-8 text, got byte 0x{data[err.start]:02x}") from None


def _text(path: Path, contents: Mapping[Path, bytes]) -> str:
    if path not in contents:
        raise DataError(path, 1, "expected the file's contents, got none (unreadable file?)")
    return decode(contents[path], path)


def _candidates(root: Path) -> Iterator[Path]:
    """Yield the page and metadata files under `root`, or `root` itself when it is a file."""
    if root.is_file():
        yield root
        return
    if not root.is_dir():
        raise DataError(root, 1, "expected a file or a directory, got nothing at this path")
    for folder, dirs, names in os.walk(root, onerror=_walk_error):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(names):
            if Path(name).suffix.lower() in (PAGE_SUFFIX, META_SUFFIX) and not _ignored(name):
                yield Path(folder) / name


def _ignored(name: str) -> bool:
    """Tell hidden files and editor leftovers (`.x.swp`, `#x#`, `x~`) from data."""
    return name.startswith((".", "#")) or name.endswith("~")


def _walk_error(err: OSError) -> None:
    raise DataError(err.filename or "?", 1, f"expected a readable directory, got {err.strerror or err}")
