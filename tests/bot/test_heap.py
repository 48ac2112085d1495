"""The frozen heap: a dropped catalogue is freed without a collection of everything."""

import gc

from bot import heap
from bot.knowledge import Snapshot
from bot.slices import drain
from bot.storage.catalogue import read_catalogue


async def test_a_dropped_snapshot_leaves_no_cycles_behind(kb):
    """Check that the snapshot's objects are freed by reference counting, as settle() relies on."""
    rows = await kb.db.read_in_thread(read_catalogue)
    gc.collect()
    snapshot = drain(Snapshot.built(rows))
    assert snapshot.vocab.docs
    del snapshot
    assert gc.collect() == 0


def test_settle_freezes_and_release_unfreezes():
    """Check that settle() leaves the live objects frozen and release() hands them back."""
    try:
        heap.settle()
        assert gc.get_freeze_count() > 0
        heap.settle()  # the cheap settle: a freeze, no collection
        assert gc.get_freeze_count() > 0
    finally:
        heap.release()
    assert gc.get_freeze_count() == 0
