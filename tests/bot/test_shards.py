"""SHARD_COUNT and SHARD_IDS: parsing, which servers a process owns, and its part of the request rate."""

import pytest

from bot.errors import ConfigError
from bot.shards import Shards, parse_shards, rate_share, shard_of

GUILD = 41771983423143937  # its top 42 bits, the creation time in ms, are 9959216934


def test_a_guild_is_on_the_shard_of_its_timestamp_modulo_the_count():
    assert [shard_of(GUILD, count) for count in (1, 2, 5, 7)] == [0, 0, 4, 9959216934 % 7]
    assert shard_of(GUILD + (1 << 22), 2) == 1  # one millisecond later: the other of two shards


@pytest.mark.parametrize(
    ("count", "ids", "expected"),
    [
        ("4", "0-3", (0, 1, 2, 3)),
        ("4", "0,2", (0, 2)),
        ("4", "3", (3,)),
        ("16", " 8 - 9 , 0-1,15 ", (0, 1, 8, 9, 15)),
        ("4", "", (0, 1, 2, 3)),  # no SHARD_IDS: every shard in this one process
        ("1", None, (0,)),
    ],
)
def test_shard_ids_take_numbers_ranges_and_lists(count, ids, expected):
    shards = parse_shards(count, ids)
    assert shards == Shards(int(count), expected)


def test_no_shard_settings_mean_one_unsharded_connection():
    assert parse_shards(None, None) is None
    assert parse_shards("  ", "") is None


@pytest.mark.parametrize(
    ("count", "ids", "message"),
    [
        (None, "0-1", r"^SHARD_IDS needs SHARD_COUNT, the bot's total number of shards"),
        ("0", None, r"^SHARD_COUNT must be a whole number of shards from 1 to 100000, got '0'\.$"),
        ("two", None, r"^SHARD_COUNT must be a whole number of shards from 1 to 100000, got 'two'\.$"),
        ("-2", None, r"^SHARD_COUNT must be a whole number"),
        ("2.5", None, r"^SHARD_COUNT must be a whole number"),
        ("100001", None, r"^SHARD_COUNT must be a whole number"),
        ("4", "0-", r"^SHARD_IDS must list shard numbers and ranges such as 0-3, 0,2 or 5, got '0-'\.$"),
        ("4", "0;1", r"^SHARD_IDS must list shard numbers and ranges"),
        ("4", "0,,1", r"^SHARD_IDS must list shard numbers and ranges"),
        ("4", "a-b", r"^SHARD_IDS must list shard numbers and ranges"),
        ("4", "-1", r"^SHARD_IDS must list shard numbers and ranges"),
        ("4", "3-1", r"^SHARD_IDS range 3-1 runs backwards; write 1-3\.$"),
        ("4", "0-4", r"^SHARD_IDS names shard 4, but SHARD_COUNT=4 numbers the shards 0 to 3\.$"),
        ("4", "7", r"^SHARD_IDS names shard 7, but SHARD_COUNT=4"),
        ("4", "0-2,2", r"^SHARD_IDS names shard 2 more than once\.$"),
        ("4", "9" * 5000, r"^SHARD_IDS must list shard numbers and ranges .*got '9{40}'\.$"),
    ],
)
def test_bad_shard_settings_are_one_line_naming_the_setting(count, ids, message):
    with pytest.raises(ConfigError, match=message) as raised:
        parse_shards(count, ids)
    assert "\n" not in str(raised.value)


def test_a_process_owns_the_servers_of_its_shards_only():
    guilds = [(t << 22) | 5 for t in range(40)]  # timestamps 0..39: shard = t % 4
    first, second = Shards(4, (0, 1)), Shards(4, (2, 3))
    assert [g >> 22 for g in guilds if first.owns(g)] == [t for t in range(40) if t % 4 in (0, 1)]
    assert all(first.owns(g) != second.owns(g) for g in guilds)
    assert all(Shards.every(4).owns(g) for g in guilds)


def test_runs_and_description_write_shards_as_ranges():
    shards = Shards(8, (0, 1, 2, 5, 7))
    assert shards.runs() == [(0, 2), (5, 5), (7, 7)]
    assert shards.describe() == "0-2,5,7 of 8"
    assert Shards(4, (0,)).primary
    assert not Shards(4, (1, 2)).primary
    assert Shards.every(3).complete
    assert not Shards(3, (0, 1)).complete


def test_each_process_paces_its_posts_at_its_share_of_the_bot_wide_rate():
    assert rate_share(40.0, None) == 40.0
    assert rate_share(40.0, Shards(4, (0,))) == 10.0
    assert rate_share(40.0, Shards(4, (1, 2, 3))) == 30.0
    assert rate_share(40.0, Shards.every(4)) == 40.0
    assert rate_share(None, Shards(4, (0,))) is None  # unpaced stays unpaced


@pytest.mark.parametrize(("count", "ids"), [(4, ()), (4, (4,)), (4, (1, 0)), (4, (1, 1)), (0, (0,))])
def test_inconsistent_shards_cannot_be_built(count, ids):
    with pytest.raises(ValueError, match="bad shard"):
        Shards(count, ids)
