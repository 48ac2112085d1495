"""Daily-post SQL on a real temp SQLite file: schedules, the ledger, rotation and pruning."""

from __future__ import annotations

import datetime as dt
import sqlite3

import pytest

from bot.storage import daily as store
from bot.storage.daily import RotationState

DAY = dt.date(2026, 6, 1)


async def save(db, guild_id: int, next_due: int = 100, **changes) -> None:
    values = {"guild_id": guild_id, "channel_id": 7, "post_time": "09:00", "timezone": "UTC", "show": None}
    values.update(changes)
    async with db.transaction() as conn:
        await store.save_schedule(conn, next_due=next_due, now="2026-06-01T08:00:00+00:00", **values)


def row(
    guild_id: int = 1, day: dt.date = DAY, state: str = store.SENDING, attempts: int = 1
) -> store.LedgerEntry:
    return store.LedgerEntry(guild_id, day, state, 7, "k", 3, 0, 5, attempts, 1000, None, None, None)


async def test_migration_0002_creates_the_daily_tables(db):
    assert await db.schema_version() >= 2
    names = {
        r[0] for r in await db.conn.execute_fetchall("SELECT name FROM sqlite_master WHERE type='table'")
    }
    assert {"daily_schedules", "daily_ledger", "daily_state"} <= names


async def test_save_replaces_and_clears_a_pause(db):
    await save(db, 1)
    async with db.transaction() as conn:
        await store.pause_schedule(conn, 1, "channel deleted", "2026-06-01T09:00:00+00:00")
    paused = await store.get_schedule(db.conn, 1)
    assert paused.paused_reason == "channel deleted"
    await save(db, 1, channel_id=8, post_time="18:30", timezone="Asia/Kolkata", show="Show A")
    again = await store.get_schedule(db.conn, 1)
    assert (again.channel_id, again.post_time, again.timezone, again.show, again.paused_reason) == (
        8, "18:30", "Asia/Kolkata", "Show A", None,
    )  # fmt: skip
    assert again.created_at == paused.created_at


async def test_due_schedules_skip_paused_and_future_ones(db):
    await save(db, 1, next_due=50)
    await save(db, 2, next_due=10)
    await save(db, 3, next_due=500)
    await save(db, 4, next_due=20)
    async with db.transaction() as conn:
        await store.pause_schedule(conn, 4, "forbidden", "x")
    assert [s.guild_id for s in await store.due_schedules(db.conn, 100)] == [2, 1]
    async with db.transaction() as conn:
        await store.set_next_due(conn, 2, 1000)
    assert [s.guild_id for s in await store.due_schedules(db.conn, 100)] == [1]


async def test_a_day_is_claimed_once_unless_it_waits_for_a_retry(db):
    async with db.transaction() as conn:
        assert await store.claim(conn, row())
        assert not await store.claim(conn, row(attempts=2))
        await store.finish(conn, 1, DAY, store.RETRY, next_attempt=2000, error="503")
        assert await store.claim(conn, row(attempts=2))
        await store.finish(conn, 1, DAY, store.SENT, message_id=99)
        assert not await store.claim(conn, row(attempts=3))
    got = await store.get_entry(db.conn, 1, DAY)
    assert (got.state, got.attempts, got.message_id, got.error, got.local_date) == ("sent", 2, 99, None, DAY)


async def test_ledger_refuses_unknown_states(db):
    async with db.transaction() as conn:
        await store.claim(conn, row())
    with pytest.raises(sqlite3.IntegrityError, match="CHECK"):
        async with db.transaction() as conn:
            await store.finish(conn, 1, DAY, "maybe")
    assert (await store.get_entry(db.conn, 1, DAY)).state == store.SENDING


async def test_latest_entry_is_the_newest_day(db):
    async with db.transaction() as conn:
        await store.claim(conn, row(day=DAY))
        await store.claim(conn, row(day=DAY + dt.timedelta(days=1)))
    assert (await store.latest_entry(db.conn, 1)).local_date == DAY + dt.timedelta(days=1)
    assert await store.latest_entry(db.conn, 2) is None


async def test_rotation_and_last_post_round_trip(db):
    assert await store.get_rotation(db.conn, 1) == RotationState()
    assert await store.last_post(db.conn, 1) is None
    state = RotationState(cycle=2, cursor_rank=123, cursor_key="abc")
    async with db.transaction() as conn:
        await store.record_post(conn, 1, state, store.LastPost(1000, 7, 55))
    assert await store.get_rotation(db.conn, 1) == state
    assert await store.last_post(db.conn, 1) == store.LastPost(1000, 7, 55)


async def test_stop_keeps_the_rotation_and_forget_keeps_only_the_ledger(db):
    await save(db, 1)
    async with db.transaction() as conn:
        await store.record_post(conn, 1, RotationState(cycle=1), store.LastPost(1, 7, 5))
        await store.claim(conn, row())
        assert await store.delete_schedule(conn, 1)
        assert not await store.delete_schedule(conn, 1)
    assert (await store.get_rotation(db.conn, 1)).cycle == 1
    await save(db, 1)
    async with db.transaction() as conn:
        await store.forget_guild(conn, 1)
    assert await store.get_schedule(db.conn, 1) is None
    assert await store.get_rotation(db.conn, 1) == RotationState()
    assert (await store.get_entry(db.conn, 1, DAY)).state == store.SENDING


async def test_prune_drops_only_old_days(db):
    async with db.transaction() as conn:
        for offset in range(10):
            await store.claim(conn, row(day=DAY - dt.timedelta(days=offset)))
        assert await store.prune_ledger(conn, DAY - dt.timedelta(days=7)) == 2
    assert await store.get_entry(db.conn, 1, DAY - dt.timedelta(days=7)) is not None
