"""The update loop without Discord: what wakes it, what it runs, and that failures never stop it."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

import bot.live.updates
from bot.knowledge import KnowledgeBase
from bot.live.updates import Updater
from tests.bot.kb_pages import ROSOLIE_PAGE, copy_seed, write


@dataclass
class Poll:
    ingest_needed: bool = False
    next_due: float | None = None
    seeded: tuple[str, ...] = ()
    changed_files: tuple[str, ...] | None = None


@pytest.fixture
async def kb(db, tmp_path):
    knowledge = KnowledgeBase(db)
    await knowledge.ingest([copy_seed(tmp_path / "data")])
    return knowledge


def updater(kb: KnowledgeBase, data: Path, **kwargs) -> Updater:
    return Updater(kb, lambda _changed: kb.ingest([data]), data_dir=data, interval=0.05, **kwargs)


async def test_a_file_change_is_loaded_and_swapped_in(kb, tmp_path):
    data = tmp_path / "data"
    loop = updater(kb, data)
    assert not await loop.step()
    write(data / "rosolie.txt", ROSOLIE_PAGE)
    loop.files_changed()
    assert await loop.step()
    assert (await kb.resolve_episode("#489")).key == "rosolie"


async def test_a_failing_step_is_logged_and_the_loop_carries_on(kb, tmp_path, caplog):
    data = tmp_path / "data"
    calls = []

    async def flaky_load(_changed):
        calls.append(1)
        if len(calls) == 1:
            raise OSError("disk went away")
        return await kb.ingest([data])

    async def broken_listener():
        raise RuntimeError("listener bug")

    loop = Updater(kb, flaky_load, data_dir=data, interval=0.05)
    loop.listeners.append(broken_listener)
    write(data / "rosolie.txt", ROSOLIE_PAGE)
    task = asyncio.create_task(loop.run())
    try:
        loop.files_changed()
        await _until(lambda: loop.rounds >= 2)
        loop.files_changed()
        await _until(lambda: "rosolie" in kb.snapshot.cat.by_key)
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    assert "loading DATA_DIR failed; the update loop carries on" in caplog.text
    assert "listener bug" in caplog.text


async def test_listeners_run_after_a_swap_and_when_they_asked_to(kb, tmp_path):
    data = tmp_path / "data"
    runs = []

    async def listener():
        runs.append(kb.snapshot.generation)
        return 0.0 if len(runs) == 2 else None  # the second run asks for a third right away

    loop = updater(kb, data)
    loop.listeners.append(listener)
    await loop.step()  # at start: once
    await loop.step()  # nothing changed, nothing asked
    assert len(runs) == 1
    write(data / "rosolie.txt", ROSOLIE_PAGE)
    loop.files_changed()
    await loop.step()
    await loop.step()
    await loop.step()
    assert len(runs) == 3
    assert runs[1] == runs[2] > runs[0]


async def test_feeds_are_polled_when_due_and_their_back_catalogue_seeded_silently(kb, tmp_path):
    data = tmp_path / "data"
    polls = [Poll(ingest_needed=True, next_due=time.time(), seeded=("rosolie",)), Poll(next_due=None)]

    async def poll_feeds():
        write(data / "rosolie.txt", ROSOLIE_PAGE)  # what a feed's first read writes
        return polls.pop(0)

    loop = updater(kb, data, poll_feeds=poll_feeds)
    assert await loop.step()
    assert "rosolie" in kb.snapshot.cat.by_key
    await loop.step()
    assert polls == []
    await loop.step()  # no feeds any more: not polled again
    rows = await kb.db.conn.execute_fetchall("SELECT announce FROM episode_arrivals WHERE key = 'rosolie'")
    assert rows == [(0,)]


async def test_a_changed_feed_list_polls_the_feeds_at_once(kb, tmp_path):
    data = tmp_path / "data"
    polls = []

    async def poll_feeds():
        polls.append(1)
        return Poll(next_due=time.time() + 3600)

    loop = updater(kb, data, poll_feeds=poll_feeds)
    await loop.step()
    await loop.step()
    loop.files_changed({str(data / "episode.txt")})
    await loop.step()
    assert len(polls) == 1
    loop.files_changed({str(data / "feeds.toml")})
    await loop.step()
    assert len(polls) == 2


async def test_the_watcher_wakes_the_running_loop_on_a_new_file(kb, tmp_path):
    data = tmp_path / "data"
    loop = Updater(kb, lambda _changed: kb.ingest([data]), data_dir=data, interval=30)  # no timed wake-ups
    task = asyncio.create_task(loop.run())
    try:
        await asyncio.sleep(0.3)  # the watcher starts
        write(data / "rosolie.txt", ROSOLIE_PAGE)
        await _until(lambda: "rosolie" in kb.snapshot.cat.by_key, within=10)
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


async def _until(predicate, within: float = 5.0) -> None:
    for _ in range(int(within / 0.02)):
        if predicate():
            return
        await asyncio.sleep(0.02)
    raise AssertionError(f"still false after {within} s")


async def test_a_reload_reads_the_files_the_watcher_saw_and_everything_when_unsure(kb, tmp_path, monkeypatch):
    data = tmp_path / "data"
    loads = []

    async def load(changed):
        loads.append(changed)
        if changed == {"fail"}:
            raise OSError("disk went away")

    loop = Updater(kb, load, data_dir=data, interval=0.05)
    page, other = str(data / "a.txt"), str(data / "b.toml")
    for paths in ({page}, {page}, {other}, set(), {"fail"}, {page}):
        loop.files_changed(paths)
        if paths == {other}:
            loop.files_changed({page})  # a burst: both, once
        await loop.step()
    assert loads == [None, {page}, {page, other}, None, {"fail"}, None]  # the first: everything

    monkeypatch.setattr(bot.live.updates, "MAX_CHANGED_PATHS", 2)
    loop.files_changed({page, other, str(data / "c.txt")})
    await loop.step()
    loop.files_changed({page})
    await loop.step()
    monkeypatch.setattr(bot.live.updates, "FULL_WALK_EVERY_S", 0.0)
    loop.files_changed({page})
    await loop.step()
    assert loads[6:] == [None, {page}, None]


async def test_a_polls_written_items_are_all_the_reload_reads(kb, tmp_path):
    data = tmp_path / "data"
    loads = []

    async def load(changed):
        loads.append(changed)

    item, page = str(tmp_path / "cache" / "item.toml"), str(data / "a.txt")
    polls = [
        Poll(ingest_needed=True, next_due=time.time(), changed_files=None),  # a feed went away
        Poll(ingest_needed=True, next_due=time.time(), changed_files=(item,)),
        Poll(ingest_needed=True, next_due=time.time(), changed_files=(item,)),
        Poll(ingest_needed=False, next_due=time.time(), changed_files=()),
    ]

    async def poll_feeds():
        return polls.pop(0)

    loop = Updater(kb, load, data_dir=data, interval=0.05, poll_feeds=poll_feeds)
    await loop.step()
    await loop.step()
    loop.files_changed({page})
    await loop.step()
    await loop.step()
    assert loads == [None, {item}, {item, page}]  # nothing written by the last poll: no reload
