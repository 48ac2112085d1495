"""The sweep: exactly one post per guild and local day, whatever the clock, crashes or races do."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest

from bot.daily import schedule as sched
from bot.daily.clock import ManualClock
from bot.daily.rotation import Pool
from bot.daily.service import DailyService
from bot.daily.sweep import DropError, PauseError, RetryError, Sweeper, day_nonce, retry_delay
from bot.shards import Shards
from bot.storage import Database
from bot.storage import daily as store

from .conftest import START, FakeDiscord

UTC = dt.UTC
MINUTE = dt.timedelta(minutes=1)


async def add(db, pools, clock, guild_id: int, *, at: str = "09:00", tz: str = "UTC", show=None):
    service = DailyService(db, pools, clock)
    await service.set(guild_id, guild_id * 10, at, tz, show)


async def entry(db, guild_id: int, day: dt.date) -> store.LedgerEntry | None:
    return await store.get_entry(db.conn, guild_id, day)


async def test_posts_once_at_the_time_and_not_again_that_day(db, pools, clock, sweeper, discord_fake):
    await add(db, pools, clock, 1)
    assert (await sweeper.run_once()).due == 0
    clock.set(START.replace(hour=9, second=5))
    stats = await sweeper.run_once()
    assert (stats.claimed, stats.sent) == (1, 1)
    for _ in range(10):
        clock.advance(dt.timedelta(minutes=30))
        await sweeper.run_once()
    assert len(discord_fake.posts) == 1
    row = await entry(db, 1, START.date())
    assert (row.state, row.message_id, row.attempts) == ("sent", 1001, 1)


async def test_posts_again_the_next_day_with_another_takeaway(db, pools, clock, sweeper, discord_fake):
    await add(db, pools, clock, 1)
    for day in range(3):
        clock.set(START.replace(hour=9) + dt.timedelta(days=day))
        await sweeper.run_once()
    keys = [claim.pick.key for claim in discord_fake.posts]
    assert [c.day for c in discord_fake.posts] == [START.date() + dt.timedelta(days=d) for d in range(3)]
    assert len(set(keys)) == 3


async def test_catches_up_after_downtime_on_the_same_local_day(db, pools, clock, sweeper, discord_fake):
    await add(db, pools, clock, 1)
    clock.set(START.replace(hour=23, minute=59))  # down from 08:00 until a minute before midnight
    await sweeper.run_once()
    assert [c.day for c in discord_fake.posts] == [START.date()]


async def test_never_posts_for_a_day_already_over(db, pools, clock, sweeper, discord_fake):
    await add(db, pools, clock, 1)
    clock.set(START + dt.timedelta(days=3, minutes=30))  # 08:30, three days later
    await sweeper.run_once()
    assert discord_fake.posts == []
    clock.set(START + dt.timedelta(days=3, hours=1))
    await sweeper.run_once()
    assert [c.day for c in discord_fake.posts] == [START.date() + dt.timedelta(days=3)]


async def test_a_schedule_set_after_todays_time_starts_tomorrow(db, pools, clock, sweeper, discord_fake):
    clock.set(START.replace(hour=10))
    await add(db, pools, clock, 1, at="09:00")
    await sweeper.run_once()
    assert discord_fake.posts == []
    clock.set(START.replace(hour=9) + dt.timedelta(days=1))
    await sweeper.run_once()
    assert len(discord_fake.posts) == 1


async def test_the_ledger_not_the_index_prevents_a_second_post(db, pools, clock, sweeper, discord_fake):
    await add(db, pools, clock, 1)
    clock.set(START.replace(hour=9))
    await sweeper.run_once()
    clock.set(START.replace(hour=6))  # the clock jumps back, and the due index is stale
    async with db.transaction() as conn:
        await conn.execute("UPDATE daily_schedules SET next_due = 0")
    await sweeper.run_once()
    clock.set(START.replace(hour=9, minute=30))
    async with db.transaction() as conn:
        await conn.execute("UPDATE daily_schedules SET next_due = 0")
    await sweeper.run_once()
    assert len(discord_fake.posts) == 1


async def test_concurrent_ticks_post_each_guild_once(db, pools, clock, sweeper, discord_fake):
    for guild_id in range(1, 41):
        await add(db, pools, clock, guild_id)
    clock.set(START.replace(hour=9))
    discord_fake.yields = 3
    other = Sweeper(db, pools, discord_fake.post, clock)
    await asyncio.gather(sweeper.run_once(), other.run_once(), sweeper.run_once())
    assert discord_fake.by_guild() == dict.fromkeys(range(1, 41), 1)


async def test_two_processes_on_one_file_post_each_guild_once(tmp_path, pools, discord_fake):
    clock = ManualClock(START)
    first = await Database.open(tmp_path / "shared.db")
    second = await Database.open(tmp_path / "shared.db")
    try:
        for guild_id in range(1, 21):
            await add(first, pools, clock, guild_id)
        clock.set(START.replace(hour=9))
        discord_fake.yields = 2
        sweeps = [Sweeper(db, pools, discord_fake.post, clock).run_once() for db in (first, second) * 2]
        await asyncio.gather(*sweeps)
    finally:
        await first.close()
        await second.close()
    assert discord_fake.by_guild() == dict.fromkeys(range(1, 21), 1)


async def test_a_claim_left_by_a_crash_is_never_sent_again(db, pools, clock, discord_fake):
    await add(db, pools, clock, 1)
    clock.set(START.replace(hour=9))
    crashed = Sweeper(db, pools, discord_fake.post, clock)
    pool = {None: Pool(await pools(None))}
    assert await crashed.claim(1, pool) is not None  # claimed, then the process died before the outcome
    restarted = Sweeper(db, pools, discord_fake.post, clock)
    for _ in range(5):
        clock.advance(dt.timedelta(minutes=30))
        await restarted.run_once()
    assert discord_fake.posts == []
    assert (await entry(db, 1, START.date())).state == "sending"
    clock.set(START.replace(hour=9) + dt.timedelta(days=1))
    await restarted.run_once()
    assert [c.day for c in discord_fake.posts] == [START.date() + dt.timedelta(days=1)]


async def test_transient_failures_retry_with_backoff_and_post_once(db, pools, clock, sweeper, discord_fake):
    await add(db, pools, clock, 1)
    clock.set(START.replace(hour=9))
    discord_fake.errors = [RetryError("Discord answered 503"), RetryError("timed out")]
    assert (await sweeper.run_once()).retried == 1
    row = await entry(db, 1, START.date())
    assert (row.state, row.error, row.next_attempt) == (
        "retry",
        "Discord answered 503",
        sweeper_epoch(clock) + 60,
    )
    clock.advance(dt.timedelta(seconds=59))
    assert (await sweeper.run_once()).claimed == 0
    clock.advance(dt.timedelta(seconds=1))
    assert (await sweeper.run_once()).retried == 1
    clock.advance(dt.timedelta(seconds=119))
    assert (await sweeper.run_once()).claimed == 0
    clock.advance(dt.timedelta(seconds=1))
    assert (await sweeper.run_once()).sent == 1
    for _ in range(4):
        clock.advance(dt.timedelta(minutes=10))
        await sweeper.run_once()
    assert len(discord_fake.posts) == 1
    assert {c.nonce for c in discord_fake.posts} == {day_nonce(1, START.date())}
    assert (await entry(db, 1, START.date())).attempts == 3


async def test_rate_limit_hint_lengthens_the_wait(db, pools, clock, sweeper, discord_fake):
    await add(db, pools, clock, 1)
    clock.set(START.replace(hour=9))
    discord_fake.errors = [RetryError("rate limited", retry_after=300.0)]
    await sweeper.run_once()
    assert (await entry(db, 1, START.date())).next_attempt == sweeper_epoch(clock) + 300


def test_retry_delay_doubles_and_caps():
    assert [retry_delay(n) for n in (1, 2, 3, 6, 7, 20)] == [60, 120, 240, 1800, 1800, 1800]


async def test_retries_stop_when_the_local_day_ends(db, pools, clock, sweeper, discord_fake):
    await add(db, pools, clock, 1, at="23:50")
    clock.set(START.replace(hour=23, minute=50))
    discord_fake.errors = [RetryError("503")] * 4
    for _ in range(12):
        await sweeper.run_once()
        clock.advance(dt.timedelta(minutes=2))
    assert discord_fake.posts == []  # yesterday's post is not sent late
    clock.set(START.replace(hour=23, minute=50) + dt.timedelta(days=1))
    await sweeper.run_once()
    assert [c.day for c in discord_fake.posts] == [START.date() + dt.timedelta(days=1)]


async def test_forbidden_pauses_without_retrying_and_set_resumes(db, pools, clock, sweeper, discord_fake):
    await add(db, pools, clock, 1)
    clock.set(START.replace(hour=9))
    discord_fake.errors = [PauseError("I am not allowed to post in that channel (Missing Permissions)")]
    assert (await sweeper.run_once()).paused == 1
    calls = discord_fake.calls
    for _ in range(6):
        clock.advance(dt.timedelta(minutes=10))
        assert (await sweeper.run_once()).due == 0
    assert discord_fake.calls == calls == 1
    assert discord_fake.posts == []
    schedule = await store.get_schedule(db.conn, 1)
    assert schedule.paused_reason.startswith("I am not allowed")
    await add(db, pools, clock, 1)  # the admin fixed the channel and set it again
    await sweeper.run_once()
    assert [c.day for c in discord_fake.posts] == [START.date()]


async def test_a_rejected_post_is_dropped_for_the_day(db, pools, clock, sweeper, discord_fake):
    await add(db, pools, clock, 1)
    clock.set(START.replace(hour=9))
    discord_fake.errors = [DropError("Discord rejected the message (50035)"), RuntimeError("bug")]
    assert (await sweeper.run_once()).dropped == 1
    clock.advance(dt.timedelta(hours=2))
    await sweeper.run_once()
    assert discord_fake.posts == []
    clock.set(START.replace(hour=9) + dt.timedelta(days=1))
    assert (await sweeper.run_once()).dropped == 1  # an unexpected error is not retried either
    row = await entry(db, 1, START.date() + dt.timedelta(days=1))
    assert (row.state, row.error) == ("failed", "unexpected error: RuntimeError")


async def test_one_broken_guild_does_not_stop_the_others(db, pools, clock, sweeper, discord_fake):
    for guild_id in (1, 2, 3):
        await add(db, pools, clock, guild_id)
    async with db.transaction() as conn:
        await conn.execute("UPDATE daily_schedules SET timezone = 'Nowhere/Atlantis' WHERE guild_id = 2")
    clock.set(START.replace(hour=9))
    stats = await sweeper.run_once()
    assert stats.errors == 1
    assert discord_fake.by_guild() == {1: 1, 3: 1}


async def test_only_visible_guilds_are_handled(db, pools, clock, discord_fake):
    for guild_id in (1, 2):
        await add(db, pools, clock, guild_id)
    clock.set(START.replace(hour=9))
    await Sweeper(db, pools, discord_fake.post, clock, visible=lambda g: g == 2).run_once()
    assert discord_fake.by_guild() == {2: 1}


async def test_empty_pool_waits_and_posts_when_data_arrives(db, pools, clock, sweeper, discord_fake):
    await add(db, pools, clock, 1, show="Show C")
    clock.set(START.replace(hour=9))
    await sweeper.run_once()
    row = await entry(db, 1, START.date())
    assert (row.state, row.error) == ("retry", "no takeaways for Show C")
    pools.by_show["Show C"] = pools.by_show["Show A"][:1]
    clock.advance(dt.timedelta(minutes=15))
    await sweeper.run_once()
    assert [c.pick.takeaway.text for c in discord_fake.posts] == ["Show A point 0"]


async def test_show_restricts_the_pool(db, pools, clock, sweeper, discord_fake):
    await add(db, pools, clock, 1, show="Show B")
    for day in range(6):
        clock.set(START.replace(hour=9) + dt.timedelta(days=day))
        await sweeper.run_once()
    assert {c.pick.takeaway.episode.show for c in discord_fake.posts} == {"Show B"}


async def test_spring_forward_posts_at_the_end_of_the_gap(db, pools, sweeper, clock, discord_fake):
    clock.set(dt.datetime(2026, 3, 7, 12, 0, tzinfo=UTC))
    await add(db, pools, clock, 1, at="02:30", tz="America/New_York")
    clock.set(dt.datetime(2026, 3, 8, 6, 59, 59, tzinfo=UTC))  # 01:59:59 EST
    await sweeper.run_once()
    assert discord_fake.posts == []
    clock.set(dt.datetime(2026, 3, 8, 7, 0, 0, tzinfo=UTC))  # 03:00 EDT
    await sweeper.run_once()
    assert [c.day for c in discord_fake.posts] == [dt.date(2026, 3, 8)]


async def test_fall_back_posts_once(db, pools, sweeper, clock, discord_fake):
    clock.set(dt.datetime(2026, 10, 31, 12, 0, tzinfo=UTC))
    await add(db, pools, clock, 1, at="01:30", tz="America/New_York")
    clock.set(dt.datetime(2026, 11, 1, 5, 0, tzinfo=UTC))  # 01:00 EDT
    for _ in range(6 * 60 * 2):  # every 30 s for six hours, across both 01:30s
        await sweeper.run_once()
        clock.advance(dt.timedelta(seconds=30))
    assert len(discord_fake.posts) == 1


ZONES = [
    "UTC",
    "Europe/London",
    "America/New_York",
    "Australia/Lord_Howe",
    "Pacific/Tongatapu",
    "Pacific/Honolulu",
    "Asia/Kolkata",
    "Asia/Kathmandu",
    "Australia/Adelaide",
    "America/St_Johns",
]


async def test_two_weeks_across_dst_changes_post_once_a_day_within_a_minute(db, pools, discord_fake):
    # From 20 Mar to 10 Apr 2026 Europe, Lord Howe and Adelaide change clocks; times include gaps.
    clock = ManualClock(dt.datetime(2026, 3, 20, tzinfo=UTC))
    times = ["00:00", "01:30", "02:15", "02:30", "09:00", "12:45", "23:59", "02:00", "03:00", "23:30"]
    for guild_id, (zone_name, at) in enumerate(zip(ZONES, times, strict=True), start=1):
        await add(db, pools, clock, guild_id, at=at, tz=zone_name)
    sweeper = Sweeper(db, pools, discord_fake.post, clock)
    end = dt.datetime(2026, 4, 10, tzinfo=UTC)
    posted_at: list[tuple[int, dt.date, dt.datetime]] = []
    while clock.now() < end:
        before = len(discord_fake.posts)
        await sweeper.run_once()
        posted_at += [(c.schedule.guild_id, c.day, clock.now()) for c in discord_fake.posts[before:]]
        async with db.transaction() as conn:
            rows = await conn.execute_fetchall("SELECT min(next_due) FROM daily_schedules")
        clock.set(max(clock.now() + dt.timedelta(seconds=30), dt.datetime.fromtimestamp(rows[0][0], UTC)))
    for guild_id, (zone_name, at) in enumerate(zip(ZONES, times, strict=True), start=1):
        tz = sched.zone(zone_name)
        mine = [(day, when) for g, day, when in posted_at if g == guild_id]
        days = [day for day, _ in mine]
        assert len(days) == len(set(days)), zone_name
        first, last = sched.local_date(dt.datetime(2026, 3, 21, tzinfo=UTC), tz), dt.date(2026, 4, 8)
        assert set(days) >= {first + dt.timedelta(days=n) for n in range((last - first).days + 1)}, zone_name
        for day, when in mine:
            late = when - sched.instant_on(day, sched.parse_time(at), tz)
            assert dt.timedelta(0) <= late < MINUTE, (zone_name, day, late)
            assert sched.local_date(when, tz) == day


def sweeper_epoch(clock: ManualClock) -> int:
    return int(clock.now().timestamp())


async def test_shutdown_lets_a_post_in_flight_finish_and_claims_nothing_new(db, pools, clock, discord_fake):
    for guild_id in (1, 2, 3):
        await add(db, pools, clock, guild_id)
    clock.set(START.replace(hour=9))
    release, started = asyncio.Event(), asyncio.Event()

    async def slow_post(claim):
        started.set()
        await release.wait()
        return await discord_fake.post(claim)

    sweep = asyncio.ensure_future(Sweeper(db, pools, slow_post, clock, concurrency=1).run_once())
    await started.wait()
    sweep.cancel()
    await asyncio.sleep(0)
    release.set()
    with pytest.raises(asyncio.CancelledError):
        await sweep
    [posted] = discord_fake.posts
    assert (await entry(db, posted.schedule.guild_id, START.date())).state == "sent"
    await Sweeper(db, pools, discord_fake.post, clock).run_once()  # after the restart
    assert discord_fake.by_guild() == {1: 1, 2: 1, 3: 1}


async def test_moving_to_a_zone_where_it_is_still_the_posted_day_does_not_post_again(
    db, pools, clock, sweeper, discord_fake
):
    # 09:00 on 2 June in Kiritimati (UTC+14) is 19:00 UTC on 1 June: the post goes out then.
    await add(db, pools, clock, 1, at="09:00", tz="Pacific/Kiritimati")
    clock.set(dt.datetime(2026, 6, 1, 19, 0, 30, tzinfo=UTC))
    await sweeper.run_once()
    # Ten minutes later the admin moves it to 10:00 in Honolulu (UTC-10), where it is 09:10 on
    # 1 June: a post already went out on that local day, so 10:00 today must not post again.
    clock.advance(dt.timedelta(minutes=10))
    await add(db, pools, clock, 1, at="10:00", tz="Pacific/Honolulu")
    for _ in range(12):
        clock.advance(dt.timedelta(hours=1))
        await sweeper.run_once()
    assert len(discord_fake.posts) == 1


async def test_moving_zones_never_skips_the_next_local_day(db, pools, clock, sweeper, discord_fake):
    await add(db, pools, clock, 1, at="09:00", tz="Pacific/Kiritimati")
    clock.set(dt.datetime(2026, 6, 1, 19, 0, 30, tzinfo=UTC))  # 09:00 on 2 June in Kiritimati
    await sweeper.run_once()
    clock.advance(dt.timedelta(minutes=10))
    await add(db, pools, clock, 1, at="10:00", tz="Pacific/Honolulu")
    # 2 June in Honolulu is a new local day there, although Kiritimati's post was dated 2 June.
    clock.set(dt.datetime(2026, 6, 2, 20, 0, 30, tzinfo=UTC))  # 10:00:30 on 2 June in Honolulu
    await sweeper.run_once()
    assert [c.day for c in discord_fake.posts] == [dt.date(2026, 6, 2), dt.date(2026, 6, 2)]
    assert discord_fake.posts[1].schedule.timezone == "Pacific/Honolulu"


def on_shard(shard_id: int, count: int, n: int) -> int:
    """Return the n-th made-up guild id that Discord routes to `shard_id` of `count`."""
    return (((1000 + n) * count + shard_id) << 22) | 7


async def test_each_process_posts_only_for_its_shards(db, pools, clock):
    guilds = {shard: [on_shard(shard, 3, n) for n in range(4)] for shard in range(3)}
    for ids in guilds.values():
        for guild_id in ids:
            await add(db, pools, clock, guild_id)
    clock.set(START.replace(hour=9))
    mine = FakeDiscord()
    stats = await Sweeper(db, pools, mine.post, clock, shards=Shards(3, (0, 2))).run_once()
    assert set(mine.by_guild()) == set(guilds[0] + guilds[2])
    assert stats.due == 8  # the other shard's servers are not even read
    still_due = await store.due_schedules(db.conn, int(clock.now().timestamp()))
    assert sorted(s.guild_id for s in still_due) == guilds[1]  # left to the process holding shard 1


async def test_processes_whose_shards_overlap_still_post_each_guild_once(tmp_path, pools):
    clock = ManualClock(START)
    guilds = [on_shard(shard, 4, n) for shard in range(4) for n in range(6)]
    first = await Database.open(tmp_path / "shared.db")
    second = await Database.open(tmp_path / "shared.db")
    a, b = FakeDiscord(), FakeDiscord()
    a.yields = b.yields = 2
    try:
        for guild_id in guilds:
            await add(first, pools, clock, guild_id)
        clock.set(START.replace(hour=9))
        # A misconfiguration (or a restart overlapping the old process): both hold shards 1 and 2.
        one = Sweeper(first, pools, a.post, clock, shards=Shards(4, (0, 1, 2)))
        two = Sweeper(second, pools, b.post, clock, shards=Shards(4, (1, 2, 3)))
        await asyncio.gather(one.run_once(), two.run_once(), one.run_once(), two.run_once())
    finally:
        await first.close()
        await second.close()
    posted = [claim.schedule.guild_id for claim in a.posts + b.posts]
    assert sorted(posted) == sorted(guilds)  # every guild exactly once
    assert {g >> 22 & 3 for g in a.by_guild()} <= {0, 1, 2}
    assert {g >> 22 & 3 for g in b.by_guild()} <= {1, 2, 3}
