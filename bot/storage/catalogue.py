"""Read what the in-memory catalogue holds, all of it from one consistent view of the database."""

from __future__ import annotations

import datetime as dt
import sqlite3
from dataclasses import dataclass

import aiosqlite

from bot.storage.queries import EpisodeRow, PersonRow


@dataclass(frozen=True, slots=True)
class CatalogueRows:
    """Hold everything the in-memory indexes are built from, read in one transaction."""

    generation: int
    episodes: list[EpisodeRow]
    people: list[PersonRow]
    links: list[tuple[int, int]]  # (episode, person) for every host, guest and speaker
    terms: list[tuple[str, int]]  # full-text index terms (stems) with their passage counts
    passages: int


def read_catalogue(conn: sqlite3.Connection) -> CatalogueRows:
    """Return the catalogue's rows as of one moment (a read transaction), for a worker thread."""
    conn.execute("BEGIN")
    try:
        return CatalogueRows(
            generation=_generation(conn),
            episodes=_episodes(conn),
            people=_people(conn),
            links=conn.execute("SELECT DISTINCT episode_id, person_id FROM episode_people").fetchall(),
            terms=conn.execute("SELECT term, doc FROM segments_vocab").fetchall(),
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


def _episodes(conn: sqlite3.Connection) -> list[EpisodeRow]:
    aliases: dict[int, list[str]] = {}
    for episode_id, alias in conn.execute("SELECT episode_id, alias FROM episode_aliases"):
        aliases.setdefault(episode_id, []).append(alias)
    rows = conn.execute(
        "SELECT e.id, e.key, e.title, s.name, e.number, e.url, e.published, a.first_seen, e.audio_url "
        "FROM episodes e LEFT JOIN shows s ON s.id = e.show_id LEFT JOIN episode_arrivals a ON a.key = e.key"
    )
    return [
        EpisodeRow(
            id_, key, title, show, number, url,
            dt.date.fromisoformat(published) if published else None,
            tuple(aliases.get(id_, ())),
            first_seen,
            audio_url,
        )
        for id_, key, title, show, number, url, published, first_seen, audio_url in rows
    ]  # fmt: skip


def _people(conn: sqlite3.Connection) -> list[PersonRow]:
    aliases: dict[int, list[str]] = {}
    for person_id, alias in conn.execute("SELECT DISTINCT person_id, alias FROM person_aliases"):
        aliases.setdefault(person_id, []).append(alias)
    quotes = dict(
        conn.execute(
            "SELECT person_id, count(*) FROM segments WHERE person_id IS NOT NULL AND kind = 'quote' "
            "GROUP BY 1"
        )
    )
    rows = conn.execute(
        "SELECT p.id, p.name, (SELECT count(DISTINCT episode_id) FROM episode_people ep "
        "WHERE ep.person_id = p.id) FROM people p"
    )
    return [
        PersonRow(pid, name, tuple(aliases.get(pid, ())), quotes.get(pid, 0), eps) for pid, name, eps in rows
    ]
