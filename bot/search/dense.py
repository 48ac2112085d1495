"""Passages by meaning: sentence vectors of every passage, cached by content, searched by cosine.

With the optional `[semantic]` extra, each passage /ask can answer with (descriptions, takeaways,
quotes, transcript moments) gets the sentence-embedding model's vector of its text. A vector is
computed once per text: the cache is keyed by a hash of the model and the text, so unchanged data
is never embedded again, by any ingest or process. The cache is an SQLite file of its own beside
the database (it can be deleted at any time: it is rebuilt, slowly, from the data).
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

MODEL_ID = "all-MiniLM-L6-v2/mean/128"  # part of every key: another model or pooling never reuses a vector
CHUNK = 16  # texts embedded between two writes to the cache and checks for stopping (0.1-0.5 s)
_SCHEMA = "CREATE TABLE IF NOT EXISTS vectors (key BLOB PRIMARY KEY, vector BLOB NOT NULL) WITHOUT ROWID"


def text_key(text: str) -> bytes:
    """Return the cache key of one passage's text."""
    return hashlib.sha256(f"{MODEL_ID}\n{text}".encode()).digest()[:16]


def cache_path(database: Path) -> Path:
    """Return where the vectors of `database`'s passages are kept: a file beside it."""
    return database.with_name(database.name + "-vectors")


class VectorCache:
    """Keep passage vectors (float16) by text key in an SQLite file; used from one thread at a time."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.touch(mode=0o600)  # like the database: the passages' meaning is the owner's data
        self._conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute(_SCHEMA)

    def get(self, keys: Sequence[bytes]) -> dict[bytes, bytes]:
        """Return the stored vectors (raw bytes) of those keys that have one."""
        found: dict[bytes, bytes] = {}
        for start in range(0, len(keys), 500):
            part = keys[start : start + 500]
            marks = ",".join("?" * len(part))
            query = f"SELECT key, vector FROM vectors WHERE key IN ({marks})"  # noqa: S608 (marks only)
            found.update(self._conn.execute(query, part).fetchall())
        return found

    def put(self, items: Iterable[tuple[bytes, bytes]]) -> None:
        """Store vectors by key (one transaction)."""
        with self._conn:
            self._conn.execute("BEGIN")
            self._conn.executemany("INSERT OR REPLACE INTO vectors (key, vector) VALUES (?, ?)", items)

    def close(self) -> None:
        """Close the file."""
        self._conn.close()


@dataclass(frozen=True)
class DenseIndex:
    """Unit vectors of passages (rows of `matrix`, float32) by segment id."""

    ids: Any = None  # numpy int64 array
    matrix: Any = None  # numpy float32 array, one row per id
    rows: dict[int, int] = field(default_factory=dict)  # segment id -> row

    def __len__(self) -> int:
        return len(self.rows)

    def nearest(self, vector: Any, limit: int) -> list[tuple[int, float]]:
        """Return (segment id, cosine) of the `limit` passages closest to `vector`, closest first."""
        if not self.rows or limit <= 0:
            return []
        import numpy as np  # noqa: PLC0415 (optional dependency)

        cosines = self.matrix @ vector
        limit = min(limit, len(cosines))
        best = np.argpartition(-cosines, limit - 1)[:limit]
        best = best[np.argsort(-cosines[best], kind="stable")]
        return [(int(self.ids[i]), float(cosines[i])) for i in best]

    def cosines(self, vector: Any, ids: Iterable[int]) -> dict[int, float]:
        """Return the cosine with `vector` of each passage in `ids` that has a vector."""
        known = [(i, self.rows[i]) for i in ids if i in self.rows]
        if not known:
            return {}
        values = self.matrix[[row for _, row in known]] @ vector
        return {i: float(v) for (i, _), v in zip(known, values, strict=True)}


def build_index(
    passages: Sequence[tuple[int, str]],
    cache: VectorCache,
    encode: Callable[[Sequence[str]], Any],
    stop: Callable[[], bool] = lambda: False,
) -> DenseIndex:
    """Return the index of `passages` (segment id, text), embedding and caching the texts not cached yet.

    Meant for a worker thread: it encodes CHUNK texts at a time and returns what it has when `stop()`.
    """
    import numpy as np  # noqa: PLC0415 (optional dependency)

    keys = [text_key(text) for _, text in passages]
    stored = cache.get(list(dict.fromkeys(keys)))
    missing = list(
        {key: text for key, (_, text) in zip(keys, passages, strict=True) if key not in stored}.items()
    )
    for start in range(0, len(missing), CHUNK):
        if stop():
            break
        part = missing[start : start + CHUNK]
        vectors = encode([text for _, text in part]).astype(np.float16)
        fresh = [(key, vector.tobytes()) for (key, _), vector in zip(part, vectors, strict=True)]
        cache.put(fresh)
        stored.update(fresh)
    kept = [
        (segment_id, stored[key])
        for (segment_id, _), key in zip(passages, keys, strict=True)
        if key in stored
    ]
    if not kept:
        return DenseIndex(np.zeros(0, dtype=np.int64), np.zeros((0, 0), dtype=np.float32), {})
    ids = np.array([segment_id for segment_id, _ in kept], dtype=np.int64)
    matrix = np.frombuffer(b"".join(blob for _, blob in kept), dtype=np.float16).reshape(len(kept), -1)
    matrix = matrix.astype(np.float32)
    matrix /= np.maximum(np.linalg.norm(matrix, axis=1, keepdims=True), 1e-6)
    return DenseIndex(ids, matrix, {int(segment_id): row for row, segment_id in enumerate(ids)})
