"""Read episode files for ingest: skip unchanged ones by stamp or hash, parse the rest (in parallel)."""

from __future__ import annotations

import hashlib
import logging
import multiprocessing
import os
from collections import deque
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from pathlib import Path
from typing import NamedTuple

from bot.errors import DataError
from bot.ingest.files import SourceFiles, read_contents, read_episode
from bot.ingest.rows import episode_rows
from bot.storage.episodes import EpisodeRows, Fingerprint

log = logging.getLogger(__name__)
POOL_MIN_FILES = 300  # below this, starting a process costs more than it saves
CHUNK = 32  # files per task: fewer round trips, still a steady stream of results
Work = tuple[SourceFiles, Fingerprint | None]


class Prepared(NamedTuple):
    """One episode's files after reading: unchanged, same bytes with a new stamp, parsed, or failed."""

    key: str
    shown: str
    source: str
    stamp: str = ""
    digest: str = ""
    rows: EpisodeRows | None = None
    error: str = ""
    unchanged: bool = False
    new: bool = False  # no stored version: nothing to replace


def spare_cores() -> int:
    """Return how many worker processes to use: every core but the one that writes, at most 4."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    return max(0, min(cores - 1, 4))


def prepare_all(work: Sequence[Work], workers: int | None = None) -> Iterator[Prepared]:
    """Yield `prepare` of each item in order, parsing in worker processes for large loads."""
    workers = spare_cores() if workers is None else workers
    if workers < 1 or len(work) < POOL_MIN_FILES:
        yield from (prepare(files, old) for files, old in work)
        return
    chunks = [work[i : i + CHUNK] for i in range(0, len(work), CHUNK)]
    done = 0
    try:
        for results in _pooled(chunks, workers):
            yield from results
            done += 1
    except Exception:  # no processes here (sandbox, frozen app, broken pool): parse in this one
        log.warning("parsing in worker processes failed; continuing in this one", exc_info=True)
        yield from (prepare(files, old) for chunk in chunks[done:] for files, old in chunk)


def _pooled(chunks: list[Sequence[Work]], workers: int) -> Iterator[list[Prepared]]:
    """Yield each chunk's results in order, keeping only a few chunks in flight to bound memory."""
    # "spawn": the caller runs threads (aiosqlite, asyncio), and forking a threaded process can
    # copy a held lock into the child.
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(workers, mp_context=context) as pool:
        pending: deque[Future] = deque()
        upcoming = iter(chunks)
        for chunk in upcoming:
            pending.append(pool.submit(_prepare_chunk, chunk))
            if len(pending) >= 2 * workers + 1:
                break
        while pending:
            results = pending.popleft().result()
            following = next(upcoming, None)
            if following is not None:
                pending.append(pool.submit(_prepare_chunk, following))
            yield results


def _prepare_chunk(chunk: Sequence[Work]) -> list[Prepared]:
    return [prepare(files, old) for files, old in chunk]


def quick_check(files: SourceFiles, old: Fingerprint | None) -> Prepared | None:
    """Return the result for files whose stamp shows them unchanged or unreadable, else None."""
    main = main_file(files)
    label, source = shown_path(main), os.path.abspath(main)
    try:
        stamp = _stamp(files)
    except OSError as err:
        return Prepared(files.key, label, source, error=f"{label}:1: expected a readable file, got {err}")
    if old is not None and old.source == source and old.stamp == stamp:
        return Prepared(files.key, label, source, unchanged=True)
    return None


def prepare(files: SourceFiles, old: Fingerprint | None) -> Prepared:
    """Read, hash and (when the bytes changed) parse one episode's files; never raises for bad data."""
    main = main_file(files)
    label, source = shown_path(main), os.path.abspath(main)
    try:
        stamp = _stamp(files)
        contents = read_contents(files)
        digest = _digest(files, contents)
        if old is not None and old.content_hash == digest:
            return Prepared(files.key, label, source, stamp, digest)
        rows = episode_rows(read_episode(files, contents))
        return Prepared(files.key, label, source, stamp, digest, rows=rows, new=old is None)
    except DataError as err:
        return Prepared(files.key, label, source, error=error_line(err))
    except OSError as err:
        return Prepared(files.key, label, source, error=f"{label}:1: expected a readable file, got {err}")
    except Exception as err:  # a parser bug must not stop the other files from loading
        log.exception("unexpected error reading %s", main)
        return Prepared(files.key, label, source, error=f"{label}:1: expected a parsable file, got {err!r}")


def main_file(files: SourceFiles) -> Path:
    """Return the page, or the metadata file of an episode without one, or its cached feed item."""
    path = files.page or files.meta or files.feed
    if path is None:
        raise ValueError(f"episode {files.key!r} has no files")
    return path


def _stamp(files: SourceFiles) -> str:
    """Describe the files by name, size and modification time: equal stamps mean nothing to read."""
    parts = []
    for path in files.paths:
        info = os.stat(path)
        parts.append(f"{path.name}:{info.st_size}:{info.st_mtime_ns}")
    return "|".join(parts)


def _digest(files: SourceFiles, contents: dict[Path, bytes]) -> str:
    digest = hashlib.blake2b(digest_size=16)
    for path in files.paths:
        # The feed item is marked apart from a metadata file: both end in .toml.
        kind = "feed" if path == files.feed else path.suffix
        digest.update(f"{kind}:{len(contents[path])}:".encode())
        digest.update(contents[path])
    return digest.hexdigest()


def shown_path(path: Path | str) -> str:
    """Return `path` relative to the working directory when it lies under it, for shorter reports."""
    absolute = os.path.abspath(path)
    cwd = os.path.join(os.getcwd(), "")
    return absolute[len(cwd) :] if absolute.startswith(cwd) else str(path)


def error_line(err: DataError) -> str:
    """Return `path:line: expected ...` for a data error."""
    return f"{shown_path(err.path)}:{err.line}: {err.expected}"


def shown_warning(line: str) -> str:
    """Return a `path:line: message` warning with the path shortened like the others."""
    path, sep, rest = line.partition(":")
    return f"{shown_path(path)}:{rest}" if sep else line
