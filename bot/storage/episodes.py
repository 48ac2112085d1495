"""Write episodes into the knowledge base; plain sqlite3, run by ingest in a worker thread."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from bot.model import EpisodeSource
from bot.pages import split_title_line
from bot.text import normalize


@dataclass(frozen=True, slots=True)
class Fingerprint:
    """Say which files an episode came from and what they held, to skip unchanged ones."""

    id: int
    source: str
    stamp: str
    content_hash: str


def load_fingerprints(conn: sqlite3.Connection) -> dict[str, Fingerprint]:
    """Return every stored episode's fingerprint by key."""
    rows = conn.execute("SELECT key, id, source, stamp, content_hash FROM episodes")
    return {key: Fingerprint(id_, source, stamp, digest) for key, id_, source, stamp, digest in rows}


def update_stamp(conn: sqlite3.Connection, key: str, source: str, stamp: str) -> None:
    """Record new file stamps for an episode whose content did not change."""
    conn.execute("UPDATE episodes SET source = ?, stamp = ? WHERE key = ?", (source, stamp, key))


def delete_episodes(conn: sqlite3.Connection, keys: Iterable[str]) -> None:
    """Delete episodes by key; their text, people links and lists go with them."""
    conn.executemany("DELETE FROM episodes WHERE key = ?", [(key,) for key in keys])


class EpisodeWriter:
    """Store parsed episodes, reusing person and show ids across one ingest run."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        self._people: dict[str, int] = {}
        self._shows: dict[str, int] = {}

    def forget_ids(self) -> None:
        """Drop cached ids; call after a rollback, which may have undone their rows."""
        self._people.clear()
        self._shows.clear()

    def write(self, src: EpisodeSource, source: str, stamp: str, content_hash: str) -> int:
        """Insert or replace one episode; the caller wraps this in a transaction."""
        show_id = self._show_id(src.show) if src.show else None
        episode_id = self._upsert_episode(src, show_id, source, stamp, content_hash)
        self._replace_children(episode_id, src)
        return episode_id

    def _upsert_episode(
        self, src: EpisodeSource, show_id: int | None, source: str, stamp: str, content_hash: str
    ) -> int:
        row = (
            src.key, show_id, source, stamp, content_hash, src.title, normalize(src.title), src.number,
            src.url, src.published.isoformat() if src.published else None, src.duration_seconds,
            src.quotes_declared, src.mentions_declared,
        )  # fmt: skip
        cur = self.conn.execute(
            "INSERT INTO episodes(key, show_id, source, stamp, content_hash, title, title_norm, number, "
            "url, published, duration_seconds, quotes_declared, mentions_declared) "
            "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?) ON CONFLICT(key) DO UPDATE SET "
            "show_id=excluded.show_id, source=excluded.source, stamp=excluded.stamp, "
            "content_hash=excluded.content_hash, title=excluded.title, title_norm=excluded.title_norm, "
            "number=excluded.number, url=excluded.url, published=excluded.published, "
            "duration_seconds=excluded.duration_seconds, quotes_declared=excluded.quotes_declared, "
            "mentions_declared=excluded.mentions_declared RETURNING id",
            row,
        )
        return cur.fetchone()[0]

    def _replace_children(self, episode_id: int, src: EpisodeSource) -> None:
        conn = self.conn
        for table in ("episode_aliases", "person_aliases", "episode_people", "mentions", "related"):
            conn.execute(f"DELETE FROM {table} WHERE episode_id = ?", (episode_id,))  # noqa: S608
        conn.executemany(
            "INSERT OR IGNORE INTO episode_aliases(episode_id, alias) VALUES (?, ?)",
            [(episode_id, alias) for alias in src.aliases],
        )
        self._write_people(episode_id, src)
        conn.executemany(
            "INSERT INTO mentions(episode_id, position, text, text_norm) VALUES (?, ?, ?, ?)",
            [(episode_id, n, text, normalize(text)) for n, text in enumerate(src.mentions, 1)],
        )
        conn.executemany(
            "INSERT INTO related(episode_id, position, title, title_norm, show_norm, number) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            [(episode_id, n, *_related_parts(line)) for n, line in enumerate(src.related, 1)],
        )
        self._write_segments(episode_id, src)

    def _write_people(self, episode_id: int, src: EpisodeSource) -> None:
        roles = [(name, "host") for name in src.hosts] + [(name, "guest") for name in src.guests]
        roles += [(quote.speaker, "speaker") for quote in src.quotes]
        self.conn.executemany(
            "INSERT OR IGNORE INTO episode_people(episode_id, person_id, role) VALUES (?, ?, ?)",
            [(episode_id, self._person_id(name), role) for name, role in roles],
        )
        aliases = [
            (self._person_id(person.name), episode_id, alias, normalize(alias))
            for person in src.people
            for alias in person.aliases
            if normalize(alias)
        ]
        self.conn.executemany(
            "INSERT OR IGNORE INTO person_aliases(person_id, episode_id, alias, alias_norm) VALUES (?,?,?,?)",
            aliases,
        )

    def _write_segments(self, episode_id: int, src: EpisodeSource) -> None:
        wanted = _segments(src, self._person_id)
        old = self.conn.execute(
            "SELECT id, kind, person_id, seconds, text FROM segments WHERE episode_id = ?", (episode_id,)
        ).fetchall()
        # Keep the id of every segment whose text, speaker and second are unchanged, so anything
        # that refers to a takeaway or quote (daily-post history) survives an edit of the page.
        reusable: dict[tuple, list[int]] = {}
        for id_, *identity in old:
            reusable.setdefault(tuple(identity), []).append(id_)
        inserts, moves = [], []
        for kind, position, person_id, seconds, truncated, text in wanted:
            ids = reusable.get((kind, person_id, seconds, text))
            if ids:
                moves.append((position, truncated, ids.pop()))
            else:
                inserts.append((episode_id, kind, position, person_id, seconds, truncated, text))
        stale = [(id_,) for ids in reusable.values() for id_ in ids]
        self.conn.executemany("DELETE FROM segments WHERE id = ?", stale)
        self.conn.executemany("UPDATE segments SET position = ?, truncated = ? WHERE id = ?", moves)
        self.conn.executemany(
            "INSERT INTO segments(episode_id, kind, position, person_id, seconds, truncated, text) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            inserts,
        )

    def _person_id(self, name: str) -> int:
        key = normalize(name) or name
        if key not in self._people:
            cur = self.conn.execute(
                "INSERT INTO people(name, name_norm) VALUES (?, ?) "
                "ON CONFLICT(name_norm) DO UPDATE SET name = name RETURNING id",
                (name, key),
            )
            self._people[key] = cur.fetchone()[0]
        return self._people[key]

    def _show_id(self, name: str) -> int:
        key = normalize(name) or name
        if key not in self._shows:
            cur = self.conn.execute(
                "INSERT INTO shows(name, name_norm) VALUES (?, ?) "
                "ON CONFLICT(name_norm) DO UPDATE SET name = name RETURNING id",
                (name, key),
            )
            self._shows[key] = cur.fetchone()[0]
        return self._shows[key]


def _segments(src: EpisodeSource, person_id: Callable[[str], int]) -> list[tuple]:
    """Return (kind, position, person_id, seconds, truncated, text) for every text of `src`."""
    rows: list[tuple] = []
    if src.description.strip():
        rows.append(("description", 1, None, None, 0, src.description))
    rows += [("takeaway", n, None, None, 0, text) for n, text in enumerate(src.takeaways, 1)]
    rows += [
        ("quote", n, person_id(q.speaker), q.seconds, int(q.truncated), q.text)
        for n, q in enumerate(src.quotes, 1)
    ]
    return rows


def _related_parts(line: str) -> tuple[str, str, str | None, int | None]:
    title, show, number = split_title_line(line)
    return line, normalize(title), normalize(show) if show else None, number


def finish_ingest(conn: sqlite3.Connection) -> None:
    """Link related titles to episodes now present, and drop people and shows nothing uses."""
    conn.execute(
        "UPDATE related SET target_id = COALESCE("
        " (SELECT e.id FROM episodes e JOIN shows s ON s.id = e.show_id"
        "  WHERE related.number IS NOT NULL AND e.number = related.number AND s.name_norm = related.show_norm"
        "  AND e.id != related.episode_id ORDER BY e.id LIMIT 1),"
        " (SELECT e.id FROM episodes e WHERE e.title_norm = related.title_norm"
        "  AND e.id != related.episode_id ORDER BY e.id LIMIT 1))"
    )
    conn.execute(
        "DELETE FROM people WHERE NOT EXISTS (SELECT 1 FROM episode_people ep WHERE ep.person_id = people.id)"
        " AND NOT EXISTS (SELECT 1 FROM segments s WHERE s.person_id = people.id)"
    )
    conn.execute("DELETE FROM shows WHERE NOT EXISTS (SELECT 1 FROM episodes e WHERE e.show_id = shows.id)")
