"""Open the SQLite database, apply migrations, and serialise every write."""

from __future__ import annotations

import asyncio
import logging
import re
import sqlite3
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, TypeVar, cast

import aiosqlite

from bot.errors import ConfigError
from bot.storage import location

log = logging.getLogger(__name__)
T = TypeVar("T")
# A row as SQLite returns it (the connections have no row factory): its columns in SELECT order.
Row = tuple[Any, ...]
BUSY_TIMEOUT_S = 10.0  # how long a write waits for another process's transaction before failing
# SQLite's own busy handler sleeps up to 100 ms between tries and cannot be interrupted, so it
# waits only briefly and the rest of the wait is a poll at this interval: a writer gets in
# within a few milliseconds of the lock being free (bulk jobs leave it free that long between
# their transactions), and a stop request is seen at once.
SQLITE_BUSY_WAIT_S = 0.002
LOCK_POLL_S = 0.002
# A bulk job's connection copies the write-ahead log into the database (a checkpoint, with two
# fsyncs) only once the log holds this many pages, not SQLite's 1,000: at 10,000 episodes the
# checkpoints every few transactions took a third of the ingest. The job checkpoints once more
# when it ends, so the next commit of the bot's own connection has no large log to copy.
BULK_CHECKPOINT_PAGES = 8192
# A bulk job's page cache, in KiB (SQLite's default is 2 MiB): a large load inserts into
# indexes in no particular order (names, people, the full-text terms), and with the default
# each transaction read back from the file most of the pages the last one had written. 32 MiB
# took the 10,000-episode benchmark's peak RSS to 214 MB (limit 200); 8 MiB stays at 195.
BULK_CACHE_KIB = 8192
PROGRESS_STEPS = 1000  # SQLite instructions between checks of a bulk job's stop request
SESSION_STOP_TIMEOUT_S = 3.0
_MIGRATION_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")
_SHORT_BUSY_WAIT = f"PRAGMA busy_timeout = {int(SQLITE_BUSY_WAIT_S * 1000)}"
_PRAGMAS = ("PRAGMA journal_mode=WAL", "PRAGMA foreign_keys=ON", "PRAGMA synchronous=NORMAL")


@dataclass(frozen=True, slots=True)
class Migration:
    """Hold one numbered schema step."""

    number: int
    name: str
    sql: str


def load_migrations(package: str = "bot.storage.migrations") -> list[Migration]:
    """Return the migration files of `package` in order, refusing gaps and duplicates."""
    found = []
    for entry in resources.files(package).iterdir():
        match = _MIGRATION_NAME.match(entry.name)
        if match:
            found.append(Migration(int(match.group(1)), entry.name, entry.read_text(encoding="utf-8")))
    found.sort(key=lambda m: m.number)
    for expected, migration in enumerate(found, start=1):
        if migration.number != expected:
            raise RuntimeError(f"migration {migration.name} is out of sequence: expected {expected:04d}")
    return found


class Database:
    """Own one SQLite file: a shared aiosqlite connection plus a lock that every writer takes."""

    def __init__(self, path: Path, conn: aiosqlite.Connection) -> None:
        self.path = path
        self.conn = conn
        self._write_lock = asyncio.Lock()
        self._sessions: set[BulkSession] = set()
        self._sessions_done = asyncio.Event()
        self._sessions_done.set()

    @classmethod
    async def open(cls, path: Path | str, migrations: list[Migration] | None = None) -> Database:
        """Open (creating if needed) the database at `path` and bring its schema up to date."""
        path = Path(path)
        location.prepare(path)  # ConfigError naming DATABASE_PATH when it cannot be a database
        try:
            # isolation_level=None: we issue BEGIN/COMMIT ourselves, so nothing commits behind our back.
            # The long busy timeout covers switching a new file to WAL while another process does too.
            conn = await aiosqlite.connect(path, timeout=BUSY_TIMEOUT_S, isolation_level=None)
        except sqlite3.Error as exc:
            raise location.unusable(path, exc) from None
        try:
            try:
                for pragma in _PRAGMAS:
                    await _while_busy(conn, pragma)
            except sqlite3.Error as exc:  # the first statements read the file: not a database, locked out
                raise location.unusable(path, exc) from None
            await conn.execute(_SHORT_BUSY_WAIT)
            await _check_fts5(conn)
            db = cls(path, conn)
            await db._migrate(load_migrations() if migrations is None else migrations)
        except BaseException:
            await conn.close()
            raise
        return db

    async def close(self) -> None:
        """Stop bulk jobs, wait for their writers to finish, then close the connection."""
        # A bulk job's connection is closed by the job itself once its thread has stopped; the
        # shared connection goes last, so nothing is ever closed under a running statement.
        for session in list(self._sessions):
            session.stop.set()
        try:
            await asyncio.wait_for(self._sessions_done.wait(), SESSION_STOP_TIMEOUT_S)
        except TimeoutError:
            log.warning("a bulk database job did not stop within %.0f s", SESSION_STOP_TIMEOUT_S)
        await self.conn.close()

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        """Run a block as one write transaction; the lock keeps other coroutines' writes out of it."""
        async with self._write_lock:
            try:
                await self._begin()
                yield self.conn
                await self.conn.execute("COMMIT")
            except BaseException:
                # Also when BEGIN ran but its caller was cancelled, or COMMIT failed: a transaction
                # left open would make every later write on this shared connection fail.
                await _uninterrupted(self._roll_back_if_open())
                raise

    async def _roll_back_if_open(self) -> None:
        """Roll back the shared connection's open transaction, if any."""
        # The connection's one thread runs statements in order: once this SELECT has run, a BEGIN
        # still queued by a cancelled caller has run too, and in_transaction tells the truth.
        await self.conn.execute("SELECT 1")
        if self.conn.in_transaction:
            await self.conn.execute("ROLLBACK")

    @asynccontextmanager
    async def bulk(self) -> AsyncIterator[BulkSession]:
        """Open a connection of its own for a long job (ingest), used from worker threads."""
        conn = await asyncio.to_thread(self._open_bulk)
        session = BulkSession(conn, self._write_lock)
        self._sessions.add(session)
        self._sessions_done.clear()
        try:
            yield session
        finally:
            await _uninterrupted(asyncio.to_thread(conn.close))
            self._sessions.discard(session)
            if not self._sessions:
                self._sessions_done.set()

    async def read_in_thread(self, work: Callable[[sqlite3.Connection], T]) -> T:
        """Return `work(conn)` run in a worker thread on a connection of its own (reads only)."""
        # Large reads (the whole catalogue) neither queue behind nor hold up the shared
        # connection, whose one thread answers every command; WAL lets both read at once.
        async with self.bulk() as session:
            return await session.read(work)

    async def _begin(self) -> None:
        """Start a write transaction, waiting for other processes' writers without blocking reads."""
        deadline = time.monotonic() + BUSY_TIMEOUT_S
        while True:
            try:
                await self.conn.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.OperationalError as exc:
                if not is_busy(exc) or time.monotonic() > deadline:
                    raise
            await asyncio.sleep(LOCK_POLL_S)

    async def get_state(self, key: str) -> str | None:
        """Return the stored value for `key`, or None."""
        async with self.conn.execute("SELECT value FROM bot_state WHERE key = ?", (key,)) as cur:
            row = await cur.fetchone()
        return None if row is None else row[0]

    async def set_state(self, key: str, value: str | None) -> None:
        """Store `value` under `key`, replacing any earlier value."""
        async with self.transaction() as conn:
            await conn.execute(
                "INSERT INTO bot_state(key, value) VALUES (?, ?) "
                "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                (key, value),
            )

    async def schema_version(self) -> int:
        """Return the number of the last applied migration."""
        async with self.conn.execute("PRAGMA user_version") as cur:
            row = await cur.fetchone()
        return int(row[0]) if row else 0

    async def _migrate(self, migrations: list[Migration]) -> None:
        current = await self.schema_version()
        known = migrations[-1].number if migrations else 0
        if current > known:
            raise ConfigError(
                f"{self.path} has schema version {current}, newer than this code knows ({known}); "
                "update episode-bot or point DATABASE_PATH at another file."
            )
        for migration in migrations:
            if migration.number > current:
                await self._apply(migration)

    async def _apply(self, migration: Migration) -> None:
        # One transaction, which first checks that no other process applied it meanwhile; a
        # failing migration leaves the schema and user_version as they were.
        try:
            async with self.transaction() as conn:
                if await self.schema_version() >= migration.number:
                    return
                for statement in _statements(migration.sql):
                    await conn.execute(statement)
                await conn.execute(f"PRAGMA user_version = {migration.number}")
        except sqlite3.Error as exc:
            raise RuntimeError(f"migration {migration.name} failed: {exc}") from exc

    def _open_bulk(self) -> sqlite3.Connection:
        conn = sqlite3.connect(
            self.path, timeout=BUSY_TIMEOUT_S, isolation_level=None, check_same_thread=False
        )
        for pragma in _PRAGMAS:
            conn.execute(pragma)
        conn.execute(_SHORT_BUSY_WAIT)
        conn.execute(f"PRAGMA wal_autocheckpoint = {BULK_CHECKPOINT_PAGES}")
        conn.execute(f"PRAGMA cache_size = -{BULK_CACHE_KIB}")
        return conn


class Stopped(Exception):  # noqa: N818 (a request, not a failure)
    """Raise in a bulk job's thread when the job was asked to stop (Ctrl-C, shutdown)."""


class BulkSession:
    """One connection for a long job, driven from worker threads and stoppable at any moment.

    Work runs in a thread so the event loop stays free. If the awaiting task is cancelled, the
    work is told to stop (a running statement aborts within a few thousand SQLite steps), its
    transaction rolls back, and only then does the cancellation go on: nothing ever closes the
    connection under a running statement. Writes hold the database's write lock only while
    their own transaction is open, so other writers get in between two transactions.
    """

    def __init__(self, conn: sqlite3.Connection, write_lock: asyncio.Lock) -> None:
        self.conn = conn
        self.stop = threading.Event()
        self._write_lock = write_lock
        conn.set_progress_handler(self.stop.is_set, PROGRESS_STEPS)

    async def run(self, work: Callable[..., T], *args: object) -> T:
        """Return `work(*args)` run in a thread, holding no lock (reading, parsing)."""
        return await self._in_thread(work, *args)

    async def read(self, work: Callable[[sqlite3.Connection], T]) -> T:
        """Return `work(conn)` run in a thread outside any write transaction."""
        return await self._in_thread(work, self.conn)

    async def write(self, work: Callable[[sqlite3.Connection], T], *, patience: float | None = None) -> T:
        """Return `work(conn)` run in a thread inside one write transaction, committed at the end.

        `patience`: how long to wait for another process's transaction (default BUSY_TIMEOUT_S).
        """
        async with self._write_lock:
            return await self._in_thread(self._transaction, work, patience)

    async def checkpoint(self) -> None:
        """Copy the write-ahead log into the database without waiting for readers or writers."""
        # PASSIVE: copies what no reader still needs and returns; nothing is lost if it cannot.
        await self._in_thread(_checkpoint, self.conn)

    def check(self) -> None:
        """Raise Stopped when the job was asked to stop; call between pieces of work."""
        if self.stop.is_set():
            raise Stopped

    async def _in_thread(self, work: Callable[..., T], *args: object) -> T:
        future = asyncio.get_running_loop().run_in_executor(None, work, *args)
        try:
            return await asyncio.shield(future)
        except asyncio.CancelledError:
            self.stop.set()
            await _uninterrupted(future)
            raise

    def _transaction(self, work: Callable[[sqlite3.Connection], T], patience: float | None = None) -> T:
        self._begin(BUSY_TIMEOUT_S if patience is None else patience)
        try:
            result = work(self.conn)
            self.check()
            self.conn.execute("COMMIT")
        except BaseException:
            self._rollback()
            raise
        return result

    def _begin(self, patience: float) -> None:
        deadline = time.monotonic() + patience
        while True:
            self.check()
            try:
                self.conn.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.OperationalError as exc:
                if not is_busy(exc) or time.monotonic() > deadline:
                    raise
            time.sleep(LOCK_POLL_S)

    def _rollback(self) -> None:
        # An interrupted statement may already have rolled the whole transaction back.
        self.conn.set_progress_handler(None, 0)  # the rollback itself must never be interrupted
        try:
            if self.conn.in_transaction:
                self.conn.execute("ROLLBACK")
        finally:
            self.conn.set_progress_handler(self.stop.is_set, PROGRESS_STEPS)


def _checkpoint(conn: sqlite3.Connection) -> None:
    try:
        conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
    except sqlite3.OperationalError as exc:  # busy or stopped: the next checkpoint copies it
        log.debug("checkpoint skipped: %s", exc)


def _statements(script: str) -> Iterator[str]:
    """Split an SQL script into its statements (trigger bodies included whole)."""
    statement = ""
    for line in script.splitlines(keepends=True):
        statement += line
        if sqlite3.complete_statement(statement):
            yield statement
            statement = ""
    if statement.strip():
        yield statement


async def fetch_all(
    conn: aiosqlite.Connection, sql: str, params: Sequence[object] | Mapping[str, object] = ()
) -> list[Row]:
    """Run one SELECT and return its rows."""
    # One trip to the connection's thread (a cursor's execute, fetchall and close are three): each
    # trip waits for that thread to wake and then for the event loop, while other commands queue.
    return cast("list[Row]", list(await conn.execute_fetchall(sql, params)))


async def _while_busy(conn: aiosqlite.Connection, pragma: str) -> None:
    """Run `pragma`, trying again for up to BUSY_TIMEOUT_S while another connection has the file locked."""
    # Switching a new file to WAL while another process creates it too can fail at once with
    # "database is locked" (SQLite's busy handler is not called for it): two processes starting
    # on a fresh database, the bot and a CLI command, must both get in.
    deadline = time.monotonic() + BUSY_TIMEOUT_S
    while True:
        try:
            await conn.execute(pragma)
            return
        except sqlite3.OperationalError as exc:
            if not is_busy(exc) or time.monotonic() > deadline:
                raise
        await asyncio.sleep(LOCK_POLL_S)


def is_busy(exc: sqlite3.Error) -> bool:
    """Tell whether `exc` says another connection holds the lock."""
    code = getattr(exc, "sqlite_errorcode", None)
    return code in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED) or "locked" in str(exc)


async def _uninterrupted(awaitable: Awaitable[object]) -> None:
    """Wait for `awaitable` to finish even if this task is cancelled meanwhile; ignore its outcome."""
    future = asyncio.ensure_future(awaitable)
    cancelled = False
    while not future.done():
        try:
            await asyncio.shield(future)
        except asyncio.CancelledError:
            cancelled = cancelled or not future.cancelled()
        except BaseException:  # noqa: S110 (its outcome is not ours to report)
            pass
    if not future.cancelled():
        future.exception()  # retrieved, so asyncio does not log it as forgotten
    if cancelled:
        raise asyncio.CancelledError


async def _check_fts5(conn: aiosqlite.Connection) -> None:
    try:
        await conn.execute("CREATE VIRTUAL TABLE temp.fts5_probe USING fts5(x)")
        await conn.execute("DROP TABLE temp.fts5_probe")
    except sqlite3.OperationalError as exc:
        raise ConfigError(
            f"this Python's SQLite ({sqlite3.sqlite_version}) lacks FTS5, which search needs; "
            "use a Python build with FTS5 enabled."
        ) from exc
