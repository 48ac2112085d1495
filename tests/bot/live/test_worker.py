"""Reloads of DATA_DIR in a process of their own: loaded, swapped in whole, stoppable, failures told."""

from __future__ import annotations

import asyncio
import dataclasses
import multiprocessing
import sqlite3
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

from bot.config import Settings
from bot.knowledge import KnowledgeBase
from bot.live.worker import IngestWorker, WorkerError
from bot.runner import load_data
from tests.bot.kb_pages import GUEST_PAGE, ROSOLIE_PAGE, copy_seed, write
from tests.bot.processes import check_database, small_pages

PAGES = 1500  # enough that the first episodes are stored well before the last


@pytest.fixture
def settings(db, tmp_path) -> Settings:
    return Settings(data_dir=tmp_path / "data", database_path=db.path)


@pytest.fixture
async def worker() -> AsyncIterator[IngestWorker]:
    started = IngestWorker()
    yield started
    await started.close()
    assert multiprocessing.active_children() == []


async def test_added_edited_and_removed_files_are_loaded_elsewhere_and_swapped_in(db, settings, worker):
    kb = KnowledgeBase(db)
    data = copy_seed(settings.data_dir)
    await kb.ingest([data])
    write(data / "rosolie.txt", ROSOLIE_PAGE)
    report, feeds_error = await worker.ingest(settings)
    assert (len(report.loaded), len(report.unchanged), feeds_error) == (1, 1, None)
    assert kb.suggest_episodes("rosolie", 5) == []  # stored, not swapped in yet
    assert await kb.sync()
    assert (await kb.resolve_episode("#489")).key == "rosolie"

    write(data / "rosolie.txt", ROSOLIE_PAGE.replace("Uncontacted Tribes", "Hidden Rivers"))
    await load_data(kb, settings, worker)  # the running bot's reload: ingest, then swap
    assert (await kb.resolve_episode("#489")).title.startswith("Paul Rosolie: Hidden Rivers")

    (data / "rosolie.txt").unlink()
    await load_data(kb, settings, worker)
    assert [ep.key for ep in kb.suggest_episodes("", 5)] == ["lex-fridman-490"]
    assert kb.suggest_episodes("rosolie", 5) == []
    assert (await kb.stats())["episodes"] == 1


async def test_the_files_the_watcher_saw_are_all_the_process_reads(db, settings, worker):
    kb = KnowledgeBase(db)
    data = copy_seed(settings.data_dir)
    await kb.ingest([data])
    seen, unseen = write(data / "rosolie.txt", ROSOLIE_PAGE), write(data / "guest.txt", GUEST_PAGE)
    await load_data(kb, settings, worker, {str(seen)})
    assert [ep.key for ep in kb.suggest_episodes("", 5)] == ["rosolie", "lex-fridman-490"]
    (data / "rosolie.txt").unlink()
    await load_data(kb, settings, worker, {str(seen)})
    assert [ep.key for ep in kb.suggest_episodes("", 5)] == ["lex-fridman-490"]
    await load_data(kb, settings, worker)  # everything: the unseen file too
    assert {ep.key for ep in kb.suggest_episodes("", 5)} == {"lex-fridman-490", unseen.stem}


async def test_a_cancelled_reload_stops_its_process_and_the_next_loads_each_episode_once(
    settings, worker, caplog
):
    small_pages(settings.data_dir, PAGES)
    reload = asyncio.create_task(worker.ingest(settings))
    await _until(lambda: _stored(settings.database_path) > 0)  # the process is writing episodes
    reload.cancel()
    with pytest.raises(asyncio.CancelledError):
        await reload
    assert multiprocessing.active_children() == []
    assert "did not stop" not in caplog.text  # it rolled back when asked, not killed
    episodes, takeaways = check_database(settings.database_path)
    assert 0 < episodes < PAGES
    assert takeaways == 2 * episodes  # each stored episode is whole
    report, _ = await worker.ingest(settings)
    assert (len(report.loaded), len(report.unchanged), report.failed) == (PAGES - episodes, episodes, ())
    assert check_database(settings.database_path) == (PAGES, 2 * PAGES)


async def test_a_failing_reload_says_why_and_the_process_serves_the_next(settings, worker, tmp_path):
    settings.data_dir.mkdir()
    (tmp_path / "folder.db").mkdir()  # a folder where the database should be
    with pytest.raises(WorkerError, match="DATABASE_PATH"):
        await worker.ingest(dataclasses.replace(settings, database_path=tmp_path / "folder.db"))
    write(settings.data_dir / "rosolie.txt", ROSOLIE_PAGE)
    first = multiprocessing.active_children()
    assert len((await worker.ingest(settings))[0].loaded) == 1
    assert multiprocessing.active_children() == first  # the same process, started once


def _stored(path: Path) -> int:
    with sqlite3.connect(path) as conn:
        return int(conn.execute("SELECT count(*) FROM episodes").fetchone()[0])


async def _until(check: Callable[[], bool], within: float = 60.0) -> None:
    for _ in range(int(within / 0.01)):
        if check():
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"still false after {within} s")


async def test_a_process_that_died_between_reloads_is_replaced(settings, worker):
    copy_seed(settings.data_dir)
    await worker.ingest(settings)
    (dead,) = multiprocessing.active_children()
    dead.kill()
    dead.join()
    write(settings.data_dir / "rosolie.txt", ROSOLIE_PAGE)
    assert len((await worker.ingest(settings))[0].loaded) == 1
