"""Time sources: the real clock, and a manual one that tests and benchmarks move by hand."""

from __future__ import annotations

import datetime as dt
from typing import Protocol


class Clock(Protocol):
    """Tell the current time as an aware UTC datetime."""

    def now(self) -> dt.datetime: ...


class SystemClock:
    """Read the machine's clock."""

    def now(self) -> dt.datetime:
        """Return the current time in UTC."""
        return dt.datetime.now(dt.UTC)


class ManualClock:
    """Stand still until told to move, so schedules can be tested without sleeping."""

    def __init__(self, start: dt.datetime) -> None:
        self._now = _aware(start)

    def now(self) -> dt.datetime:
        """Return the time last set."""
        return self._now

    def set(self, when: dt.datetime) -> None:
        """Jump to `when` (backwards too, as real clocks sometimes do)."""
        self._now = _aware(when)

    def advance(self, delta: dt.timedelta) -> dt.datetime:
        """Move forward by `delta` and return the new time."""
        self._now += delta
        return self._now


def _aware(when: dt.datetime) -> dt.datetime:
    if when.tzinfo is None:
        raise ValueError("a clock needs an aware datetime; naive times would be read in the host's zone")
    return when.astimezone(dt.UTC)
