"""Rotation: every takeaway once per cycle, a new order after, and a pool that follows the data."""

import itertools

from bot.daily.rotation import Pool, advance, pick, takeaway_key
from bot.model import EpisodeRef, Takeaway
from bot.storage.daily import RotationState


def takeaways(count: int, episode: str = "ep", start_id: int = 1) -> list[Takeaway]:
    ref = EpisodeRef(id=1, key=episode, title=episode.title())
    return [
        Takeaway(id=start_id + i, position=i, text=f"{episode} takeaway {i}", episode=ref)
        for i in range(count)
    ]


def run(
    pool: Pool, guild_id: int, days: int, state: RotationState | None = None
) -> tuple[list[str], RotationState]:
    state = state or RotationState()
    posted = []
    for _ in range(days):
        chosen = pick(pool, guild_id, state)
        assert chosen is not None
        posted.append(chosen.key)
        state = advance(chosen)
    return posted, state


def test_no_repeat_until_the_pool_is_exhausted_then_a_new_order():
    pool = Pool(takeaways(20))
    posted, _ = run(pool, guild_id=42, days=60)
    cycles = [posted[i : i + 20] for i in range(0, 60, 20)]
    for cycle in cycles:
        assert sorted(cycle) == sorted(pool.items)
    assert cycles[0] != cycles[1] != cycles[2]


def test_no_back_to_back_repeat_across_cycles():
    for guild_id in range(200):
        posted, _ = run(Pool(takeaways(3)), guild_id, days=30)
        assert all(a != b for a, b in itertools.pairwise(posted)), guild_id


def test_a_single_takeaway_is_posted_every_day():
    posted, _ = run(Pool(takeaways(1)), guild_id=1, days=3)
    assert len(set(posted)) == 1


def test_empty_pool_picks_nothing():
    assert pick(Pool([]), 1, RotationState()) is None


def test_guilds_get_different_orders():
    pool = Pool(takeaways(30))
    firsts = {run(pool, guild_id, days=1)[0][0] for guild_id in range(50)}
    assert len(firsts) > 10


def test_pick_is_deterministic_so_preview_matches_the_post():
    pool = Pool(takeaways(10))
    state = RotationState()
    assert pick(pool, 7, state) == pick(Pool(takeaways(10)), 7, state)


def test_added_takeaways_join_and_removed_ones_leave():
    base = takeaways(10)
    state = RotationState()
    by_cycle: dict[int, list[str]] = {}
    for day in range(60):
        pool = Pool(base + takeaways(10, episode="new")) if day >= 4 else Pool(base)
        chosen = pick(pool, 5, state)
        by_cycle.setdefault(chosen.cycle, []).append(chosen.key)
        state = advance(chosen)
    for keys in by_cycle.values():
        assert len(keys) == len(set(keys)), "no repeat within a cycle"
    grown = Pool(base + takeaways(10, episode="new"))
    assert set(by_cycle[max(by_cycle)]) <= set(grown.items)
    assert sorted(by_cycle[1]) == sorted(grown.items), "the next full cycle has every takeaway"

    removed = {takeaway_key(t) for t in base[:5]}
    shrunk = Pool(base[5:] + takeaways(10, episode="new"))
    after, _ = run(shrunk, 5, days=45, state=state)
    assert not removed & set(after)
    assert set(after) == set(shrunk.items)


def test_keys_survive_a_reingest_that_renumbers_rows():
    before = takeaways(5, start_id=1)
    after = takeaways(5, start_id=100)
    assert [takeaway_key(t) for t in before] == [takeaway_key(t) for t in after]
    posted, state = run(Pool(before), guild_id=9, days=2)
    rest, _ = run(Pool(after), guild_id=9, days=3, state=state)
    assert sorted(posted + rest) == sorted(Pool(before).items)


def test_duplicate_takeaways_count_once():
    doubled = takeaways(3) + takeaways(3, start_id=50)
    assert len(Pool(doubled)) == 3


def test_large_pool_cycle_covers_everything():
    pool = Pool(takeaways(500))
    posted, _ = run(pool, guild_id=123456789012345678, days=500)
    assert len(set(posted)) == 500
