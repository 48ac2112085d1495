"""The sweep: find due schedules, claim each guild's day in the ledger, post, record the outcome.

A day is claimed ('sending') in the same transaction that reads the ledger and decides, so two
ticks, two processes or a restart can never both post it. The outcome is written afterwards:
'sent'; 'retry' for transient faults (5xx, 429, network), again later the same day with backoff;
a pause of the schedule when the channel is gone or forbidden; 'failed' for anything else. A
'sending' row left by a crash is never sent again, since Discord may already have the post: at
most once beats twice. Every attempt of a day carries the same nonce, which Discord enforces for
a few minutes, so a retry after an ambiguous failure (a timeout) cannot duplicate a post either.
Nothing here imports discord: the poster passed in does the talking and raises the errors below.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import logging
import time
from collections.abc import Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass

from aiosqlite import Connection

from bot.daily import schedule as sched
from bot.daily.clock import Clock
from bot.daily.rotation import Pick, Pool, advance, pick
from bot.model import Takeaway
from bot.shards import Shards
from bot.storage import Database
from bot.storage import daily as store

log = logging.getLogger(__name__)

FIRST_RETRY_S = 60
MAX_RETRY_S = 30 * 60
EMPTY_POOL_RETRY_S = 15 * 60
LEDGER_DAYS_KEPT = 8
PRUNE_EVERY_S = 3600
# How long a post already on its way may take to finish when the bot shuts down (the daily
# cog's cog_unload waits a little longer for the sweep to end).
FINISH_ON_STOP_S = 1.5


class PostError(Exception):
    """Say why a post did not go out; `reason` is shown to admins."""

    def __init__(self, reason: str, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry_after = retry_after


class PauseError(PostError):
    """The channel is gone or the bot may not post there: stop until an admin sets it again."""


class RetryError(PostError):
    """Discord or the network failed for now: try again later the same day."""


class DropError(PostError):
    """This post cannot be sent (e.g. Discord rejected it): give up for the day."""


@dataclass(frozen=True, slots=True)
class SweepOptions:
    """Tune the sweep: how often it runs, how many posts are in flight, and how fast they start."""

    interval: float = 30.0
    concurrency: int = 8
    # Posts per second. Discord allows a bot 50 requests/s in all, and 429s count towards a ban.
    rate: float | None = 40.0


@dataclass(frozen=True, slots=True)
class Claim:
    """Hold one claimed guild-day, ready to post."""

    schedule: store.Schedule
    day: dt.date
    pick: Pick
    attempt: int
    nonce: int


@dataclass(slots=True)
class SweepStats:
    """Count what one sweep did."""

    due: int = 0
    claimed: int = 0
    sent: int = 0
    retried: int = 0
    paused: int = 0
    dropped: int = 0
    errors: int = 0


PoolSource = Callable[[str | None], Awaitable[Sequence[Takeaway]]]
Poster = Callable[[Claim], Awaitable[int]]


def day_nonce(guild_id: int, day: dt.date) -> int:
    """Return the nonce every attempt of a guild's day sends (fits Discord's 25 characters)."""
    raw = hashlib.blake2b(f"daily:{guild_id}:{day.isoformat()}".encode(), digest_size=8).digest()
    return int.from_bytes(raw) >> 1


def retry_delay(attempt: int, hint: float | None = None) -> int:
    """Return seconds to wait after failed attempt number `attempt` (1, 2, 4 ... 30 minutes)."""
    backoff: int = min(FIRST_RETRY_S * 2 ** max(attempt - 1, 0), MAX_RETRY_S)
    return max(backoff, int(hint or 0))


def epoch(when: dt.datetime) -> int:
    """Return whole unix seconds."""
    return int(when.timestamp())


def day_after_due(schedule: store.Schedule, day: dt.date) -> int:
    """Return when the schedule is next due once `day` is settled: its time on the next local day."""
    tz, at = sched.zone(schedule.timezone), sched.parse_time(schedule.post_time)
    return epoch(sched.day_after(day, at, tz))


class Sweeper:
    """Post every due guild's takeaway once per local day."""

    def __init__(
        self,
        db: Database,
        pools: PoolSource,
        poster: Poster,
        clock: Clock,
        *,
        visible: Callable[[int], bool] = lambda _guild_id: True,
        shards: Shards | None = None,
        concurrency: int = 8,
        rate: float | None = None,
    ) -> None:
        self.db, self.pools, self.poster, self.clock = db, pools, poster, clock
        self.visible = visible
        self.shards = shards  # only these shards' servers (None: every server)
        self.concurrency = concurrency
        self.rate = rate
        self._next_send = 0.0
        self._pace_lock = asyncio.Lock()
        self._pruned_at: dt.datetime | None = None

    async def run_once(self) -> SweepStats:
        """Handle every schedule due now, and return what happened."""
        stats = SweepStats()
        now = self.clock.now()
        schedules = await store.due_schedules(self.db.conn, epoch(now), shards=self.shards)
        due = [s for s in schedules if self.visible(s.guild_id)]
        stats.due = len(due)
        if due:
            pools = await self._load_pools({s.show for s in due})
            queue = iter(due)
            workers = min(self.concurrency, len(due))
            await asyncio.gather(*(self._work(queue, pools, stats) for _ in range(workers)))
        await self._prune(now)
        return stats

    async def _work(
        self, queue: Iterator[store.Schedule], pools: dict[str | None, Pool], stats: SweepStats
    ) -> None:
        for schedule in queue:  # workers share one iterator, so each schedule is taken once
            try:
                claim = await self.claim(schedule.guild_id, pools)
                if claim is not None:
                    stats.claimed += 1
                    outcome = await self._deliver_through_shutdown(claim)
                    setattr(stats, outcome, getattr(stats, outcome) + 1)
            except Exception:
                stats.errors += 1
                log.exception("daily post for guild %s failed unexpectedly", schedule.guild_id)

    async def _deliver_through_shutdown(self, claim: Claim) -> str:
        """Deliver; if the sweep is cancelled meanwhile, give the post a moment to finish first.

        A post cut off mid-send would leave its day 'sending', which is never sent again; letting
        it finish (it takes milliseconds) records it as sent instead. No new day is claimed.
        """
        task = asyncio.ensure_future(self.deliver(claim))
        try:
            return await asyncio.shield(task)
        except asyncio.CancelledError:
            await asyncio.wait({task}, timeout=FINISH_ON_STOP_S)
            raise

    async def _load_pools(self, shows: set[str | None]) -> dict[str | None, Pool]:
        return {show: Pool(await self.pools(show)) for show in shows}

    async def claim(self, guild_id: int, pools: dict[str | None, Pool]) -> Claim | None:
        """Decide whether the guild posts now and, if so, claim its day in the same transaction."""
        async with self.db.transaction() as conn:
            now = self.clock.now()
            schedule = await store.get_schedule(conn, guild_id)
            if schedule is None or schedule.paused_reason or schedule.next_due > epoch(now):
                return None  # changed since the sweep read it
            if schedule.show not in pools:
                return None  # its show changed meanwhile; the next sweep loads that pool
            return await self._decide(conn, schedule, pools[schedule.show], now)

    async def _decide(
        self, conn: Connection, schedule: store.Schedule, pool: Pool, now: dt.datetime
    ) -> Claim | None:
        guild_id = schedule.guild_id
        tz, at = sched.zone(schedule.timezone), sched.parse_time(schedule.post_time)
        day = sched.due_day(now, at, tz)
        if day is None:
            await store.set_next_due(conn, guild_id, epoch(sched.next_after(now, at, tz)))
            return None
        entry = await store.get_entry(conn, guild_id, day)
        if entry is not None and not _retry_due(entry, now):
            later = entry.next_attempt if entry.state == store.RETRY else None
            await store.set_next_due(conn, guild_id, later or day_after_due(schedule, day))
            return None
        chosen = pick(pool, guild_id, await store.get_rotation(conn, guild_id))
        if chosen is None:
            await self._nothing_to_post(conn, schedule, day, entry)
            return None
        attempt = (entry.attempts if entry else 0) + 1
        error = entry.error if entry else None
        row = _ledger_row(
            schedule=schedule,
            day=day,
            chosen=chosen,
            attempts=attempt,
            now=epoch(now),
            state=store.SENDING,
            error=error,
        )
        if not await store.claim(conn, row):
            return None
        return Claim(schedule, day, chosen, attempt, day_nonce(guild_id, day))

    async def deliver(self, claim: Claim) -> str:
        """Post a claimed day and record the outcome; return the SweepStats field it counts as."""
        await self._pace()
        try:
            message_id = await self.poster(claim)
        except PauseError as exc:
            return await self._paused(claim, exc.reason)
        except RetryError as exc:
            return await self._retry(claim, exc.reason, exc.retry_after)
        except DropError as exc:
            return await self._drop(claim, exc.reason)
        except Exception as exc:
            # Unknown failure: whether Discord got the post is unknown too, so never resend.
            log.exception("daily post for guild %s raised", claim.schedule.guild_id)
            return await self._drop(claim, f"unexpected error: {type(exc).__name__}")
        return await self._sent(claim, message_id)

    async def _sent(self, claim: Claim, message_id: int) -> str:
        s = claim.schedule
        now = self.clock.now()
        async with self.db.transaction() as conn:
            await store.finish(conn, s.guild_id, claim.day, store.SENT, message_id=message_id)
            post = store.LastPost(epoch(now), s.channel_id, message_id)
            await store.record_post(conn, s.guild_id, advance(claim.pick), post)
            await store.set_next_due(conn, s.guild_id, day_after_due(s, claim.day))
        return "sent"

    async def _retry(self, claim: Claim, reason: str, hint: float | None) -> str:
        s = claim.schedule
        when = epoch(self.clock.now()) + retry_delay(claim.attempt, hint)
        log.warning("daily post for guild %s will be retried: %s", s.guild_id, reason)
        async with self.db.transaction() as conn:
            await store.finish(conn, s.guild_id, claim.day, store.RETRY, next_attempt=when, error=reason)
            await store.set_next_due(conn, s.guild_id, when)
        return "retried"

    async def _paused(self, claim: Claim, reason: str) -> str:
        s = claim.schedule
        log.warning("daily posts for guild %s paused: %s", s.guild_id, reason)
        now = self.clock.now()
        async with self.db.transaction() as conn:
            # 'retry', not 'failed': once an admin fixes the channel, today may still get its post.
            await store.finish(
                conn, s.guild_id, claim.day, store.RETRY, next_attempt=epoch(now), error=reason
            )
            await store.pause_schedule(conn, s.guild_id, reason, now.isoformat())
        return "paused"

    async def _drop(self, claim: Claim, reason: str) -> str:
        s = claim.schedule
        async with self.db.transaction() as conn:
            await store.finish(conn, s.guild_id, claim.day, store.FAILED, error=reason)
            await store.set_next_due(conn, s.guild_id, day_after_due(s, claim.day))
        return "dropped"

    async def _nothing_to_post(
        self, conn: Connection, schedule: store.Schedule, day: dt.date, entry: store.LedgerEntry | None
    ) -> None:
        now = epoch(self.clock.now())
        what = f"no takeaways for {schedule.show}" if schedule.show else "no takeaways yet"
        attempts = entry.attempts if entry else 0
        await store.claim(
            conn,
            _ledger_row(
                schedule=schedule,
                day=day,
                chosen=None,
                attempts=attempts,
                now=now,
                state=store.RETRY,
                error=what,
            ),
        )
        await store.finish(
            conn, schedule.guild_id, day, store.RETRY, next_attempt=now + EMPTY_POOL_RETRY_S, error=what
        )
        await store.set_next_due(conn, schedule.guild_id, now + EMPTY_POOL_RETRY_S)

    async def _pace(self) -> None:
        """Space sends `1/rate` seconds apart, staying under Discord's global request limit."""
        if not self.rate:
            return
        async with self._pace_lock:
            wait = self._next_send - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
            self._next_send = max(self._next_send, time.monotonic()) + 1 / self.rate

    async def _prune(self, now: dt.datetime) -> None:
        if self._pruned_at and (now - self._pruned_at).total_seconds() < PRUNE_EVERY_S:
            return
        self._pruned_at = now
        async with self.db.transaction() as conn:
            await store.prune_ledger(conn, now.date() - dt.timedelta(days=LEDGER_DAYS_KEPT))


def _retry_due(entry: store.LedgerEntry, now: dt.datetime) -> bool:
    return entry.state == store.RETRY and (entry.next_attempt or 0) <= epoch(now)


def _ledger_row(
    *,
    schedule: store.Schedule,
    day: dt.date,
    chosen: Pick | None,
    attempts: int,
    now: int,
    state: str,
    error: str | None,
) -> store.LedgerEntry:
    return store.LedgerEntry(
        guild_id=schedule.guild_id,
        local_date=day,
        state=state,
        channel_id=schedule.channel_id,
        takeaway_key=chosen.key if chosen else None,
        takeaway_id=chosen.takeaway.id if chosen else None,
        cycle=chosen.cycle if chosen else None,
        rank=chosen.rank if chosen else None,
        attempts=attempts,
        claimed_at=now,
        next_attempt=None,
        message_id=None,
        error=error,
    )
