"""Run `render` (bot.feeds.render) in worker processes, or in a thread when few items changed.

Parsing is the CPU-heavy part of reading a feed (feedparser, HTML to text, TOML); a large read
runs in worker processes so that it never holds the bot's interpreter lock.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
from concurrent.futures import BrokenExecutor, Executor, ProcessPoolExecutor

from bot.feeds.render import Rendered, ready, render

log = logging.getLogger(__name__)
THREAD_MAX_ITEMS = 24  # up to this many changed items are parsed in a thread: a process costs more
CHUNK_ITEMS = 50  # items per task in worker processes
MAX_PROCESSES = 4


def processes_for(items: int) -> int:
    """Return how many worker processes to parse `items` changed items with (0: a thread will do)."""
    if items <= THREAD_MAX_ITEMS or multiprocessing.current_process().daemon:
        # A daemon process (the running bot's ingest and poll process, bot.live.worker) may not
        # start processes of its own; its parsing keeps no event loop waiting anyway.
        return 0
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    # Every core: the bot's own process mostly waits on the network meanwhile.
    return max(1, min(cores, MAX_PROCESSES, -(-items // CHUNK_ITEMS)))


def _start(processes: int) -> Executor:
    """Start worker processes and wait until each has imported the parser (off the event loop:
    starting a process there stalled it)."""
    # "spawn": this process runs threads (aiosqlite, asyncio), and forking a threaded process
    # can copy a held lock into the child.
    pool = ProcessPoolExecutor(processes, mp_context=multiprocessing.get_context("spawn"))
    try:
        for warming in [pool.submit(ready) for _ in range(processes)]:
            warming.result()
    except BaseException:
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    return pool


class Renderer:
    """Run `render` calls in worker processes (or, for few items or where none start, in threads)."""

    def __init__(self, processes: int) -> None:
        self.processes = processes
        self._pool: Executor | None = None

    async def __aenter__(self) -> Renderer:
        if self.processes:
            try:
                self._pool = await asyncio.to_thread(_start, self.processes)
            except (OSError, ValueError, NotImplementedError, BrokenExecutor):
                log.warning("cannot start worker processes; parsing the feed in a thread", exc_info=True)
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._pool is not None:
            pool, self._pool = self._pool, None
            await asyncio.to_thread(pool.shutdown, wait=True, cancel_futures=True)

    def render(self, doc: bytes, show: str | None, feed_url: str) -> asyncio.Future[Rendered]:
        """Start rendering `doc` now; await the result."""
        return asyncio.ensure_future(self._render(doc, show, feed_url))

    async def _render(self, doc: bytes, show: str | None, feed_url: str) -> Rendered:
        if self._pool is not None:
            try:
                return await asyncio.get_running_loop().run_in_executor(
                    self._pool, render, doc, show, feed_url
                )
            except BrokenExecutor:  # a worker died or none could start (sandbox, frozen app)
                log.warning("a feed worker process failed; parsing in a thread instead", exc_info=True)
        return await asyncio.to_thread(render, doc, show, feed_url)
