"""Episode arrivals: when each episode key first appeared, and whether it may be announced."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Collection

from bot.storage.database import Database


async def seed_silently(db: Database, keys: Collection[str]) -> None:
    """Record `keys` as arrived and never to be announced (a feed's back catalogue), unless known."""
    async with db.transaction() as conn:
        await conn.executemany(
            "INSERT OR IGNORE INTO episode_arrivals(key, first_seen, announce) VALUES (?, ?, 0)",
            [(key, int(time.time())) for key in keys],
        )


def seed_silently_in(conn: sqlite3.Connection, keys: Collection[str]) -> None:
    """Do what seed_silently does inside the caller's own sqlite3 transaction."""
    conn.executemany(
        "INSERT OR IGNORE INTO episode_arrivals(key, first_seen, announce) VALUES (?, ?, 0)",
        [(key, int(time.time())) for key in keys],
    )
