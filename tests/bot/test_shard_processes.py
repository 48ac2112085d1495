"""Two `python -m bot` processes, one shard each, on one database: every server served once, by its shard."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import datetime as dt
import signal
from collections.abc import AsyncIterator
from pathlib import Path

from bot.announce.service import AnnounceService
from bot.app.render import announce as announce_render
from bot.app.render import daily as daily_render
from bot.config import Settings
from bot.daily.clock import ManualClock, SystemClock
from bot.daily.service import DailyService
from bot.knowledge import KnowledgeBase
from bot.shards import Shards
from bot.storage import Database
from tests.cogs.conftest import page
from tests.emulator import Emulator
from tests.emulator.fixtures import BotProcess, bot_process
from tests.emulator.model import MANAGE_GUILD, Channel, Guild, Member

SHARDS = 2
SYNC = "PUT /applications/{application_id}/commands"
TIDAL = page(
    "Tidal Rivers | The Tidal Hour #14",
    [("Estuaries breathe twice a day.", "Mara Quill", "3:10")],
    takeaways=("Estuaries breathe twice a day.", "Salt wedges move with the moon."),
)
NEW = page(
    "Slow Deltas | The Tidal Hour #15",
    [("A delta is a river's memory.", "Mara Quill", "1:00")],
    takeaways=("Deltas grow by forgetting.",),
)


@dataclasses.dataclass
class Server:
    """A guild on a known shard, with its #general and an admin."""

    guild: Guild
    channel: Channel
    admin: Member


async def server_on(emu: Emulator, shard_id: int) -> Server:
    guild = await emu.create_guild(f"Shard {shard_id} fans", shard=(shard_id, SHARDS))
    channel = await emu.create_channel(guild)
    return Server(
        guild, channel, await emu.create_member(guild, f"admin{shard_id}", permissions=MANAGE_GUILD)
    )


async def schedule_daily(settings: Settings, servers: list[Server]) -> None:
    """Set every server's daily post for 00:00 UTC, as if done just before midnight: due today."""
    today = dt.datetime.now(dt.UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    db = await Database.open(settings.database_path)
    try:
        service = DailyService(db, _no_pool, ManualClock(today - dt.timedelta(seconds=1)))
        for server in servers:
            await service.set(server.guild.id, server.channel.id, "00:00", "UTC", None)
    finally:
        await db.close()


async def _no_pool(_show: str | None) -> list[object]:
    return []


def shard_settings(settings: Settings, shard_id: int) -> Settings:
    return dataclasses.replace(settings, shards=Shards(SHARDS, (shard_id,)), log_level="INFO")


@contextlib.asynccontextmanager
async def shard_process(settings: Settings, shard_id: int) -> AsyncIterator[BotProcess]:
    log = settings.database_path.with_name(f"shard-{shard_id}.log")
    async with bot_process(shard_settings(settings, shard_id), log_path=log) as proc:
        yield proc


def headings(emu: Emulator, server: Server) -> list[str]:
    return [post.embeds[0]["author"]["name"] for post in emu.posts_in(server.channel)]


async def test_two_shard_processes_post_each_daily_once_and_answer_on_every_shard(
    emulator: Emulator, bot_settings: Settings, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / "tidal-14.txt").write_text(TIDAL, encoding="utf-8")
    settings = dataclasses.replace(bot_settings, data_dir=data)
    servers = [await server_on(emulator, shard_id) for shard_id in range(SHARDS)]
    await schedule_daily(settings, servers)

    # Shard 1's process starts first and must not sync; shard 0's does, once.
    async with shard_process(settings, 1) as second:
        await emulator.wait_until(lambda: emulator.sessions_of(1) and emulator.sessions_of(1)[0].ready,
                                  within=30, what="shard 1's session")  # fmt: skip
        assert not [r for r in emulator.requests if r[0] == SYNC], second.output
        async with shard_process(settings, 0) as first:
            await emulator.wait_for_shards(SHARDS)
            for server in servers:
                await emulator.wait_for_posts(server.channel, 1, within=15)

            for server in servers:  # each server's commands reach its own shard's process
                status = await emulator.invoke("/daily status", member=server.admin, channel=server.channel)
                assert f"<#{server.channel.id}> every day at 00:00 (UTC)" in status.message.content
                assert "Last post:" in status.message.content
                ix = await emulator.invoke("/announce set", member=server.admin, channel=server.channel,
                                           options={"channel": server.channel})  # fmt: skip
                assert "Episodes already here are not announced" in ix.message.content

            (data / "deltas-15.txt").write_text(NEW, encoding="utf-8")
            for server in servers:
                await emulator.wait_for_posts(server.channel, 2, within=15)
            await asyncio.sleep(1.0)  # room for a duplicate to show up, were there one
            codes = await asyncio.gather(first.stop(signal.SIGTERM), second.stop(signal.SIGTERM))
    assert codes == [0, 0], first.output + second.output

    for server in servers:
        assert headings(emulator, server) == [daily_render.HEADING, announce_render.HEADING]
    assert emulator.posts_in(emulator.channel) == []  # the default server has no schedule
    assert [status for route, status in emulator.requests if route == SYNC] == [200]
    assert "synced by the process holding shard 0; not syncing here" in second.output
    assert "on shards 1 of 2" in second.output
    assert "on shards 0 of 2" in first.output


async def test_two_processes_holding_the_same_shard_still_post_once(
    emulator: Emulator, bot_settings: Settings, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / "tidal-14.txt").write_text(TIDAL, encoding="utf-8")
    settings = dataclasses.replace(bot_settings, data_dir=data)
    servers = [await server_on(emulator, 1) for _ in range(3)]
    await schedule_daily(settings, servers)
    await announce_in(settings, servers)

    # A misconfiguration, or a restart that overlaps the old process: both connect shard 1.
    async with shard_process(settings, 1) as first, shard_process(settings, 1) as second:
        await emulator.wait_until(lambda: sum(s.ready for s in emulator.sessions_of(1)) == 2,
                                  within=30, what="both sessions of shard 1")  # fmt: skip
        for server in servers:
            await emulator.wait_for_posts(server.channel, 1, within=15)
        (data / "deltas-15.txt").write_text(NEW, encoding="utf-8")
        for server in servers:
            await emulator.wait_for_posts(server.channel, 2, within=15)
        await asyncio.sleep(1.0)  # room for a duplicate to show up, were there one
        codes = await asyncio.gather(first.stop(signal.SIGTERM), second.stop(signal.SIGTERM))
    assert codes == [0, 0], first.output + second.output
    for server in servers:
        assert headings(emulator, server) == [daily_render.HEADING, announce_render.HEADING]


async def announce_in(settings: Settings, servers: list[Server]) -> None:
    """Load the data, then switch announcements on in every server (what is there is not announced)."""
    db = await Database.open(settings.database_path)
    try:
        await KnowledgeBase(db).ingest([settings.data_dir])
        for server in servers:
            await AnnounceService(db, SystemClock()).set(server.guild.id, server.channel.id, None)
    finally:
        await db.close()
