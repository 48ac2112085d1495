"""Reloads of DATA_DIR and feed polls in a process of their own: loaded, swapped in whole, stoppable,
failures told."""

from __future__ import annotations

import asyncio
import dataclasses
import multiprocessing
import sqlite3
import threading
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest
from aiohttp import web

import bot.feeds.poll
import bot.ingest.read as reading
from bot.config import Settings
from bot.feeds import work
from bot.feeds.cache import cache_root, feed_dir_name
from bot.feeds.feedlist import add_feed, feeds_path
from bot.ingest.files import find_sources
from bot.knowledge import KnowledgeBase
from bot.live.worker import IngestWorker, WorkerError, allow_parse_workers
from bot.runner import load_data
from tests.bot.feeds.conftest import FeedServer
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


def _parse_in_workers(data: str, answers: multiprocessing.Queue) -> None:
    """Parse a folder's episodes in worker processes from a daemon process, as the ingest's does."""
    allow_parse_workers()
    work = [(files, None) for files in find_sources([Path(data)])]
    try:
        parsed = reading._pooled([(work[:1], 0), (work[1:], 0)], 2, threading.Event())
        answers.put(sum(len(chunk) for chunk in parsed))
    except AssertionError as err:  # multiprocessing's refusal
        answers.put(str(err))


def test_the_ingest_process_may_start_parse_workers_for_a_large_batch(tmp_path):
    small_pages(tmp_path / "data", 5)
    context = multiprocessing.get_context("spawn")
    answers = context.Queue()
    process = context.Process(target=_parse_in_workers, args=(str(tmp_path / "data"), answers), daemon=True)
    process.start()
    try:
        assert answers.get(timeout=120) == 5
    finally:
        process.join(30)


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


@pytest.fixture
async def feeds(tmp_path) -> AsyncIterator[tuple[FeedServer, Settings]]:
    server = FeedServer()
    await server.start()
    server.serve("/feed.xml", server.fixture("tidal.xml"), etag='"v1"')
    server.serve("/t/ep12.vtt", server.fixture("ep12.vtt"), content_type="text/vtt")
    server.serve("/t/ep11.json", server.fixture("ep11.json"), content_type="application/json")
    server.serve("/c/ep12.json", server.fixture("ep12-chapters.json"), content_type="application/json")
    data = tmp_path / "data"
    data.mkdir()
    add_feed(feeds_path(data), server.url("/feed.xml"))
    yield server, Settings(data_dir=data, database_path=tmp_path / "bot.db", feeds_allow_private=True)
    await server.stop()


async def test_a_feed_poll_runs_in_the_process_and_says_what_to_load(feeds, worker, monkeypatch):
    server, settings = feeds

    async def not_here(*args, **kwargs):
        raise AssertionError("the poll ran in the bot's process")

    monkeypatch.setattr(bot.feeds.poll, "poll_feeds", not_here)
    result = await worker.poll(settings)
    (outcome,) = result.outcomes
    assert (outcome.ok, outcome.first_read, len(outcome.new)) == (True, True, 3), outcome.result
    assert result.seeded == outcome.new
    assert len(server.hits("/t/ep12.vtt")) == 1
    report, _ = await worker.ingest(settings, result.changed_files)
    assert len(report.loaded) == 3
    again = await worker.poll(settings, force=True)
    assert [o.result for o in again.outcomes] == ["not modified"]
    assert not again.ingest_needed


async def test_many_new_items_are_parsed_in_the_process_itself(feeds, worker):
    server, settings = feeds
    count = work.THREAD_MAX_ITEMS + 30  # more than a thread takes: worker processes elsewhere
    items = "".join(f"<item><title>Episode {n}</title><guid>g{n}</guid></item>" for n in range(count, 0, -1))
    server.serve(
        "/feed.xml", f'<rss version="2.0"><channel><title>Big</title>{items}</channel></rss>'.encode()
    )
    (outcome,) = (await worker.poll(settings)).outcomes
    assert outcome.result == f"{count} items, {count} new, 0 updated"


async def test_a_poll_stopped_midway_is_finished_by_the_next_without_doubles(feeds, worker):
    server, settings = feeds
    release = asyncio.Event()

    async def hanging(request: web.Request) -> web.Response:
        await release.wait()
        return web.Response(status=503)

    server.routes["/t/ep12.vtt"] = hanging
    polling = asyncio.create_task(worker.poll(settings))
    cache = cache_root(settings.database_path) / feed_dir_name(server.url("/feed.xml"))
    await _until(lambda: len(list(cache.glob("*.toml"))) == 3)  # items written, a download hangs
    polling.cancel()
    with pytest.raises(asyncio.CancelledError):
        await polling
    assert multiprocessing.active_children() == []
    release.set()
    server.serve("/t/ep12.vtt", server.fixture("ep12.vtt"), content_type="text/vtt")
    result = await worker.poll(settings, force=True)  # the lease of the stopped poll is overridden
    (outcome,) = result.outcomes
    assert outcome.ok, outcome.result
    report, _ = await worker.ingest(settings, result.changed_files)
    assert len(report.loaded) == 3
    assert len(list(cache.glob("*.toml"))) == 3
    assert len(list(cache.glob("*.vtt"))) == 1
    assert _stored(settings.database_path) == 3
