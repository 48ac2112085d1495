"""Load episode files into the database: one transaction per episode, unchanged files skipped."""

from __future__ import annotations

import hashlib
import os
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from bot.episode_files import SourceFiles, find_sources, read_contents, read_episode
from bot.errors import DataError
from bot.model import IngestReport
from bot.storage import Database
from bot.storage.episodes import (
    EpisodeWriter,
    Fingerprint,
    delete_episodes,
    finish_ingest,
    load_fingerprints,
    update_stamp,
)


async def ingest(db: Database, paths: Sequence[Path]) -> IngestReport:
    """Load the episodes under `paths`; a directory given here also drops episodes gone from it.

    Each episode is written in its own transaction, so a failure never leaves one half-written;
    a file that fails to parse is reported and its previously stored version stays. The work runs
    in a worker thread so the event loop keeps serving while thousands of files load.
    """
    return await db.write_in_thread(lambda conn: _Run(conn, [Path(p) for p in paths]).run())


@dataclass
class _Run:
    conn: sqlite3.Connection
    paths: list[Path]
    loaded: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def run(self) -> IngestReport:
        stored = load_fingerprints(self.conn)
        writer = EpisodeWriter(self.conn)
        seen: dict[str, SourceFiles] = {}
        for files in self._sources():
            if files.key in seen:
                where = _shown(seen[files.key].page or seen[files.key].meta)
                self.failed.append(f"{_shown(_main_file(files))}:1: expected a file name no other "
                                   f"episode uses, got {files.key!r} again (also {where})")  # fmt: skip
                continue
            seen[files.key] = files
            self._one(files, stored.get(files.key), writer)
        gone = self._gone(stored, seen)
        if self.loaded or gone:
            self._finish(gone, stored)
        return IngestReport(
            tuple(self.loaded), tuple(self.unchanged), tuple(self.removed), tuple(self.failed),
            tuple(self.warnings),
        )  # fmt: skip

    def _sources(self) -> list[SourceFiles]:
        found: list[SourceFiles] = []
        for path in self.paths:
            try:
                found += find_sources([path])
            except DataError as err:
                self.failed.append(_error_line(err))
        return found

    def _one(self, files: SourceFiles, old: Fingerprint | None, writer: EpisodeWriter) -> None:
        main = _main_file(files)
        source = str(main.resolve())
        try:
            stamp = _stamp(files)
            if old is not None and old.source == source and old.stamp == stamp:
                self.unchanged.append(_shown(main))
                return
            contents = read_contents(files)
            digest = _digest(files, contents)
            if old is not None and old.content_hash == digest:
                self._in_transaction(lambda: update_stamp(self.conn, files.key, source, stamp))
                self.unchanged.append(_shown(main))
                return
            episode = read_episode(files, contents)
        except DataError as err:
            self.failed.append(_error_line(err))
            return
        except OSError as err:
            self.failed.append(f"{_shown(main)}:1: expected a readable file, got {err.strerror or err}")
            return
        try:
            self._in_transaction(lambda: writer.write(episode, source, stamp, digest))
        except sqlite3.Error as err:
            writer.forget_ids()
            self.failed.append(f"{_shown(main)}:1: expected data the database accepts, got {err}")
            return
        self.loaded.append(_shown(main))
        self.warnings += [_shown_warning(line) for line in episode.warnings]

    def _in_transaction(self, work) -> None:
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            work()
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        self.conn.execute("COMMIT")

    def _gone(self, stored: dict[str, Fingerprint], seen: dict[str, SourceFiles]) -> list[str]:
        """Return keys of stored episodes whose file was under a given directory and is not any more."""
        roots = [str(p.resolve()) + os.sep for p in self.paths if p.is_dir()]
        return [
            key
            for key, old in stored.items()
            if key not in seen and any(old.source.startswith(root) for root in roots)
        ]

    def _finish(self, gone: list[str], stored: dict[str, Fingerprint]) -> None:
        def work() -> None:
            delete_episodes(self.conn, gone)
            finish_ingest(self.conn)

        self._in_transaction(work)
        self.removed += [_shown(Path(stored[key].source)) for key in gone]


def _main_file(files: SourceFiles) -> Path:
    path = files.page or files.meta
    if path is None:
        raise ValueError(f"episode {files.key!r} has no files")
    return path


def _stamp(files: SourceFiles) -> str:
    """Describe the files by path, size and modification time: equal stamps mean nothing to read."""
    parts = []
    for path in (files.page, files.meta):
        if path is not None:
            info = path.stat()
            parts.append(f"{path.name}:{info.st_size}:{info.st_mtime_ns}")
    return "|".join(parts)


def _digest(files: SourceFiles, contents: dict[Path, bytes]) -> str:
    digest = hashlib.blake2b(digest_size=16)
    for path in (files.page, files.meta):
        if path is not None:
            digest.update(f"{path.suffix}:{len(contents[path])}:".encode())
            digest.update(contents[path])
    return digest.hexdigest()


def _shown(path: Path | None) -> str:
    """Return `path` relative to the working directory when it lies under it, for shorter reports."""
    if path is None:
        return "?"
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def _error_line(err: DataError) -> str:
    return f"{_shown(err.path)}:{err.line}: {err.expected}"


def _shown_warning(line: str) -> str:
    path, sep, rest = line.partition(":")
    return f"{_shown(Path(path))}:{rest}" if sep else line
