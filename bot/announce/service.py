"""What the /announce commands do, without Discord: set, stop, status, forget."""

from __future__ import annotations

from dataclasses import dataclass

from bot.daily.clock import Clock
from bot.daily.sweep import epoch
from bot.storage import Database
from bot.storage import announce as store


@dataclass(frozen=True, slots=True)
class Status:
    """Hold what /announce status shows."""

    settings: store.Settings
    last_sent: store.Entry | None
    latest: store.Entry | None  # the most recent attempt, whatever became of it


class AnnounceService:
    """Change and read a server's announcement settings."""

    def __init__(self, db: Database, clock: Clock) -> None:
        self.db, self.clock = db, clock

    async def set(self, guild_id: int, channel_id: int, role_id: int | None) -> tuple[store.Settings, bool]:
        """Switch announcements on (or change channel and role, resuming a pause); tell if newly on."""
        async with self.db.transaction() as conn:
            previous = await store.get_settings(conn, guild_id)
            # Switching on seeds silently: every episode already here counts as announced. Changing
            # the settings (or resuming after a pause) keeps the mark, so nothing in between is lost.
            since = previous.since_seq if previous else await store.latest_arrival(conn)
            now = epoch(self.clock.now())
            await store.save_settings(
                conn, guild_id, channel_id=channel_id, role_id=role_id, since_seq=since, now=now
            )
            saved = await store.get_settings(conn, guild_id)
        assert saved is not None  # noqa: S101 (written in the same transaction)
        return saved, previous is None

    async def stop(self, guild_id: int) -> bool:
        """Switch announcements off; tell whether they were on. The ledger stays: nothing is reposted."""
        async with self.db.transaction() as conn:
            return await store.delete_settings(conn, guild_id)

    async def forget(self, guild_id: int) -> None:
        """Drop the settings of a server the bot has left (its ledger stays)."""
        await self.stop(guild_id)

    async def status(self, guild_id: int) -> Status | None:
        """Return the settings and the last posts, or None when announcements are off."""
        conn = self.db.conn
        settings = await store.get_settings(conn, guild_id)
        if settings is None:
            return None
        return Status(
            settings, await store.last_sent(conn, guild_id), await store.latest_entry(conn, guild_id)
        )
