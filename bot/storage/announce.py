"""Every query new-episode announcements run: per-server settings and the per-episode ledger.

Writers take an open connection so callers compose them inside one `Database.transaction()`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import aiosqlite

from bot.shards import Shards
from bot.storage.sharding import shard_condition

SENDING, SENT, RETRY, FAILED = "sending", "sent", "retry", "failed"
_SELECT_SETTINGS = (
    "SELECT guild_id, channel_id, role_id, since_seq, paused_reason, created_at, updated_at "
    "FROM announce_settings "
)
_SELECT_ENTRY = (
    "SELECT guild_id, episode_key, state, nonce, channel_id, attempts, claimed_at, next_attempt, "
    "message_id, error FROM announce_ledger "
)


@dataclass(frozen=True, slots=True)
class Settings:
    """Hold one server's announcement settings."""

    guild_id: int
    channel_id: int
    role_id: int | None
    since_seq: int
    paused_reason: str | None
    created_at: int
    updated_at: int


@dataclass(frozen=True, slots=True)
class Entry:
    """Hold what happened to one episode's announcement in one server."""

    guild_id: int
    episode_key: str
    state: str
    nonce: int
    channel_id: int
    attempts: int
    claimed_at: int
    next_attempt: int | None
    message_id: int | None
    error: str | None


async def latest_arrival(conn: aiosqlite.Connection) -> int:
    """Return the newest arrival's number (0 when nothing ever arrived)."""
    rows = list(await conn.execute_fetchall("SELECT coalesce(max(seq), 0) FROM episode_arrivals"))
    return int(rows[0][0])


async def get_settings(conn: aiosqlite.Connection, guild_id: int) -> Settings | None:
    """Return the server's settings, or None when announcements are off."""
    rows = list(await conn.execute_fetchall(_SELECT_SETTINGS + "WHERE guild_id = ?", (guild_id,)))
    return Settings(*rows[0]) if rows else None


async def save_settings(
    conn: aiosqlite.Connection,
    guild_id: int,
    *,
    channel_id: int,
    role_id: int | None,
    since_seq: int,
    now: int,
) -> None:
    """Switch announcements on, or change the channel and role (keeping since_seq); clears a pause."""
    await conn.execute(
        "INSERT INTO announce_settings(guild_id, channel_id, role_id, since_seq, paused_reason, "
        "created_at, updated_at) VALUES (?, ?, ?, ?, NULL, ?, ?) ON CONFLICT(guild_id) DO UPDATE SET "
        "channel_id = excluded.channel_id, role_id = excluded.role_id, paused_reason = NULL, "
        "updated_at = excluded.updated_at",
        (guild_id, channel_id, role_id, since_seq, now, now),
    )


async def delete_settings(conn: aiosqlite.Connection, guild_id: int) -> bool:
    """Switch announcements off (the ledger stays); tell whether they were on."""
    cur = await conn.execute("DELETE FROM announce_settings WHERE guild_id = ?", (guild_id,))
    return cur.rowcount > 0


async def pause(conn: aiosqlite.Connection, guild_id: int, reason: str, now: int) -> None:
    """Stop posting for the server until /announce set, keeping the reason."""
    await conn.execute(
        "UPDATE announce_settings SET paused_reason = ?, updated_at = ? WHERE guild_id = ?",
        (reason, now, guild_id),
    )


async def servers_with_work(
    conn: aiosqlite.Connection, now: int, *, shards: Shards | None = None
) -> list[int]:
    """Return active servers (of `shards`) with an episode to announce or a retry that is due."""
    mine, params = shard_condition("s.guild_id", shards)
    rows = list(
        await conn.execute_fetchall(
            f"SELECT s.guild_id FROM announce_settings s WHERE s.paused_reason IS NULL{mine} AND ("  # noqa: S608
            " EXISTS (SELECT 1 FROM episode_arrivals a JOIN episodes e ON e.key = a.key"
            "  WHERE a.seq > s.since_seq AND a.announce = 1 AND NOT EXISTS (SELECT 1 FROM announce_ledger l"
            "  WHERE l.guild_id = s.guild_id AND l.episode_key = a.key))"
            " OR EXISTS (SELECT 1 FROM announce_ledger l WHERE l.guild_id = s.guild_id AND l.state = 'retry'"
            "  AND l.next_attempt <= ?)) ORDER BY s.guild_id",
            (*params, now),
        )
    )
    return [row[0] for row in rows]


async def unannounced(conn: aiosqlite.Connection, guild_id: int, since_seq: int) -> list[str]:
    """Return keys of stored episodes that arrived after `since_seq` with no ledger row, oldest first."""
    rows = list(
        await conn.execute_fetchall(
            "SELECT a.key FROM episode_arrivals a JOIN episodes e ON e.key = a.key "
            "WHERE a.seq > ? AND a.announce = 1 AND NOT EXISTS (SELECT 1 FROM announce_ledger l "
            "WHERE l.guild_id = ? AND l.episode_key = a.key) ORDER BY a.seq",
            (since_seq, guild_id),
        )
    )
    return [row[0] for row in rows]


async def due_retries(conn: aiosqlite.Connection, guild_id: int, now: int) -> list[Entry]:
    """Return the server's ledger rows waiting to be sent again, by post (nonce) and age."""
    rows = list(
        await conn.execute_fetchall(
            _SELECT_ENTRY + "WHERE guild_id = ? AND state = 'retry' AND next_attempt <= ? "
            "ORDER BY nonce, claimed_at",
            (guild_id, now),
        )
    )
    return [Entry(*row) for row in rows]


async def claim(
    conn: aiosqlite.Connection, guild_id: int, keys: Sequence[str], *, nonce: int, channel_id: int, now: int
) -> bool:
    """Claim one post's episodes ('sending'), over nothing or a 'retry' row; tell whether all took."""
    taken = 0
    for key in keys:
        cur = await conn.execute(
            "INSERT INTO announce_ledger(guild_id, episode_key, state, nonce, channel_id, attempts, "
            "claimed_at) VALUES (?, ?, 'sending', ?, ?, 1, ?) "
            "ON CONFLICT(guild_id, episode_key) DO UPDATE SET state = 'sending', "
            "channel_id = excluded.channel_id, attempts = announce_ledger.attempts + 1, "
            "claimed_at = excluded.claimed_at, next_attempt = NULL "
            "WHERE announce_ledger.state = 'retry' AND announce_ledger.nonce = excluded.nonce",
            (guild_id, key, nonce, channel_id, now),
        )
        taken += cur.rowcount
    return taken == len(keys)


async def finish(
    conn: aiosqlite.Connection,
    guild_id: int,
    nonce: int,
    state: str,
    *,
    message_id: int | None = None,
    next_attempt: int | None = None,
    error: str | None = None,
) -> None:
    """Record the outcome of one post (every episode it carried)."""
    await conn.execute(
        "UPDATE announce_ledger SET state = ?, message_id = ?, next_attempt = ?, error = ? "
        "WHERE guild_id = ? AND nonce = ? AND state IN ('sending', 'retry')",
        (state, message_id, next_attempt, error, guild_id, nonce),
    )


async def drop_keys(conn: aiosqlite.Connection, guild_id: int, keys: Sequence[str], reason: str) -> None:
    """Give up on episodes that are gone before their post could be sent again."""
    await conn.executemany(
        "UPDATE announce_ledger SET state = 'failed', error = ?, next_attempt = NULL "
        "WHERE guild_id = ? AND episode_key = ? AND state = 'retry'",
        [(reason, guild_id, key) for key in keys],
    )


async def latest_entry(conn: aiosqlite.Connection, guild_id: int) -> Entry | None:
    """Return the server's most recently claimed ledger row, or None."""
    rows = list(
        await conn.execute_fetchall(
            _SELECT_ENTRY + "WHERE guild_id = ? ORDER BY claimed_at DESC, episode_key LIMIT 1", (guild_id,)
        )
    )
    return Entry(*rows[0]) if rows else None


async def last_sent(conn: aiosqlite.Connection, guild_id: int) -> Entry | None:
    """Return the server's most recent posted announcement, or None."""
    rows = list(
        await conn.execute_fetchall(
            _SELECT_ENTRY + "WHERE guild_id = ? AND state = 'sent' ORDER BY claimed_at DESC LIMIT 1",
            (guild_id,),
        )
    )
    return Entry(*rows[0]) if rows else None


async def next_retry(conn: aiosqlite.Connection, *, shards: Shards | None = None) -> int | None:
    """Return when the earliest retry of an active server (of `shards`) is due (unix seconds), or None."""
    mine, params = shard_condition("l.guild_id", shards)
    rows = list(
        await conn.execute_fetchall(
            "SELECT min(l.next_attempt) FROM announce_ledger l JOIN announce_settings s USING (guild_id) "  # noqa: S608
            f"WHERE l.state = 'retry' AND s.paused_reason IS NULL{mine}",
            params,
        )
    )
    return rows[0][0] if rows else None
