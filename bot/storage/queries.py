"""Read the knowledge base: every SELECT the queries need, parameterized, returning plain rows."""

from __future__ import annotations

import datetime as dt
import random
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass

import aiosqlite

from bot.storage.database import Row, fetch_all

# Quote order across episodes: oldest episode first, then by second within it.
_EPISODE_ORDER = "e.published IS NULL, e.published, e.number IS NULL, e.number, e.id"


@dataclass(frozen=True, slots=True)
class EpisodeRow:
    """Hold what the in-memory indexes keep per episode."""

    id: int
    key: str
    title: str
    show: str | None
    number: int | None
    url: str | None
    published: dt.date | None
    aliases: tuple[str, ...]
    first_seen: int | None = None  # unix seconds when the episode first appeared
    audio_url: str | None = None


@dataclass(frozen=True, slots=True)
class PersonRow:
    """Hold what the in-memory indexes keep per person."""

    id: int
    name: str
    aliases: tuple[str, ...]
    quotes: int
    episodes: int


@dataclass(frozen=True, slots=True)
class SegmentRow:
    """Hold one piece of stored text with where it comes from."""

    id: int
    kind: str
    position: int
    text: str
    person_id: int | None
    seconds: int | None
    truncated: bool
    episode_id: int
    rank: float = 0.0
    label: str | None = None  # a moment's speaker label that names no person
    marks: bytes | None = None  # a moment's packed sentence starts (bot.sentences)
    chapter: str | None = None  # the title of the chapter a moment is in


_SEGMENT_COLUMNS = "s.id, s.kind, s.position, s.text, s.person_id, s.seconds, s.truncated, s.episode_id"
_SELECT_SEGMENTS = f"SELECT {_SEGMENT_COLUMNS} FROM segments s "  # noqa: S608 (constant text)
# A moment's chapter is the episode's last chapter starting at or before it (chapters are stored in
# time order, so the index on (episode_id, kind, position) walks them backwards).
_CHAPTER_OF = (
    "(SELECT c.text FROM segments c WHERE c.episode_id = s.episode_id AND c.kind = 'chapter' "
    "AND c.seconds <= s.seconds ORDER BY c.position DESC LIMIT 1)"
)
_MOMENT_COLUMNS = f"{_SEGMENT_COLUMNS}, s.rank, s.label, s.marks, {_CHAPTER_OF}"


def _rank(ranked: bool, column: str = "f.rank") -> str:
    """Return the column that ranks full-text matches, or a constant when they come newest first."""
    # Reading BM25 even for a few rows makes FTS5 first count every match of each word.
    return column if ranked else "0.0"


def _all_matches(table: str) -> str:
    """Return a subquery of every match of a MATCH expression (the first parameter) with its rank.

    For a search whose filter (people, an episode) drops most matches: FTS5's own rank order
    re-reads each match's index entries to hand it back in order, only for the filter to drop it,
    which costs more than ranking every match. Ranked in one pass here, only the rows kept are
    sorted, by rank and then rowid: FTS5's order, equal ranks included.
    """
    return f"(SELECT rowid, rank FROM {table} WHERE {table} MATCH ?)"  # noqa: S608 (a table's name)


def _within(person_ids: Sequence[int]) -> str:
    """Return a condition keeping the full-text matches that are among the people's rows.

    Reading a match's segment row to test its speaker costs about as much as testing twenty ids
    against a set built from the people's index entries: for people with few rows and words with
    thousands of matches (a typo corrected into a common word), the set is read first. The `+`
    keeps SQLite from handing the ids to FTS5 as lookups, one index seek each.
    """
    marks = ",".join("?" * len(person_ids))
    return f"+f.rowid IN (SELECT id FROM segments WHERE person_id IN ({marks}))"  # noqa: S608


def _segment(row: Row) -> SegmentRow:
    """Return a segment from `_SEGMENT_COLUMNS`, and its rank when the query added one."""
    id_, kind, position, text, person_id, seconds, truncated, episode_id, *rank = row
    return SegmentRow(id_, kind, position, text, person_id, seconds, bool(truncated), episode_id, *rank)


async def segments_of(conn: aiosqlite.Connection, episode_id: int, kind: str) -> list[SegmentRow]:
    """Return an episode's segments of one kind in page order."""
    rows = await fetch_all(
        conn,
        _SELECT_SEGMENTS + "WHERE s.episode_id = ? AND s.kind = ? ORDER BY s.position",
        (episode_id, kind),
    )
    return [_segment(row) for row in rows]


async def takeaways_of_show(conn: aiosqlite.Connection, show_norm: str | None) -> list[SegmentRow]:
    """Return every takeaway, or those of one show, by episode then position."""
    where = "" if show_norm is None else "AND e.show_id = (SELECT id FROM shows WHERE name_norm = ?)"
    rows = await fetch_all(
        conn,
        f"SELECT {_SEGMENT_COLUMNS} FROM segments s JOIN episodes e ON e.id = s.episode_id "  # noqa: S608
        f"WHERE s.kind = 'takeaway' {where} ORDER BY {_EPISODE_ORDER}, s.position",
        () if show_norm is None else (show_norm,),
    )
    return [_segment(row) for row in rows]


async def segment(conn: aiosqlite.Connection, segment_id: int, kind: str) -> SegmentRow | None:
    """Return one segment of `kind` by id."""
    rows = await fetch_all(
        conn,
        _SELECT_SEGMENTS + "WHERE s.id = ? AND s.kind = ?",
        (segment_id, kind),
    )
    return _segment(rows[0]) if rows else None


async def quotes_by_person(
    conn: aiosqlite.Connection, person_id: int, episode_id: int | None, limit: int | None
) -> list[SegmentRow]:
    """Return a person's quotes, oldest episode first and in time order within each."""
    where = "" if episode_id is None else "AND s.episode_id = ?"
    params: list[object] = [person_id] if episode_id is None else [person_id, episode_id]
    rows = await fetch_all(
        conn,
        f"SELECT {_SEGMENT_COLUMNS} FROM segments s JOIN episodes e ON e.id = s.episode_id "  # noqa: S608
        f"WHERE s.person_id = ? AND s.kind = 'quote' {where} ORDER BY {_EPISODE_ORDER}, s.seconds "
        "LIMIT ?",
        [*params, -1 if limit is None else limit],
    )
    return [_segment(row) for row in rows]


async def quotes_of_people(
    conn: aiosqlite.Connection, person_ids: Sequence[int], limit: int
) -> list[SegmentRow]:
    """Return up to `limit` quotes by any of `person_ids`, newest episodes first."""
    marks = ",".join("?" * len(person_ids))
    rows = await fetch_all(
        conn,
        f"SELECT {_SEGMENT_COLUMNS} FROM segments s JOIN episodes e ON e.id = s.episode_id "  # noqa: S608
        f"WHERE s.person_id IN ({marks}) AND s.kind = 'quote' "
        "ORDER BY e.published DESC, e.number DESC, e.id DESC, s.seconds LIMIT ?",
        [*person_ids, limit],
    )
    return [_segment(row) for row in rows]


async def passages_of_episodes(
    conn: aiosqlite.Connection, episode_ids: Sequence[int], kinds: Sequence[str], limit: int
) -> list[SegmentRow]:
    """Return up to `limit` segments of `kinds` from the episodes, in page order."""
    episodes, marks = ",".join("?" * len(episode_ids)), ",".join("?" * len(kinds))
    rows = await fetch_all(
        conn,
        _SELECT_SEGMENTS + f"WHERE s.episode_id IN ({episodes}) AND s.kind IN ({marks}) "
        "ORDER BY s.episode_id, s.kind, s.position LIMIT ?",
        [*episode_ids, *kinds, limit],
    )
    return [_segment(row) for row in rows]


async def random_quote(
    conn: aiosqlite.Connection, person_id: int | None, episode_id: int | None, rng: random.Random
) -> SegmentRow | None:
    """Return one quote chosen uniformly among those matching the filters."""
    where, params = ["s.kind = 'quote'"], []
    if person_id is not None:
        where.append("s.person_id = ?")
        params.append(person_id)
    if episode_id is not None:
        where.append("s.episode_id = ?")
        params.append(episode_id)
    clause = " AND ".join(where)
    count = (await fetch_all(conn, f"SELECT count(*) FROM segments s WHERE {clause}", params))[0][0]  # noqa: S608
    if not count:
        return None
    rows = await fetch_all(
        conn,
        f"SELECT {_SEGMENT_COLUMNS} FROM segments s WHERE {clause} ORDER BY s.id LIMIT 1 OFFSET ?",  # noqa: S608
        [*params, rng.randrange(count)],
    )
    return _segment(rows[0])


async def search_segments(
    conn: aiosqlite.Connection,
    match: str,
    kinds: Sequence[str],
    limit: int,
    person_ids: Sequence[int] = (),
    *,
    ranked: bool = True,
    within: bool = False,
) -> list[SegmentRow]:
    """Return segments of `kinds` matching an escaped FTS5 expression, best first (or newest).

    `within`: check each match against the people's rows first (for people with few rows and
    words with many matches; see _within).
    """
    # Unranked, the newest matches come first and the scan stops at `limit`: for words found in
    # much of the index, BM25 over every match would take longer than the caller can wait.
    marks = ",".join("?" * len(kinds))
    people = f"AND s.person_id IN ({','.join('?' * len(person_ids))})" if person_ids else ""
    source, where, order = "segments_fts", "segments_fts MATCH ? AND ", "f.rank" if ranked else "f.rowid DESC"
    if ranked and person_ids:  # most matches are other people's (see _all_matches)
        source, where, order = _all_matches("segments_fts"), "", "f.rank, f.rowid"
    params: list[object] = [match]
    if within and person_ids:
        where += f"{_within(person_ids)} AND "
        params += person_ids
    rows = await fetch_all(
        conn,
        f"SELECT {_SEGMENT_COLUMNS}, {_rank(ranked)} FROM {source} f JOIN segments s ON s.id = f.rowid "  # noqa: S608
        f"WHERE {where}s.kind IN ({marks}) {people} ORDER BY {order} LIMIT ?",
        [*params, *kinds, *person_ids, limit],
    )
    return [_segment(row) for row in rows]


async def rows_of_people(conn: aiosqlite.Connection, person_ids: Sequence[int]) -> dict[int, int]:
    """Return how many segments (quotes, moments) each of `person_ids` has; absent: none."""
    marks = ",".join("?" * len(person_ids))
    rows = await fetch_all(
        conn,
        f"SELECT person_id, count(*) FROM segments WHERE person_id IN ({marks}) GROUP BY person_id",  # noqa: S608
        list(person_ids),
    )
    return dict(rows)


async def search_quotes_of(
    conn: aiosqlite.Connection, match: str, person_ids: Sequence[int], limit: int, *, seek: bool = False
) -> list[SegmentRow]:
    """Return quotes by `person_ids` matching an escaped FTS5 expression, in the people's index order.

    `seek`: check each quote by looking its id up in each word's entries, instead of reading every
    match into a set first (for few quotes and words with very many matches). Both walk the
    people's quotes in the same order, so they return the same rows.
    """
    # Starts from the people's quotes, which beats reading the row of every match of a common
    # word when they have few quotes. Each is checked against the set of the expression's matches,
    # read once from the index (its rowids only, no BM25): checking a quote with MATCH seeks
    # every word's entries anew (40 ms for 300 quotes and a typo corrected into common words,
    # 7 ms with the set). The `+` keeps SQLite from starting from the set instead. A set of a
    # word in a third of all passages costs more than that, though (40 ms for 120,000 entries,
    # 4-6 ms seeking them for 70-85 quotes), hence `seek`; CROSS JOIN keeps the quotes outermost.
    marks = ",".join("?" * len(person_ids))
    source, check = "segments s", "AND +s.id IN (SELECT rowid FROM segments_fts WHERE segments_fts MATCH ?)"
    if seek:
        source, check = "segments s CROSS JOIN segments_fts f", "AND f.rowid = s.id AND segments_fts MATCH ?"
    rows = await fetch_all(
        conn,
        f"SELECT {_SEGMENT_COLUMNS} FROM {source} "  # noqa: S608
        f"WHERE s.person_id IN ({marks}) AND s.kind = 'quote' {check} LIMIT ?",
        [*person_ids, match, limit],
    )
    return [_segment(row) for row in rows]


async def search_moments(
    conn: aiosqlite.Connection,
    match: str,
    limit: int,
    *,
    episode_id: int | None = None,
    person_ids: Sequence[int] = (),
    ranked: bool = True,
    within: bool = False,
) -> list[SegmentRow]:
    """Return transcript moments matching an escaped FTS5 expression, best first (or newest).

    `within`: as in search_segments.
    """
    if episode_id is None and not person_ids:
        # From FTS5 in a subquery, so that it delivers its matches in order and stops at the limit;
        # joined directly, SQLite could fetch and sort every match.
        inner = "rank" if ranked else "rowid DESC"
        found = (
            f"SELECT s.*, f.rank FROM (SELECT rowid, {_rank(ranked, 'rank')} AS rank FROM moments_fts "  # noqa: S608
            f"WHERE moments_fts MATCH ? ORDER BY {inner} LIMIT ?) f JOIN segments s ON s.id = f.rowid "
        )
        params: list[object] = [match, limit]
        kept = "rank" if ranked else "id DESC"
    else:
        source, where = "moments_fts", ["moments_fts MATCH ?"]
        if ranked:  # most matches are of other episodes or people (see _all_matches)
            source, where = _all_matches("moments_fts"), []
        params = [match]
        if episode_id is not None:
            where.append("s.episode_id = ?")
            params.append(episode_id)
        if person_ids:
            where.append(f"s.person_id IN ({','.join('?' * len(person_ids))})")
            params += person_ids
            if within:
                where.append(_within(person_ids))
                params += person_ids
        found = (
            f"SELECT s.*, {_rank(ranked)} AS rank FROM {source} f JOIN segments s ON s.id = f.rowid "  # noqa: S608
            f"WHERE {' AND '.join(where)} "
        )
        # Equal ranks in FTS5's order: by rowid. Unranked, FTS5 hands the matches over newest first
        # and the scan stops at the limit; ordered by the segment's id instead, SQLite read and
        # sorted every match of the words (40 ms for a host's common words over 700 hours).
        kept = "rank, id" if ranked else "f.rowid DESC"
    order = "rank" if ranked else "id DESC"
    # Each moment's chapter is looked up for the moments returned only, not for every match.
    rows = await fetch_all(
        conn,
        f"SELECT {_MOMENT_COLUMNS} FROM ({found} ORDER BY {kept} LIMIT ?) s ORDER BY {order}",  # noqa: S608
        [*params, limit],
    )
    return [_segment(row) for row in rows]


async def probe_moments(
    conn: aiosqlite.Connection, match: str, episode_id: int, person_ids: Sequence[int], limit: int
) -> list[SegmentRow]:
    """Return one episode's moments (by `person_ids`, when given) matching `match`, in time order."""
    # Starts from the episode's few hundred moments and checks each against the set of the
    # expression's matches: cheaper than reading the row of every match of a common word across
    # every episode, and than checking each moment with MATCH (30 ms for 560 moments and one
    # common word, 7 ms with the set). No BM25 (see search_quotes_of).
    people = f"AND s.person_id IN ({','.join('?' * len(person_ids))})" if person_ids else ""
    rows = await fetch_all(
        conn,
        f"SELECT {_SEGMENT_COLUMNS}, 0.0, s.label, s.marks, {_CHAPTER_OF} FROM segments s "  # noqa: S608
        f"WHERE s.episode_id = ? AND s.kind = 'moment' {people} "
        "AND +s.id IN (SELECT rowid FROM moments_fts WHERE moments_fts MATCH ?) "
        "ORDER BY s.position LIMIT ?",
        [episode_id, *person_ids, match, limit],
    )
    return [_segment(row) for row in rows]


async def moments_at(conn: aiosqlite.Connection, places: Sequence[tuple[int, int]]) -> list[SegmentRow]:
    """Return the transcript moments at (episode id, position) places, in no particular order."""
    if not places:
        return []
    values = ",".join("(?, ?)" for _ in places)
    # Driven by the places, one index lookup each; `(episode_id, position) IN (VALUES ...)` would
    # scan every moment of the archive.
    rows = await fetch_all(
        conn,
        f"SELECT {_SEGMENT_COLUMNS}, 0.0, s.label, s.marks, {_CHAPTER_OF} FROM (VALUES {values}) v "  # noqa: S608
        "CROSS JOIN segments s ON s.episode_id = v.column1 AND s.kind = 'moment' AND s.position = v.column2",
        [value for place in places for value in place],
    )
    return [_segment(row) for row in rows]


async def chapters_of(conn: aiosqlite.Connection, episode_id: int) -> list[tuple[int, int, str]]:
    """Return an episode's chapters in time order: (position, second, title)."""
    return await fetch_all(
        conn,
        "SELECT position, seconds, text FROM segments WHERE episode_id = ? AND kind = 'chapter' "
        "ORDER BY position",
        (episode_id,),
    )


@dataclass(frozen=True, slots=True)
class CardFacts:
    """Hold what an episode card shows beyond the episode's reference."""

    description: str
    hosts: tuple[str, ...]
    guests: tuple[str, ...]
    duration_seconds: int | None
    takeaway_count: int
    quote_count: int
    quotes_declared: int | None
    mention_count: int
    mentions_declared: int | None
    related_count: int
    moment_count: int
    covered_seconds: int | None  # where the transcript's last moment ends
    chapter_count: int
    season: int | None = None
    page_url: str | None = None


async def card_facts(conn: aiosqlite.Connection, episode_id: int) -> CardFacts | None:
    """Return the description, people and counts an episode card shows (None: no such episode)."""
    rows = await fetch_all(
        conn,
        "SELECT e.duration_seconds, e.quotes_declared, e.mentions_declared, e.season, e.page_url,"
        " (SELECT text FROM segments WHERE episode_id = e.id AND kind = 'description'),"
        " (SELECT count(*) FROM segments WHERE episode_id = e.id AND kind = 'takeaway'),"
        " (SELECT count(*) FROM segments WHERE episode_id = e.id AND kind = 'quote'),"
        " (SELECT count(*) FROM mentions WHERE episode_id = e.id),"
        " (SELECT count(*) FROM related WHERE episode_id = e.id),"
        " (SELECT count(*) FROM segments WHERE episode_id = e.id AND kind = 'moment'),"
        " (SELECT max(end_seconds) FROM segments WHERE episode_id = e.id AND kind = 'moment'),"
        " (SELECT count(*) FROM segments WHERE episode_id = e.id AND kind = 'chapter')"
        " FROM episodes e WHERE e.id = ?",
        (episode_id,),
    )
    if not rows:
        return None
    people = await fetch_all(
        conn,
        "SELECT p.name, ep.role FROM episode_people ep JOIN people p ON p.id = ep.person_id "
        "WHERE ep.episode_id = ? AND ep.role IN ('host', 'guest') ORDER BY ep.position",
        (episode_id,),
    )
    duration, quotes_declared, mentions_declared, season, page_url, description, *counts = rows[0]
    takeaways, quotes, mentions, related, moments, covered, chapters = counts
    return CardFacts(
        description=description or "",
        hosts=tuple(name for name, role in people if role == "host"),
        guests=tuple(name for name, role in people if role == "guest"),
        duration_seconds=duration,
        takeaway_count=takeaways,
        quote_count=quotes,
        quotes_declared=quotes_declared,
        mention_count=mentions,
        mentions_declared=mentions_declared,
        related_count=related,
        season=season,
        page_url=page_url,
        moment_count=moments,
        covered_seconds=covered,
        chapter_count=chapters,
    )


async def listed_related(conn: aiosqlite.Connection, episode_id: int) -> list[tuple[str, int | None]]:
    """Return the page's related titles in order, with the episode each resolves to."""
    return await fetch_all(
        conn, "SELECT title, target_id FROM related WHERE episode_id = ? ORDER BY position", (episode_id,)
    )


async def shared_people(conn: aiosqlite.Connection, episode_id: int, limit: int) -> list[tuple[int, str]]:
    """Return (episode, person name) for other episodes sharing a guest or speaker who is not a host."""
    return await fetch_all(
        conn,
        "WITH mine AS (SELECT DISTINCT person_id FROM episode_people WHERE episode_id = :ep"
        "  AND person_id NOT IN"
        "  (SELECT person_id FROM episode_people WHERE episode_id = :ep AND role = 'host')),"
        " other AS (SELECT DISTINCT ep.episode_id, ep.person_id FROM episode_people ep"
        "  JOIN mine USING (person_id)"
        "  WHERE ep.episode_id != :ep AND NOT EXISTS (SELECT 1 FROM episode_people h"
        "  WHERE h.episode_id = ep.episode_id AND h.person_id = ep.person_id AND h.role = 'host')),"
        " top AS (SELECT episode_id, count(*) AS n FROM other GROUP BY episode_id"
        "  ORDER BY n DESC, episode_id DESC LIMIT :limit)"
        " SELECT other.episode_id, p.name FROM top JOIN other USING (episode_id)"
        " JOIN people p ON p.id = other.person_id ORDER BY top.n DESC, top.episode_id DESC, p.name",
        {"ep": episode_id, "limit": limit},
    )


async def shared_mentions(conn: aiosqlite.Connection, episode_id: int, limit: int) -> list[tuple[int, str]]:
    """Return (episode, mention) for other episodes that mention the same thing."""
    return await fetch_all(
        conn,
        "SELECT o.episode_id, min(o.text) FROM mentions m JOIN mentions o ON o.text_norm = m.text_norm "
        "WHERE m.episode_id = ? AND o.episode_id != m.episode_id "
        "GROUP BY o.episode_id ORDER BY count(*) DESC, o.episode_id DESC LIMIT ?",
        (episode_id, limit),
    )


async def stats(conn: aiosqlite.Connection) -> dict[str, int]:
    """Count what the knowledge base holds."""
    row = (
        await fetch_all(
            conn,
            "SELECT (SELECT count(*) FROM shows), (SELECT count(*) FROM episodes),"
            " (SELECT count(*) FROM people),"
            " (SELECT count(*) FROM segments WHERE kind = 'takeaway'),"
            " (SELECT count(*) FROM segments WHERE kind = 'quote'),"
            " (SELECT count(*) FROM mentions), (SELECT count(*) FROM related),"
            " (SELECT count(*) FROM related WHERE target_id IS NOT NULL),"
            " (SELECT count(*) FROM episodes WHERE transcript IS NOT NULL),"
            " (SELECT count(*) FROM segments WHERE kind = 'moment'),"
            " (SELECT count(*) FROM segments WHERE kind = 'chapter')",
        )
    )[0]
    names = ("shows", "episodes", "people", "takeaways", "quotes", "mentions", "related", "related_resolved",
             "transcripts", "moments", "chapters")  # fmt: skip
    return dict(zip(names, row, strict=True))


async def first_segments(
    conn: aiosqlite.Connection, episode_ids: Sequence[int], kind: str, per_episode: int
) -> list[SegmentRow]:
    """Return the first `per_episode` segments of `kind` of each episode, in the order of `episode_ids`."""
    rows: list[SegmentRow] = []
    for episode_id in episode_ids:  # each one walk of the (episode_id, kind, position) index
        found = await fetch_all(
            conn,
            f"{_SELECT_SEGMENTS}WHERE s.episode_id = ? AND s.kind = ? ORDER BY s.position LIMIT ?",
            (episode_id, kind, per_episode),
        )
        rows += [_segment(row) for row in found]
    return rows


def ask_passage_texts(conn: sqlite3.Connection, kinds: Sequence[str]) -> list[tuple[int, str]]:
    """Return (id, text) of every passage of these kinds (what /ask can answer with).

    Meant for a worker thread's connection (Database.read_in_thread): at 10,000 episodes this is
    370,000 rows, which on the shared connection would hold up every command behind them.
    """
    marks = ",".join("?" * len(kinds))
    rows = conn.execute(f"SELECT id, text FROM segments WHERE kind IN ({marks})", list(kinds)).fetchall()  # noqa: S608
    return [(int(row[0]), str(row[1])) for row in rows]


async def segments_by_ids(conn: aiosqlite.Connection, ids: Sequence[int]) -> list[SegmentRow]:
    """Return the segments with these ids (with a moment's label, marks and chapter), in no order."""
    if not ids:
        return []
    marks = ",".join("?" * len(ids))
    rows = await fetch_all(
        conn,
        f"SELECT {_SEGMENT_COLUMNS}, 0.0, s.label, s.marks, {_CHAPTER_OF} FROM segments s "  # noqa: S608
        f"WHERE s.id IN ({marks})",
        list(ids),
    )
    return [_segment(row) for row in rows]
