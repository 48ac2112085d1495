"""The SQL condition that keeps a query to the servers of this process's shards."""

from __future__ import annotations

from bot.shards import Shards


def shard_condition(column: str, shards: Shards | None) -> tuple[str, list[int]]:
    """Return ` AND <condition>` and its parameters, or ("", []) when this process serves every server.

    `column` is a trusted column name (never user input). Shards are written as runs, so that
    `SHARD_IDS=0-999` is one BETWEEN rather than a thousand parameters.
    """
    if shards is None or shards.complete:
        return "", []
    shard = f"(({column} >> 22) % ?)"
    runs = shards.runs()
    terms = " OR ".join(f"{shard} BETWEEN ? AND ?" for _ in runs)
    params = [value for first, last in runs for value in (shards.count, first, last)]
    return f" AND ({terms})", params
