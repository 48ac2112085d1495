"""Run the running bot's reloads of DATA_DIR, and its feed polls, in a process of their own.

An ingest walks every file of DATA_DIR, compares each with its stored stamp and parses what
changed: a second of Python per 10,000 episodes even when one file changed. In a thread of the
bot it would hold the interpreter lock meanwhile, and every command would wait for it in turn.
In a process of its own it runs beside the bot like `python -m bot ingest`, which the bot already
notices and swaps in whole (PRAGMA data_version, then the ingest counter).

A feed poll is the same kind of work: cutting a changed feed into items and hashing them, parsing
the new ones, writing the cache and its index. In the bot's process it made the event loop late
by 130 to 175 ms once per read of a 1,000-item feed, so the whole poll (fetch included: the
downloads it starts follow the parsing) runs in this process too, and only its result comes back.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import multiprocessing
import signal
from collections.abc import Awaitable, Collection
from multiprocessing.connection import Connection
from pathlib import Path
from typing import TypeVar, cast

from bot.config import Settings
from bot.feeds.poll import PollResult, poll_feeds
from bot.feeds.sources import feed_sources
from bot.ingest.read import spare_cores
from bot.ingest.run import ingest
from bot.logs import configure
from bot.model import IngestReport
from bot.storage import Database

log = logging.getLogger(__name__)
T = TypeVar("T")
STOP_S = 1.0  # a stopped ingest rolls back within this, else its process is killed (the bot exits in 5 s)
# A large batch (a new feed's back catalogue, a folder copied in) is parsed by this many processes
# of the ingest's own while it writes what they parsed, in order: parsing is two thirds of the
# import's CPU. A few files are parsed in the ingest's process: starting a worker (about 0.3 s of
# CPU) costs more than it saves, and one changed file must cost what one episode costs.
PARSE_WORKERS = 2
PARSE_POOL_FROM = 100


class WorkerError(RuntimeError):
    """The ingest process failed; the message says how."""


Outcome = tuple[IngestReport, str | None]  # the report, and the feed list's error
# What the bot asks for: ("ingest", settings, changed files or None) or ("poll", settings, force).
Request = tuple[str, Settings, object]


class IngestWorker:
    """Run ingests one at a time in a process of its own, started at the first and kept for the next.

    Kept, because starting Python and importing the ingest takes most of a second. It exits with
    the bot (a daemon process, and at the end of its pipe); stopping an ingest midway ends it and
    the next ingest starts a new one.
    """

    def __init__(self) -> None:
        self._process: multiprocessing.process.BaseProcess | None = None
        self._pipe: Connection | None = None

    async def ingest(self, settings: Settings, changed: Collection[str] | None = None) -> Outcome:
        """Ingest DATA_DIR (and the feed cache) there; return its report and the feed list's error.

        `changed`: the files the watcher saw change, when it saw every change (see bot.ingest.run).

        Cancelling stops the process: its open transaction rolls back, and what it committed before
        stays (each episode is stored atomically), as when `python -m bot ingest` is interrupted.
        """
        return cast(
            Outcome, await self._ask(("ingest", settings, None if changed is None else sorted(changed)))
        )

    async def poll(self, settings: Settings, *, force: bool = False) -> PollResult:
        """Poll the due feeds there (every feed with `force`), as bot.feeds.poll.poll_feeds does.

        Cancelling stops the process: files already written stay (each is replaced atomically) and
        the feed is read again in full at its next poll, as after a crash.
        """
        return cast(PollResult, await self._ask(("poll", settings, force)))

    async def _ask(self, request: Request) -> object:
        """Send one request and return its answer; raise WorkerError when it failed there."""
        pipe = self._pipe
        if pipe is None or self._process is None or not self._process.is_alive():
            await self.close()  # it died (killed, out of memory): start another
            pipe = self._start()
        kind, settings, argument = request
        # Only what the work needs crosses over: never the token.
        pipe.send((kind, dataclasses.replace(settings, token=None), argument))
        try:
            await _readable(pipe)
        except asyncio.CancelledError:
            await asyncio.shield(self.close())
            raise
        answer = _receive(pipe)
        if isinstance(answer, str):
            if not self._process or not self._process.is_alive():
                await self.close()
            raise WorkerError(answer)
        return answer

    async def close(self) -> None:
        """End the process: gently (an ingest under way rolls back), else for good after STOP_S."""
        process, pipe = self._process, self._pipe
        self._process = self._pipe = None
        if pipe is not None:
            pipe.close()  # an idle process reads the end of its pipe and exits
        if process is None:
            return
        if process.is_alive():
            process.terminate()  # SIGTERM: an ingest under way is cancelled and rolls back
            await asyncio.to_thread(process.join, STOP_S)
        if process.is_alive():
            log.warning("the ingest process did not stop within %.0f s; killing it", STOP_S)
            process.kill()
            await asyncio.to_thread(process.join)

    def _start(self) -> Connection:
        context = multiprocessing.get_context("spawn")  # the bot runs threads: never fork it
        ours, theirs = context.Pipe()
        # A daemon: it never outlives the bot. Its own parse workers end with it (bot.ingest.read).
        process = context.Process(target=_serve, args=(theirs,), name="episode-bot-ingest", daemon=True)
        process.start()
        theirs.close()
        self._process, self._pipe = process, ours
        return ours


async def _readable(pipe: Connection) -> None:
    """Wait until the report (or the end of the pipe) arrives, without a thread blocked on it."""
    loop, ready = asyncio.get_running_loop(), asyncio.Event()
    loop.add_reader(pipe.fileno(), ready.set)
    try:
        await ready.wait()
    finally:
        loop.remove_reader(pipe.fileno())


def _receive(pipe: Connection) -> object:
    try:
        return pipe.recv()
    except EOFError:
        return "the ingest process ended without a report"


def _serve(pipe: Connection) -> None:
    """Run one request at a time and send back its answer, or a line saying why it failed."""
    # Ctrl-C reaches the whole process group; the bot decides when this process stops.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    allow_parse_workers()
    # One event loop and one open database for every request: starting a loop (and its threads)
    # and opening the database again cost about as much CPU as ingesting one changed file, at
    # every reload, on cores the bot shares.
    with asyncio.Runner() as runner:
        kept = _Kept()
        try:
            _answer_requests(pipe, runner, kept)
        finally:
            runner.run(kept.close())


def allow_parse_workers() -> None:
    """Let this process (a daemon of the bot's) start the parse workers of a large batch."""
    # multiprocessing refuses children to a daemon, since one may end without stopping them: the
    # parse workers stop themselves once their parent is gone (bot.ingest.read), and the bot
    # still ends this process as its daemon (the flag the bot acts on is the bot's own copy).
    multiprocessing.current_process().daemon = False


def _answer_requests(pipe: Connection, runner: asyncio.Runner, kept: _Kept) -> None:
    configured = False
    while True:
        try:
            request: Request = pipe.recv()
        except (EOFError, OSError):
            return  # the bot closed its end: it is stopping
        kind, settings, argument = request
        if not configured:
            configure(settings.log_level)
            configured = True
        try:
            answer: object = runner.run(_stoppable(_work(kind, settings, argument, kept)))
        except asyncio.CancelledError:
            return  # stopped by the bot (SIGTERM), which no longer waits for an answer
        except Exception as exc:
            answer = f"{type(exc).__name__}: {exc}"
        try:
            pipe.send(answer)
        except OSError:
            return


class _Kept:
    """The database the requests use, opened at the first and kept open for the next."""

    def __init__(self) -> None:
        self._db: Database | None = None

    async def database(self, path: Path) -> Database:
        """Return the open database at `path` (closing one at another path)."""
        if self._db is not None and self._db.path != Path(path):
            await self.close()
        if self._db is None:
            self._db = await Database.open(path)
        return self._db

    async def close(self) -> None:
        db, self._db = self._db, None
        if db is not None:
            await db.close()


def _work(kind: str, settings: Settings, argument: object, kept: _Kept) -> Awaitable[object]:
    if kind == "poll":
        return _poll(settings, kept, force=bool(argument))
    changed = [str(path) for path in argument] if isinstance(argument, list) else None
    return _ingest(settings, kept, changed)


async def _stoppable(work: Awaitable[T]) -> T:
    """Await `work`, cancelled by SIGTERM (an ingest's transaction rolls back)."""
    task = asyncio.current_task()
    assert task is not None  # noqa: S101 (Runner.run runs this as a task)
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, task.cancel)
    try:
        return await work
    finally:
        # Between requests SIGTERM ends the process at once, as it did before the first.
        loop.remove_signal_handler(signal.SIGTERM)


async def _poll(settings: Settings, kept: _Kept, *, force: bool) -> PollResult:
    return await poll_feeds(await kept.database(settings.database_path), settings, force=force)


async def _ingest(settings: Settings, kept: _Kept, changed: list[str] | None) -> Outcome:
    db = await kept.database(settings.database_path)
    feeds, feeds_error = feed_sources(settings)
    workers = _parse_workers()
    report = await ingest(
        db, [settings.data_dir], workers=workers, feeds=feeds, changed=changed, pool_from=PARSE_POOL_FROM
    )
    return report, feeds_error


def _parse_workers() -> int:
    """Return how many parse workers a large batch gets: none on one core, where they only compete."""
    return PARSE_WORKERS if spare_cores() >= 1 else 0
