"""Fixtures for daily-post tests: a real temp database, a manual clock, a pool and a fake poster."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest

from bot.daily.clock import ManualClock
from bot.daily.sweep import Claim, Sweeper
from bot.model import EpisodeRef, Takeaway

START = dt.datetime(2026, 6, 1, 8, 0, tzinfo=dt.UTC)


def make_takeaways(count: int, show: str = "Show A", key: str = "a") -> list[Takeaway]:
    """Return `count` takeaways of one episode of `show`."""
    ref = EpisodeRef(id=1, key=f"{key}-1", title=f"{show} episode", show=show, number=1)
    return [Takeaway(id=i + 1, position=i + 1, text=f"{show} point {i}", episode=ref) for i in range(count)]


class FakeDiscord:
    """Record posts; raise the queued errors first, one per call; optionally yield while sending."""

    def __init__(self) -> None:
        self.posts: list[Claim] = []
        self.errors: list[BaseException] = []
        self.yields = 0
        self.calls = 0

    async def post(self, claim: Claim) -> int:
        self.calls += 1
        for _ in range(self.yields):
            await asyncio.sleep(0)
        if self.errors:
            raise self.errors.pop(0)
        self.posts.append(claim)
        return 1000 + len(self.posts)

    def by_guild(self) -> dict[int, int]:
        counts: dict[int, int] = {}
        for claim in self.posts:
            counts[claim.schedule.guild_id] = counts.get(claim.schedule.guild_id, 0) + 1
        return counts


class FakePools:
    """Serve takeaways by show, changeable mid-test as data changes."""

    def __init__(self) -> None:
        self.by_show: dict[str, list[Takeaway]] = {
            "Show A": make_takeaways(5),
            "Show B": make_takeaways(3, "Show B", "b"),
        }

    async def __call__(self, show: str | None) -> list[Takeaway]:
        if show is None:
            return [t for items in self.by_show.values() for t in items]
        return list(self.by_show.get(show, []))


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


@pytest.fixture
def discord_fake() -> FakeDiscord:
    return FakeDiscord()


@pytest.fixture
def pools() -> FakePools:
    return FakePools()


@pytest.fixture
def sweeper(db, pools, discord_fake, clock) -> Sweeper:
    return Sweeper(db, pools, discord_fake.post, clock)
