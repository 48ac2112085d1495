"""Draw a benchmark's inputs from a database with its own seeded generator."""

from __future__ import annotations

import random
import sqlite3


def sample_rows(raw: sqlite3.Connection, ids_sql: str, row_sql: str, count: int, rng: random.Random) -> list:
    """Return up to `count` rows, each read by `row_sql` for an id drawn with `rng` from what `ids_sql` lists.

    Not SQLite's random(): two runs on the same data then send the same inputs. Only the drawn
    rows are read, since the benchmarks measure their own process's peak RSS.
    """
    ids = [row[0] for row in raw.execute(ids_sql)]
    return [raw.execute(row_sql, (i,)).fetchone() for i in rng.sample(ids, min(count, len(ids)))]
