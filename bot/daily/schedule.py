"""Daily schedule maths in a guild's own zone: when a local day's post is due, and the next one.

Decisions (see the README's daily section):
- A wall time skipped by a DST jump (02:30 on a spring-forward night) posts at the first
  instant after the gap, which the local clock shows as the end of the gap (03:00).
- A wall time that happens twice (fall-back night) posts at its first occurrence; the ledger,
  keyed by the local date, stops the second one.
- Only the current local day can be due: a day that has already ended is never posted late.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from zoneinfo import ZoneInfo

UTC = dt.UTC
TIME_SHAPE = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")
# Keys that exist in tzdata but are not places an admin means.
HIDDEN_ZONES = frozenset({"Factory", "localtime", "posixrules"})
# Days to look ahead for the next post; two suffice even when a zone skips a whole day.
LOOKAHEAD_DAYS = 3


def parse_time(text: str) -> dt.time:
    """Read a strict 24-hour `HH:MM` (e.g. `07:30`, `18:05`), raising ValueError otherwise."""
    match = TIME_SHAPE.match(text.strip())
    if not match:
        raise ValueError(f"`{text}` is not a time like 07:30 or 18:05 (24-hour HH:MM).")
    return dt.time(int(match[1]), int(match[2]))


def format_time(at: dt.time) -> str:
    """Write a time back as `HH:MM`."""
    return f"{at.hour:02d}:{at.minute:02d}"


@functools.cache
def zone_names() -> dict[str, str]:
    """Map each IANA zone name, casefolded, to its canonical spelling."""
    import zoneinfo  # noqa: PLC0415  (scanning tzdata is slow; only do it when first asked)

    names = zoneinfo.available_timezones() - HIDDEN_ZONES
    return {name.casefold(): name for name in sorted(names)}


def canonical_zone(text: str) -> str:
    """Return the IANA name for `text` (any case), raising ValueError when there is none."""
    name = zone_names().get(text.strip().casefold())
    if name is None:
        raise ValueError(f"`{text}` is not an IANA time zone such as Europe/Paris or America/New_York.")
    return name


@functools.cache
def zone(name: str) -> ZoneInfo:
    """Return the zone for a canonical IANA name."""
    return ZoneInfo(name)


def local_date(now: dt.datetime, tz: ZoneInfo) -> dt.date:
    """Return the calendar date a clock in `tz` shows at instant `now`."""
    return now.astimezone(tz).date()


def instant_on(day: dt.date, at: dt.time, tz: ZoneInfo) -> dt.datetime:
    """Return the UTC instant of local `day` at wall time `at`, DST-corrected as documented above."""
    wall = dt.datetime.combine(day, at)
    first = wall.replace(tzinfo=tz, fold=0).astimezone(UTC)
    if first.astimezone(tz).replace(tzinfo=None) == wall:
        return first  # exists; for a repeated wall time fold=0 is its first occurrence
    second = wall.replace(tzinfo=tz, fold=1).astimezone(UTC)
    return _transition(min(first, second), max(first, second), tz)


def _transition(before: dt.datetime, after: dt.datetime, tz: ZoneInfo) -> dt.datetime:
    """Find the first second at which the zone uses the offset it has at `after`."""
    target = after.astimezone(tz).utcoffset()
    lo, hi = int(before.timestamp()), int(after.timestamp())
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if dt.datetime.fromtimestamp(mid, UTC).astimezone(tz).utcoffset() == target:
            hi = mid
        else:
            lo = mid
    return dt.datetime.fromtimestamp(hi, UTC)


def due_day(now: dt.datetime, at: dt.time, tz: ZoneInfo) -> dt.date | None:
    """Return today's local date when its post time has come, else None (past days never are)."""
    today = local_date(now, tz)
    return today if instant_on(today, at, tz) <= now else None


def next_after(now: dt.datetime, at: dt.time, tz: ZoneInfo, skip: dt.date | None = None) -> dt.datetime:
    """Return the first post instant strictly after `now`, passing over local day `skip`."""
    today = local_date(now, tz)
    for offset in range(LOOKAHEAD_DAYS):
        day = today + dt.timedelta(days=offset)
        when = instant_on(day, at, tz)
        # A day a zone skipped entirely maps into the next day: not a post time of its own.
        if when > now and day != skip and local_date(when, tz) == day:
            return when
    return instant_on(today + dt.timedelta(days=LOOKAHEAD_DAYS), at, tz)


def day_after(day: dt.date, at: dt.time, tz: ZoneInfo) -> dt.datetime:
    """Return the post instant of the local day following `day`."""
    return instant_on(day + dt.timedelta(days=1), at, tz)
