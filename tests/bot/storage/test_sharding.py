"""The SQL shard condition picks exactly the servers Shards.owns picks, for real-sized snowflakes."""

import random

import pytest

from bot.shards import Shards
from bot.storage.sharding import shard_condition


@pytest.mark.parametrize(
    "shards",
    [
        Shards(4, (0,)),
        Shards(4, (1, 2)),
        Shards(16, (0, 1, 2, 7, 9, 10, 15)),
        Shards(3, (2,)),
        Shards.every(5),
    ],
    ids=lambda s: s.describe(),
)
async def test_sql_and_python_agree_on_which_servers_are_this_processes(db, shards):
    rng = random.Random(13)  # noqa: S311 (test data)
    guilds = [rng.randrange(1 << 22, 1 << 63) for _ in range(2000)] + [(1 << 63) - 1, 1 << 22]
    await db.conn.execute("CREATE TEMP TABLE g (guild_id INTEGER PRIMARY KEY)")
    await db.conn.executemany("INSERT INTO g VALUES (?)", [(g,) for g in guilds])
    condition, params = shard_condition("guild_id", shards)
    rows = await db.conn.execute_fetchall(f"SELECT guild_id FROM g WHERE 1{condition}", params)  # noqa: S608
    assert sorted(row[0] for row in rows) == sorted(g for g in guilds if shards.owns(g))


def test_every_shard_or_none_adds_no_condition():
    assert shard_condition("guild_id", None) == ("", [])
    assert shard_condition("guild_id", Shards.every(8)) == ("", [])


def test_a_range_is_one_between_however_many_shards_it_spans():
    condition, params = shard_condition("s.guild_id", Shards(1000, tuple(range(200, 900))))
    assert condition.count("BETWEEN") == 1
    assert params == [1000, 200, 899]
