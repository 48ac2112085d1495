"""Find episode files and read them: a page, its metadata merged over it, or either alone.

A cached feed item (bot/feeds) may lie under both: each key the page or the metadata has wins.
"""

from __future__ import annotations

import dataclasses
import glob
import os
import re
import stat
import threading
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from bot.errors import DataError
from bot.ingest.metadata import parse_meta
from bot.ingest.page import parse_page, split_lines
from bot.model import EpisodeSource
from bot.storage.database import Stopped
from bot.text import storable

PAGE_SUFFIX = ".txt"
META_SUFFIX = ".toml"
MIB = 1024 * 1024
# A page or metadata file is written in one transaction: past about a megabyte (some 15,000
# takeaways) that transaction would keep every other writer (/daily set, the sweep) waiting.
MAX_FILE_BYTES = MIB
# A transcript becomes moments a fraction of its size (no timings), so its limit is larger: word
# by word JSON (Whisper with word times, Podcasting 2.0 a word per segment) takes 0.7-1.5 MiB an
# hour, so 20 MiB is some 13 hours of it (200 of WebVTT), read in under a second with about
# 70 MB at the peak. Feeds download transcripts up to the same size.
MAX_TRANSCRIPT_BYTES = 20 * MIB
CHAPTERS_SUFFIX = ".chapters.json"
# When several transcripts share a stem, the first of these is read (and the others named in a warning).
TRANSCRIPT_SUFFIXES = (".vtt", ".srt", ".json")
_DATABASE_SUFFIXES = tuple(
    f"{ext}{journal}"
    for ext in (".db", ".sqlite", ".sqlite3")
    for journal in ("", "-wal", "-shm", "-journal")
)
_ESCAPED_BYTE = re.compile(r"\\x([89a-f][0-9a-f])")  # how storable() writes a byte that is not UTF-8
_KINDS = {PAGE_SUFFIX: "page", META_SUFFIX: "meta", **dict.fromkeys(TRANSCRIPT_SUFFIXES, "transcript")}


@dataclass(frozen=True, slots=True)
class SourceFiles:
    """Name the files that together make one episode: page and/or metadata, transcript, chapters."""

    key: str
    page: Path | None
    meta: Path | None
    feed: Path | None = None  # the cached feed item paired with these files (lowest priority)
    transcript: Path | None = None  # `STEM.vtt`, `.srt` or `.json` beside the page or metadata
    chapters: Path | None = None  # `STEM.chapters.json`
    others: tuple[Path, ...] = ()  # further transcripts with the same stem, not read

    @property
    def paths(self) -> tuple[Path, ...]:
        """Return the files that make the episode, lowest priority first (stamps and hashes rely on it)."""
        return tuple(filter(None, (self.feed, self.page, self.meta, self.transcript, self.chapters)))


@dataclass
class Walk:
    """What a walk of the data paths found, and which folders it could not list."""

    sources: list[SourceFiles]
    listed: set[str]  # absolute folders whose every entry was seen
    unlisted: set[str]  # absolute folders that could not be listed (unreadable, vanished)
    problems: list[DataError]  # one per unreadable folder, missing path, special file or link out
    ignored: list[Path] = dataclasses.field(default_factory=list)  # files of a type ingest does not read
    # What the walk's stat of each file found, by path: the stamp check reuses it (one stat per file).
    stats: dict[str, os.stat_result] = dataclasses.field(default_factory=dict)


def walk(paths: Sequence[Path], stop: threading.Event | None = None) -> Walk:
    """Find the episodes under `paths`, noting every folder that could not be listed.

    Raise Stopped between two folders once `stop` is set.
    """
    # A folder that cannot be listed is a problem of that folder only: the walk goes on, and
    # whoever removes episodes must keep those under it (see `positively_gone`). A transcript or
    # chapters file alone (no page or metadata beside it) is returned too, so the caller can say
    # it was not loaded.
    result = Walk([], set(), set(), [])
    stopped = stop or threading.Event()
    return _grouped((file for root in paths for file in _candidates(Path(root), result, stopped)), result)


def walk_changed(root: Path, changed: Collection[str], stop: threading.Event | None = None) -> Walk | None:
    """Find the episodes that files changed under the folder `root` belong to, as `walk` would.

    Return None when only a walk of the whole folder can tell what changed: a folder (or what
    was one) came or went, a path lies outside `root` or inside a hidden or linked folder, or a
    name did not come through intact.
    """
    # Each changed file's folder is listed once, and only the files sharing a changed file's
    # stem (the episode's page, metadata, transcript, chapters) are looked at: the folder is
    # "listed" for `positively_gone`, so a removed page's episode goes as after a full walk.
    base = os.path.abspath(root)
    stems: dict[str, set[str]] = {}
    attached: set[tuple[str, str]] = set()  # changed transcripts and chapters: (folder, stem)
    for path in changed:
        absolute = os.path.abspath(path)
        folder, name = os.path.split(absolute)
        stem, kind = _name_kind(name)
        if "\ufffd" in absolute or not kind or not _plain_folder(folder, base):
            return None
        if not _ignored(name):
            stems.setdefault(folder, set()).add(stem)
            if kind in ("transcript", "chapters"):
                attached.add((folder, stem))
    result = Walk([], set(), set(), [])
    found = _grouped(_changed_files(stems, os.path.realpath(root), result, stop or threading.Event()), result)
    # A transcript or chapters file with no page or metadata beside it may be the one a metadata
    # file elsewhere names (`transcript = "transcripts/13.srt"`): only a full walk finds that episode.
    return found if attached <= _anchored(found) else None


def _anchored(found: Walk) -> set[tuple[str, str]]:
    """Return (folder, stem) of every episode found with a page or metadata file."""
    anchors = (source.page or source.meta for source in found.sources)
    return {(os.path.dirname(path), _name_kind(path.name)[0]) for path in anchors if path is not None}


def _plain_folder(folder: str, base: str) -> bool:
    """Tell whether `folder` is `base` or a folder a walk of `base` enters (not hidden, no link)."""
    if folder == base:
        return True
    if not folder.startswith(os.path.join(base, "")):
        return False
    relative = folder[len(base) + 1 :]
    current = base
    for part in relative.split(os.sep):
        current = os.path.join(current, part)
        if part.startswith(".") or not _real_folder(current):
            return False
    return True


def _real_folder(path: str) -> bool:
    try:
        return stat.S_ISDIR(os.lstat(path).st_mode)
    except OSError:
        return False


def _changed_files(
    stems: dict[str, set[str]], real_root: str, found: Walk, stop: threading.Event
) -> Iterator[_Found]:
    """Yield the episode files of the given stems in each folder, checked as the full walk checks them."""
    inside = os.path.join(real_root, "")
    for folder, wanted in sorted(stems.items()):
        if stop.is_set():
            raise Stopped
        for entry in _list(folder, found):
            stem, kind = _name_kind(entry.name)
            if (
                kind
                and stem in wanted
                and not entry.name.startswith(".")
                and not _is_dir(entry)
                and _wanted(entry, inside, found, kind)
            ):
                yield entry.path, folder, entry.name, stem, kind


# A found file: its normalized path, that path split into folder and name, then the name's stem
# and kind (see file_kind).
_Found = tuple[str, str, str, str, str]


def _grouped(files: Iterable[_Found], result: Walk) -> Walk:
    """Group found files into episodes by folder and stem; return `result` with them."""
    # On strings: building, hashing and splitting a Path costs more than the rest of the walk, so
    # each file's Path is made once, from its folder's (see _source).
    found: dict[tuple[str, str], dict[str, list[_Found]]] = {}
    seen: set[str] = set()
    for file in files:
        path, folder, _, stem, kind = file
        if path in seen:
            continue
        seen.add(path)
        # A file given by name is read as a page whatever its extension.
        found.setdefault((folder, stem), {}).setdefault(kind or "page", []).append(file)
    result.ignored.sort()
    folders: dict[str, Path] = {}
    sources = [_source(stem, group, folders) for (_, stem), group in found.items()]
    result.sources = [source for _, _, source in sorted(sources, key=lambda item: item[:2])]
    return result


def find_sources(paths: Sequence[Path]) -> list[SourceFiles]:
    """Return the episodes under `paths`; raise DataError for the first path or folder unread."""
    found = walk(paths)
    if found.problems:
        raise found.problems[0]
    return found.sources


def file_kind(path: Path) -> tuple[str, str]:
    """Return (stem, kind) of a data file name: kind is page, meta, transcript or chapters, or ""."""
    return _name_kind(path.name)


def _name_kind(name: str) -> tuple[str, str]:
    """Return file_kind of a file name (on the string: a walk of 10,000 episodes builds no Path twice)."""
    if name.lower().endswith(CHAPTERS_SUFFIX):
        return name[: -len(CHAPTERS_SUFFIX)], "chapters"
    dot = name.rfind(".")
    if 0 < dot < len(name) - 1:  # as Path.stem and Path.suffix split it
        return name[:dot], _KINDS.get(name[dot:].lower(), "")
    return name, ""


def _source(
    stem: str, group: dict[str, list[_Found]], folders: dict[str, Path]
) -> tuple[str, str, SourceFiles]:
    """Return an episode's files with what the walk sorts by: its key, then its first file's path."""
    transcripts = group.get("transcript", [])
    if len(transcripts) > 1:
        transcripts = sorted(transcripts, key=lambda file: TRANSCRIPT_SUFFIXES.index(_suffix(file[2])))
    page, meta, chapters = _first(group, "page"), _first(group, "meta"), _first(group, "chapters")
    transcript = transcripts[0] if transcripts else None
    key = storable(stem)  # a name that is not UTF-8 keeps its odd bytes as \xNN
    first = (page or meta or transcript or chapters or ("",))[0]  # the first of .paths
    files = SourceFiles(
        key,
        _path(page, folders),
        _path(meta, folders),
        transcript=_path(transcript, folders),
        chapters=_path(chapters, folders),
        others=tuple(Path(file[0]) for file in transcripts[1:]),
    )
    return key, first, files


def _first(group: dict[str, list[_Found]], kind: str) -> _Found | None:
    return group[kind][0] if kind in group else None


def _suffix(name: str) -> str:
    """Return a file name's extension, lowered, as Path.suffix has it."""
    return os.path.splitext(name)[1].lower()


def _path(file: _Found | None, folders: dict[str, Path]) -> Path | None:
    """Return a found file's Path, built from its folder's (half the cost of Path(path))."""
    if file is None:
        return None
    folder, name = file[1], file[2]
    parent = folders.get(folder)
    if parent is None:
        parent = folders[folder] = Path(folder)
    return parent / name


def positively_gone(source: str, found: Walk, *, listed: bool = True) -> bool:
    """Tell whether the file at `source` is known not to exist, not merely unseen by the walk."""
    # Gone means: no folder on its path failed to list, and the file is not there. With
    # `listed`, one of those folders must also have been listed by this walk. An unreadable or
    # vanishing folder proves nothing about the files in it.
    # A folder whose name is not UTF-8 is walked under its raw name and stored escaped: both
    # spellings are checked.
    paths, seen = disk_paths(source), False
    for path in paths:
        folder = os.path.dirname(path)
        while True:
            if folder in found.unlisted:
                return False
            seen = seen or folder in found.listed
            parent = os.path.dirname(folder)
            if parent == folder:
                break
            folder = parent
    return (seen or not listed) and all(_missing(path) for path in paths)


def disk_paths(source: str) -> list[str]:
    """Return the paths a stored source may name: itself, and the file whose odd bytes it escapes."""
    if "\\x" not in source:
        return [source]
    raw = _ESCAPED_BYTE.sub(lambda m: chr(0xDC00 + int(m[1], 16)), source)
    return [source, raw]


def _missing(path: str) -> bool:
    try:
        os.stat(path)
    except (FileNotFoundError, NotADirectoryError):
        return True
    except OSError:  # there, but not ours to read
        return False
    return False


def read_contents(files: SourceFiles) -> dict[Path, bytes]:
    """Read the bytes of an episode's files; raise DataError when one cannot be read."""
    timed = (files.transcript, files.chapters)
    return {
        path: read_file(path, MAX_TRANSCRIPT_BYTES if path in timed else MAX_FILE_BYTES)
        for path in files.paths
    }


def read_file(path: Path, limit: int = MAX_FILE_BYTES) -> bytes:
    """Return the bytes of a regular file of at most `limit` bytes; raise DataError otherwise."""
    # Opened without blocking (a named pipe would wait for a writer forever), then checked on
    # what was actually opened: a regular file, no larger than the limit. The read stops past
    # the limit, so a file that grows meanwhile, or lies about its size, is not read to the end.
    at_most = f"expected a file of at most {limit / MIB:g} MiB"
    try:
        descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
        with os.fdopen(descriptor, "rb") as file:
            info = os.fstat(descriptor)
            if not stat.S_ISREG(info.st_mode):
                raise DataError(path, 1, f"expected a regular file, got {file_type(info.st_mode)}")
            if info.st_size > limit:
                raise DataError(path, 1, f"{at_most}, got {info.st_size / MIB:.1f} MiB")
            # Asking for limit + 1 bytes at once would allocate that much for every small file.
            data = file.read(min(info.st_size, limit) + 1)
            if len(data) > info.st_size:  # it grew since: read on, still no further than the limit
                data += file.read(limit + 1 - len(data))
    except OSError as err:
        raise DataError(path, 1, f"expected a readable file, got {err.strerror or err}") from None
    if len(data) > limit:
        raise DataError(path, 1, f"{at_most}, got more (a file still growing?)")
    return data


def file_type(mode: int) -> str:
    """Name what a file that is not a regular one is, for an error message."""
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISDIR(mode):
        return "a folder"
    return "a special file"


def read_episode(files: SourceFiles, contents: Mapping[Path, bytes]) -> EpisodeSource:
    """Parse an episode from its files' bytes: the page, then the metadata merged over it."""
    page = parse_page(_text(files.page, contents), files.page) if files.page else None
    fields = parse_meta(_text(files.meta, contents), files.meta) if files.meta else {}
    if files.feed is not None:
        feed = parse_meta(_text(files.feed, contents), files.feed)
        local = {**(page_fields(page) if page else {}), **fields}
        return EpisodeSource(key=files.key, **{**feed, **local})
    if page is not None:  # its key is the episode's (a file name that is not UTF-8 is escaped)
        return dataclasses.replace(page, key=files.key, **fields)
    if files.meta is None:
        raise ValueError(f"no page or metadata file for {files.key!r}")
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


def _candidates(root: Path, found: Walk, stop: threading.Event) -> Iterator[_Found]:
    """Yield the episode files under `root`, or `root` itself (and its episode's other files)."""
    if root.is_file():
        yield _found(root)
        # The page alone would store the episode without its metadata or transcript.
        stem = file_kind(root)[0]
        for sibling in sorted(root.parent.glob(glob.escape(stem) + ".*")):
            sibling_stem, kind = file_kind(sibling)
            if sibling_stem == stem and kind and sibling.is_file() and not _ignored(sibling.name):
                yield _found(sibling)
        return
    if not root.is_dir():
        got = "nothing at this path" if not os.path.lexists(root) else _kind_at(str(root))
        found.problems.append(DataError(root, 1, f"expected a file or a directory, got {got}"))
        return
    inside = os.path.join(os.path.realpath(root), "")
    folders = [os.path.abspath(root)]
    while folders:
        if stop.is_set():
            raise Stopped
        folder = folders.pop()
        subfolders = []
        for entry in _list(folder, found):
            if entry.name.startswith("."):
                continue
            if _is_dir(entry):
                subfolders.append(entry.path)
                continue
            stem, kind = _name_kind(entry.name)
            if _wanted(entry, inside, found, kind):
                yield entry.path, folder, entry.name, stem, kind
        folders.extend(reversed(subfolders))  # depth first, in name order


def _wanted(entry: os.DirEntry[str], inside: str, found: Walk, kind: str) -> bool:
    """Tell whether an entry (not a folder) of `kind` is an episode file to read; note what it is otherwise.

    Only regular files are read, and a link only when it leads to one inside the folder walked:
    a named pipe would block the walk, a link to /dev/zero would read forever, and a link out of
    DATA_DIR would serve a file nobody put there. Links to folders are not followed.
    """
    if _ignored(entry.name) or (not kind and _database_file(entry.name)):
        return False
    path = entry.path
    try:
        link = entry.is_symlink()
        target = os.path.realpath(entry.path) if link else entry.path
        info = os.stat(target)
    except OSError as err:
        found.problems.append(DataError(path, 1, f"expected a readable file, got {err.strerror or err}"))
        return False
    is_folder = stat.S_ISDIR(info.st_mode)
    what = "folder" if is_folder else "file"
    if link and not target.startswith(inside):
        found.problems.append(
            DataError(Path(path), 1, f"expected a {what} inside {inside[:-1]}, got a link to {target}")
        )
    elif is_folder or not kind:
        found.ignored.append(Path(path))
    elif not stat.S_ISREG(info.st_mode):
        found.problems.append(
            DataError(Path(path), 1, f"expected a regular file, got {file_type(info.st_mode)}")
        )
    else:
        found.stats[path] = info
        return True
    return False


def _found(path: Path) -> _Found:
    """Return a file given by path as the walk yields what it finds."""
    text = str(path)
    folder, name = os.path.split(text)
    return text, folder, name, *_name_kind(name)


def _kind_at(path: str) -> str:
    try:
        return file_type(os.stat(path).st_mode)
    except OSError as err:
        return err.strerror or str(err)


def _database_file(name: str) -> bool:
    """Tell an SQLite database (and its journal files) kept beside the data from a stray file."""
    return name.lower().endswith(_DATABASE_SUFFIXES)


def _list(folder: str, found: Walk) -> list[os.DirEntry[str]]:
    """Return a folder's entries by name; record whether the listing was complete."""
    entries: list[os.DirEntry[str]] = []
    try:
        with os.scandir(folder) as listing:
            entries.extend(listing)
    except OSError as err:
        found.unlisted.add(folder)
        found.problems.append(DataError(folder, 1, f"expected a readable folder, got {err.strerror or err}"))
    else:
        found.listed.add(folder)
    return sorted(entries, key=lambda entry: entry.name)


def _is_dir(entry: os.DirEntry[str]) -> bool:
    """Tell whether an entry is a folder (links to folders are not followed)."""
    try:
        return entry.is_dir(follow_symlinks=False)
    except OSError:
        return False


def _ignored(name: str) -> bool:
    """Tell hidden files and editor leftovers (`.x.swp`, `#x#`, `x~`) from data."""
    return name.startswith((".", "#")) or name.endswith("~")
