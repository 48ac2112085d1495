"""Builds written as generators: run at once, or on the event loop a slice at a time."""

from __future__ import annotations

import asyncio
import itertools
import time

from bot.slices import Steps, drain, run_sliced


def counting(steps: int, busy_s: float = 0.0) -> Steps[int]:
    """Yield `steps` times, busy for `busy_s` before each, and return how many steps ran."""
    done = 0
    for _ in range(steps):
        end = time.perf_counter() + busy_s
        while time.perf_counter() < end:
            pass
        done += 1
        yield
    return done


def test_drain_runs_a_build_to_its_end():
    assert drain(counting(500)) == 500


async def test_other_tasks_run_between_the_slices_of_a_long_build():
    ticks: list[float] = []

    async def ticker() -> None:
        while True:
            ticks.append(time.perf_counter())
            await asyncio.sleep(0)

    task = asyncio.create_task(ticker())
    await asyncio.sleep(0)
    started = time.perf_counter()
    assert await run_sliced(counting(100, busy_s=0.001), budget=0.002) == 100
    task.cancel()
    during = [t for t in ticks if t >= started]
    assert len(during) >= 20  # 0.1 s of work in 2 ms slices: the ticker ran between them


async def test_a_build_within_its_budget_runs_in_one_go():
    ticks: list[int] = []

    async def ticker() -> None:
        while True:
            ticks.append(1)
            await asyncio.sleep(0)

    task = asyncio.create_task(ticker())
    await asyncio.sleep(0)
    ticks.clear()
    assert await run_sliced(counting(100), budget=10.0) == 100
    task.cancel()
    assert ticks == []


async def test_a_paced_build_rests_after_each_slice():
    resumed: list[float] = []

    def build() -> Steps[int]:
        for _ in range(10):
            resumed.append(time.perf_counter())
            yield
        return len(resumed)

    assert await run_sliced(build(), budget=0.0, pause=0.005) == 10
    gaps = [later - earlier for earlier, later in itertools.pairwise(resumed)]
    assert min(gaps) >= 0.0045  # the loop was free (waiting on I/O) for the whole rest each time
