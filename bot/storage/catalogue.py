"""Read what the in-memory catalogue holds, all of it from one consistent view of the database."""

from __future__ import annotations

import datetime as dt
import sqlite3
from dataclasses import dataclass

import aiosqlite

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
    person_rows: list[Row]
    person_aliases: list[tuple[int, str]]
    links: list[tuple[int, int]]  # (episode, person) for every host, guest and speaker
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
        aliases: dict[int, list[str]] = {}
        for episode_id, alias in self.episode_aliases:
            aliases.setdefault(episode_id, []).append(alias)
        episodes = []
        for n, (id_, key, title, show, number, url, published, first_seen, audio_url) in enumerate(
            self.episode_rows, 1
        ):
            day = dt.date.fromisoformat(published) if published else None
            found = tuple(aliases.get(id_, ()))
            episodes.append(EpisodeRow(id_, key, title, show, number, url, day, found, first_seen, audio_url))
            if not n % EVERY:
                yield
        return episodes

    def read_people(self) -> Steps[list[PersonRow]]:
        """Return the people with their quote and episode counts, a few at a time (see bot.slices)."""
        aliases: dict[int, list[str]] = {}
        for person_id, alias in self.person_aliases:
            aliases.setdefault(person_id, []).append(alias)
        people = []
        for n, (person_id, name, quotes, episodes) in enumerate(self.person_rows, 1):
            people.append(PersonRow(person_id, name, tuple(aliases.get(person_id, ())), quotes, episodes))
            if not n % EVERY:
                yield
        return people


# The words of both full-text indexes (passages, transcript moments), each with its passage count.
_TERMS = (
    "SELECT term, sum(doc) FROM (SELECT term, doc FROM segments_vocab "
    "UNION ALL SELECT term, doc FROM moments_vocab) GROUP BY term"
)


def read_catalogue(conn: sqlite3.Connection) -> CatalogueRows:
    """Return the catalogue's rows as of one moment (a read transaction), for a worker thread."""
    conn.execute("BEGIN")
    try:
        return CatalogueRows(
            generation=_generation(conn),
            episode_rows=conn.execute(
                "SELECT e.id, e.key, e.title, s.name, e.number, e.url, e.published, a.first_seen, "
                "e.audio_url FROM episodes e LEFT JOIN shows s ON s.id = e.show_id "
                "LEFT JOIN episode_arrivals a ON a.key = e.key"
            ).fetchall(),
            episode_aliases=conn.execute("SELECT episode_id, alias FROM episode_aliases").fetchall(),
            person_rows=conn.execute(
                "SELECT p.id, p.name, coalesce(q.quotes, 0), coalesce(e.episodes, 0) FROM people p "
                "LEFT JOIN (SELECT person_id, count(*) AS quotes FROM segments "
                "  WHERE person_id IS NOT NULL AND kind = 'quote' GROUP BY 1) q ON q.person_id = p.id "
                "LEFT JOIN (SELECT person_id, count(DISTINCT episode_id) AS episodes FROM episode_people "
                "  GROUP BY 1) e ON e.person_id = p.id"
            ).fetchall(),
            person_aliases=conn.execute("SELECT DISTINCT person_id, alias FROM person_aliases").fetchall(),
            links=conn.execute("SELECT DISTINCT episode_id, person_id FROM episode_people").fetchall(),
            terms=conn.execute(_TERMS).fetchall(),
            passages=conn.execute("SELECT count(*) FROM segments").fetchone()[0],
        )
    finally:
        conn.execute("COMMIT")


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
