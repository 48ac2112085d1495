"""Load episode files into the database: each episode atomic, unchanged files skipped unread."""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from bot.ingest.feeds import FeedSources, attach_feeds, is_feed_list
from bot.ingest.files import SourceFiles, Walk, positively_gone, walk
from bot.ingest.read import (
    Prepared,
    error_line,
    main_file,
    prepare_all,
    quick_check,
    shown_path,
    shown_warning,
)
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

# Episodes are committed in groups: a commit per file would rewrite the same index pages to the
# WAL thousands of times. Each episode still gets its own savepoint, so none is ever half-written.
BATCH_EPISODES = 250
BATCH_SECONDS = 0.25
T = TypeVar("T")


async def ingest(
    db: Database, paths: Sequence[Path], *, workers: int | None = None, feeds: FeedSources | None = None
) -> IngestReport:
    """Load the episodes under `paths` (and `feeds`' cached items); a directory given here also drops
    episodes gone from it."""
    # Each episode is written atomically (its own savepoint), so a failure never leaves one
    # half-written; a file that fails to parse is reported and its stored version stays. Unchanged
    # files are recognised by size and time (else by hash) and never parsed. The work runs off the
    # event loop; large loads parse in worker processes (`workers`, default: spare cores).
    run = _Run([Path(p) for p in paths], workers, feeds)
    return await db.write_in_thread(run.run)


@dataclass
class _Run:
    paths: list[Path]
    workers: int | None
    feeds: FeedSources | None = None
    loaded: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    walk: Walk = field(default_factory=lambda: Walk([], set(), set(), []))

    def run(self, conn: sqlite3.Connection) -> IngestReport:
        """Load everything under the paths and report what happened."""
        stored = load_fingerprints(conn)
        todo = self._sources()
        batch = _Batch(conn, EpisodeWriter(conn))
        to_read = []
        for files in todo:
            quick = quick_check(files, stored.get(files.key))
            if quick is None:
                to_read.append((files, stored.get(files.key)))
            else:
                self._store(quick, batch)
        try:
            for item in prepare_all(to_read, self.workers):
                self._store(item, batch)
            gone = self._gone(stored, {files.key for files in todo})
            if self.loaded or gone:
                batch.atomic(lambda: self._finish(conn, gone, stored))
        finally:
            batch.commit()
        return IngestReport(
            tuple(self.loaded), tuple(self.unchanged), tuple(self.removed), tuple(self.failed),
            tuple(self.warnings),
        )  # fmt: skip

    def _sources(self) -> list[SourceFiles]:
        """Return every episode's files, reporting unreadable paths and reused file names."""
        self.walk = walk(self.paths)
        self.failed += [error_line(err) for err in self.walk.problems]
        found: dict[str, SourceFiles] = {}
        for files in self.walk.sources:
            cached = self.feeds is not None and self.feeds.holds(str(main_file(files)))
            if cached or is_feed_list(files, self.paths):
                continue  # the feed list, or the feed cache kept inside DATA_DIR: read below
            first = found.setdefault(files.key, files)
            if first is not files:
                self.failed.append(
                    f"{shown_path(main_file(files))}:1: expected a file name no other episode uses, "
                    f"got {files.key!r} again (also {shown_path(main_file(first))})"
                )
        if self.feeds is None or not self.feeds.complete:
            return list(found.values())
        return self._unique(attach_feeds(list(found.values()), self.feeds, self.warnings))

    def _unique(self, sources: list[SourceFiles]) -> list[SourceFiles]:
        """Drop a feed item whose key a local file already uses (the local file wins)."""
        keys: dict[str, SourceFiles] = {}
        for files in sources:
            first = keys.setdefault(files.key, files)
            if first is not files:
                self.failed.append(
                    f"{shown_path(main_file(files))}:1: expected a key no other episode uses, "
                    f"got {files.key!r} again (also {shown_path(main_file(first))})"
                )
        return list(keys.values())

    def _store(self, item: Prepared, batch: _Batch) -> None:
        writer = batch.writer
        if item.error:
            self.failed.append(item.error)
        elif item.unchanged:
            self.unchanged.append(item.shown)
        elif item.rows is None:  # same bytes, new stamp: remember it so next time skips reading
            batch.atomic(lambda: update_stamp(writer.conn, item.key, item.source, item.stamp))
            self.unchanged.append(item.shown)
        else:
            rows = item.rows
            try:
                # Queue the texts inside the savepoint: atomic() may commit on its way out, and that
                # commit must index this episode too, or it would be stored yet never searchable.
                batch.atomic(
                    lambda: batch.to_index.extend(
                        writer.write(rows, item.source, item.stamp, item.digest, new=item.new)
                    )
                )
            except sqlite3.Error as err:
                self.failed.append(f"{item.shown}:1: expected data the database accepts, got {err}")
                return
            self.loaded.append(item.shown)
            self.warnings += [shown_warning(line) for line in rows.warnings]

    def _gone(self, stored: dict[str, Fingerprint], seen: set[str]) -> list[str]:
        """Return keys of stored episodes whose file was under a given folder and is now gone."""
        # A file under a given folder is gone only when the walk proves it (positively_gone); a
        # feed item when the feed list was read and the item is no longer in its feed's cache.
        roots = tuple(os.path.join(os.path.abspath(p), "") for p in self.paths if p.is_dir())
        feeds = self.feeds
        gone = []
        for key, old in stored.items():
            if key in seen:
                continue
            if feeds is not None and feeds.holds(old.source):
                if feeds.complete:  # else which feeds are followed is unknown, so none is dropped
                    gone.append(key)
            elif old.source.startswith(roots) and positively_gone(old.source, self.walk):
                gone.append(key)
        return gone

    def _finish(self, conn: sqlite3.Connection, gone: list[str], stored: dict[str, Fingerprint]) -> None:
        delete_episodes(conn, gone)
        finish_ingest(conn)
        self.removed += [shown_path(stored[key].source) for key in gone]


class _Batch:
    """Group atomic episode writes into few commits."""

    def __init__(self, conn: sqlite3.Connection, writer: EpisodeWriter) -> None:
        self.conn = conn
        self.writer = writer
        self.count = 0
        self.started = 0.0
        self.to_index: list[tuple[int, str]] = []  # stored segments awaiting the full-text index

    def atomic(self, work: Callable[[], T]) -> T:
        """Run `work` so that all of it or none of it is stored."""
        if not self.conn.in_transaction:
            self.conn.execute("BEGIN IMMEDIATE")
            self.writer.forget_ids()  # another process may have written since the last commit
            self.started = time.monotonic()
        self.conn.execute("SAVEPOINT episode")
        try:
            result = work()
        except BaseException:
            self.conn.execute("ROLLBACK TO episode")
            self.conn.execute("RELEASE episode")
            self.writer.forget_ids()  # rows they named may have been rolled back
            raise
        self.conn.execute("RELEASE episode")
        self.count += 1
        if self.count >= BATCH_EPISODES or time.monotonic() - self.started >= BATCH_SECONDS:
            self.commit()
        return result

    def commit(self) -> None:
        """Index and commit what is stored so far; if indexing fails, none of the batch is kept."""
        if self.conn.in_transaction:
            try:
                self.writer.index(self.to_index)
            except BaseException:
                self.conn.execute("ROLLBACK")
                raise
            finally:
                self.to_index = []
            self.conn.execute("COMMIT")
        self.count = 0
