"""Which servers this process serves when the bot is split into shards (SHARD_COUNT, SHARD_IDS).

Discord sends each server's events to one shard: `(guild_id >> 22) % shard_count`. A process
holding some of the shards handles only their servers, for commands (Discord routes those) and
for the work it starts itself (the daily and announcement sweeps, which ask `owns`).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass

from bot.errors import ConfigError

MAX_SHARDS = 100_000  # far above any bot's need (Discord's largest bots run a few thousand)
_ITEM = re.compile(r"^(\d{1,6})(?:\s*-\s*(\d{1,6}))?$")
SHARD_IDS_HELP = "shard numbers and ranges such as 0-3, 0,2 or 5"


def shard_of(guild_id: int, count: int) -> int:
    """Return the shard Discord sends this server's events to."""
    return (guild_id >> 22) % count


@dataclass(frozen=True, slots=True)
class Shards:
    """Hold the bot's total shard count and the shards this process connects, in ascending order."""

    count: int
    ids: tuple[int, ...]

    def __post_init__(self) -> None:
        if not 1 <= self.count <= MAX_SHARDS or not self.ids:
            raise ValueError(f"bad shards: {self.count} {self.ids}")
        if list(self.ids) != sorted(set(self.ids)) or self.ids[0] < 0 or self.ids[-1] >= self.count:
            raise ValueError(f"bad shard ids for {self.count} shards: {self.ids}")

    @classmethod
    def every(cls, count: int) -> Shards:
        """Return all `count` shards in one process."""
        return cls(count, tuple(range(count)))

    @property
    def complete(self) -> bool:
        """Tell whether this process holds every shard (so it serves every server)."""
        return len(self.ids) == self.count

    @property
    def primary(self) -> bool:
        """Tell whether this process holds shard 0: it syncs the commands (and gets DMs)."""
        return self.ids[0] == 0

    @property
    def share(self) -> float:
        """Return this process's part of the bot's servers (and so of its request budget): 2 of 8 -> 0.25."""
        return len(self.ids) / self.count

    def owns(self, guild_id: int) -> bool:
        """Tell whether this server's shard is one of this process's."""
        return self.complete or shard_of(guild_id, self.count) in self.ids

    def runs(self) -> list[tuple[int, int]]:
        """Return the held shards as inclusive (first, last) runs: 0,1,2,5 -> [(0, 2), (5, 5)]."""
        return list(_runs(self.ids))

    def describe(self) -> str:
        """Return the held shards as SHARD_IDS would write them, with the total: `0-1,3 of 4`."""
        parts = (str(a) if a == b else f"{a}-{b}" for a, b in self.runs())
        return f"{','.join(parts)} of {self.count}"


def rate_share(rate: float | None, shards: Shards | None) -> float | None:
    """Return this process's part of a bot-wide rate (posts per second), in proportion to its shards.

    Discord's 50 requests/s is per bot, not per process: processes that each paced their posts at
    the full rate would together exceed it.
    """
    if not rate or shards is None:
        return rate
    return rate * shards.share


def _runs(ids: tuple[int, ...]) -> Iterator[tuple[int, int]]:
    start = prev = ids[0]
    for shard in ids[1:]:
        if shard != prev + 1:
            yield start, prev
            start = shard
        prev = shard
    yield start, prev


def parse_shards(count_text: str | None, ids_text: str | None) -> Shards | None:
    """Read SHARD_COUNT and SHARD_IDS; None when neither is set (one unsharded connection)."""
    count_raw, ids_raw = (count_text or "").strip(), (ids_text or "").strip()
    if not count_raw:
        if ids_raw:
            raise ConfigError(
                "SHARD_IDS needs SHARD_COUNT, the bot's total number of shards over all its processes "
                "(e.g. SHARD_COUNT=4 and SHARD_IDS=0-1 in one process, SHARD_IDS=2-3 in the other)."
            )
        return None
    if not count_raw.isdigit() or not 1 <= int(count_raw) <= MAX_SHARDS:
        raise ConfigError(
            f"SHARD_COUNT must be a whole number of shards from 1 to {MAX_SHARDS}, got {count_raw[:20]!r}."
        )
    count = int(count_raw)
    if not ids_raw:
        return Shards.every(count)
    return Shards(count, parse_shard_ids(ids_raw, count))


def parse_shard_ids(text: str, count: int) -> tuple[int, ...]:
    """Read `0-3`, `0,2`, `5` or a mix (`0-1,4`) into sorted shard ids below `count`."""
    ids: list[int] = []
    for item in text.split(","):
        match = _ITEM.match(item.strip())
        if match is None:
            raise ConfigError(f"SHARD_IDS must list {SHARD_IDS_HELP}, got {text[:40]!r}.")
        first = int(match[1])
        last = int(match[2]) if match[2] is not None else first
        if last < first:
            raise ConfigError(f"SHARD_IDS range {first}-{last} runs backwards; write {last}-{first}.")
        if last >= count:
            raise ConfigError(
                f"SHARD_IDS names shard {last}, but SHARD_COUNT={count} numbers the shards 0 to {count - 1}."
            )
        ids.extend(range(first, last + 1))
    ids.sort()
    repeated = next((a for a, b in itertools.pairwise(ids) if a == b), None)
    if repeated is not None:
        raise ConfigError(f"SHARD_IDS names shard {repeated} more than once.")
    return tuple(ids)
