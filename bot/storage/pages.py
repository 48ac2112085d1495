"""Arguments of paged lists kept for their buttons: bounded per member, expired when unused."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.storage.database import Database

PER_MEMBER = 100  # a member's newest long lists whose buttons keep working
KEEP_S = 30 * 86_400  # a list nobody sent or paged for this long has expired
TOUCH_S = 86_400  # paging refreshes a list's age at most this often (a write per click would be waste)
MAX_ROWS = 100_000  # a hard ceiling whatever the number of members
_CEILING_EVERY = 256  # check MAX_ROWS on one insert in this many: counting is not free


async def keep(db: Database, digest: str, arg: str, user_id: int, now: int) -> None:
    """Store `arg` under `digest` for member `user_id` (or refresh it), dropping what is over a bound."""
    async with db.conn.execute("SELECT used_at FROM page_args WHERE digest = ?", (digest,)) as cur:
        row = await cur.fetchone()
    if row is not None and now - row[0] < TOUCH_S:
        return
    async with db.transaction() as conn:
        cursor = await conn.execute(
            "INSERT INTO page_args(digest, arg, user_id, used_at) VALUES (?, ?, ?, ?) "
            "ON CONFLICT(digest) DO UPDATE SET used_at = excluded.used_at",
            (digest, arg, str(user_id), now),
        )
        inserted = row is None
        await conn.execute(
            "DELETE FROM page_args WHERE user_id = ? AND digest NOT IN (SELECT digest FROM page_args "
            "WHERE user_id = ? ORDER BY used_at DESC, rowid DESC LIMIT ?)",
            (str(user_id), str(user_id), PER_MEMBER),
        )
        await conn.execute("DELETE FROM page_args WHERE used_at < ?", (now - KEEP_S,))
        if inserted and (cursor.lastrowid or 0) % _CEILING_EVERY == 0:
            await conn.execute(
                "DELETE FROM page_args WHERE digest IN (SELECT digest FROM page_args "
                "ORDER BY used_at DESC, rowid DESC LIMIT -1 OFFSET ?)",
                (MAX_ROWS,),
            )


async def find(db: Database, digest: str, now: int) -> str | None:
    """Return the argument stored under `digest`, refreshing its age; None once it expired."""
    async with db.conn.execute("SELECT arg, used_at FROM page_args WHERE digest = ?", (digest,)) as cur:
        row = await cur.fetchone()
    if row is None or now - row[1] >= KEEP_S:
        return None
    if now - row[1] >= TOUCH_S:
        async with db.transaction() as conn:
            await conn.execute("UPDATE page_args SET used_at = ? WHERE digest = ?", (now, digest))
    arg: str = row[0]
    return arg
