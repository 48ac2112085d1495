"""Every query daily posts run: schedules, the per-day ledger, and each guild's rotation.

Writers take an open connection so callers compose them inside one `Database.transaction()`;
readers work on `db.conn` as well.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import astuple, dataclass

import aiosqlite

from bot.shards import Shards
from bot.storage.database import Row, fetch_all
from bot.storage.sharding import shard_condition

SENDING, SENT, RETRY, FAILED = "sending", "sent", "retry", "failed"
_SELECT_SCHEDULE = (
    "SELECT guild_id, channel_id, post_time, timezone, show, paused_reason, next_due, created_at, "
    "updated_at FROM daily_schedules "
)
_SELECT_ENTRY = (
    "SELECT guild_id, local_date, state, channel_id, takeaway_key, takeaway_id, cycle, rank, attempts, "
    "claimed_at, next_attempt, message_id, error FROM daily_ledger "
)


@dataclass(frozen=True, slots=True)
class RotationState:
    """Hold where a guild is in its rotation."""

    cycle: int = 0
    cursor_rank: int | None = None
    cursor_key: str | None = None  # also the last takeaway posted, kept out of a new cycle's start


@dataclass(frozen=True, slots=True)
class Schedule:
    """Hold one guild's daily-post settings."""

    guild_id: int
    channel_id: int
    post_time: str
    timezone: str
    show: str | None
    paused_reason: str | None
    next_due: int
    created_at: str
    updated_at: str


@dataclass(frozen=True, slots=True)
class LedgerEntry:
    """Hold what happened to one guild's post on one local day."""

    guild_id: int
    local_date: dt.date
    state: str
    channel_id: int
    takeaway_key: str | None
    takeaway_id: int | None
    cycle: int | None
    rank: int | None
    attempts: int
    claimed_at: int
    next_attempt: int | None
    message_id: int | None
    error: str | None


@dataclass(frozen=True, slots=True)
class LastPost:
    """Hold the last successful post of a guild."""

    posted_at: int
    channel_id: int
    message_id: int


async def save_schedule(
    conn: aiosqlite.Connection,
    *,
    guild_id: int,
    channel_id: int,
    post_time: str,
    timezone: str,
    show: str | None,
    next_due: int,
    now: str,
) -> None:
    """Create or replace a guild's schedule; saving clears any pause."""
    await conn.execute(
        "INSERT INTO daily_schedules(guild_id, channel_id, post_time, timezone, show, paused_reason, "
        "next_due, created_at, updated_at) VALUES (?, ?, ?, ?, ?, NULL, ?, ?, ?) "
        "ON CONFLICT(guild_id) DO UPDATE SET channel_id = excluded.channel_id, "
        "post_time = excluded.post_time, timezone = excluded.timezone, show = excluded.show, "
        "paused_reason = NULL, next_due = excluded.next_due, updated_at = excluded.updated_at",
        (guild_id, channel_id, post_time, timezone, show, next_due, now, now),
    )


async def get_schedule(conn: aiosqlite.Connection, guild_id: int) -> Schedule | None:
    """Return the guild's schedule, or None."""
    rows = await fetch_all(conn, _SELECT_SCHEDULE + "WHERE guild_id = ?", (guild_id,))
    return Schedule(*rows[0]) if rows else None


async def due_schedules(
    conn: aiosqlite.Connection, now: int, limit: int = 100_000, *, shards: Shards | None = None
) -> list[Schedule]:
    """Return active schedules whose next look is due, earliest first (only `shards`' servers)."""
    mine, params = shard_condition("guild_id", shards)
    rows = await fetch_all(
        conn,
        _SELECT_SCHEDULE + f"WHERE paused_reason IS NULL AND next_due <= ?{mine} ORDER BY next_due LIMIT ?",
        (now, *params, limit),
    )
    return [Schedule(*row) for row in rows]


async def set_next_due(conn: aiosqlite.Connection, guild_id: int, next_due: int) -> None:
    """Say when the sweep should next look at the guild."""
    await conn.execute("UPDATE daily_schedules SET next_due = ? WHERE guild_id = ?", (next_due, guild_id))


async def pause_schedule(conn: aiosqlite.Connection, guild_id: int, reason: str, now: str) -> None:
    """Stop posting for the guild until its schedule is saved again, keeping the reason."""
    await conn.execute(
        "UPDATE daily_schedules SET paused_reason = ?, updated_at = ? WHERE guild_id = ?",
        (reason, now, guild_id),
    )


async def delete_schedule(conn: aiosqlite.Connection, guild_id: int) -> bool:
    """Remove the guild's schedule; tell whether there was one."""
    cur = await conn.execute("DELETE FROM daily_schedules WHERE guild_id = ?", (guild_id,))
    return cur.rowcount > 0


async def forget_guild(conn: aiosqlite.Connection, guild_id: int) -> None:
    """Drop the guild's schedule and rotation; ledger rows stay so a quick re-add cannot repost today."""
    await conn.execute("DELETE FROM daily_schedules WHERE guild_id = ?", (guild_id,))
    await conn.execute("DELETE FROM daily_state WHERE guild_id = ?", (guild_id,))


async def get_entry(conn: aiosqlite.Connection, guild_id: int, day: dt.date) -> LedgerEntry | None:
    """Return the ledger row for the guild's local day, or None."""
    rows = await fetch_all(
        conn,
        _SELECT_ENTRY + "WHERE guild_id = ? AND local_date = ?",
        (guild_id, day.isoformat()),
    )
    return _entry(rows[0]) if rows else None


async def latest_entry(conn: aiosqlite.Connection, guild_id: int) -> LedgerEntry | None:
    """Return the guild's most recent ledger row, or None."""
    rows = await fetch_all(
        conn,
        _SELECT_ENTRY + "WHERE guild_id = ? ORDER BY local_date DESC LIMIT 1",
        (guild_id,),
    )
    return _entry(rows[0]) if rows else None


async def guild_entries(conn: aiosqlite.Connection, guild_id: int) -> list[LedgerEntry]:
    """Return every ledger row the guild still has (a week or so), oldest first."""
    rows = await fetch_all(conn, _SELECT_ENTRY + "WHERE guild_id = ? ORDER BY local_date", (guild_id,))
    return [_entry(row) for row in rows]


async def replace_entries(conn: aiosqlite.Connection, guild_id: int, entries: Iterable[LedgerEntry]) -> None:
    """Replace the guild's ledger rows with `entries` (re-dated after a time-zone change)."""
    await conn.execute("DELETE FROM daily_ledger WHERE guild_id = ?", (guild_id,))
    await conn.executemany(
        "INSERT INTO daily_ledger(guild_id, local_date, state, channel_id, takeaway_key, takeaway_id, "
        "cycle, rank, attempts, claimed_at, next_attempt, message_id, error) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [(e.guild_id, e.local_date.isoformat(), *astuple(e)[2:]) for e in entries],
    )


async def claim(conn: aiosqlite.Connection, entry: LedgerEntry) -> bool:
    """Write `entry` as the day's claim, over nothing or a 'retry' row; tell whether it took."""
    cur = await conn.execute(
        "INSERT INTO daily_ledger(guild_id, local_date, state, channel_id, takeaway_key, takeaway_id, "
        "cycle, rank, attempts, claimed_at, next_attempt, message_id, error) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, NULL, ?) "
        "ON CONFLICT(guild_id, local_date) DO UPDATE SET state = excluded.state, "
        "channel_id = excluded.channel_id, takeaway_key = excluded.takeaway_key, "
        "takeaway_id = excluded.takeaway_id, cycle = excluded.cycle, rank = excluded.rank, "
        "attempts = excluded.attempts, claimed_at = excluded.claimed_at, next_attempt = NULL "
        "WHERE daily_ledger.state = 'retry'",
        (
            entry.guild_id,
            entry.local_date.isoformat(),
            entry.state,
            entry.channel_id,
            entry.takeaway_key,
            entry.takeaway_id,
            entry.cycle,
            entry.rank,
            entry.attempts,
            entry.claimed_at,
            entry.error,
        ),
    )
    return cur.rowcount > 0


async def finish(
    conn: aiosqlite.Connection,
    guild_id: int,
    day: dt.date,
    state: str,
    *,
    message_id: int | None = None,
    next_attempt: int | None = None,
    error: str | None = None,
) -> None:
    """Record the outcome of a claimed day."""
    await conn.execute(
        "UPDATE daily_ledger SET state = ?, message_id = ?, next_attempt = ?, error = ? "
        "WHERE guild_id = ? AND local_date = ?",
        (state, message_id, next_attempt, error, guild_id, day.isoformat()),
    )


async def get_rotation(conn: aiosqlite.Connection, guild_id: int) -> RotationState:
    """Return where the guild is in its rotation (the start when it has none)."""
    rows = await fetch_all(
        conn, "SELECT cycle, cursor_rank, cursor_key FROM daily_state WHERE guild_id = ?", (guild_id,)
    )
    return RotationState(*rows[0]) if rows else RotationState()


async def record_post(
    conn: aiosqlite.Connection, guild_id: int, rotation: RotationState, post: LastPost
) -> None:
    """Store the rotation after a successful post, and the post itself."""
    await conn.execute(
        "INSERT INTO daily_state(guild_id, cycle, cursor_rank, cursor_key, last_posted_at, "
        "last_channel_id, last_message_id) VALUES (?, ?, ?, ?, ?, ?, ?) "
        "ON CONFLICT(guild_id) DO UPDATE SET cycle = excluded.cycle, cursor_rank = excluded.cursor_rank, "
        "cursor_key = excluded.cursor_key, "
        "last_posted_at = excluded.last_posted_at, last_channel_id = excluded.last_channel_id, "
        "last_message_id = excluded.last_message_id",
        (
            guild_id,
            rotation.cycle,
            rotation.cursor_rank,
            rotation.cursor_key,
            post.posted_at,
            post.channel_id,
            post.message_id,
        ),
    )


async def last_post(conn: aiosqlite.Connection, guild_id: int) -> LastPost | None:
    """Return the guild's last successful post, or None."""
    rows = await fetch_all(
        conn,
        "SELECT last_posted_at, last_channel_id, last_message_id FROM daily_state "
        "WHERE guild_id = ? AND last_posted_at IS NOT NULL",
        (guild_id,),
    )
    return LastPost(*rows[0]) if rows else None


async def prune_ledger(conn: aiosqlite.Connection, before: dt.date) -> int:
    """Delete ledger rows for local days before `before`; return how many went."""
    cur = await conn.execute("DELETE FROM daily_ledger WHERE local_date < ?", (before.isoformat(),))
    return cur.rowcount


def _entry(row: Row) -> LedgerEntry:
    guild_id, local_date, *rest = row
    return LedgerEntry(guild_id, dt.date.fromisoformat(local_date), *rest)
