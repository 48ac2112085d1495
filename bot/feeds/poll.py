"""Poll the feeds that are due: fetch, parse off the event loop, cache the items, report changes.

This is what the running bot's update loop calls (and `feeds fetch`); it knows nothing of
Discord. One feed's failure never touches another's; a failing feed is retried with backoff.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import random
import time
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path

from bot.config import Settings
from bot.feeds.cache import FeedCache, cache_root, feed_dir_name, index_exists
from bot.feeds.feedlist import FeedEntry, feeds_path, read_feeds
from bot.feeds.fetch import Fetcher, FetchError, Response
from bot.feeds.parse import FeedError
from bot.feeds.sources import feed_sources
from bot.feeds.update import Update, update_cache
from bot.ingest.feeds import FeedSources
from bot.storage import Database, arrivals
from bot.storage.feeds import FeedState, claim_due, delete_feed_state, load_feed_states, save_feed_state
from bot.text import plural

log = logging.getLogger(__name__)
LEASE_S = 300  # a claimed feed is not claimed again for this long, even if the poll dies
RETRY_FIRST_S = 60  # the first retry of a failing feed; each further failure doubles it
RETRY_MAX_S = 6 * 3600
JITTER = 0.1  # due times spread by +-10 % so feeds added together do not stay in step
CONCURRENT_FEEDS = 4
LOGGED_WARNINGS = 10  # per feed read; `feeds fetch` prints as many


@dataclass(frozen=True, slots=True)
class FeedOutcome:
    """Say what reading one feed did."""

    url: str
    ok: bool
    result: str  # one line, as `feeds list` shows it
    items: int | None = None  # items in the feed (None: not read)
    changed: tuple[str, ...] = ()  # episode keys whose cached files were written
    new: tuple[str, ...] = ()  # episode keys this feed had never listed before
    first_read: bool = False  # the feed's first successful read: its items are its back catalogue
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class PollResult:
    """Say what a poll did and when the next feed is due."""

    outcomes: tuple[FeedOutcome, ...] = ()
    removed_feeds: tuple[str, ...] = ()  # no longer listed: their episodes leave at the next ingest
    next_due: float | None = None  # unix seconds; None when no feed is listed
    list_error: str | None = None  # feeds.toml could not be read: nothing was polled
    sources: FeedSources | None = None  # what ingest should read (see bot.ingest.feeds)

    @property
    def ingest_needed(self) -> bool:
        """Tell whether cached files changed or feeds went away, so ingest has work to do."""
        return bool(self.removed_feeds) or any(outcome.changed for outcome in self.outcomes)

    @property
    def changed_files(self) -> tuple[str, ...] | None:
        """Return the metadata file of every cached item written (ingest reads just their episodes),
        or None when ingest must read every feed's items (a feed went away, the list is unknown)."""
        if self.removed_feeds or self.sources is None or not self.sources.complete:
            return None
        root = self.sources.root
        return tuple(
            str(root / feed_dir_name(outcome.url) / f"{key}.toml")
            for outcome in self.outcomes
            for key in outcome.changed
        )

    @property
    def new_episodes(self) -> tuple[str, ...]:
        """Return keys of episodes that appeared in feeds read before (announceable)."""
        return tuple(key for o in self.outcomes if not o.first_read for key in o.new)

    @property
    def seeded(self) -> tuple[str, ...]:
        """Return keys of episodes from feeds read for the first time (back catalogue: not announced)."""
        return tuple(key for o in self.outcomes if o.first_read for key in o.new)


async def poll_feeds(
    db: Database,
    settings: Settings,
    *,
    force: bool = False,
    only: Sequence[str] = (),
    fetcher: Fetcher | None = None,
    now: float | None = None,
) -> PollResult:
    """Read every listed feed that is due (all of them with `force`; `only` limits to those URLs)."""
    sources, error = feed_sources(settings)
    if error is not None:
        log.warning("Feeds not polled: %s", error)
        return PollResult(list_error=error, sources=sources)
    entries = read_feeds(feeds_path(settings.data_dir))
    removed = await _forget_unlisted(db, {entry.url for entry in entries})
    wanted = [e for e in entries if not only or e.url in only]
    stamp = int(now if now is not None else time.time())
    claimed = await claim_due(db, [e.url for e in wanted], 2**62 if force else stamp, LEASE_S)
    by_url = {entry.url: entry for entry in wanted}
    outcomes: list[FeedOutcome] = []
    if claimed:
        own = fetcher is None
        active = fetcher or Fetcher(allow_private=settings.feeds_allow_private)
        if own:
            await active.__aenter__()
        try:
            gate = asyncio.Semaphore(CONCURRENT_FEEDS)
            reader = _Reader(db, settings, active, cache_root(settings.database_path), stamp)

            async def one(state: FeedState) -> FeedOutcome:
                async with gate:
                    return await reader.read(by_url[state.url], state)

            outcomes = list(await asyncio.gather(*(one(state) for state in claimed)))
        finally:
            if own:
                await active.__aexit__(None, None, None)
    states = await load_feed_states(db)
    due = [states[e.url].next_due for e in entries if e.url in states]
    return PollResult(tuple(outcomes), removed, min(due) if due else None, None, sources)


async def _forget_unlisted(db: Database, listed: set[str]) -> tuple[str, ...]:
    states = await load_feed_states(db)
    gone = tuple(url for url in states if url not in listed)
    for url in gone:
        await delete_feed_state(db, url)
    return gone


@dataclass
class _Reader:
    db: Database
    settings: Settings
    fetcher: Fetcher
    root: Path
    now: int
    rng: random.Random = field(default_factory=random.Random)

    async def read(self, entry: FeedEntry, state: FeedState) -> FeedOutcome:
        """Fetch, parse and cache one feed, store its state, and say what happened; never raises."""
        try:
            outcome, state = await self._read(entry, state)
        except (FetchError, FeedError) as err:
            outcome, state = self._failed(entry, state, str(err))
        except Exception as err:  # a bug must not stop the other feeds
            log.exception("Reading feed %s failed", entry.url)
            outcome, state = self._failed(entry, state, f"unexpected error: {err!r}"[:300])
        await save_feed_state(self.db, state)
        level = logging.INFO if outcome.ok else logging.WARNING
        log.log(level, "Feed %s: %s", entry.url, outcome.result)
        # Each warning names its feed: the running bot's log is where an owner learns what was odd.
        for line in outcome.warnings[:LOGGED_WARNINGS]:
            log.warning("Feed %s: %s", entry.url, line)
        if (more := len(outcome.warnings) - LOGGED_WARNINGS) > 0:
            log.warning("Feed %s: ... and %d more warnings", entry.url, more)
        return outcome

    async def _read(self, entry: FeedEntry, state: FeedState) -> tuple[FeedOutcome, FeedState]:
        have_cache = index_exists(self.root, entry.url)
        # Validators are sent only while the cache can be trusted: otherwise the body is needed.
        trusted = have_cache and await _verified(self.root, entry.url)
        response = await self.fetcher.feed(
            entry.url, state.etag if trusted else None, state.last_modified if trusted else None
        )
        if response.status == 304:
            return self._succeeded(entry, state, response, "not modified", title=None, items=None, digest="")
        body = response.body or b""
        digest = await _digest(body)
        if digest == state.body_hash and trusted:
            return self._succeeded(entry, state, response, "unchanged", title=None, items=None, digest=digest)
        # A feed's back catalogue is never announced: it is recorded so before its files are
        # written, so no ingest (this bot's, or `feeds fetch` then `ingest`) can load it first.
        seed = None if have_cache else partial(arrivals.seed_silently, self.db)
        update = await update_cache(
            self.root, entry.url, body, entry.show, self.fetcher, keep_if_empty=have_cache, before_new=seed
        )
        result = _summary(update)
        outcome, state = self._succeeded(
            entry, state, response, result, title=update.title, items=update.items, digest=digest
        )
        outcome = replace(
            outcome,
            changed=update.changed,
            new=update.new,
            first_read=not have_cache,
            warnings=update.warnings,
        )
        return outcome, state

    def _succeeded(
        self, entry: FeedEntry, state: FeedState, response: Response, result: str, *,
        title: str | None, items: int | None, digest: str,
    ) -> tuple[FeedOutcome, FeedState]:  # fmt: skip
        interval = self.settings.feed_poll_minutes * 60
        state = replace(
            state,
            title=title or state.title,
            etag=response.etag or (state.etag if response.status == 304 else None),
            last_modified=response.last_modified or (state.last_modified if response.status == 304 else None),
            body_hash=digest if response.status == 200 else state.body_hash,
            last_fetch=self.now,
            last_success=self.now,
            result=result,
            ok=True,
            failures=0,
            items=items if items is not None else state.items,
            next_due=self.now + self._jittered(interval),
        )
        return FeedOutcome(entry.url, True, result, state.items), state

    def _failed(self, entry: FeedEntry, state: FeedState, reason: str) -> tuple[FeedOutcome, FeedState]:
        failures = state.failures + 1
        delay = min(RETRY_FIRST_S * 2 ** (failures - 1), RETRY_MAX_S)
        result = f"failed: {reason}"
        state = replace(
            state, last_fetch=self.now, result=result, ok=False, failures=failures,
            next_due=self.now + self._jittered(delay),
        )  # fmt: skip
        return FeedOutcome(entry.url, False, result, None), state

    def _jittered(self, seconds: float) -> int:
        return max(1, round(seconds * self.rng.uniform(1 - JITTER, 1 + JITTER)))


def _summary(update: Update) -> str:
    new = set(update.new)
    updated = sum(1 for key in update.changed if key not in new)
    parts = [plural(update.items, "item"), f"{len(update.new)} new", f"{updated} updated"]
    if update.warnings:
        parts.append(plural(len(update.warnings), "warning"))
    return ", ".join(parts)


async def _digest(body: bytes) -> str:
    """Return the body's hash (off the event loop when it is large: feeds may be 50 MB)."""
    if len(body) < 2**20:
        return hashlib.blake2b(body, digest_size=16).hexdigest()
    return await asyncio.to_thread(lambda: hashlib.blake2b(body, digest_size=16).hexdigest())


_VERIFIED: set[tuple[str, str]] = set()  # feed caches checked since this process started


async def _verified(root: Path, url: str) -> bool:
    """Tell whether the feed's cached files are all there, checking once per process (after a crash
    or power cut a file may be missing or cut short: then the feed is read in full and repaired)."""
    if (str(root), url) in _VERIFIED:
        return True
    damaged = await asyncio.to_thread(lambda: FeedCache.open(root, url).forget_damaged())
    if not damaged:
        _VERIFIED.add((str(root), url))
    return not damaged
