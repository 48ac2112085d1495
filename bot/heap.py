"""Keep long garbage-collector pauses off the event loop once the catalogue is in memory."""

from __future__ import annotations

import contextlib
import gc
import time
from collections.abc import Iterator

# A collection of everything, frozen objects included, walks the whole catalogue: 150-250 ms at
# 10,000 episodes with the event loop and every member's answer waiting. It runs at the first
# settle and then at most this often, for cyclic garbage among objects frozen earlier.
FULL_EVERY_S = 3600.0
_last_full: float | None = None
# Between those, a settle only freezes: collecting every unfrozen object first (what survived since
# the last settle: the new snapshot's tables and the commands' leftovers) took 5-15 ms at 10,000
# episodes, and even the young generations 4-9 ms, each one stop of the event loop per reload.
# Cyclic garbage alive at that moment stays frozen until the next full pass.
_paused = False  # automatic collections are off until the next settle (see pause)


def pause() -> None:
    """Stop automatic collections until the next settle(): a new snapshot is being built.

    A build allocates tens of thousands of objects in small slices between commands; each
    collection they trigger walks the young objects and every large table made since the last
    freeze, and stopped the event loop for 1-12 ms (at 10,000 episodes) several times per reload.
    Their garbage is freed by reference counting; settle() then freezes what is left.
    """
    global _paused  # noqa: PLW0603
    if gc.isenabled():
        gc.disable()
        _paused = True


@contextlib.contextmanager
def paused() -> Iterator[None]:
    """Hold automatic collections off while the block runs (unless pause() already has).

    For a burst of short-lived objects that form no cycles (a walk of 20,000 files makes some
    100,000): with the catalogue in memory, the collections they trigger took 100-130 ms of an
    unchanged re-ingest at 10,000 episodes. Reference counting frees them all the same.
    """
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        if not _paused:
            gc.enable()


def settle() -> None:
    """Exempt every object alive now from collections (collecting everything first once an hour).

    The catalogue, its indexes and the word lists are hundreds of thousands of long-lived
    objects; frozen, later collections skip them. A reload builds a new catalogue sharing most of
    the old one's objects; the old one's own objects form no reference cycles, so they are freed
    as soon as it is dropped, frozen or not, and the objects made since are frozen in turn.
    Once in FULL_EVERY_S everything is unfrozen and collected, in case some cycle was frozen.
    Automatic collections stopped by pause() start again.
    """
    global _last_full  # noqa: PLW0603 (one process-wide clock, like the collector it drives)
    now = time.monotonic()
    if _last_full is None or now - _last_full >= FULL_EVERY_S:
        gc.unfreeze()
        _last_full = now
        gc.collect()
    gc.freeze()
    _resume()


def release() -> None:
    """Hand every frozen object back to the collector (the catalogue is being closed)."""
    global _last_full  # noqa: PLW0603
    _last_full = None
    _resume()
    gc.unfreeze()


def _resume() -> None:
    """Turn automatic collections back on if pause() turned them off."""
    global _paused  # noqa: PLW0603
    if _paused:
        gc.enable()
        _paused = False
