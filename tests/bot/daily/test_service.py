"""What /daily set, stop, status and preview do, checked without Discord."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.daily.service import DailyService
from bot.daily.sweep import PauseError, RetryError
from bot.errors import UserError
from bot.storage import daily as store

from .conftest import START

UTC = dt.UTC


@pytest.fixture
def service(db, pools, clock) -> DailyService:
    return DailyService(db, pools, clock)


async def test_set_returns_the_next_post_in_the_zone(service):
    schedule, when = await service.set(1, 10, "09:00", "asia/kolkata", None)
    assert (schedule.post_time, schedule.timezone, schedule.channel_id) == ("09:00", "Asia/Kolkata", 10)
    assert when == dt.datetime(2026, 6, 2, 3, 30, tzinfo=UTC)  # 09:00 IST already passed on 1 June
    _, when = await service.set(1, 10, "18:00", None, None)
    assert when == dt.datetime(2026, 6, 1, 18, 0, tzinfo=UTC)  # the zone defaults to UTC


@pytest.mark.parametrize(("time_text", "zone_text"), [("9am", "UTC"), ("25:00", "UTC"), ("09:00", "Paris")])
async def test_set_refuses_bad_time_or_zone_with_a_reason(service, time_text, zone_text):
    with pytest.raises(UserError, match=r"HH:MM|IANA"):
        await service.set(1, 10, time_text, zone_text, None)
    assert await service.status(1) is None


async def test_set_after_todays_post_skips_today(service, sweeper, clock, discord_fake):
    await service.set(1, 10, "09:00", "UTC", None)
    clock.set(START.replace(hour=9))
    await sweeper.run_once()
    _, when = await service.set(1, 10, "20:00", "UTC", None)
    assert when == dt.datetime(2026, 6, 2, 20, 0, tzinfo=UTC)
    clock.set(START.replace(hour=20))
    await sweeper.run_once()
    assert len(discord_fake.posts) == 1


async def test_set_resumes_a_paused_schedule_and_status_shows_why(service, sweeper, clock, discord_fake):
    await service.set(1, 10, "09:00", "UTC", None)
    clock.set(START.replace(hour=9))
    discord_fake.errors = [PauseError("the channel was deleted")]
    await sweeper.run_once()
    status = await service.status(1)
    assert status.schedule.paused_reason == "the channel was deleted"
    assert status.next_post is None
    assert (status.latest.state, status.latest.error) == ("retry", "the channel was deleted")
    clock.advance(dt.timedelta(hours=1))
    _, when = await service.set(1, 11, "09:00", "UTC", None)
    assert when == clock.now()  # today's post was never delivered: it goes out now
    await sweeper.run_once()
    status = await service.status(1)
    assert status.schedule.paused_reason is None
    assert status.last_post == store.LastPost(int(clock.now().timestamp()), 11, 1001)
    assert status.next_post == dt.datetime(2026, 6, 2, 9, 0, tzinfo=UTC)


async def test_status_shows_a_pending_retry(service, sweeper, clock, discord_fake):
    await service.set(1, 10, "09:00", "UTC", None)
    clock.set(START.replace(hour=9))
    discord_fake.errors = [RetryError("Discord answered 503")]
    await sweeper.run_once()
    status = await service.status(1)
    assert status.next_post == clock.now() + dt.timedelta(minutes=1)
    assert status.latest.error == "Discord answered 503"


async def test_stop_removes_the_schedule(service, sweeper, clock, discord_fake):
    await service.set(1, 10, "09:00", "UTC", None)
    assert await service.stop(1)
    assert not await service.stop(1)
    clock.set(START.replace(hour=9))
    await sweeper.run_once()
    assert discord_fake.posts == []
    assert await service.status(1) is None


async def test_preview_is_exactly_the_next_post(service, sweeper, clock, discord_fake):
    await service.set(1, 10, "09:00", "UTC", "Show B")
    for day in range(5):
        preview = await service.preview(1, "Show B")
        clock.set(START.replace(hour=9) + dt.timedelta(days=day))
        await sweeper.run_once()
        assert discord_fake.posts[-1].pick == preview


async def test_preview_of_an_empty_pool_is_none(service):
    assert await service.preview(1, "No Such Show") is None


async def test_forget_removes_schedule_and_rotation(service, sweeper, clock):
    await service.set(1, 10, "09:00", "UTC", None)
    clock.set(START.replace(hour=9))
    await sweeper.run_once()
    await service.forget(1)
    assert await service.status(1) is None
    assert await store.last_post(service.db.conn, 1) is None
