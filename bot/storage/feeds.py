"""Per-feed fetch state: validators, last result, backoff and when each feed is next due."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.storage.database import Database, Row, fetch_all

_COLUMNS = (
    "url, title, etag, last_modified, body_hash, last_fetch, last_success, result, ok, failures, items, "
    "next_due"
)


@dataclass(frozen=True, slots=True)
class FeedState:
    """Hold what the database knows about one feed."""

    url: str
    title: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    body_hash: str | None = None
    last_fetch: int | None = None
    last_success: int | None = None
    result: str | None = None
    ok: bool = True
    failures: int = 0
    items: int | None = None
    next_due: int = 0


async def load_feed_states(db: Database) -> dict[str, FeedState]:
    """Return every stored feed state by URL."""
    rows = await fetch_all(db.conn, f"SELECT {_COLUMNS} FROM feeds")  # noqa: S608 (constant)
    return {row[0]: _state(row) for row in rows}


def _state(row: Row) -> FeedState:
    url, title, etag, modified, body_hash, fetched, succeeded, result, ok, failures, items, due = row
    return FeedState(url, title, etag, modified, body_hash, fetched, succeeded, result, bool(ok), failures,
                     items, due)  # fmt: skip


async def claim_due(db: Database, urls: Sequence[str], now: int, lease: int) -> list[FeedState]:
    """Return the listed feeds due at `now`, moving their due time `lease` seconds ahead first.

    Claiming in one write transaction keeps two processes (the bot and `feeds fetch`) from reading
    the same feed at once; a crashed poll only delays the feed by the lease.
    """
    claimed = []
    async with db.transaction() as conn:
        await conn.executemany("INSERT OR IGNORE INTO feeds(url) VALUES (?)", [(url,) for url in urls])
        for url in urls:
            due = await fetch_all(
                conn,
                f"SELECT {_COLUMNS} FROM feeds WHERE url = ? AND next_due <= ?",  # noqa: S608 (constant)
                (url, now),
            )
            if due:
                await conn.execute("UPDATE feeds SET next_due = ? WHERE url = ?", (now + lease, url))
                claimed.append(_state(due[0]))
    return claimed


async def save_feed_state(db: Database, state: FeedState) -> None:
    """Store a feed's state after an attempt."""
    async with db.transaction() as conn:
        await conn.execute(
            f"INSERT OR REPLACE INTO feeds({_COLUMNS}) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",  # noqa: S608
            (state.url, state.title, state.etag, state.last_modified, state.body_hash, state.last_fetch,
             state.last_success, state.result, int(state.ok), state.failures, state.items, state.next_due),
        )  # fmt: skip


async def delete_feed_state(db: Database, url: str) -> None:
    """Forget a feed that is no longer listed."""
    async with db.transaction() as conn:
        await conn.execute("DELETE FROM feeds WHERE url = ?", (url,))
