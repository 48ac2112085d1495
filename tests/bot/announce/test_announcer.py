"""The announcement pass without Discord: claims, retries under one nonce, removals, two processes."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest

from bot.announce.announcer import MAX_SINGLE, Announcer, Post
from bot.announce.service import AnnounceService
from bot.daily.clock import ManualClock
from bot.daily.sweep import PauseError, RetryError
from bot.knowledge import KnowledgeBase
from bot.shards import Shards
from bot.storage import Database
from bot.storage import announce as store
from tests.bot.kb_pages import ROSOLIE_PAGE, copy_seed, write

GUILD = 7


class FakeDiscord:
    """Record posts; raise the queued errors first, one per call."""

    def __init__(self) -> None:
        self.posts: list[Post] = []
        self.errors: list[BaseException] = []

    async def __call__(self, post: Post) -> int:
        if self.errors:
            raise self.errors.pop(0)
        self.posts.append(post)
        return 1000 + len(self.posts)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(dt.datetime(2026, 6, 1, 8, 0, tzinfo=dt.UTC))


@pytest.fixture
async def kb(db, tmp_path, clock):
    knowledge = KnowledgeBase(db)
    await knowledge.ingest([copy_seed(tmp_path / "data")])
    await AnnounceService(db, clock).set(GUILD, channel_id=1, role_id=None)
    return knowledge


async def add(kb: KnowledgeBase, tmp_path, *names: str) -> None:
    for name in names:
        write(tmp_path / "data" / f"{name}.txt", ROSOLIE_PAGE.replace("#489", f"#{len(name)}"))
    await kb.ingest([tmp_path / "data"])


def announcer(
    kb: KnowledgeBase, clock: ManualClock, discord: FakeDiscord, db: Database | None = None
) -> Announcer:
    return Announcer(db or kb.db, kb, discord, clock, rate=None)


async def test_only_episodes_arriving_after_set_are_announced_once(kb, tmp_path, clock):
    discord = FakeDiscord()
    assert (await announcer(kb, clock, discord).run_once()).claimed == 0
    await add(kb, tmp_path, "new")
    await announcer(kb, clock, discord).run_once()
    await announcer(kb, clock, discord).run_once()
    assert [p.keys for p in discord.posts] == [("new",)]
    assert discord.posts[0].cards[0].episode.key == "new"


async def test_more_than_three_at_once_make_one_summary(kb, tmp_path, clock):
    discord = FakeDiscord()
    names = [f"ep{n}" for n in range(MAX_SINGLE + 1)]
    await add(kb, tmp_path, *names)
    await announcer(kb, clock, discord).run_once()
    [post] = discord.posts
    assert post.summary
    assert set(post.keys) == set(names)


async def test_a_transient_failure_is_retried_later_as_the_same_post(kb, tmp_path, clock):
    discord = FakeDiscord()
    discord.errors.append(RetryError("Discord answered 503"))
    await add(kb, tmp_path, "new")
    first = announcer(kb, clock, discord)
    assert (await first.run_once()).retried == 1
    assert await first.next_wait(await first.run_once()) == 60  # not due yet: nothing sent
    clock.advance(dt.timedelta(seconds=60))
    assert (await first.run_once()).sent == 1
    rows = await db_rows(kb.db)
    assert [(r.state, r.attempts) for r in rows] == [("sent", 2)]
    assert rows[0].nonce == discord.posts[0].nonce


async def test_a_pause_keeps_the_post_for_when_the_channel_is_fixed(kb, tmp_path, clock):
    discord = FakeDiscord()
    discord.errors.append(PauseError("the channel no longer exists"))
    await add(kb, tmp_path, "new")
    assert (await announcer(kb, clock, discord).run_once()).paused == 1
    assert (await announcer(kb, clock, discord).run_once()).claimed == 0
    await AnnounceService(kb.db, clock).set(GUILD, channel_id=2, role_id=None)
    await announcer(kb, clock, discord).run_once()
    assert [(p.keys, p.channel_id) for p in discord.posts] == [(("new",), 2)]


async def test_an_episode_removed_before_its_retry_is_given_up(kb, tmp_path, clock):
    discord = FakeDiscord()
    discord.errors.append(RetryError("network error (ClientError)"))
    await add(kb, tmp_path, "new")
    await announcer(kb, clock, discord).run_once()
    (tmp_path / "data" / "new.txt").unlink()
    await kb.ingest([tmp_path / "data"])
    clock.advance(dt.timedelta(hours=1))
    await announcer(kb, clock, discord).run_once()
    assert discord.posts == []
    assert [r.state for r in await db_rows(kb.db)] == ["failed"]


async def test_two_processes_post_each_episode_once(kb, tmp_path, clock):
    await add(kb, tmp_path, "new")
    other_db = await Database.open(kb.db.path)
    try:
        other_kb = KnowledgeBase(other_db)
        await other_kb.refresh()
        discord = FakeDiscord()
        await asyncio.gather(
            announcer(kb, clock, discord).run_once(), announcer(other_kb, clock, discord, other_db).run_once()
        )
    finally:
        await other_db.close()
    assert [p.keys for p in discord.posts] == [("new",)]


async def db_rows(db: Database) -> list[store.Entry]:
    rows = await db.conn.execute_fetchall("SELECT * FROM announce_ledger")
    return [store.Entry(*row) for row in rows]


def on_shard(shard_id: int, count: int, n: int) -> int:
    """Return the n-th made-up guild id that Discord routes to `shard_id` of `count`."""
    return (((1000 + n) * count + shard_id) << 22) | 7


async def test_a_process_announces_only_in_its_shards_servers(kb, tmp_path, clock):
    others = [on_shard(1, 2, n) for n in range(3)]
    for guild_id in others:
        await AnnounceService(kb.db, clock).set(guild_id, channel_id=guild_id, role_id=None)
    await add(kb, tmp_path, "new")
    discord = FakeDiscord()
    first = Announcer(kb.db, kb, discord, clock, rate=None, shards=Shards(2, (0,)))
    stats = await first.run_once()
    assert [p.guild_id for p in discord.posts] == [GUILD]  # guild 7 is on shard 0
    assert (stats.servers, stats.not_visible) == (1, 0)  # the others are not this process's to wait for
    second = Announcer(kb.db, kb, discord, clock, rate=None, shards=Shards(2, (1,)))
    await second.run_once()
    assert sorted(p.guild_id for p in discord.posts[1:]) == others


async def test_retries_of_another_shards_servers_never_wake_a_process(kb, tmp_path, clock):
    other = on_shard(1, 2, 0)
    await AnnounceService(kb.db, clock).set(other, channel_id=1, role_id=None)
    await add(kb, tmp_path, "new")
    failing = FakeDiscord()
    failing.errors.append(RetryError("Discord answered 503"))
    await Announcer(kb.db, kb, failing, clock, rate=None, shards=Shards(2, (1,))).run_once()
    clock.advance(dt.timedelta(hours=1))  # the other server's retry is overdue (its process is down)
    mine = Announcer(kb.db, kb, FakeDiscord(), clock, rate=None, shards=Shards(2, (0,)))
    stats = await mine.run_once()
    assert await mine.next_wait(stats) is None  # not 0: no busy loop over another process's retry
    assert await Announcer(kb.db, kb, FakeDiscord(), clock, rate=None).next_wait(stats) == 0


async def test_processes_whose_shards_overlap_announce_in_each_server_once(kb, tmp_path, clock):
    guilds = [GUILD] + [on_shard(shard, 3, n) for shard in range(3) for n in range(3)]
    for guild_id in guilds[1:]:
        await AnnounceService(kb.db, clock).set(guild_id, channel_id=guild_id, role_id=None)
    await add(kb, tmp_path, "new")
    other_db = await Database.open(kb.db.path)
    try:
        other_kb = KnowledgeBase(other_db)
        await other_kb.refresh()
        discord = FakeDiscord()
        one = Announcer(kb.db, kb, discord, clock, rate=None, shards=Shards(3, (0, 1)))
        two = Announcer(other_db, other_kb, discord, clock, rate=None, shards=Shards(3, (1, 2)))
        await asyncio.gather(one.run_once(), two.run_once(), one.run_once(), two.run_once())
    finally:
        await other_db.close()
    assert sorted(p.guild_id for p in discord.posts) == sorted(guilds)
    assert {p.keys for p in discord.posts} == {("new",)}
