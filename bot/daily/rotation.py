"""Which takeaway a guild gets next: each one once per cycle, then again in a new order.

Each cycle has its own order of the pool (takeaways sorted by a hash of cycle and key), and
each guild starts that circular order at its own point (an offset hashed from guild and cycle).
A guild's state is only a cursor (the rank of the last takeaway posted), so it stays three small
values however large the pool, and the pool can follow the data: a takeaway added later joins
the current cycle if it ranks after the cursor and the next cycle otherwise; a removed one no
longer appears. Picking is a binary search, so ten thousand guilds due at once cost little.
Takeaways are keyed by episode key and text rather than row id, so re-ingesting a file that
renumbers rows does not make old takeaways look new.
"""

from __future__ import annotations

import bisect
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass

from bot.model import Takeaway
from bot.storage.daily import RotationState

RANKS = 1 << 63  # ranks fit a signed SQLite INTEGER
# A new cycle whose order starts with the takeaway just posted is passed over for the next one;
# a few tries make a back-to-back repeat vanishingly rare (unavoidable with a single takeaway).
NEW_ORDER_TRIES = 8


@dataclass(frozen=True, slots=True)
class Pick:
    """Hold the takeaway chosen for a post and the rotation position it takes."""

    takeaway: Takeaway
    key: str
    cycle: int
    rank: int


def takeaway_key(takeaway: Takeaway) -> str:
    """Return a key for a takeaway that survives re-ingest: its episode key and its text."""
    return _digest(f"{takeaway.episode.key}\n{takeaway.text}").hex()


class Pool:
    """Hold the takeaways a guild may be given, one per key, with each cycle's order cached."""

    def __init__(self, takeaways: Iterable[Takeaway]) -> None:
        self.items: dict[str, Takeaway] = {takeaway_key(t): t for t in takeaways}
        self._orders: dict[int, list[tuple[int, str]]] = {}

    def __len__(self) -> int:
        return len(self.items)

    def order(self, cycle: int) -> list[tuple[int, str]]:
        """Return (hash, key) pairs sorted into the cycle's circular order."""
        found = self._orders.get(cycle)
        if found is None:
            found = sorted((_hash(f"order:{cycle}:{key}"), key) for key in self.items)
            self._orders[cycle] = found
        return found


def pick(pool: Pool, guild_id: int, state: RotationState) -> Pick | None:
    """Return the next takeaway for the guild, or None when the pool is empty."""
    if not pool.items:
        return None
    cursor = None
    if state.cursor_rank is not None and state.cursor_key is not None:
        cursor = (state.cursor_rank, state.cursor_key)
    found = _next_in_cycle(pool, guild_id, state.cycle, cursor)
    if found is not None:
        return found
    cycle = state.cycle + 1
    for _ in range(NEW_ORDER_TRIES):
        first = _next_in_cycle(pool, guild_id, cycle, None)
        if first is not None and (first.key != state.cursor_key or len(pool) == 1):
            return first
        cycle += 1
    return _next_in_cycle(pool, guild_id, cycle, None)


def advance(chosen: Pick) -> RotationState:
    """Return the state after `chosen` has been posted."""
    return RotationState(chosen.cycle, chosen.rank, chosen.key)


def _next_in_cycle(pool: Pool, guild_id: int, cycle: int, after: tuple[int, str] | None) -> Pick | None:
    order = pool.order(cycle)
    offset = _hash(f"start:{guild_id}:{cycle}")
    start = bisect.bisect_left(order, offset, key=lambda pair: pair[0])

    def at(j: int) -> tuple[int, str]:
        digest, key = order[(start + j) % len(order)]
        return (digest - offset) % RANKS, key

    # Ranks grow along the circle from `start`, so the first one past the cursor is a bisection.
    first = 0 if after is None else bisect.bisect_right(range(len(order)), after, key=at)
    if first == len(order):
        return None
    rank, key = at(first)
    return Pick(takeaway=pool.items[key], key=key, cycle=cycle, rank=rank)


def _digest(text: str) -> bytes:
    return hashlib.blake2b(text.encode(), digest_size=8).digest()


def _hash(text: str) -> int:
    return int.from_bytes(_digest(text)) % RANKS
