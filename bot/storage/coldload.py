"""Write a first load into a knowledge base that holds no episode, as one transaction.

A first load (a folder ingested for the first time) writes every row of every table anew, so
what keeps an incremental ingest safe and cheap for a few files costs most of its time here: a
savepoint, an upsert and a look-up of each person per episode, every secondary index kept sorted
row by row, and the full-text index fed in short transactions. Here the rows go in batch by batch
(people and shows resolved in dicts), the secondary indexes of the episode tables are dropped
first and built once at the end, and each full-text index is built with one 'rebuild' from the
stored text. Everything is one transaction: a crash or a stop rolls back to the empty database,
and readers see nothing until the whole load is there.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Callable, Sequence
from typing import NamedTuple

from bot.storage.episodes import (
    FTS_AUTOMERGE,
    FTS_CRISISMERGE,
    FTS_SETTING,
    FTS_TABLES,
    INSERT_ARRIVAL,
    INSERT_CHAPTER,
    INSERT_EPISODE_ALIAS,
    INSERT_EPISODE_PERSON,
    INSERT_MENTION,
    INSERT_MOMENT,
    INSERT_PERSON_ALIAS,
    INSERT_RELATED,
    INSERT_SEGMENT,
    EpisodeRows,
    mark_relink,
    take_over_arrival,
)
from bot.text import normalize

# Tables a load fills: their secondary indexes are dropped while it writes and built after.
EPISODE_TABLES = (
    "episodes",
    "episode_aliases",
    "episode_people",
    "person_aliases",
    "segments",
    "mentions",
    "related",
)
# FTS5 writes its pending terms out as a segment whenever they pass this many bytes (its default
# is 1 MiB): the rebuild makes a tenth of the segments, and later merges have less to do.
FTS_HASH_BYTES = 8 * 2**20
FTS_DEFAULT_HASH_BYTES = 2**20


class ColdEpisode(NamedTuple):
    """One parsed episode to store, with the file it came from and its stamp and digest."""

    rows: EpisodeRows
    source: str
    stamp: str
    digest: str


class Stored(NamedTuple):
    """What storing one episode said: the episodes claiming the same show and number before it."""

    same_number: list[tuple[str, str, int]]  # (source, show, number), as bot.storage.episodes.same_number


_INSERT_EPISODE = (
    "INSERT INTO episodes(id, key, show_id, source, stamp, content_hash, title, title_norm, number, url, "
    "published, duration_seconds, quotes_declared, mentions_declared, guid, season, audio_url, page_url, "
    "transcript, linked, timed_hash) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)"
)


class _Batch:
    """The rows of a batch of episodes, table by table, ready for one executemany each."""

    def __init__(self) -> None:
        self.shows: list[tuple[int, str, str]] = []
        self.people: list[tuple[int, str, str]] = []
        self.episodes: list[tuple[object, ...]] = []
        self.aliases: list[tuple[int, str]] = []
        self.episode_people: list[tuple[int, int, str, int]] = []
        self.person_aliases: list[tuple[int, int, str, str]] = []
        self.mentions: list[tuple[object, ...]] = []
        self.related: list[tuple[object, ...]] = []
        self.segments: list[tuple[object, ...]] = []
        self.chapters: list[tuple[object, ...]] = []
        self.moments: list[tuple[object, ...]] = []


class ColdWriter:
    """Store a first load in the caller's one transaction: `begin`, `write` batches, then `finish`."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        self._indexes: list[str] = []  # the CREATE statements of the indexes dropped
        self._norms: dict[str, str] = {}
        self._people: dict[str, int] = {}  # by matching key
        self._person_ids: dict[str, int] = {}  # by name as written
        self._shows: dict[str, int] = {}
        self._show_names: dict[int, str] = {}
        self._numbers: dict[tuple[int, int], list[str]] = {}  # (show id, number) -> sources stored
        self._guids: set[str] = set()
        self._next_person = self._next_show = self._next_episode = self._next_segment = 0
        self.written = 0

    def begin(self) -> bool:
        """Prepare the load; return False (doing nothing) when an episode is stored already."""
        conn = self.conn
        if conn.execute("SELECT 1 FROM episodes LIMIT 1").fetchone() is not None:
            return False
        self._indexes = []
        for name, sql in conn.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
            "AND tbl_name IN (SELECT value FROM json_each(?)) ORDER BY name",
            (json.dumps(EPISODE_TABLES),),
        ).fetchall():
            conn.execute(f'DROP INDEX "{name}"')
            self._indexes.append(sql)
        self._read_ids()
        return True

    def _read_ids(self) -> None:
        """Read the people and shows already stored, and where new ids start (no episode is stored)."""
        conn = self.conn
        self._people = {norm: id_ for id_, norm in conn.execute("SELECT id, name_norm FROM people")}
        self._person_ids = {}
        shows = conn.execute("SELECT id, name, name_norm FROM shows").fetchall()
        self._shows = {norm: id_ for id_, _, norm in shows}
        self._show_names = {id_: name for id_, name, _ in shows}
        (self._next_person,) = conn.execute("SELECT coalesce(max(id), 0) + 1 FROM people").fetchone()
        (self._next_show,) = conn.execute("SELECT coalesce(max(id), 0) + 1 FROM shows").fetchone()
        (self._next_episode,) = conn.execute("SELECT coalesce(max(id), 0) + 1 FROM episodes").fetchone()
        (self._next_segment,) = conn.execute("SELECT coalesce(max(id), 0) + 1 FROM segments").fetchone()

    def write(
        self, episodes: Sequence[ColdEpisode], failed: Callable[[int, sqlite3.Error], None]
    ) -> list[Stored | None]:
        """Store `episodes`; return, for each, what storing it said, or None when the database refused it.

        A batch the database refuses is written again one episode at a time, each in a savepoint,
        so only the episodes it refuses are left out (and passed to `failed` with the error).
        """
        conn = self.conn
        conn.execute("SAVEPOINT cold_batch")
        try:
            stored = self._write_all(episodes)
        except sqlite3.Error:
            if not conn.in_transaction:  # the whole transaction is gone (a stop, a full disk)
                raise
            conn.execute("ROLLBACK TO cold_batch")
            conn.execute("RELEASE cold_batch")
            return self._write_each(episodes, failed)
        conn.execute("RELEASE cold_batch")
        return stored

    def _write_each(
        self, episodes: Sequence[ColdEpisode], failed: Callable[[int, sqlite3.Error], None]
    ) -> list[Stored | None]:
        conn, results = self.conn, list[Stored | None]()
        self._read_ids()  # the rolled back batch may have taken ids
        for n, episode in enumerate(episodes):
            conn.execute("SAVEPOINT cold_episode")
            try:
                (result,) = self._write_all([episode])
            except sqlite3.Error as err:
                if not conn.in_transaction:
                    raise
                conn.execute("ROLLBACK TO cold_episode")
                conn.execute("RELEASE cold_episode")
                self._read_ids()
                failed(n, err)
                results.append(None)
                continue
            conn.execute("RELEASE cold_episode")
            results.append(result)
        return results

    def _write_all(self, episodes: Sequence[ColdEpisode]) -> list[Stored | None]:
        batch, stored = _Batch(), list[Stored | None]()
        numbered: list[tuple[int, int]] = []  # (show id, number) of each episode noted in _numbers
        guids: list[str] = []  # noted in _guids
        took_over: set[str] = set()  # keys of episodes whose guid came earlier in the load
        try:
            for episode in episodes:
                self._add(batch, episode)
                show_id, number = self._show_of(episode.rows), episode.rows.episode.number
                others: list[tuple[str, str, int]] = []
                if show_id is not None and number is not None:
                    sources = self._numbers.setdefault((show_id, number), [])
                    others = [(source, self._show_names[show_id], number) for source in sorted(sources)]
                    sources.append(episode.source)
                    numbered.append((show_id, number))
                stored.append(Stored(others))
                guid = episode.rows.episode.guid
                if guid is not None:
                    if guid in self._guids:
                        took_over.add(episode.rows.key)
                    else:
                        self._guids.add(guid)
                        guids.append(guid)
            self._insert(batch)
            self._arrive(episodes, took_over)
        except BaseException:  # not stored: forget what these episodes were noted as
            for show_number in numbered:
                self._numbers[show_number].pop()
            self._guids.difference_update(guids)
            raise
        self.written += len(episodes)
        return stored

    def _insert(self, batch: _Batch) -> None:
        conn = self.conn
        conn.executemany("INSERT INTO shows(id, name, name_norm) VALUES (?, ?, ?)", batch.shows)
        conn.executemany("INSERT INTO people(id, name, name_norm) VALUES (?, ?, ?)", batch.people)
        conn.executemany(_INSERT_EPISODE, batch.episodes)
        conn.executemany(INSERT_EPISODE_ALIAS, batch.aliases)
        conn.executemany(
            INSERT_EPISODE_PERSON,
            batch.episode_people,
        )
        conn.executemany(
            INSERT_PERSON_ALIAS,
            batch.person_aliases,
        )
        conn.executemany(INSERT_MENTION, batch.mentions)
        conn.executemany(
            INSERT_RELATED,
            batch.related,
        )
        conn.executemany(
            INSERT_SEGMENT,
            batch.segments,
        )
        conn.executemany(
            INSERT_CHAPTER,
            batch.chapters,
        )
        conn.executemany(
            INSERT_MOMENT,
            batch.moments,
        )

    def _arrive(self, episodes: Sequence[ColdEpisode], took_over: set[str]) -> None:
        """Note each key's first arrival, as EpisodeWriter.write does (a guid taken over included)."""
        now, conn = int(time.time()), self.conn
        if not took_over:
            conn.executemany(INSERT_ARRIVAL, [(episode.rows.key, now) for episode in episodes])
            return
        # A guid an episode stored earlier in this load has too: in order, as the incremental path
        # writes them (rare: a local file written for a feed item).
        for episode in episodes:
            key, guid = episode.rows.key, episode.rows.episode.guid
            if (
                conn.execute(INSERT_ARRIVAL, (key, now)).rowcount == 1
                and key in took_over
                and guid is not None
            ):
                take_over_arrival(conn, key, guid)

    def _add(self, batch: _Batch, episode: ColdEpisode) -> None:
        """Add one episode's rows to `batch`, with ids in the order EpisodeWriter gives them."""
        rows = episode.rows
        episode_id, self._next_episode = self._next_episode, self._next_episode + 1
        show_id = self._id(rows.show, batch.shows, people=False) if rows.show else None
        transcript, linked, timed_hash = rows.timed
        batch.episodes.append(
            (episode_id, rows.key, show_id, episode.source, episode.stamp, episode.digest, *rows.episode,
             transcript, linked, timed_hash)
        )  # fmt: skip
        batch.aliases += [(episode_id, alias) for alias in rows.aliases]
        person = self._person(batch)
        batch.episode_people += [(episode_id, person(name), role, n) for name, role, n in rows.people]
        batch.person_aliases += [
            (person(name), episode_id, alias, norm) for name, alias, norm in rows.person_aliases
        ]
        batch.mentions += [(episode_id, *mention) for mention in rows.mentions]
        batch.related += [(episode_id, *related) for related in rows.related]
        first = self._next_segment
        batch.segments += [
            (
                first + n,
                episode_id,
                kind,
                position,
                person(speaker) if speaker else None,
                seconds,
                truncated,
                text,
            )
            for n, (kind, position, speaker, seconds, truncated, text) in enumerate(rows.segments)
        ]
        first += len(rows.segments)
        batch.chapters += [(first + n, episode_id, *chapter) for n, chapter in enumerate(rows.chapters)]
        first += len(rows.chapters)
        batch.moments += [
            (first + n, episode_id, position, name and person(name), label, seconds, end, text, marks)
            for n, (position, name, label, seconds, end, text, marks) in enumerate(rows.moments)
        ]
        self._next_segment = first + len(rows.moments)

    def _show_of(self, rows: EpisodeRows) -> int | None:
        return self._shows[self._norm(rows.show)] if rows.show else None

    def _person(self, batch: _Batch) -> Callable[[str], int]:
        ids = self._person_ids

        def person(name: str) -> int:
            found = ids.get(name)
            if found is None:
                found = ids[name] = self._id(name, batch.people, people=True)
            return found

        return person

    def _id(self, name: str, new: list[tuple[int, str, str]], *, people: bool) -> int:
        """Return the id of the person or show `name` matches, adding it to `new` if there is none."""
        norm = self._norm(name)
        ids = self._people if people else self._shows
        found = ids.get(norm)
        if found is None:
            if people:
                found, self._next_person = self._next_person, self._next_person + 1
            else:
                found, self._next_show = self._next_show, self._next_show + 1
                self._show_names[found] = name
            ids[norm] = found
            new.append((found, name, norm))
        return found

    def _norm(self, name: str) -> str:
        norm = self._norms.get(name)
        if norm is None:
            norm = self._norms[name] = normalize(name) or name
        return norm

    def finish(self) -> str | None:
        """Build the dropped and the full-text indexes; return the relink note (None: nothing written)."""
        conn = self.conn
        for sql in self._indexes:
            conn.execute(sql)
        self._indexes = []
        for table in FTS_TABLES:
            # Merging is left to the run's end (bot.ingest.run), as after an incremental load.
            conn.execute(FTS_SETTING.format(table=table), ("hashsize", FTS_HASH_BYTES))
            conn.execute(FTS_SETTING.format(table=table), ("automerge", 0))
            conn.execute(f"INSERT INTO {table}({table}) VALUES ('rebuild')")  # noqa: S608 (a constant)
            conn.execute(FTS_SETTING.format(table=table), ("hashsize", FTS_DEFAULT_HASH_BYTES))
            conn.execute(FTS_SETTING.format(table=table), ("automerge", FTS_AUTOMERGE))
            conn.execute(FTS_SETTING.format(table=table), ("crisismerge", FTS_CRISISMERGE))
        return mark_relink(conn) if self.written else None
