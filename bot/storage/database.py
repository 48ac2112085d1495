"""Open the SQLite database, apply migrations, and serialise every write."""

from __future__ import annotations

import asyncio
import re
import sqlite3
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import TypeVar

import aiosqlite

from bot.errors import ConfigError
from bot.storage import location

T = TypeVar("T")
BUSY_TIMEOUT_S = 10.0
_MIGRATION_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")
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
        self._bulk: sqlite3.Connection | None = None

    @classmethod
    async def open(cls, path: Path | str, migrations: list[Migration] | None = None) -> Database:
        """Open (creating if needed) the database at `path` and bring its schema up to date."""
        path = Path(path)
        location.prepare(path)  # ConfigError naming DATABASE_PATH when it cannot be a database
        try:
            # isolation_level=None: we issue BEGIN/COMMIT ourselves, so nothing commits behind our back.
            conn = await aiosqlite.connect(path, timeout=BUSY_TIMEOUT_S, isolation_level=None)
        except sqlite3.Error as exc:
            raise location.unusable(path, exc) from None
        try:
            try:
                for pragma in _PRAGMAS:
                    await conn.execute(pragma)
            except sqlite3.Error as exc:  # the first statements read the file: not a database, locked out
                raise location.unusable(path, exc) from None
            await _check_fts5(conn)
            db = cls(path, conn)
            await db._migrate(load_migrations() if migrations is None else migrations)
        except BaseException:
            await conn.close()
            raise
        return db

    async def close(self) -> None:
        """Close both connections; an unclosed aiosqlite thread would keep the process alive."""
        async with self._write_lock:
            if self._bulk is not None:
                await asyncio.to_thread(self._bulk.close)
                self._bulk = None
        await self.conn.close()

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        """Run a block as one write transaction; the lock keeps other coroutines' writes out of it."""
        async with self._write_lock:
            await self.conn.execute("BEGIN IMMEDIATE")
            try:
                yield self.conn
            except BaseException:
                await self.conn.execute("ROLLBACK")
                raise
            await self.conn.execute("COMMIT")

    async def write_in_thread(self, work: Callable[[sqlite3.Connection], T]) -> T:
        """Run `work` with a plain sqlite3 connection in a worker thread, holding the write lock."""
        # For bulk writers (ingest): thousands of statements cost one thread hop instead of one
        # aiosqlite round trip each, and the event loop stays free. `work` manages its own
        # transactions and must leave none open.
        async with self._write_lock:
            if self._bulk is None:
                self._bulk = await asyncio.to_thread(self._open_bulk)
            return await asyncio.to_thread(work, self._bulk)

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
        # executescript commits any open transaction first, so the script carries its own
        # BEGIN/COMMIT: a failing migration leaves the schema and user_version as they were.
        script = f"BEGIN IMMEDIATE;\n{migration.sql}\n;PRAGMA user_version = {migration.number};\nCOMMIT;"
        async with self._write_lock:
            try:
                await self.conn.executescript(script)
            except sqlite3.Error as exc:
                if self.conn.in_transaction:
                    await self.conn.execute("ROLLBACK")
                raise RuntimeError(f"migration {migration.name} failed: {exc}") from exc

    def _open_bulk(self) -> sqlite3.Connection:
        conn = sqlite3.connect(
            self.path, timeout=BUSY_TIMEOUT_S, isolation_level=None, check_same_thread=False
        )
        for pragma in _PRAGMAS:
            conn.execute(pragma)
        return conn


async def _check_fts5(conn: aiosqlite.Connection) -> None:
    try:
        await conn.execute("CREATE VIRTUAL TABLE temp.fts5_probe USING fts5(x)")
        await conn.execute("DROP TABLE temp.fts5_probe")
    except sqlite3.OperationalError as exc:
        raise ConfigError(
            f"this Python's SQLite ({sqlite3.sqlite_version}) lacks FTS5, which search needs; "
            "use a Python build with FTS5 enabled."
        ) from exc
