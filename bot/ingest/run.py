"""Load episode files into the database: each episode atomic, unchanged files skipped unread."""

from __future__ import annotations

import asyncio
import functools
import os
import sqlite3
import time
from collections import deque
from collections.abc import Collection, Generator, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from bot import heap
from bot.ingest.changes import MAX_EPISODES, ChangeLog, EpisodeChange
from bot.ingest.feeds import FEEDS_FILE, FeedSources, attach_feeds, feed_items, is_feed_list, item_files
from bot.ingest.files import SourceFiles, Walk, file_kind, positively_gone, walk, walk_changed
from bot.ingest.read import (
    Prepared,
    Work,
    cold_workers,
    error_line,
    main_file,
    prepare,
    prepare_all,
    quick_check,
    shown_path,
    shown_warning,
    working_directory,
)
from bot.model import IngestReport
from bot.storage import Database
from bot.storage.coldload import ColdEpisode, ColdWriter
from bot.storage.database import BulkSession
from bot.storage.episodes import (
    EpisodeRows,
    EpisodeWriter,
    Fingerprint,
    IndexText,
    delete_episodes,
    episode_id_ranges,
    finish_ingest,
    has_episodes,
    linked_paths,
    load_fingerprint,
    load_fingerprints,
    load_fingerprints_of,
    mark_relink,
    merge_indexes,
    relink,
    relink_changed,
    relink_token,
    same_number,
    sources_claiming,
    update_stamp,
)
from bot.text import printable, storable

# Files are parsed with no transaction open, a batch at a time; a batch is then written in
# transactions of at most WRITE_SLICE_S each (plus the episode that crosses it), so a command's
# write waits a fraction of a second at most. A commit per file would rewrite the same index
# pages thousands of times; each episode still gets its own savepoint, so none is half-written.
BATCH_EPISODES = 250
FIRST_BATCH_EPISODES = 32
BATCH_ROWS = 20_000
WRITE_SLICE_S = 0.1
# The write lock is left free this long between two transactions of a run, so that a writer
# in another process (polling every few milliseconds, see bot.storage.database) gets it.
BETWEEN_TRANSACTIONS_S = 0.01
# Full-text index pages one merging transaction writes (about 0.1 s; see merge_indexes).
MERGE_PAGES = 1000
RELINK_EPISODES = 500  # episodes whose related titles are linked again in one transaction
# How long a first load waits for another process's write lock: that process may be writing a
# whole first load of its own (then this one finds its episodes stored, and goes episode by episode).
COLD_WAIT_S = 900.0


async def ingest(
    db: Database,
    paths: Sequence[Path],
    *,
    workers: int | None = None,
    feeds: FeedSources | None = None,
    changed: Collection[str] | None = None,
    cold_load: bool = False,
    pool_from: int | None = None,
) -> IngestReport:
    """Load the episodes under `paths` (and `feeds`' cached items); a directory given here also drops
    episodes gone from it.

    `changed`: the files known to have changed (added, edited, removed) under the one directory
    given, when nothing else did: only their episodes are looked at, unless a full walk is needed
    to tell (see `walk_changed`; feeds are listed).
    `cold_load`: a load into a database that holds no episode is written as one transaction (see
    bot.storage.coldload), several times quicker, and a crash leaves the database empty; every
    other writer waits for the whole load meanwhile, so only a caller that answers no commands
    while it runs asks for it (start-up, the command line).
    `pool_from`: parse in `workers` processes from this many files to read on (see prepare_all).
    """
    # Unchanged files are recognised by size and time (else by hash) and never parsed; large
    # loads parse in worker processes (`workers`, default: spare cores). What is new is decided
    # inside each writing transaction, so any number of ingests at once store one copy.
    run = _Run([Path(p) for p in paths], workers, feeds, changed, cold_load=cold_load, pool_from=pool_from)
    async with db.bulk() as session:
        return await run.run(session)


@dataclass
class _Outcome:
    """What one writing transaction did; merged into the report only once it has committed."""

    loaded: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    reread: list[Prepared] = field(default_factory=list)  # stored meanwhile by another process
    removed: list[str] = field(default_factory=list)  # keys
    changes: list[EpisodeChange] = field(default_factory=list)
    token: str | None = None  # the relink note written

    def stored(self, item: Prepared, rows: EpisodeRows, same_number: list[tuple[str, str, int]]) -> None:
        """Note `item` as loaded, with its warnings and the stored episodes claiming its number."""
        self.loaded.append(item.shown)
        self.warnings += [shown_warning(line) for line in rows.warnings]
        self.warnings += _number_claimed(item, same_number)

    def refused(self, item: Prepared, err: sqlite3.Error) -> None:
        """Note `item` as failed: the database refused its rows."""
        self.failed.append(f"{item.shown}:1: expected data the database accepts, got {err}")


@dataclass
class _Run:
    paths: list[Path]
    workers: int | None
    feeds: FeedSources | None = None
    changed: Collection[str] | None = None
    cold_load: bool = False
    pool_from: int | None = None
    loaded: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    walk: Walk = field(default_factory=lambda: Walk([], set(), set(), []))
    alone: list[Path] = field(default_factory=list)  # transcripts or chapters with no episode beside them
    log: ChangeLog = field(default_factory=ChangeLog)
    targeted: set[str] | None = None  # the stored sources a walk of only the changed files may drop
    only_items: list[SourceFiles] | None = None  # only these cached feed items changed (a poll's)
    seen: set[str] = field(default_factory=set)  # keys of the episodes found

    async def run(self, session: BulkSession) -> IngestReport:
        """Load everything under the paths and report what happened."""
        # Walking and checking stamps makes objects without cycles: collections would only cost time.
        with heap.paused():
            to_read, stored, first = await self._unread(session)
        if first or len(to_read) > MAX_EPISODES:
            self.log.unknown()  # a first load, or so much to read that readers rebuild anyway
        workers = self.workers
        if workers is None and self.cold_load and first:
            workers = cold_workers()  # a first load: the writer is one transaction, waiting on parsing
        prepared = prepare_all(to_read, workers, stop=session.stop, pool_from=self.pool_from)
        batches = _batches(prepared)
        try:
            if not (self.cold_load and first and to_read and await self._load_cold(session, prepared)):
                while batch := await session.run(next, batches, None):
                    await self._write(session, batch)
        finally:
            await session.run(batches.close)
            await session.run(prepared.close)  # stops worker processes early on errors
        gone = deque(await session.run(self._gone, stored, self.seen))
        while gone:  # in short transactions too: removing an episode deletes all its text
            await asyncio.sleep(BETWEEN_TRANSACTIONS_S)
            remove = functools.partial(_remove, gone, stored, session, self.log.known)
            outcome = await session.write(remove)
            self.removed += [shown_path(stored[key].source) for key in outcome.removed]
            self.log.committed(outcome.changes, outcome.token)
        changed = bool(self.loaded or self.removed)
        generation = None
        if changed or await session.read(relink_token) is not None:  # or a run died before relinking
            await _merge(session)
            generation = await _relink(session, self.log)
        if self.alone:
            self._report_alone(await session.read(linked_paths))
        if changed:
            await session.checkpoint()
        # Names and data are shown escaped: a newline or a terminal escape in a file name or a
        # quote must not forge a line of the report or the log.
        lines = (self.loaded, self.unchanged, self.removed, self.failed, self.warnings)
        paths = [shown_path(path) for path in self.walk.ignored]
        loaded, unchanged, removed, failed, warnings, ignored = (
            tuple(printable(line) for line in kind) for kind in (*lines, paths)
        )
        changes = await session.run(self.log.changes, generation)
        return IngestReport(loaded, unchanged, removed, failed, warnings, ignored, changes)

    async def _unread(self, session: BulkSession) -> tuple[list[Work], dict[str, Fingerprint], bool]:
        """Walk, and return the episodes to read, the stored fingerprints, and whether none is stored."""
        self.walk = await session.run(self._find, session)
        if self.targeted is None:
            stored = await session.read(load_fingerprints)
            first = not stored
        else:  # only the changed files' episodes, and those stored from the changed files, are looked at
            found = (*self.walk.sources, *(self.only_items or ()))
            keys, sources = sorted({files.key for files in found}), sorted(self.targeted)
            stored = await session.read(functools.partial(load_fingerprints_of, keys=keys, sources=sources))
            first = not await session.read(has_episodes)
        if await session.read(relink_token) is not None:
            self.log.unknown()  # another run is writing, or died before its end: its changes are not ours
        todo = await session.run(self._sources, stored)
        self.seen = {files.key for files in todo}
        return await session.run(self._quick_checks, todo, stored, session), stored, first

    def _sources(self, stored: dict[str, Fingerprint]) -> list[SourceFiles]:
        """Return every episode's files the walk found, reporting unreadable paths and reused file names."""
        if self.only_items is not None:
            return self._unique(self.only_items)
        self.failed += [error_line(err) for err in self.walk.problems]
        by_key: dict[str, list[SourceFiles]] = {}
        for files in self.walk.sources:
            cached = self.feeds is not None and self.feeds.holds(str(files.paths[0]))
            if cached or is_feed_list(files, self.paths):
                continue  # the feed list, or the feed cache kept inside DATA_DIR: read below
            if files.page is None and files.meta is None:
                self.alone += files.paths
                continue
            by_key.setdefault(files.key, []).append(files)
        chosen = []
        for key, candidates in by_key.items():
            old = stored.get(key)
            # The stored episode keeps its file: a same-named newcomer is the one refused.
            keeper = candidates[0]
            if old and len(candidates) > 1:
                keeper = next((f for f in candidates if _source(f) == old.source), keeper)
            chosen.append(keeper)
            stored_keeper = keeper is not candidates[0]
            for other in candidates:
                if other is not keeper:
                    self.failed.append(_name_taken(other, _source(keeper), stored=stored_keeper))
        if self.feeds is None or not self.feeds.complete:
            return chosen
        return self._unique(attach_feeds(chosen, self.feeds, self.warnings))

    def _find(self, session: BulkSession) -> Walk:
        """Walk the given paths, or only the changed files' episodes when that is enough."""
        changed, paths, feeds = self.changed, self.paths, self.feeds
        if changed is not None and len(paths) == 1 and paths[0].is_dir() and feeds and feeds.dirs:
            if self._find_feed_items(session, changed):
                return Walk([], set(), set(), [])
        elif changed is not None and len(paths) == 1 and paths[0].is_dir():
            # The feed list decides which feed episodes stay: its change needs the full walk.
            feed_list = os.path.join(os.path.abspath(paths[0]), FEEDS_FILE)
            found = None
            if all(os.path.abspath(path) != feed_list for path in changed):
                found = walk_changed(paths[0], changed, session.stop)
            if found is not None:
                self.targeted = {storable(os.path.abspath(path)) for path in changed}
                return found
        return walk(paths, session.stop)

    def _find_feed_items(self, session: BulkSession, changed: Collection[str]) -> bool:
        """Take just the cached feed items of `changed` (what a poll wrote), when that is enough.

        Not when a file outside the listed feeds' folders changed too, nor when a stored episode of
        a local file has an item's guid, or its show and number: pairing them needs the full walk.
        """
        feeds = self.feeds
        if feeds is None or not feeds.complete or not all(feeds.holds(path) for path in changed):
            return False
        wanted = item_files(feeds, changed)
        if wanted is None:
            return False
        warnings: list[str] = []
        items = feed_items(feeds, warnings, only=wanted)
        for _, (guid, show, number) in items:
            session.check()
            claims = sources_claiming(session.conn, guid, show, number)
            if any(not feeds.holds(source) for source in claims):
                return False
        self.only_items = [files for files, _ in items]
        self.warnings += warnings
        # Only the changed items' episodes may go (a repeated guid now skipped), as after a full read.
        self.targeted = {storable(path) for path in wanted}
        return True

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

    def _quick_checks(
        self, todo: list[SourceFiles], stored: dict[str, Fingerprint], session: BulkSession
    ) -> list[Work]:
        """Record files whose stamps show them unchanged or unreadable; return the rest to read."""
        to_read: list[Work] = []
        cwd, stats = working_directory(), self.walk.stats
        for files in todo:
            session.check()
            quick = quick_check(files, stored.get(files.key), stats, cwd=cwd)
            if quick is None:
                to_read.append((files, stored.get(files.key)))
            elif quick.error:
                self.failed.append(quick.error)
            else:
                self.unchanged.append(quick.shown)
        return to_read

    async def _write(self, session: BulkSession, batch: list[Prepared]) -> None:
        """Store a parsed batch in as many short transactions as it takes."""
        pending = deque(batch)
        while pending:
            await asyncio.sleep(BETWEEN_TRANSACTIONS_S)
            outcome = await session.write(
                lambda conn: _Slice(conn, session, self.walk, self.log.known).write(pending)
            )
            self._take(outcome)
            if outcome.reread:  # parsed again outside the transaction, written in a later one
                pending.extend(await session.run(_prepare_again, outcome.reread))

    async def _load_cold(self, session: BulkSession, prepared: Generator[Prepared, None, None]) -> bool:
        """Store everything read as one transaction; return False (reading nothing) if episodes are stored."""
        # Another process may have loaded episodes since this run found none: then the caller
        # writes episode by episode, as what is stored now requires.
        outcome = await session.write(functools.partial(_cold, prepared, session), patience=COLD_WAIT_S)
        if outcome is None:
            return False
        self._take(outcome)
        if outcome.reread:
            await self._write(session, await session.run(_prepare_again, outcome.reread))
        return True

    def _take(self, outcome: _Outcome) -> None:
        """Add what a committed writing transaction stored, found unchanged and refused to the report."""
        self.loaded += outcome.loaded
        self.unchanged += outcome.unchanged
        self.failed += outcome.failed
        self.warnings += outcome.warnings
        self.log.committed(outcome.changes, outcome.token)

    def _report_alone(self, linked: set[str]) -> None:
        """Warn about transcript and chapters files no episode reads (a metadata file may name one)."""
        self.warnings += [_alone(p) for p in self.alone if os.path.abspath(p) not in linked]

    def _gone(self, stored: dict[str, Fingerprint], seen: set[str]) -> list[str]:
        """Return keys of stored episodes whose file was under a given folder and is now gone."""
        # A file under a given folder is gone only when the walk proves it (positively_gone); a
        # feed item when the feed list was read and the item is no longer in its feed's cache.
        roots = tuple(storable(os.path.join(os.path.abspath(p), "")) for p in self.paths if p.is_dir())
        feeds = self.feeds
        gone = []
        for key, old in stored.items():
            if key in seen or (self.targeted is not None and old.source not in self.targeted):
                continue
            if feeds is not None and feeds.holds(old.source):
                if feeds.complete:  # else which feeds are followed is unknown, so none is dropped
                    gone.append(key)
            elif old.source.startswith(roots) and positively_gone(old.source, self.walk):
                gone.append(key)
        return gone


async def _merge(session: BulkSession) -> None:
    """Merge the full-text indexes' segments written by the load, a few pages per transaction."""
    while True:
        if not await session.write(functools.partial(merge_indexes, pages=MERGE_PAGES)):
            return
        await asyncio.sleep(BETWEEN_TRANSACTIONS_S)


async def _relink(session: BulkSession, log: ChangeLog) -> int:
    """Link related titles to the episodes now present, a range of episodes per transaction.

    Return the generation the end of the ingest set.
    """
    token = await session.read(relink_token)
    if token != log.token:
        log.unknown()  # another writer changed episodes after this run's last change
    if log.known and log.keys:  # this run's changes are all there is to link: only what they touch
        await session.write(functools.partial(relink_changed, keys=sorted(log.keys)))
        return await session.write(functools.partial(finish_ingest, token=token))
    for first, last in await session.read(functools.partial(episode_id_ranges, size=RELINK_EPISODES)):
        await asyncio.sleep(BETWEEN_TRANSACTIONS_S)
        await session.write(functools.partial(relink, first=first, last=last))
    return await session.write(functools.partial(finish_ingest, token=token))


def _remove(
    gone: deque[str],
    stored: dict[str, Fingerprint],
    session: BulkSession,
    changes: bool,
    conn: sqlite3.Connection,
) -> _Outcome:
    """Delete gone episodes for about WRITE_SLICE_S (at least one); with `changes`, note their texts."""
    # Only if still stored from the same file: another process may have loaded it since.
    started, outcome = time.monotonic(), _Outcome()
    dropped: dict[str, list[str]] | None = {} if changes else None
    while gone and (not outcome.removed or time.monotonic() - started < WRITE_SLICE_S):
        session.check()
        key = gone.popleft()
        for deleted in delete_episodes(conn, [(key, stored[key].source)], dropped):
            outcome.removed.append(deleted)
            if dropped is not None:
                outcome.changes.append(EpisodeChange(deleted, dropped=dropped.pop(deleted)))
    if outcome.removed:
        outcome.token = mark_relink(conn)
    return outcome


def _alone(path: Path) -> str:
    stem = file_kind(path)[0]
    return (
        f"{shown_path(path)}:1: not loaded: a transcript or chapters file belongs beside its episode's "
        f"page or metadata file ({stem}.txt or {stem}.toml), and there is none"
    )


class _Slice:
    """One writing transaction: episodes stored as what the database holds now requires."""

    def __init__(self, conn: sqlite3.Connection, session: BulkSession, found: Walk, changes: bool) -> None:
        self.conn = conn
        self.changes = changes  # note what each episode adds and drops (see bot.ingest.changes)
        self.session = session
        self.found = found
        self.writer = EpisodeWriter(conn)
        self.outcome = _Outcome()
        self.to_index: list[IndexText] = []

    def write(self, pending: deque[Prepared]) -> _Outcome:
        """Store episodes from `pending` for about WRITE_SLICE_S (at least one), then index them."""
        started = time.monotonic()
        while pending and (not self.outcome.loaded or time.monotonic() - started < WRITE_SLICE_S):
            self.session.check()
            self._store(pending.popleft())
        self.writer.index(self.to_index)  # one index merge per transaction, not one per episode
        if self.outcome.loaded:
            self.outcome.token = mark_relink(self.conn)
        return self.outcome

    def _store(self, item: Prepared) -> None:
        """Store one read episode: new, changed, the same bytes, or refused (its name is taken)."""
        outcome = self.outcome
        if item.error:
            outcome.failed.append(item.error)
            return
        current = load_fingerprint(self.conn, item.key)  # read inside the transaction: no other writer
        if current is not None and current.source != item.source and self._still_there(current.source):
            outcome.failed.append(_name_taken(item, current.source, stored=True))
        elif current is not None and current.content_hash == item.digest:
            if (current.source, current.stamp) != (item.source, item.stamp):
                update_stamp(self.conn, item.key, item.source, item.stamp)  # next time: skipped unread
            outcome.unchanged.append(item.shown)
        elif item.rows is None:  # the bytes matched an older stored version, not this one
            outcome.reread.append(item)
        elif self._write(item, item.rows, new=current is None):
            outcome.stored(item, item.rows, same_number(self.conn, item.key))

    def _write(self, item: Prepared, rows: EpisodeRows, *, new: bool) -> bool:
        conn = self.conn
        conn.execute("SAVEPOINT episode")
        self.writer.dropped = [] if self.changes else None
        try:
            texts = self.writer.write(rows, item.source, item.stamp, item.digest, new=new)
        except sqlite3.Error as err:
            if not conn.in_transaction:  # the whole transaction is gone, not just this episode
                raise
            conn.execute("ROLLBACK TO episode")
            conn.execute("RELEASE episode")
            self.writer.forget_ids()  # rows they named may have been rolled back
            self.outcome.refused(item, err)
            return False
        conn.execute("RELEASE episode")
        self.to_index += texts
        if self.writer.dropped is not None:
            added = [text for _, text, _ in texts]
            self.outcome.changes.append(EpisodeChange(item.key, added, self.writer.dropped))
        return True

    def _still_there(self, source: str) -> bool:
        return not positively_gone(source, self.found, listed=False)


def _cold(
    prepared: Generator[Prepared, None, None], session: BulkSession, conn: sqlite3.Connection
) -> _Outcome | None:
    """Store a first load, read as it is written, in the caller's one transaction (None: not empty)."""
    writer = ColdWriter(conn)
    if not writer.begin():
        return None
    outcome = _Outcome()
    for batch in _batches(prepared):
        session.check()
        outcome.failed += [item.error for item in batch if item.error]
        outcome.reread += [item for item in batch if not item.error and item.rows is None]
        items = [item for item in batch if item.rows is not None and not item.error]
        episodes = [
            ColdEpisode(item.rows, item.source, item.stamp, item.digest) for item in items if item.rows
        ]

        def refused(n: int, err: sqlite3.Error, items: list[Prepared] = items) -> None:
            outcome.refused(items[n], err)

        for item, stored in zip(items, writer.write(episodes, refused), strict=True):
            if stored is not None and item.rows is not None:
                outcome.stored(item, item.rows, stored.same_number)
    outcome.token = writer.finish()
    return outcome


def _number_claimed(item: Prepared, others: list[tuple[str, str, int]]) -> list[str]:
    """Return a warning for each stored episode that claims the same show and number as `item`."""
    # Both stay loaded (either file may be the mistake); a bare number finds the more recent one.
    return [
        f"{item.shown}:1: claims {show} #{number}, as {shown_path(source)} does too; both are loaded, "
        f"and #{number} alone finds the more recent"
        for source, show, number in others
    ]


def _prepare_again(items: list[Prepared]) -> list[Prepared]:
    return [prepare(item.files, None) for item in items]


def _batches(items: Iterator[Prepared]) -> Generator[list[Prepared], None, None]:
    """Group read episodes into batches small enough to keep in memory between writes."""
    # The first batches are small, so writing starts while the rest is still being read.
    batch: list[Prepared] = []
    rows, size = 0, min(FIRST_BATCH_EPISODES, BATCH_EPISODES)
    for item in items:
        batch.append(item)
        rows += len(item.rows.segments) + len(item.rows.moments) if item.rows else 0
        if len(batch) >= size or rows >= BATCH_ROWS:
            yield batch
            batch, rows, size = [], 0, min(2 * size, BATCH_EPISODES)
    if batch:
        yield batch


def _source(files: SourceFiles) -> str:
    return storable(os.path.abspath(main_file(files)))


def _name_taken(files: SourceFiles | Prepared, keeper: str, *, stored: bool) -> str:
    """Return the failure line of a file whose name another episode's file already has."""
    shown = files.shown if isinstance(files, Prepared) else shown_path(main_file(files))
    key = files.key
    where = f"already loaded from {shown_path(keeper)}" if stored else f"also {shown_path(keeper)}"
    return f"{shown}:1: expected a file name no other episode uses, got {key!r} again ({where})"
