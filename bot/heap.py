"""Keep long garbage-collector pauses off the event loop once the catalogue is in memory."""

from __future__ import annotations

import gc
import time

# A collection of everything, frozen objects included, walks the whole catalogue: 150-250 ms at
# 10,000 episodes with the event loop and every member's answer waiting. It runs at the first
# settle and then at most this often, for cyclic garbage among objects frozen earlier.
FULL_EVERY_S = 3600.0
_last_full: float | None = None


def settle() -> None:
    """Collect the garbage made since the last settle, then exempt every object alive now from collections.

    The catalogue, its indexes and the word lists are hundreds of thousands of long-lived
    objects; frozen, later collections skip them. A reload builds a new catalogue sharing most of
    the old one's objects; the old one's own objects form no reference cycles, so they are freed
    as soon as it is dropped, frozen or not, and only the objects made since need a collection.
    Once in FULL_EVERY_S everything is unfrozen and collected, in case some cycle was frozen.
    """
    global _last_full  # noqa: PLW0603 (one process-wide clock, like the collector it drives)
    now = time.monotonic()
    if _last_full is None or now - _last_full >= FULL_EVERY_S:
        gc.unfreeze()
        _last_full = now
    gc.collect()
    gc.freeze()


def release() -> None:
    """Hand every frozen object back to the collector (the catalogue is being closed)."""
    global _last_full  # noqa: PLW0603
    _last_full = None
    gc.unfreeze()
