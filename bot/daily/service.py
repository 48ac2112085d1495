"""What the /daily commands do, without Discord: set, stop, status, preview, forget."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from zoneinfo import ZoneInfo

from aiosqlite import Connection

from bot.daily import schedule as sched
from bot.daily.clock import Clock
from bot.daily.rotation import Pick, Pool, pick
from bot.daily.sweep import PoolSource, epoch
from bot.errors import UserError
from bot.storage import Database
from bot.storage import daily as store


@dataclass(frozen=True, slots=True)
class Status:
    """Hold what /daily status shows."""

    schedule: store.Schedule
    next_post: dt.datetime | None  # None while paused
    latest: store.LedgerEntry | None
    last_post: store.LastPost | None


class DailyService:
    """Change and read a guild's daily-post schedule."""

    def __init__(self, db: Database, pools: PoolSource, clock: Clock) -> None:
        self.db, self.pools, self.clock = db, pools, clock

    async def set(
        self, guild_id: int, channel_id: int, time_text: str, zone_text: str | None, show: str | None
    ) -> tuple[store.Schedule, dt.datetime]:
        """Create, change or resume the schedule; return it and when its next post goes out."""
        try:
            at = sched.parse_time(time_text)
            zone_name = sched.canonical_zone(zone_text or "UTC")
        except ValueError as exc:
            raise UserError(str(exc)) from exc
        tz = sched.zone(zone_name)
        async with self.db.transaction() as conn:
            now = self.clock.now()
            previous = await store.get_schedule(conn, guild_id)
            if previous is not None and previous.timezone != zone_name:
                await _redate_ledger(conn, guild_id, tz)
            today = sched.local_date(now, tz)
            entry = await store.get_entry(conn, guild_id, today)
            when = _next_post(now, at, tz, entry)
            await store.save_schedule(
                conn,
                guild_id=guild_id,
                channel_id=channel_id,
                post_time=sched.format_time(at),
                timezone=zone_name,
                show=show,
                next_due=epoch(when),
                now=now.isoformat(),
            )
            saved = await store.get_schedule(conn, guild_id)
        assert saved is not None  # noqa: S101  (written in the same transaction)
        return saved, when

    async def stop(self, guild_id: int) -> bool:
        """Remove the schedule (the rotation is kept for a later set); tell whether there was one."""
        async with self.db.transaction() as conn:
            return await store.delete_schedule(conn, guild_id)

    async def forget(self, guild_id: int) -> None:
        """Drop everything about a guild the bot has left, except the ledger's recent days."""
        async with self.db.transaction() as conn:
            await store.forget_guild(conn, guild_id)

    async def status(self, guild_id: int) -> Status | None:
        """Return the schedule, next post, latest day and last post, or None without a schedule."""
        conn = self.db.conn
        schedule = await store.get_schedule(conn, guild_id)
        if schedule is None:
            return None
        now = self.clock.now()
        next_post = None
        if not schedule.paused_reason:
            next_post = max(now, dt.datetime.fromtimestamp(schedule.next_due, dt.UTC))
        latest = await store.latest_entry(conn, guild_id)
        return Status(schedule, next_post, latest, await store.last_post(conn, guild_id))

    async def preview(self, guild_id: int, show: str | None) -> Pick | None:
        """Return the takeaway the next post will carry, or None when there is none."""
        pool = Pool(await self.pools(show))
        return pick(pool, guild_id, await store.get_rotation(self.db.conn, guild_id))


# When two old days land on one new local day, the row that may have posted wins.
_STATE_WEIGHT = {store.SENT: 3, store.SENDING: 2, store.FAILED: 1, store.RETRY: 0}


async def _redate_ledger(conn: Connection, guild_id: int, tz: ZoneInfo) -> None:
    """Date the guild's ledger rows by the new zone's calendar, from when each day was claimed.

    The ledger is keyed by local date, and a date means another stretch of time in another zone:
    without this, a post made at 09:00 on 2 June in UTC+14 (19:00 UTC, 1 June) would block a
    legitimate post on 2 June in UTC-10, yet not stop a second post on 1 June there.
    """
    redated: dict[dt.date, store.LedgerEntry] = {}
    for entry in await store.guild_entries(conn, guild_id):
        day = sched.local_date(dt.datetime.fromtimestamp(entry.claimed_at, dt.UTC), tz)
        kept = redated.get(day)
        if kept is None or _STATE_WEIGHT[entry.state] > _STATE_WEIGHT[kept.state]:
            redated[day] = replace(entry, local_date=day)
    await store.replace_entries(conn, guild_id, redated.values())


def _next_post(now: dt.datetime, at: dt.time, tz: ZoneInfo, entry: store.LedgerEntry | None) -> dt.datetime:
    """Return when a just-saved schedule posts next.

    Today is skipped once it has a post (or an unknown outcome). A day whose post was attempted
    and not delivered (paused, or waiting to retry) resumes at once if its time has passed, so
    fixing the channel and running /daily set again still gets today's post out.
    """
    if entry is not None and entry.state == store.RETRY and sched.due_day(now, at, tz) is not None:
        return now
    skip = entry.local_date if entry is not None and entry.state != store.RETRY else None
    return sched.next_after(now, at, tz, skip=skip)
