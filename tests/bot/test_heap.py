"""The frozen heap: a dropped catalogue is freed without a collection of everything."""

import gc

import pytest

from bot import heap
from bot.knowledge import Snapshot
from bot.slices import drain
from bot.storage.catalogue import read_catalogue


@pytest.fixture(autouse=True)
def _collector_restored():
    """Leave the collector on and nothing frozen after each test, whatever the test did."""
    yield
    heap.release()
    gc.enable()


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


def test_pause_stops_automatic_collections_until_settle():
    """Check that pause() turns automatic collections off and settle() turns them back on."""
    assert gc.isenabled()
    heap.pause()
    assert not gc.isenabled()
    heap.settle()
    assert gc.isenabled()


def test_release_turns_paused_collections_back_on():
    """Check that closing the catalogue mid-reload leaves the collector running."""
    heap.pause()
    heap.release()
    assert gc.isenabled()


def test_pause_leaves_collections_off_when_they_were_already():
    """Check that settle() does not turn on collections someone else turned off."""
    gc.disable()
    heap.pause()
    heap.settle()
    assert not gc.isenabled()


def test_paused_holds_collections_off_for_its_block_only():
    """Check that paused() turns automatic collections off in its block, and on after it, even on errors."""
    assert gc.isenabled()
    with heap.paused():
        assert not gc.isenabled()
    assert gc.isenabled()
    with pytest.raises(KeyboardInterrupt), heap.paused():
        raise KeyboardInterrupt
    assert gc.isenabled()


def test_paused_leaves_a_pause_for_a_reload_in_place():
    """Check that paused() inside pause() (a snapshot being built) keeps collections off until settle()."""
    heap.pause()
    with heap.paused():
        assert not gc.isenabled()
    assert not gc.isenabled()
    heap.settle()
    assert gc.isenabled()
