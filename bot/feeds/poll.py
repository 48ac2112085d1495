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
from pathlib import Path

from bot.config import Settings
from bot.feeds import downloads
from bot.feeds.cache import FeedCache, cache_root, write_items
from bot.feeds.feedlist import FeedEntry, feeds_path, read_feeds
from bot.feeds.fetch import Fetcher, FetchError, Response
from bot.feeds.parse import FeedError, ParsedFeed, parse_feed
from bot.feeds.sources import feed_sources
from bot.ingest.feeds import FeedSources
from bot.storage import Database, arrivals
from bot.storage.feeds import FeedState, claim_due, delete_feed_state, load_feed_states, save_feed_state

log = logging.getLogger(__name__)
LEASE_S = 300  # a claimed feed is not claimed again for this long, even if the poll dies
RETRY_FIRST_S = 60  # the first retry of a failing feed; each further failure doubles it
RETRY_MAX_S = 6 * 3600
JITTER = 0.1  # due times spread by +-10 % so feeds added together do not stay in step
CONCURRENT_FEEDS = 4


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
        return outcome

    async def _read(self, entry: FeedEntry, state: FeedState) -> tuple[FeedOutcome, FeedState]:
        cache = FeedCache.open(self.root, entry.url)
        have_cache = bool(cache.entries)
        response = await self.fetcher.feed(
            entry.url, state.etag if have_cache else None, state.last_modified if have_cache else None
        )
        digest = hashlib.blake2b(response.body or b"", digest_size=16).hexdigest()
        if response.status == 304 or (digest == state.body_hash and have_cache):
            result = "not modified" if response.status == 304 else "unchanged"
            return self._succeeded(entry, state, response, result, feed=None, digest=digest)
        body = response.body or b""
        feed = await asyncio.to_thread(parse_feed, body)
        if not feed.items and have_cache:
            raise FeedError("expected items, got a feed without any (kept the cached ones)")
        written = await asyncio.to_thread(write_items, cache, feed, entry.show)
        if not have_cache and written.new:
            # A feed's back catalogue is never announced: say so before any ingest can load it,
            # whichever process (this poll's bot, or `feeds fetch` then `ingest`) does.
            await arrivals.seed_silently(self.db, written.new)
        fetched = await downloads.fetch_all(self.fetcher, cache, feed, written.keys)
        await asyncio.to_thread(cache.save_index)
        changed = tuple(dict.fromkeys((*written.changed, *fetched.changed)))
        warnings = (*feed.warnings, *fetched.warnings)
        result = _summary(feed, written.new, changed, warnings)
        outcome, state = self._succeeded(entry, state, response, result, feed=feed, digest=digest)
        outcome = replace(
            outcome, changed=changed, new=written.new, first_read=not have_cache, warnings=tuple(warnings)
        )
        return outcome, state

    def _succeeded(
        self, entry: FeedEntry, state: FeedState, response: Response, result: str, *,
        feed: ParsedFeed | None, digest: str,
    ) -> tuple[FeedOutcome, FeedState]:  # fmt: skip
        interval = self.settings.feed_poll_minutes * 60
        state = replace(
            state,
            title=feed.title if feed else state.title,
            etag=response.etag or (state.etag if response.status == 304 else None),
            last_modified=response.last_modified or (state.last_modified if response.status == 304 else None),
            body_hash=digest if response.status == 200 else state.body_hash,
            last_fetch=self.now,
            last_success=self.now,
            result=result,
            ok=True,
            failures=0,
            items=len(feed.items) if feed else state.items,
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


def _summary(feed: ParsedFeed, new: Sequence[str], changed: Sequence[str], warnings: Sequence[str]) -> str:
    updated = sum(1 for key in changed if key not in new)
    parts = [f"{len(feed.items)} items", f"{len(new)} new", f"{updated} updated"]
    if warnings:
        parts.append(f"{len(warnings)} warning{'s' if len(warnings) != 1 else ''}")
    return ", ".join(parts)
