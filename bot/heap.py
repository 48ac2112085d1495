"""Keep long garbage-collector pauses off the event loop once the catalogue is in memory."""

from __future__ import annotations

import gc
import time

# A collection of everything, frozen objects included, walks the whole catalogue: 150-250 ms at
# 10,000 episodes with the event loop and every member's answer waiting. It runs at the first
# settle and then at most this often, for cyclic garbage among objects frozen earlier.
FULL_EVERY_S = 3600.0
_last_full: float | None = None
# Between those, a settle only freezes: collecting every unfrozen object first (what survived since
# the last settle: the new snapshot's tables and the commands' leftovers) took 5-15 ms at 10,000
# episodes, and even the young generations 4-9 ms, each one stop of the event loop per reload.
# Cyclic garbage alive at that moment stays frozen until the next full pass.


def settle() -> None:
    """Exempt every object alive now from collections (collecting everything first once an hour).

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
