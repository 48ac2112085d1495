"""Schedule maths in real zones: DST gaps and overlaps, day boundaries, catch-up, next post."""

import datetime as dt

import pytest

from bot.daily.clock import ManualClock
from bot.daily.schedule import (
    canonical_zone,
    day_after,
    due_day,
    instant_on,
    local_date,
    next_after,
    parse_time,
    zone,
)

UTC = dt.UTC


def utc(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=UTC)


def wall(when: dt.datetime, name: str) -> str:
    return when.astimezone(zone(name)).strftime("%Y-%m-%d %H:%M %Z")


@pytest.mark.parametrize("text", ["07:30", "00:00", "23:59", " 18:05 "])
def test_parse_time_accepts_24_hour_hh_mm(text):
    assert parse_time(text).strftime("%H:%M") == text.strip()


@pytest.mark.parametrize("text", ["7:30", "24:00", "12:60", "7.30", "07:30:00", "7pm", "", "１２:００"])
def test_parse_time_refuses_anything_else(text):
    with pytest.raises(ValueError, match="HH:MM"):
        parse_time(text)


def test_canonical_zone_fixes_case_and_refuses_unknown_names():
    assert canonical_zone("europe/paris") == "Europe/Paris"
    assert canonical_zone("utc") == "UTC"
    for bad in ("Mars/Olympus", "America", "../etc/passwd", "localtime", "Factory", ""):
        with pytest.raises(ValueError, match="IANA"):
            canonical_zone(bad)


def test_spring_forward_gap_posts_when_the_gap_ends():
    tz = zone("America/New_York")
    when = instant_on(dt.date(2026, 3, 8), parse_time("02:30"), tz)
    assert wall(when, "America/New_York") == "2026-03-08 03:00 EDT"
    assert when == utc(2026, 3, 8, 7, 0)


def test_half_hour_dst_gap_posts_when_the_gap_ends():
    # Lord Howe Island moves its clocks by thirty minutes, 02:00 -> 02:30.
    when = instant_on(dt.date(2026, 10, 4), parse_time("02:15"), zone("Australia/Lord_Howe"))
    assert wall(when, "Australia/Lord_Howe") == "2026-10-04 02:30 +11"


def test_time_just_outside_the_gap_is_untouched():
    tz = zone("Europe/Berlin")
    assert wall(instant_on(dt.date(2026, 3, 29), parse_time("01:59"), tz), "Europe/Berlin").endswith(
        "01:59 CET"
    )
    assert wall(instant_on(dt.date(2026, 3, 29), parse_time("03:00"), tz), "Europe/Berlin").endswith(
        "03:00 CEST"
    )


def test_fall_back_overlap_is_due_once_at_the_first_occurrence():
    tz, at = zone("America/New_York"), parse_time("01:30")
    first = instant_on(dt.date(2026, 11, 1), at, tz)
    assert first == utc(2026, 11, 1, 5, 30)  # 01:30 EDT; 01:30 EST is an hour later
    clock = ManualClock(first - dt.timedelta(minutes=1))
    due = []
    while clock.now() < first + dt.timedelta(hours=3):
        due.append(due_day(clock.now(), at, tz))
        clock.advance(dt.timedelta(minutes=1))
    days = {d for d in due if d is not None}
    assert days == {dt.date(2026, 11, 1)}
    assert due.index(dt.date(2026, 11, 1)) == 1  # due from the first 01:30, not the second


@pytest.mark.parametrize(
    ("name", "now", "expected"),
    [
        ("Pacific/Tongatapu", utc(2026, 6, 1, 11, 0), dt.date(2026, 6, 2)),  # UTC+13: already tomorrow
        ("Pacific/Honolulu", utc(2026, 6, 1, 9, 59), dt.date(2026, 5, 31)),  # UTC-10: still yesterday
        ("Asia/Kolkata", utc(2026, 6, 1, 18, 29), dt.date(2026, 6, 1)),  # UTC+5:30
        ("Asia/Kolkata", utc(2026, 6, 1, 18, 30), dt.date(2026, 6, 2)),
        ("Asia/Kathmandu", utc(2026, 6, 1, 18, 15), dt.date(2026, 6, 2)),  # UTC+5:45
        ("America/St_Johns", utc(2026, 1, 1, 3, 29), dt.date(2025, 12, 31)),  # UTC-3:30
        ("Pacific/Kiritimati", utc(2026, 1, 1, 10, 0), dt.date(2026, 1, 2)),  # UTC+14
    ],
)
def test_local_date_follows_the_zone(name, now, expected):
    assert local_date(now, zone(name)) == expected


@pytest.mark.parametrize(
    ("name", "expected_utc"),
    [
        ("Pacific/Tongatapu", utc(2026, 5, 31, 20, 0)),  # 09:00 +13 on June 1 is May 31 in UTC
        ("Pacific/Honolulu", utc(2026, 6, 1, 19, 0)),
        ("Asia/Kolkata", utc(2026, 6, 1, 3, 30)),
        ("Asia/Kathmandu", utc(2026, 6, 1, 3, 15)),
        ("Australia/Adelaide", utc(2026, 5, 31, 23, 30)),  # +9:30 in winter
        ("UTC", utc(2026, 6, 1, 9, 0)),
    ],
)
def test_instant_on_is_the_local_wall_time(name, expected_utc):
    assert instant_on(dt.date(2026, 6, 1), parse_time("09:00"), zone(name)) == expected_utc


def test_due_day_is_none_before_the_time_and_today_after_it():
    tz, at = zone("Pacific/Honolulu"), parse_time("09:00")
    post = utc(2026, 6, 1, 19, 0)
    assert due_day(post - dt.timedelta(seconds=1), at, tz) is None
    assert due_day(post, at, tz) == dt.date(2026, 6, 1)


def test_catch_up_after_downtime_is_the_same_local_day_only():
    tz, at = zone("Europe/Paris"), parse_time("09:00")
    # Down from 08:00 to 23:59 local: still due for that day when it comes back.
    assert due_day(utc(2026, 6, 1, 21, 59), at, tz) == dt.date(2026, 6, 1)
    # Back at 00:30 the next day: the missed day is over and today's time has not come.
    assert due_day(utc(2026, 6, 1, 22, 30), at, tz) is None


def test_due_day_never_names_a_past_day_after_a_long_outage():
    tz, at = zone("Asia/Tokyo"), parse_time("21:00")
    now = utc(2026, 6, 10, 12, 5)  # 21:05 in Tokyo, ten days after the last post
    assert due_day(now, at, tz) == local_date(now, tz) == dt.date(2026, 6, 10)


def test_next_after_is_today_when_still_ahead_else_tomorrow():
    tz, at = zone("Europe/London"), parse_time("09:00")
    assert next_after(utc(2026, 6, 1, 7, 59), at, tz) == utc(2026, 6, 1, 8, 0)
    assert next_after(utc(2026, 6, 1, 8, 0), at, tz) == utc(2026, 6, 2, 8, 0)


def test_next_after_passes_over_a_day_already_posted():
    tz, at = zone("Europe/London"), parse_time("18:00")
    assert next_after(utc(2026, 6, 1, 9, 0), at, tz, skip=dt.date(2026, 6, 1)) == utc(2026, 6, 2, 17, 0)


def test_day_after_crosses_a_dst_change_in_local_time():
    tz, at = zone("Europe/Paris"), parse_time("09:00")
    after = day_after(dt.date(2026, 3, 28), at, tz)
    assert wall(after, "Europe/Paris") == "2026-03-29 09:00 CEST"
    assert after - instant_on(dt.date(2026, 3, 28), at, tz) == dt.timedelta(hours=23)


def test_a_zone_that_skipped_a_whole_day_posts_on_the_days_that_exist():
    # Samoa jumped from 29 to 31 December 2011; 30 December never happened there.
    tz, at = zone("Pacific/Apia"), parse_time("09:00")
    before = instant_on(dt.date(2011, 12, 29), at, tz)
    nxt = next_after(before, at, tz)
    assert wall(nxt, "Pacific/Apia").startswith("2011-12-31 09:00")


def test_manual_clock_refuses_naive_times_and_moves_only_when_told():
    with pytest.raises(ValueError, match="aware"):
        ManualClock(dt.datetime(2026, 1, 1))  # noqa: DTZ001
    clock = ManualClock(utc(2026, 1, 1))
    assert clock.now() == clock.now() == utc(2026, 1, 1)
    assert clock.advance(dt.timedelta(hours=1)) == utc(2026, 1, 1, 1)
    clock.set(utc(2025, 12, 31))
    assert clock.now() == utc(2025, 12, 31)
