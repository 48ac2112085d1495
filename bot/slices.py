"""Long in-memory builds as generators, run in one go or a few milliseconds at a time on the event loop.

A build that runs in a worker thread still holds the interpreter lock while it executes Python, so
the event loop waits for it in slices of the switch interval (5 ms) every time it gives the lock up
for I/O, and a command answered during a rebuild of the catalogue took seconds. A build written as
a generator that yields between small pieces of work instead runs on the loop itself, between the
commands' callbacks, and never delays one by more than a slice.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import Generator
from typing import TypeVar

T = TypeVar("T")
Steps = Generator[None, None, T]  # a build: yields between pieces of work, returns what it built
# Work done on the loop before letting other callbacks run. A command waits up to one slice at
# every turn of the loop it needs (its gateway event, each database round trip, its HTTP reply:
# a dozen or more), so a slice costs it about ten times its length: 2 ms slices delayed commands
# by 20-40 ms during a reload. A turn of the loop costs some 20-40 microseconds.
SLICE_S = 0.0005
# A build that updates the running bot's catalogue (a reload of a few changed files) rests this
# long after each slice. Run back to back, a slice sat in every turn of the loop, so each of a
# command's dozen turns waited for one; resting three slices' length, about one turn in four
# finds a slice running, and the update takes up to four times as long (some 0.1 s more).
PAUSE_S = 3 * SLICE_S
EVERY = 64  # items handled between two yields: a few tens of microseconds of work


def drain(steps: Steps[T]) -> T:
    """Run a build to its end at once and return what it built."""
    while True:
        try:
            next(steps)
        except StopIteration as done:
            return done.value  # type: ignore[no-any-return]


async def run_sliced(steps: Steps[T], budget: float | None = None, pause: float = 0.0) -> T:
    """Run a build on the event loop, `budget` (SLICE_S) seconds at a time, other tasks running between.

    `pause`: seconds to rest after each slice (PAUSE_S for an update while commands are answered).
    """
    budget = SLICE_S if budget is None else budget
    clock = time.perf_counter
    deadline = clock() + budget
    while True:
        try:
            next(steps)
        except StopIteration as done:
            return done.value  # type: ignore[no-any-return]
        if clock() >= deadline:
            await asyncio.sleep(pause)
            deadline = clock() + budget


K = TypeVar("K")
V = TypeVar("V")
# Entries copied between two yields. Copying a table touches every key and value it holds, which a
# reload finds cold in memory (a quarter of a microsecond or more each): some 0.1-0.5 ms per step.
COPIED = 8 * EVERY


def copied(mapping: dict[K, V]) -> Steps[dict[K, V]]:
    """Return a copy of `mapping`, COPIED entries at a time (see bot.slices)."""
    copy: dict[K, V] = {}
    items = iter(mapping.items())
    while True:
        size = len(copy)
        copy.update(itertools.islice(items, COPIED))
        if len(copy) - size < COPIED:
            return copy
        yield


def copied_list(values: list[T]) -> Steps[list[T]]:
    """Return a copy of `values`, COPIED at a time (see bot.slices)."""
    copy: list[T] = []
    for start in range(0, len(values), COPIED):
        copy += values[start : start + COPIED]
        yield
    return copy
