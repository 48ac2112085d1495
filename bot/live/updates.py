"""The running bot's update loop: changed files, other writers and feeds in; ingest, swap, announce out.

Nothing here knows Discord. The loop wakes when the file watcher saw a change, when a feed poll or
a listener is due, and every `interval` seconds to ask SQLite whether another process finished an
ingest. It then loads files (the same incremental ingest as at start), swaps the knowledge base's
snapshot when an ingest finished, and calls its listeners (announcements). Every step is guarded:
one failure is logged and the next round runs as usual.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable, Collection
from pathlib import Path, PurePath
from typing import Protocol, TypeVar

from bot.ingest.feeds import FEEDS_FILE
from bot.knowledge import KnowledgeBase
from bot.live.watch import FileWatcher
from bot.storage import arrivals

log = logging.getLogger(__name__)
T = TypeVar("T")
WATCHER_STOP_S = 1.0
FEED_RETRY_S = 60.0  # after the poll itself failed (feeds back off one by one on their own)
# A reload reads only the episodes of the files the watcher saw change, not the whole folder. Past
# this many paths at once (a folder copied in; or the kernel's event queue overflowed, which the
# watcher does not report) the whole folder is walked instead.
MAX_CHANGED_PATHS = 500
# And the first change at least this long after the last full walk is loaded with a full walk,
# so a change the watcher never saw is picked up in the end.
FULL_WALK_EVERY_S = 3600.0


class FeedPoll(Protocol):
    """What polling the due feeds reports back (bot.feeds.poll.PollResult)."""

    @property
    def ingest_needed(self) -> bool:
        """Tell whether it wrote or dropped anything ingest reads."""

    @property
    def next_due(self) -> float | None:
        """Return when (unix seconds) a feed is next due, or None when no feed is listed."""

    @property
    def seeded(self) -> Collection[str]:
        """Return keys of a first-read feed's items: its back catalogue, never announced."""

    @property
    def changed_files(self) -> Collection[str] | None:
        """Return the cached files it wrote (ingest reads only their episodes); None: read every feed."""


PollFeeds = Callable[[], Awaitable[FeedPoll]]
# Load DATA_DIR: given the files that changed, only their episodes; given None, everything.
Load = Callable[[frozenset[str] | None], Awaitable[object]]
# A listener runs after every swap; it returns seconds until it wants to run again regardless
# (a retry that is due later, a server not visible yet), or None.
Listener = Callable[[], Awaitable[float | None]]


class Updater:
    """Run ingest, swap and listeners whenever the data may have changed."""

    def __init__(
        self,
        kb: KnowledgeBase,
        load: Load,
        *,
        data_dir: Path,
        interval: float,
        poll_feeds: PollFeeds | None = None,
        close: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        self.kb, self.load, self.data_dir, self.interval = kb, load, data_dir, interval
        self.poll_feeds = poll_feeds
        self.close = close  # releases what `load` keeps (its process) once the loop ends
        self.listeners: list[Listener] = []
        self.rounds = 0  # finished rounds, for tests and logs
        self._wake = asyncio.Event()
        self._files_changed = False
        self._changed: set[str] | None = None  # paths seen changing since the last load; None: unknown
        self._full_walk_at: float | None = None  # when the last load that walked everything started
        self._feeds_due_at: float | None = 0.0 if poll_feeds else None
        self._listeners_due_at: float | None = 0.0  # run them once at start

    def files_changed(self, paths: Collection[str] = ()) -> None:
        """Note that files under DATA_DIR changed (the watcher calls this); feeds.toml polls feeds now.

        `paths`: the files that changed; none given means anything may have changed.
        """
        self._files_changed = True
        if not paths:
            self._changed = None
        elif self._changed is not None:
            self._changed.update(paths)
        if self.poll_feeds is not None and any(PurePath(p).name == FEEDS_FILE for p in paths):
            self._feeds_due_at = time.monotonic()  # a feed added or removed: read it now
        self._wake.set()

    def wake(self, *, listeners: bool = False, feeds: bool = False) -> None:
        """Run a round now, with the listeners and/or a feed poll even if nothing changed."""
        now = time.monotonic()
        if listeners:
            self._listeners_due_at = now
        if feeds and self.poll_feeds is not None:
            self._feeds_due_at = now
        self._wake.set()

    async def run(self) -> None:
        """Update until cancelled; watch DATA_DIR meanwhile."""
        watcher = FileWatcher(self.data_dir, self.files_changed, scan_interval=self.interval)
        watching = asyncio.create_task(watcher.run(), name="data-dir-watcher")
        # Files changed between the load at start and the watcher's start are seen by no event: the
        # first round walks everything (which also starts the ingest's process before it is needed).
        self.files_changed()
        try:
            while True:
                await self.step()
                await self._sleep()
        finally:
            watcher.stop()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await asyncio.wait_for(watching, WATCHER_STOP_S)
            if self.close is not None:
                await _guarded("stopping the update loop", self.close())

    async def step(self) -> bool:
        """Run one round; tell whether the snapshot was swapped."""
        self._wake.clear()
        before = self.kb.snapshot
        load, changed = self._files_changed, self._changed
        self._files_changed, self._changed = False, set()
        now = time.monotonic()
        if self._feeds_due_at is not None and now >= self._feeds_due_at:
            needed, written = await self._poll_feeds()
            if needed:  # the feed cache changed: read the items it wrote, or every item
                load = True
                changed = None if changed is None or written is None else changed | set(written)
        if load:
            await self._load(changed)
        await _guarded("reloading the catalogue", self.kb.sync())
        swapped = self.kb.snapshot is not before  # by this sync, or by the ingest itself
        due = self._listeners_due_at
        if swapped or (due is not None and time.monotonic() >= due):
            await self._notify()
        self.rounds += 1
        return swapped

    async def _load(self, changed: set[str] | None) -> None:
        """Load the changed files' episodes, or everything; after a failure, everything next time."""
        now = time.monotonic()
        overdue = self._full_walk_at is None or now - self._full_walk_at >= FULL_WALK_EVERY_S
        if changed is None or overdue or len(changed) > MAX_CHANGED_PATHS:
            changed = None
            self._full_walk_at = now
        done = await _guarded(
            "loading DATA_DIR", _done(self.load(None if changed is None else frozenset(changed)))
        )
        if done is None:
            self._changed = None  # what the failed load did not finish is not known

    async def _poll_feeds(self) -> tuple[bool, Collection[str] | None]:
        """Poll the due feeds; tell whether ingest has work, and the cached files to read (None: all)."""
        assert self.poll_feeds is not None  # noqa: S101 (only scheduled when set)
        result = await _guarded("polling feeds", self.poll_feeds())
        if result is None:
            self._feeds_due_at = time.monotonic() + FEED_RETRY_S
            return False, None
        due = result.next_due
        self._feeds_due_at = None if due is None else time.monotonic() + max(due - time.time(), 0.0)
        if result.seeded:  # before ingest stores them as arrivals that may be announced
            await _guarded(
                "recording a feed's back catalogue", arrivals.seed_silently(self.kb.db, result.seeded)
            )
        return result.ingest_needed, result.changed_files

    async def _notify(self) -> None:
        self._listeners_due_at = None
        for listener in list(self.listeners):
            wait = await _guarded(f"listener {getattr(listener, '__qualname__', listener)}", listener())
            if wait is not None:
                due = time.monotonic() + wait
                self._listeners_due_at = min(due, self._listeners_due_at or due)

    async def _sleep(self) -> None:
        now = time.monotonic()
        timeout = self.interval
        for due in (self._feeds_due_at, self._listeners_due_at):
            if due is not None:
                timeout = min(timeout, max(due - now, 0.0))
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), timeout)


async def _done(work: Awaitable[object]) -> bool:
    await work
    return True


async def _guarded(what: str, work: Awaitable[T]) -> T | None:
    """Await `work`; log and swallow any failure so that the loop goes on."""
    try:
        return await work
    except asyncio.CancelledError:
        raise
    except Exception:
        log.exception("%s failed; the update loop carries on", what)
        return None
