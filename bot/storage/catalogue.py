"""Read what the in-memory catalogue holds, all of it from one consistent view of the database."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from collections.abc import Collection
from dataclasses import dataclass

import aiosqlite

from bot.model import CatalogueChanges
from bot.slices import EVERY, Steps, drain
from bot.storage.database import Row
from bot.storage.queries import EpisodeRow, PersonRow


@dataclass(frozen=True, slots=True)
class CatalogueRows:
    """Hold everything the in-memory indexes are built from, read in one transaction.

    Rows are kept as SQLite returned them: turning them into EpisodeRow and PersonRow is Python
    work, done by the build on the event loop a slice at a time rather than in the reading thread.
    """

    generation: int
    episode_rows: list[Row]
    episode_aliases: list[tuple[int, str]]
    person_rows: list[tuple[int, str]]
    person_aliases: list[tuple[int, str]]
    links: list[tuple[int, int]]  # (episode, person) for every host, guest and speaker
    quotes: list[tuple[int, int, int]]  # (episode, person, quotes) for every quoted person
    terms: list[tuple[str, int]]  # full-text index terms (stems) with their passage counts
    passages: int

    @property
    def episodes(self) -> list[EpisodeRow]:
        """Return the episodes at once."""
        return drain(self.read_episodes())

    @property
    def people(self) -> list[PersonRow]:
        """Return the people at once."""
        return drain(self.read_people())

    def read_episodes(self) -> Steps[list[EpisodeRow]]:
        """Return the episodes, a few at a time (see bot.slices)."""
        return (yield from _episodes(self.episode_rows, self.episode_aliases))

    def read_people(self) -> Steps[list[PersonRow]]:
        """Return the people with their quote and episode counts, a few at a time (see bot.slices)."""
        quotes: dict[int, int] = {}
        for _, person_id, count in self.quotes:
            quotes[person_id] = quotes.get(person_id, 0) + count
        episodes: dict[int, int] = {}
        for _, person_id in self.links:
            episodes[person_id] = episodes.get(person_id, 0) + 1
        return (yield from people_rows(self.person_rows, self.person_aliases, quotes, episodes))


@dataclass(frozen=True, slots=True)
class CatalogueDelta:
    """Hold what changed since the generation before `generation`: the rows of the episodes changed.

    Read in one transaction, like CatalogueRows: episodes and their links and quote counts only
    for the episodes changed, and of the people only those who came or went (see read_changes).
    """

    generation: int
    keys: frozenset[str]  # every episode written or removed
    episode_rows: list[Row]  # of those still stored
    episode_aliases: list[tuple[int, str]]
    people_added: list[tuple[int, str]]  # (id, name) of the people the reader did not know
    people_removed: list[int]  # ids of the people the reader knew who are gone
    person_aliases: list[tuple[int, str]]  # everyone's (few: only metadata declares them)
    links: list[tuple[int, int]]  # of the episodes still stored
    quotes: list[tuple[int, int, int]]
    terms: tuple[tuple[str, int], ...]  # each term's change in passage count
    passages: int

    def read_episodes(self) -> Steps[list[EpisodeRow]]:
        """Return the changed episodes still stored, a few at a time (see bot.slices)."""
        return (yield from _episodes(self.episode_rows, self.episode_aliases))


def _episodes(rows: list[Row], episode_aliases: list[tuple[int, str]]) -> Steps[list[EpisodeRow]]:
    aliases: dict[int, list[str]] = {}
    for episode_id, alias in episode_aliases:
        aliases.setdefault(episode_id, []).append(alias)
    episodes = []
    for n, (id_, key, title, show, number, url, published, first_seen, audio_url) in enumerate(rows, 1):
        day = dt.date.fromisoformat(published) if published else None
        found = tuple(aliases.get(id_, ()))
        episodes.append(EpisodeRow(id_, key, title, show, number, url, day, found, first_seen, audio_url))
        if not n % EVERY:
            yield
    return episodes


def people_rows(
    rows: list[tuple[int, str]],
    person_aliases: list[tuple[int, str]],
    quotes: dict[int, int],
    episodes: dict[int, int],
) -> Steps[list[PersonRow]]:
    """Return the people with their aliases and counts, a few at a time (see bot.slices)."""
    aliases: dict[int, list[str]] = {}
    for person_id, alias in person_aliases:
        aliases.setdefault(person_id, []).append(alias)
    people = []
    for n, (person_id, name) in enumerate(rows, 1):
        found = tuple(aliases.get(person_id, ()))
        people.append(PersonRow(person_id, name, found, quotes.get(person_id, 0), episodes.get(person_id, 0)))
        if not n % EVERY:
            yield
    return people


# The words of both full-text indexes (passages, transcript moments), each with its passage count.
_TERMS = (
    "SELECT term, sum(doc) FROM (SELECT term, doc FROM segments_vocab "
    "UNION ALL SELECT term, doc FROM moments_vocab) GROUP BY term"
)


_EPISODES = (
    "SELECT e.id, e.key, e.title, s.name, e.number, e.url, e.published, a.first_seen, "
    "e.audio_url FROM episodes e LEFT JOIN shows s ON s.id = e.show_id "
    "LEFT JOIN episode_arrivals a ON a.key = e.key"
)
_PEOPLE = "SELECT id, name FROM people ORDER BY id"
_PERSON_ALIASES = "SELECT DISTINCT person_id, alias FROM person_aliases ORDER BY person_id, alias"
_QUOTES = (
    "SELECT episode_id, person_id, count(*) FROM segments WHERE person_id IS NOT NULL AND kind = 'quote'"
)
_CHANGED = "IN (SELECT value FROM json_each(?))"


def read_catalogue(conn: sqlite3.Connection) -> CatalogueRows:
    """Return the catalogue's rows as of one moment (a read transaction), for a worker thread."""
    conn.execute("BEGIN")
    try:
        return _read_all(conn)
    finally:
        conn.execute("COMMIT")


def read_changes(
    conn: sqlite3.Connection,
    changes: CatalogueChanges,
    people: Collection[int] = (),
    leaving: Collection[int] = (),
) -> CatalogueRows | CatalogueDelta:
    """Return the rows `changes` touched when the data is still as they left it, else every row.

    `people`: the ids of the people the reader knows; `leaving`: those the changed episodes named
    (only they can have gone, as far as the reader can tell).
    """
    conn.execute("BEGIN")
    try:
        if _generation(conn) != changes.generation:
            return _read_all(conn)  # another ingest finished since: what it changed is unknown here
        keys = json.dumps(changes.keys)
        changed = f"SELECT id FROM episodes WHERE key {_CHANGED}"  # noqa: S608 (constants)
        added, removed = _people_changed(conn, people, leaving)
        return CatalogueDelta(
            generation=changes.generation,
            keys=frozenset(changes.keys),
            episode_rows=conn.execute(
                f"{_EPISODES} WHERE e.key {_CHANGED} ORDER BY e.id", (keys,)
            ).fetchall(),
            episode_aliases=conn.execute(
                f"SELECT episode_id, alias FROM episode_aliases WHERE episode_id IN ({changed})",  # noqa: S608
                (keys,),
            ).fetchall(),
            people_added=added,
            people_removed=removed,
            person_aliases=conn.execute(_PERSON_ALIASES).fetchall(),
            links=conn.execute(
                f"SELECT DISTINCT episode_id, person_id FROM episode_people WHERE episode_id IN ({changed})",  # noqa: S608
                (keys,),
            ).fetchall(),
            quotes=conn.execute(
                f"{_QUOTES} AND episode_id IN ({changed}) GROUP BY 1, 2 ORDER BY 1, 2", (keys,)
            ).fetchall(),
            terms=changes.terms,
            passages=conn.execute("SELECT count(*) FROM segments").fetchone()[0],
        )
    finally:
        conn.execute("COMMIT")


def _people_changed(
    conn: sqlite3.Connection, known: Collection[int], leaving: Collection[int]
) -> tuple[list[tuple[int, str]], list[int]]:
    """Return the people stored now whom `known` lacks, and those of `known` no longer stored.

    Without reading everyone (thousands of rows, each built in Python while the reader's other
    threads wait): a person's id never changes, and one ingest's new people take ids above every
    id stored when it began; people go only at an ingest's end, when nothing names them, so the
    people the changed episodes named are checked, and the count of people confirms that nobody
    else went (a person named only by a removed transcript, say). Else every id is compared.
    """
    top = max(known, default=0)
    added = conn.execute("SELECT id, name FROM people WHERE id > ? ORDER BY id", (top,)).fetchall()
    gone = "SELECT value FROM json_each(?) WHERE NOT EXISTS (SELECT 1 FROM people WHERE id = value)"
    removed = sorted(row[0] for row in conn.execute(gone, (json.dumps(sorted(leaving)),)))
    (count,) = conn.execute("SELECT count(*) FROM people").fetchone()
    if count == len(known) + len(added) - len(removed):
        return added, removed
    stored = {row[0]: row[1] for row in conn.execute(_PEOPLE)}
    added = sorted((i, name) for i, name in stored.items() if i not in known)
    return added, sorted(i for i in known if i not in stored)


def _read_all(conn: sqlite3.Connection) -> CatalogueRows:
    return CatalogueRows(
        generation=_generation(conn),
        episode_rows=conn.execute(f"{_EPISODES} ORDER BY e.id").fetchall(),
        episode_aliases=conn.execute("SELECT episode_id, alias FROM episode_aliases").fetchall(),
        person_rows=conn.execute(_PEOPLE).fetchall(),
        person_aliases=conn.execute(_PERSON_ALIASES).fetchall(),
        links=conn.execute("SELECT DISTINCT episode_id, person_id FROM episode_people").fetchall(),
        quotes=conn.execute(f"{_QUOTES} GROUP BY 1, 2 ORDER BY 1, 2").fetchall(),
        terms=conn.execute(_TERMS).fetchall(),
        passages=conn.execute("SELECT count(*) FROM segments").fetchone()[0],
    )


async def data_version(conn: aiosqlite.Connection) -> int:
    """Return SQLite's data version: it changes when another connection commits to the file."""
    async with conn.execute("PRAGMA data_version") as cur:
        row = await cur.fetchone()
    return int(row[0]) if row else 0


async def generation(conn: aiosqlite.Connection) -> int:
    """Return the number of ingests that finished changing the data (see finish_ingest)."""
    async with conn.execute("SELECT generation FROM catalogue_generation") as cur:
        row = await cur.fetchone()
    return int(row[0]) if row else 0


def _generation(conn: sqlite3.Connection) -> int:
    row = conn.execute("SELECT generation FROM catalogue_generation").fetchone()
    return int(row[0]) if row else 0
