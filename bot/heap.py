"""Keep long garbage-collector pauses off the event loop once the catalogue is in memory."""

from __future__ import annotations

import gc


def settle() -> None:
    """Collect garbage once, then exempt every object alive now from later collections.

    The catalogue, its indexes and the word lists are hundreds of thousands of long-lived
    objects. A full collection walks them all, 100-300 ms at 1,000 episodes, while the event
    loop and every member's answer wait; frozen, they are skipped. Called after each load: the
    previous objects are unfrozen first, so an old catalogue is collected like any garbage.
    """
    gc.unfreeze()
    gc.collect()
    gc.freeze()


def release() -> None:
    """Hand every frozen object back to the collector (the catalogue is being closed)."""
    gc.unfreeze()
