"""Read episode files for ingest: skip unchanged ones by stamp or hash, parse the rest (in parallel)."""

from __future__ import annotations

import hashlib
import logging
import multiprocessing
import os
import signal
import threading
import time
from collections import deque
from collections.abc import Generator, Iterator, Mapping, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from pathlib import Path
from typing import NamedTuple

from bot.errors import DataError
from bot.ingest.files import MAX_TRANSCRIPT_BYTES, SourceFiles, read_contents, read_episode, read_file
from bot.ingest.rows import episode_rows
from bot.ingest.soundbites import name_soundbite_speakers
from bot.ingest.timed import linked_transcript, read_linked, read_timed
from bot.storage.database import Stopped
from bot.storage.episodes import EpisodeRows, Fingerprint
from bot.text import printable, storable

log = logging.getLogger(__name__)
POOL_MIN_FILES = 300  # below this, starting a process costs more than it saves
CHUNK = 32  # files per task: fewer round trips, still a steady stream of results
# ...and at most this many bytes of input per task (a long transcript is 200 KB or more): 32 of
# them made a task of several seconds, and the first chunk, read in the parent while the workers
# start, held up the writer that long; with few large chunks one worker also went on alone at the end.
CHUNK_BYTES = 2**20
# Parsing runs ahead of writing by up to this many bytes of input (and at least a few chunks):
# with only a few chunks in flight the workers idled while a batch was written, so a run took
# parse time plus write time instead of the larger of the two.
AHEAD_BYTES = 8 * 2**20
RECENT_NS = 2 * 10**9  # files changed this lately are hashed at every run (see _recent)
RECENT = "recent|"  # starts the stamp of such a file, which then never matches a later one
STOP_POLL_S = 0.2  # how often a wait for workers looks for a stop request, and workers for their parent
Work = tuple[SourceFiles, Fingerprint | None]


class Prepared(NamedTuple):
    """One episode's files after reading: unchanged, same bytes with a new stamp, parsed, or failed."""

    key: str
    shown: str
    source: str
    files: SourceFiles
    stamp: str = ""
    digest: str = ""
    rows: EpisodeRows | None = None
    error: str = ""
    unchanged: bool = False
    new: bool = False  # no stored version: nothing to replace


# A Prepared from a worker process, without its files: key, shown, source, stamp, digest, rows,
# error, unchanged, new.
Sent = tuple[str, str, str, str, str, EpisodeRows | None, str, bool, bool]


def spare_cores() -> int:
    """Return how many worker processes to use: every core but the one that writes, at most 4."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    return max(0, min(cores - 1, 4))


def cold_workers() -> int:
    """Return how many worker processes a first load uses: every core, at most 4 (none on one core)."""
    # A first load's writer waits for parsed files much of its time (transcripts above all), and
    # when it does not, the workers wait for it (see AHEAD_BYTES): a worker per core keeps both busy.
    cores = spare_cores() + 1
    return cores if cores > 1 else 0


def prepare_all(
    work: Sequence[Work],
    workers: int | None = None,
    stop: threading.Event | None = None,
    *,
    pool_from: int | None = None,
) -> Generator[Prepared, None, None]:
    """Yield `prepare` of each item in order, parsing in worker processes for large loads.

    `pool_from`: the fewest items worth starting worker processes for (default POOL_MIN_FILES).
    Raise Stopped between files once `stop` is set; closing the iterator early stops the workers.
    """
    stop = stop or threading.Event()
    workers = spare_cores() if workers is None else workers
    if workers < 1 or len(work) < (POOL_MIN_FILES if pool_from is None else pool_from):
        yield from _prepare_here(work, stop)
        return
    chunks = _chunks(work)
    done = 0
    try:
        for results in _pooled(chunks, workers, stop):
            yield from results
            done += 1
    except Stopped:
        raise
    except Exception:  # no processes here (sandbox, frozen app, broken pool): parse in this one
        if stop.is_set():
            raise Stopped from None
        log.warning("parsing in worker processes failed; continuing in this one", exc_info=True)
        yield from _prepare_here([item for chunk, _ in chunks[done:] for item in chunk], stop)


def _chunks(work: Sequence[Work]) -> list[tuple[Sequence[Work], int]]:
    """Split `work` into tasks of at most CHUNK files and (unless one file is larger) CHUNK_BYTES."""
    chunks: list[tuple[Sequence[Work], int]] = []
    first = size = 0
    for n, item in enumerate(work):
        item_size = _input_bytes([item])
        if n > first and (n - first >= CHUNK or size + item_size > CHUNK_BYTES):
            chunks.append((work[first:n], size))
            first, size = n, 0
        size += item_size
    if len(work) > first:
        chunks.append((work[first:], size))
    return chunks


def _prepare_chunk(chunk: Sequence[Work]) -> list[Sent]:
    """Prepare a chunk in a worker; return each result as a plain tuple without its files."""
    # The parent has the files (it sent them), and a plain tuple pickles faster than a named one.
    return [
        (p.key, p.shown, p.source, p.stamp, p.digest, p.rows, p.error, p.unchanged, p.new)
        for p in (prepare(files, old) for files, old in chunk)
    ]


def _received(results: list[Sent], chunk: Sequence[Work]) -> list[Prepared]:
    """Rebuild a worker's results with the files they were prepared from."""
    return [
        Prepared(key, shown, source, files, stamp, digest, rows, error, unchanged, new)
        for (key, shown, source, stamp, digest, rows, error, unchanged, new), (files, _) in zip(
            results, chunk, strict=True
        )
    ]


def _prepare_here(work: Sequence[Work], stop: threading.Event) -> Iterator[Prepared]:
    for files, old in work:
        if stop.is_set():
            raise Stopped
        yield prepare(files, old)


def _pooled(
    chunks: list[tuple[Sequence[Work], int]], workers: int, stop: threading.Event
) -> Iterator[list[Prepared]]:
    """Yield each chunk's results in order, keeping only a few chunks in flight to bound memory."""
    # "spawn": the caller runs threads (aiosqlite, asyncio), and forking a threaded process can
    # copy a held lock into the child.
    context = multiprocessing.get_context("spawn")
    pool = ProcessPoolExecutor(
        workers, mp_context=context, initializer=_worker_started, initargs=(os.getpid(),)
    )
    finished = False
    try:
        pending: deque[tuple[Future[list[Sent]], Sequence[Work], int]] = deque()
        ahead = 0  # bytes of input in flight or parsed and not yet taken
        upcoming = iter(chunks[1:])
        following = next(upcoming, None)
        while True:
            while following is not None and (len(pending) < 2 * workers + 1 or ahead < AHEAD_BYTES):
                files, size = following
                pending.append((pool.submit(_prepare_chunk, files), files, size))
                ahead += size
                following = next(upcoming, None)
            if chunks:  # the first chunk is read here while the workers start (a spawn takes a while)
                yield list(_prepare_here(chunks[0][0], stop))
                chunks = []
            if not pending:
                break
            future, chunk, size = pending.popleft()
            results = _received(_result(future, stop), chunk)
            ahead -= size
            yield results
        finished = True
    finally:
        if not finished:  # stopped or failed: a worker may be deep in a file, so do not wait for it
            for process in list((getattr(pool, "_processes", None) or {}).values()):
                process.terminate()
        pool.shutdown(wait=True, cancel_futures=True)


def _input_bytes(chunk: Sequence[Work]) -> int:
    """Return the size of a chunk's files (a file that cannot be read counts as empty)."""
    total = 0
    for files, _ in chunk:
        for path in files.paths:
            try:
                total += os.stat(path).st_size
            except OSError:
                continue
    return total


def _result(future: Future[list[Sent]], stop: threading.Event) -> list[Sent]:
    """Wait for a chunk's results, giving up as soon as the run is asked to stop."""
    while True:
        if stop.is_set():
            raise Stopped
        try:
            return future.result(timeout=STOP_POLL_S)
        except FutureTimeout:
            continue


def _worker_started(parent: int) -> None:
    """Prepare a worker process: the parent decides when it stops, and it never outlives it."""
    # Ctrl-C reaches every process of the terminal's group; the parent stops the workers itself.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    threading.Thread(target=_exit_with, args=(parent,), name="exit-with-parent", daemon=True).start()


def _exit_with(parent: int) -> None:
    """End this worker once its parent is gone (killed with SIGKILL, say), instead of idling forever."""
    while os.getppid() == parent:
        time.sleep(STOP_POLL_S)
    os._exit(1)


def quick_check(
    files: SourceFiles,
    old: Fingerprint | None,
    stats: Mapping[str, os.stat_result] | None = None,
    *,
    cwd: str | None = None,
) -> Prepared | None:
    """Return the result for files whose stamp shows them unchanged or unreadable, else None.

    `stats`: what a walk just found for (some of) the files, by path; the others are looked at now.
    `cwd`: the working directory (see `working_directory`), when the caller checks many episodes.
    """
    main = main_file(files)
    absolute = os.path.abspath(main)
    source = storable(absolute)
    try:
        stamp = _stamp(files, stats)
    except OSError as err:
        label = _shown(absolute, main, cwd)
        return Prepared(files.key, label, source, files, error=_unreadable(label, err))
    if old is None or old.source != source:
        return None
    current = _linked_stamp(stamp, old.linked)
    if old.stamp == current and not current.startswith(RECENT):
        return Prepared(files.key, _shown(absolute, main, cwd), source, files, unchanged=True)
    return None


def working_directory() -> str:
    """Return the working directory shown paths are relative to, with a trailing separator."""
    # Asked once per run, not once per file: getcwd is a system call.
    return os.path.join(os.getcwd(), "")


def prepare(files: SourceFiles, old: Fingerprint | None) -> Prepared:
    """Read, hash and (when the bytes changed) parse one episode's files; never raises for bad data."""
    main = main_file(files)
    label, source = shown_path(main), storable(os.path.abspath(main))
    try:
        stamp = _stamp(files)
        contents = read_contents(files)
        # A transcript the metadata names is known only from the metadata: hash the one it named
        # last time, which is still the one it names when the metadata is unchanged.
        linked = _read_if_present(Path(old.linked), contents) if old is not None and old.linked else None
        digest = _digest(files, contents, linked)
        if old is not None and old.content_hash == digest:
            return Prepared(files.key, label, source, files, _linked_stamp(stamp, old.linked), digest)
        src = read_episode(files, contents)
        named = linked_transcript(files.meta, src)
        if named is not None and files.meta is not None:
            if named not in contents:
                contents[named] = read_linked(files.meta, contents[files.meta], named)
            stamp, digest = _linked_stamp(stamp, str(named)), _digest(files, contents, named)
        beside = files.transcript
        shadowed = [beside] if named and beside and os.path.abspath(beside) != str(named) else []
        ignored = [*shadowed, *files.others]
        timed = read_timed(src, named or files.transcript, files.chapters, contents, ignored)
        src = name_soundbite_speakers(src, timed.moments)
        rows = episode_rows(src, timed, str(named) if named else None)
        return Prepared(files.key, label, source, files, stamp, digest, rows=rows, new=old is None)
    except DataError as err:
        return Prepared(files.key, label, source, files, error=error_line(err))
    except OSError as err:
        return Prepared(files.key, label, source, files, error=_unreadable(label, err))
    except Exception as err:  # a parser bug must not stop the other files from loading
        log.exception("unexpected error reading %s", main)
        error = f"{label}:1: expected a parsable file, got {err!r}"
        return Prepared(files.key, label, source, files, error=error)


def _unreadable(label: str, err: OSError) -> str:
    return f"{label}:1: expected a readable file, got {err}"


def main_file(files: SourceFiles) -> Path:
    """Return the page, or the metadata file of an episode without one, or its cached feed item."""
    path = files.page or files.meta or files.feed
    if path is None:
        raise ValueError(f"episode {files.key!r} has no files")
    return path


def _stamp(files: SourceFiles, stats: Mapping[str, os.stat_result] | None = None) -> str:
    """Describe the files by name, size and modification time: equal stamps mean nothing to read."""
    # One clock reading, before the stats: a file counts as recent at least as often as with one per file.
    parts, latest, now = [], 0, time.time_ns()
    for path in files.paths:
        info = stats.get(str(path)) if stats else None
        if info is None:
            info = os.stat(path)
        parts.append(f"{path.name}:{info.st_size}:{info.st_mtime_ns}")
        latest = max(latest, info.st_mtime_ns)
    stamp = storable("|".join(parts))
    return RECENT + stamp if _recent(latest, now) else stamp


def _recent(mtime_ns: int, now_ns: int) -> bool:
    """Tell whether a file changed so lately that a save in the same clock tick would look the same."""
    # A file system records times in ticks (a few ms, up to 2 s on FAT): a file saved again
    # within the tick of the stamp taken when it was read keeps its size and time. Such a stamp
    # is marked, so it never matches and the file is hashed again on the next run.
    return mtime_ns > now_ns - RECENT_NS


def _linked_stamp(stamp: str, linked: str | None) -> str:
    """Return `stamp` extended with the transcript the metadata names (a missing one never matches)."""
    if not linked:
        return stamp
    try:
        info = os.stat(linked)
    except OSError:
        return stamp + "|missing"
    stamp = f"{stamp}|{linked}:{info.st_size}:{info.st_mtime_ns}"
    return (
        RECENT + stamp
        if _recent(info.st_mtime_ns, time.time_ns()) and not stamp.startswith(RECENT)
        else stamp
    )


def _read_if_present(path: Path, contents: dict[Path, bytes]) -> Path | None:
    try:
        contents[path] = read_file(path, MAX_TRANSCRIPT_BYTES)
    except DataError:
        return None  # gone: the digest cannot match, so the metadata is read and says what is wrong
    return path


def _digest(files: SourceFiles, contents: dict[Path, bytes], linked: Path | None = None) -> str:
    digest = hashlib.blake2b(digest_size=16)
    for path in (*files.paths, *([linked] if linked else [])):
        # The feed item is marked apart from a metadata file: both end in .toml.
        kind = "feed" if path == files.feed else path.suffix
        digest.update(f"{kind}:{len(contents[path])}:".encode())
        digest.update(contents[path])
    return digest.hexdigest()


def shown_path(path: Path | str) -> str:
    """Return `path` relative to the working directory when it lies under it, printable on one line."""
    return _shown(os.path.abspath(path), path)


def _shown(absolute: str, path: Path | str, cwd: str | None = None) -> str:
    """Return shown_path(path), given its absolute path (and the working directory, if known)."""
    cwd = cwd or working_directory()
    return printable(absolute[len(cwd) :] if absolute.startswith(cwd) else str(path))


def error_line(err: DataError) -> str:
    """Return `path:line: expected ...` for a data error."""
    return f"{shown_path(err.path)}:{err.line}: {err.expected}"


def shown_warning(line: str) -> str:
    """Return a `path:line: message` warning with the path shortened like the others."""
    path, sep, rest = line.partition(":")
    return f"{shown_path(path)}:{rest}" if sep else line
