"""Write episodes into the knowledge base; plain sqlite3, run by ingest off the event loop."""

from __future__ import annotations

import json
import secrets
import sqlite3
import time
from collections.abc import Iterable, Sequence
from typing import NamedTuple

from bot.text import normalize


class Fingerprint(NamedTuple):
    """Say which files an episode came from and what they held, to skip unchanged ones."""

    id: int
    source: str
    stamp: str
    content_hash: str
    linked: str | None = None  # a transcript the metadata names, stamped with the episode's files


class EpisodeFields(NamedTuple):
    """Hold an episode's own columns, in the order the episodes table stores them after its files."""

    title: str
    title_norm: str
    number: int | None
    url: str | None
    published: str | None  # ISO date
    duration_seconds: int | None
    quotes_declared: int | None
    mentions_declared: int | None
    guid: str | None = None  # a feed item's guid
    season: int | None = None
    audio_url: str | None = None  # audio (a feed's enclosure): links play it from a second
    page_url: str | None = None  # the feed item's web page


class PersonEntry(NamedTuple):
    """Say that a person (by name) is on an episode as host, guest or speaker, at a position."""

    name: str
    role: str
    position: int


class AliasEntry(NamedTuple):
    """Hold another name of a person (by name), with its matching key."""

    name: str
    alias: str
    alias_norm: str


class SegmentEntry(NamedTuple):
    """Hold one description, takeaway or quote; a quote's speaker still by name."""

    kind: str
    position: int
    speaker: str | None
    seconds: int | None
    truncated: int  # 0 or 1, as stored
    text: str


class MentionEntry(NamedTuple):
    """Hold one mentioned thing, in page order, with its matching key."""

    position: int
    text: str
    text_norm: str


class RelatedEntry(NamedTuple):
    """Hold one related title as listed, with the parts it is linked to an episode by."""

    position: int
    line: str
    title_norm: str
    show_norm: str | None
    number: int | None


class MomentEntry(NamedTuple):
    """Hold one transcript moment; its speaker by name, or the label when it names nobody."""

    position: int
    person: str | None
    label: str | None  # a label mapped to nobody ("Guest 1"), shown as written
    seconds: int
    end_seconds: int
    text: str
    marks: bytes  # where each later sentence starts (bot.sentences)


class ChapterEntry(NamedTuple):
    """Hold one chapter: its place, start, end (the next chapter's start) and title."""

    position: int
    seconds: int
    end_seconds: int | None
    title: str


class TimedEntry(NamedTuple):
    """Say what an episode's moments and chapters were read from, and a digest of them."""

    transcript: str | None  # the transcript's file name
    linked: str | None  # the transcript the metadata names, as an absolute path
    digest: str  # equal digests: the stored moments and chapters are kept as they are


class SegmentIdentity(NamedTuple):
    """Say what makes a stored segment the same one after a page is edited (its id is kept)."""

    kind: str
    person_id: int | None
    seconds: int | None
    text: str


# A stored segment's id and text, and whether it is a transcript moment (indexed in moments_fts).
IndexText = tuple[int, str, bool]


# The entries above as plain tuples, field for field: the rows an episode holds by the thousand
# cross from a parsing process to the writer, and a plain tuple pickles several times faster
# than a named one (whose every instance is rebuilt through its class), so they travel and are
# written as these. An entry class's instance is one of them too.
PersonRow = tuple[str, str, int]
AliasRow = tuple[str, str, str]
SegmentRow = tuple[str, int, str | None, int | None, int, str]
MentionRow = tuple[int, str, str]
RelatedRow = tuple[int, str, str, str | None, int | None]
MomentRow = tuple[int, str | None, str | None, int, int, str, bytes]
ChapterRow = tuple[int, int, int | None, str]


class EpisodeRows(NamedTuple):
    """Hold one episode as plain rows, cheap to pass between processes; people still by name."""

    key: str
    show: str | None
    episode: EpisodeFields
    aliases: tuple[str, ...]
    people: tuple[PersonRow, ...]
    person_aliases: tuple[AliasRow, ...]
    segments: tuple[SegmentRow, ...]
    mentions: tuple[MentionRow, ...]
    related: tuple[RelatedRow, ...]
    warnings: tuple[str, ...]
    moments: tuple[MomentRow, ...] = ()
    chapters: tuple[ChapterRow, ...] = ()
    timed: TimedEntry = TimedEntry(None, None, "")


def load_fingerprints(conn: sqlite3.Connection) -> dict[str, Fingerprint]:
    """Return every stored episode's fingerprint by key."""
    rows = conn.execute("SELECT key, id, source, stamp, content_hash, linked FROM episodes")
    return {key: Fingerprint(*rest) for key, *rest in rows}


def load_fingerprints_of(
    conn: sqlite3.Connection, keys: Sequence[str], sources: Sequence[str]
) -> dict[str, Fingerprint]:
    """Return the fingerprints of the stored episodes with these keys or from these source files."""
    rows = conn.execute(
        "SELECT key, id, source, stamp, content_hash, linked FROM episodes"
        " WHERE key IN (SELECT value FROM json_each(?)) OR source IN (SELECT value FROM json_each(?))",
        (json.dumps(list(keys)), json.dumps(list(sources))),
    )
    return {key: Fingerprint(*rest) for key, *rest in rows}


def has_episodes(conn: sqlite3.Connection) -> bool:
    """Tell whether any episode is stored."""
    return conn.execute("SELECT 1 FROM episodes LIMIT 1").fetchone() is not None


def linked_paths(conn: sqlite3.Connection) -> set[str]:
    """Return the transcripts metadata files name, as absolute paths."""
    return {row[0] for row in conn.execute("SELECT linked FROM episodes WHERE linked IS NOT NULL")}


def load_fingerprint(conn: sqlite3.Connection, key: str) -> Fingerprint | None:
    """Return one stored episode's fingerprint, or None when no episode has that key."""
    select = "SELECT id, source, stamp, content_hash, linked FROM episodes WHERE key = ?"
    row = conn.execute(select, (key,)).fetchone()
    return None if row is None else Fingerprint(*row)


def same_number(conn: sqlite3.Connection, key: str) -> list[tuple[str, str, int]]:
    """Return (source, show, number) of each other episode with the same show and number as `key`."""
    rows = conn.execute(
        "SELECT other.source, shows.name, other.number FROM episodes AS e "
        "JOIN episodes AS other ON other.show_id = e.show_id AND other.number = e.number "
        "AND other.id <> e.id JOIN shows ON shows.id = e.show_id WHERE e.key = ? ORDER BY other.source",
        (key,),
    )
    return [(source, show, number) for source, show, number in rows]


def sources_claiming(
    conn: sqlite3.Connection, guid: str | None, show_norm: str | None, number: int | None
) -> list[str]:
    """Return the sources of stored episodes with this guid, or with this (normalized) show and number."""
    found = []
    if guid:
        found += [row[0] for row in conn.execute("SELECT source FROM episodes WHERE guid = ?", (guid,))]
    if show_norm and number is not None:
        rows = conn.execute(
            "SELECT e.source FROM episodes AS e JOIN shows ON shows.id = e.show_id "
            "WHERE shows.name_norm = ? AND e.number = ?",
            (show_norm, number),
        )
        found += [row[0] for row in rows]
    return found


def update_stamp(conn: sqlite3.Connection, key: str, source: str, stamp: str) -> None:
    """Record new file stamps for an episode whose content did not change."""
    conn.execute("UPDATE episodes SET source = ?, stamp = ? WHERE key = ?", (source, stamp, key))


def delete_episodes(
    conn: sqlite3.Connection,
    episodes: Iterable[tuple[str, str]],
    dropped: dict[str, list[str]] | None = None,
) -> list[str]:
    """Delete episodes by (key, source) when still stored from that source; return the keys deleted.

    Their text, people links and lists go with them; with `dropped`, the texts leaving the
    full-text indexes are noted there by key.
    """
    deleted = []
    for key, source in episodes:
        texts = [] if dropped is None else conn.execute(
            "SELECT s.text FROM segments s JOIN episodes e ON e.id = s.episode_id "
            "WHERE e.key = ? AND e.source = ?",
            (key, source),
        ).fetchall()  # fmt: skip
        found = conn.execute("SELECT id FROM episodes WHERE key = ? AND source = ?", (key, source)).fetchone()
        if found is not None:
            conn.execute(_RELINK_LEAVING, found)
        if conn.execute("DELETE FROM episodes WHERE key = ? AND source = ?", (key, source)).rowcount:
            deleted.append(key)
            if dropped is not None:
                dropped[key] = [text for (text,) in texts]
    return deleted


_UPSERT = (
    "INSERT INTO episodes(key, show_id, source, stamp, content_hash, title, title_norm, number, url, "
    "published, duration_seconds, quotes_declared, mentions_declared, guid, season, audio_url, page_url) "
    "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?) "
    "ON CONFLICT(key) DO UPDATE SET show_id=excluded.show_id, source=excluded.source, "
    "stamp=excluded.stamp, content_hash=excluded.content_hash, title=excluded.title, "
    "title_norm=excluded.title_norm, number=excluded.number, url=excluded.url, "
    "published=excluded.published, duration_seconds=excluded.duration_seconds, "
    "quotes_declared=excluded.quotes_declared, mentions_declared=excluded.mentions_declared, "
    "guid=excluded.guid, season=excluded.season, audio_url=excluded.audio_url, page_url=excluded.page_url "
    "RETURNING id"
)
# The rows of an episode, table by table (also written in bulk by bot.storage.coldload).
INSERT_ARRIVAL = "INSERT OR IGNORE INTO episode_arrivals(key, first_seen) VALUES (?, ?)"  # kept for good
INSERT_EPISODE_ALIAS = "INSERT INTO episode_aliases(episode_id, alias) VALUES (?, ?)"
INSERT_EPISODE_PERSON = (
    "INSERT OR IGNORE INTO episode_people(episode_id, person_id, role, position) VALUES (?, ?, ?, ?)"
)
INSERT_PERSON_ALIAS = (
    "INSERT OR IGNORE INTO person_aliases(person_id, episode_id, alias, alias_norm) VALUES (?,?,?,?)"
)
INSERT_MENTION = "INSERT INTO mentions(episode_id, position, text, text_norm) VALUES (?, ?, ?, ?)"
INSERT_RELATED = (
    "INSERT INTO related(episode_id, position, title, title_norm, show_norm, number) "
    "VALUES (?, ?, ?, ?, ?, ?)"
)
INSERT_SEGMENT = (
    "INSERT INTO segments(id, episode_id, kind, position, person_id, seconds, truncated, text) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
)
INSERT_CHAPTER = (
    "INSERT INTO segments(id, episode_id, kind, position, seconds, end_seconds, text) "
    "VALUES (?, ?, 'chapter', ?, ?, ?, ?)"
)
INSERT_MOMENT = (
    "INSERT INTO segments(id, episode_id, kind, position, person_id, label, seconds, end_seconds, "
    "text, marks) VALUES (?, ?, 'moment', ?, ?, ?, ?, ?, ?, ?)"
)
_CHILD_TABLES = ("episode_aliases", "person_aliases", "episode_people", "mentions", "related")


class EpisodeWriter:
    """Store episodes, remembering person and show ids within one transaction."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        self._people: dict[str, int] = {}
        self._shows: dict[str, int] = {}
        self._norms: dict[str, str] = {}  # pure, so kept across transactions
        self._next_segment: int | None = None
        # When a list: the texts the last write() dropped from the full-text indexes (a reader
        # updating its vocabulary needs them; see bot.ingest.changes).
        self.dropped: list[str] | None = None

    def forget_ids(self) -> None:
        """Drop cached ids; call when a transaction begins or rolls back, which may change them."""
        self._people.clear()
        self._shows.clear()
        self._next_segment = None

    def write(
        self, rows: EpisodeRows, source: str, stamp: str, content_hash: str, *, new: bool = False
    ) -> list[IndexText]:
        """Store one episode atomically within the caller's savepoint; return its texts to index."""
        # `new`: known not to be stored yet, so there is nothing to delete or reuse. The returned
        # (segment id, text) pairs go to index(): FTS5 writes out its pending terms at every
        # savepoint, so indexing inside each episode's savepoint would cost a merge per episode.
        show_id = self._show_id(rows.show) if rows.show else None
        head = (rows.key, show_id, source, stamp, content_hash, *rows.episode)
        episode_id = self.conn.execute(_UPSERT, head).fetchone()[0]
        # The first arrival of a key is kept for good: an edit or a re-added file is not new.
        arrived = (rows.key, int(time.time()))
        first = self.conn.execute(INSERT_ARRIVAL, arrived)
        if first.rowcount == 1 and rows.episode.guid is not None:
            take_over_arrival(self.conn, rows.key, rows.episode.guid)
        if not new:
            for table in _CHILD_TABLES:
                self.conn.execute(f"DELETE FROM {table} WHERE episode_id = ?", (episode_id,))  # noqa: S608
        self._write_lists(episode_id, rows)
        return self._write_segments(episode_id, rows, new) + self._write_timed(episode_id, rows, new)

    def index(self, texts: list[IndexText]) -> None:
        """Add segments to the full-text indexes (explicitly: an insert trigger is several times slower).

        Their segments are written unmerged: call `merge_indexes` once the load is done.
        """
        # Moments have an index of their own (migration 0009).
        curated = [(i, text) for i, text, moment in texts if not moment]
        moments = [(i, text) for i, text, moment in texts if moment]
        conn = self.conn
        # FTS5 writes the new terms as one more segment when the transaction ends, then merges
        # segments (automerge, and crisismerge at 16 a level): over a 10,000-episode load, merging
        # the same terms again after every transaction cost a sixth of the writer's time. The
        # terms are written out here with merging off, then the settings are put back, all in
        # this transaction, so no other writer (nor a run that dies) ever finds them off. The
        # unmerged segments are merged by merge_indexes at the end of the run (or of the next run,
        # when one dies: it leaves its relink note, see bot.ingest.run).
        for table, rows in (("segments_fts", curated), ("moments_fts", moments)):
            if rows:
                conn.execute(FTS_SETTING.format(table=table), ("automerge", 0))
                conn.execute(FTS_SETTING.format(table=table), ("crisismerge", FTS_NO_CRISIS))
                conn.executemany(f"INSERT INTO {table}(rowid, text) VALUES (?, ?)", rows)  # noqa: S608
        conn.execute("SAVEPOINT index_written")  # FTS5 writes out its pending terms here
        conn.execute("RELEASE index_written")
        for table, rows in (("segments_fts", curated), ("moments_fts", moments)):
            if rows:
                conn.execute(FTS_SETTING.format(table=table), ("automerge", FTS_AUTOMERGE))
                conn.execute(FTS_SETTING.format(table=table), ("crisismerge", FTS_CRISISMERGE))

    def _write_lists(self, episode_id: int, rows: EpisodeRows) -> None:
        conn, person = self.conn, self._person_id
        conn.executemany(
            INSERT_EPISODE_ALIAS,
            [(episode_id, a) for a in rows.aliases],
        )
        conn.executemany(
            INSERT_EPISODE_PERSON,
            [(episode_id, person(name), role, n) for name, role, n in rows.people],
        )
        conn.executemany(
            INSERT_PERSON_ALIAS,
            [(person(name), episode_id, alias, norm) for name, alias, norm in rows.person_aliases],
        )
        conn.executemany(
            INSERT_MENTION,
            [(episode_id, *mention) for mention in rows.mentions],
        )
        conn.executemany(
            INSERT_RELATED,
            [(episode_id, *related) for related in rows.related],
        )

    def _write_segments(self, episode_id: int, rows: EpisodeRows, new: bool) -> list[IndexText]:
        person = self._person_id
        if new:  # nothing stored to keep: every segment is inserted
            return self._insert_segments(
                episode_id,
                [
                    (kind, position, person(speaker) if speaker else None, seconds, truncated, text)
                    for kind, position, speaker, seconds, truncated, text in rows.segments
                ],
            )
        old = self.conn.execute(
            "SELECT id, kind, person_id, seconds, text FROM segments WHERE episode_id = ? "
            "AND kind NOT IN ('moment', 'chapter')",
            (episode_id,),
        ).fetchall()
        # Keep the id of every segment whose text, speaker and second are unchanged, so anything
        # that refers to a takeaway or quote (daily-post history) survives an edit of the page.
        reusable: dict[SegmentIdentity, list[int]] = {}
        for id_, kind, person_id, seconds, text in old:
            reusable.setdefault(SegmentIdentity(kind, person_id, seconds, text), []).append(id_)
        inserts: list[tuple[str, int, int | None, int | None, int, str]] = []
        moves: list[tuple[int, int, int]] = []  # position, truncated, id
        for kind, position, speaker, seconds, truncated, text in rows.segments:
            person_id = person(speaker) if speaker else None
            ids = reusable.get(SegmentIdentity(kind, person_id, seconds, text))
            if ids:
                moves.append((position, truncated, ids.pop()))
            else:
                inserts.append((kind, position, person_id, seconds, truncated, text))
        gone = [i for ids in reusable.values() for i in ids]
        self.conn.executemany("DELETE FROM segments WHERE id = ?", [(i,) for i in gone])
        if self.dropped is not None and gone:
            texts = {id_: text for id_, _, _, _, text in old}
            self.dropped += [texts[i] for i in gone]
        self.conn.executemany("UPDATE segments SET position = ?, truncated = ? WHERE id = ?", moves)
        return self._insert_segments(episode_id, inserts)

    def _insert_segments(
        self, episode_id: int, segments: list[tuple[str, int, int | None, int | None, int, str]]
    ) -> list[IndexText]:
        """Insert (kind, position, person id, second, truncated, text) rows; return their texts to index."""
        first = self._segment_ids(len(segments))
        self.conn.executemany(
            INSERT_SEGMENT,
            [(first + n, episode_id, *segment) for n, segment in enumerate(segments)],
        )
        return [(first + n, segment[5], False) for n, segment in enumerate(segments)]

    def _write_timed(self, episode_id: int, rows: EpisodeRows, new: bool) -> list[IndexText]:
        """Replace the episode's moments and chapters, unless they are the same as stored."""
        transcript, linked, digest = rows.timed
        if not new:
            stored = self.conn.execute("SELECT timed_hash FROM episodes WHERE id = ?", (episode_id,))
            if stored.fetchone()[0] == digest:
                self.conn.execute(
                    "UPDATE episodes SET transcript = ?, linked = ? WHERE id = ?",
                    (transcript, linked, episode_id),
                )
                return []
            timed = "FROM segments WHERE episode_id = ? AND kind IN ('moment', 'chapter')"
            if self.dropped is not None:
                self.dropped += [text for (text,) in self.conn.execute(f"SELECT text {timed}", (episode_id,))]
            self.conn.execute(f"DELETE {timed}", (episode_id,))
        self.conn.execute(
            "UPDATE episodes SET transcript = ?, linked = ?, timed_hash = ? WHERE id = ?",
            (transcript, linked, digest, episode_id),
        )
        person = self._person_id
        first = self._segment_ids(len(rows.chapters) + len(rows.moments))
        chapters = [
            (first + n, episode_id, position, seconds, end, title)
            for n, (position, seconds, end, title) in enumerate(rows.chapters)
        ]
        self.conn.executemany(
            INSERT_CHAPTER,
            chapters,
        )
        first += len(chapters)
        moments = [
            (first + n, episode_id, position, name and person(name), label, seconds, end, text, marks)
            for n, (position, name, label, seconds, end, text, marks) in enumerate(rows.moments)
        ]
        self.conn.executemany(
            INSERT_MOMENT,
            moments,
        )
        return [(row[0], row[-1], False) for row in chapters] + [(row[0], row[-2], True) for row in moments]

    def _segment_ids(self, count: int) -> int:
        """Reserve `count` consecutive segment ids; valid while this transaction holds the write lock."""
        if self._next_segment is None:
            self._next_segment = self.conn.execute(
                "SELECT coalesce(max(id), 0) + 1 FROM segments"
            ).fetchone()[0]
        first, self._next_segment = self._next_segment, self._next_segment + count
        return first

    def _person_id(self, name: str) -> int:
        if name not in self._people:
            self._people[name] = self._named_id("people", name)
        return self._people[name]

    def _show_id(self, name: str) -> int:
        if name not in self._shows:
            self._shows[name] = self._named_id("shows", name)
        return self._shows[name]

    def _named_id(self, table: str, name: str) -> int:
        """Return the id of the row whose normalized name matches `name`, adding it if new."""
        if name not in self._norms:
            self._norms[name] = normalize(name) or name
        norm = self._norms[name]
        # Tables are constants of this module; look up first, since most names are already stored.
        select = f"SELECT id FROM {table} WHERE name_norm = ?"  # noqa: S608
        found = self.conn.execute(select, (norm,)).fetchone()
        if found is None:
            insert = f"INSERT INTO {table}(name, name_norm) VALUES (?, ?) RETURNING id"  # noqa: S608
            found = self.conn.execute(insert, (name, norm)).fetchone()
        row_id: int = found[0]
        return row_id


def take_over_arrival(conn: sqlite3.Connection, key: str, guid: str) -> None:
    """Give the new arrival `key` the first arrival of the stored episodes with its guid, unannounced.

    A local file written for a feed item already stored (same guid, or same show and number,
    which gives it the item's guid) makes the episode change key, not a new episode: it keeps
    the item's first arrival, and is not posted again. The item's own episode leaves at the end
    of this ingest; if the file goes, the item's key comes back with its own old arrival.
    """
    (earlier,) = conn.execute(
        "SELECT min(a.first_seen) FROM episodes e JOIN episode_arrivals a ON a.key = e.key "
        "WHERE e.guid = ? AND e.key != ?",
        (guid, key),
    ).fetchone()
    if earlier is not None:
        conn.execute("UPDATE episode_arrivals SET first_seen = ?, announce = 0 WHERE key = ?", (earlier, key))


# FTS5's defaults: when terms are written, a level with FTS_AUTOMERGE segments is merged, and one
# with FTS_CRISISMERGE at once, whatever automerge says; FTS_NO_CRISIS is the highest it takes.
FTS_AUTOMERGE = 4
FTS_CRISISMERGE = 16
FTS_NO_CRISIS = 2000
_MERGED_SOMETHING = 2  # FTS5 counts a 'merge' that did no work as fewer changes than this
FTS_SETTING = "INSERT INTO {table}({table}, rank) VALUES (?, ?)"  # a table name, never data
FTS_TABLES = ("segments_fts", "moments_fts")


def merge_indexes(conn: sqlite3.Connection, pages: int) -> bool:
    """Merge the full-text indexes' segments, writing about `pages` pages; return whether any work is left.

    As FTS5's automerge would have after each write (see EpisodeWriter.index), once for a whole load.
    """
    worked = False
    for table in FTS_TABLES:
        before = conn.total_changes
        conn.execute(FTS_SETTING.format(table=table), ("merge", pages))
        worked = worked or conn.total_changes - before >= _MERGED_SOMETHING
    return worked


RELINK_KEY = "ingest:relink"  # bot_state: set with every change, cleared once related titles are relinked


def mark_relink(conn: sqlite3.Connection) -> str:
    """Note, in the transaction that changes episodes, that related titles need linking again.

    Return the note's token: while it is still the one stored, no other writer changed episodes since.
    """
    # A new token each time: a run that finishes relinking clears only the token it started
    # from, so a change another process made meanwhile is relinked too (by that process, or by
    # the next run if that process dies first).
    conn.execute(
        "INSERT INTO bot_state(key, value) VALUES (?, ?) "
        "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        (RELINK_KEY, token := secrets.token_hex(8)),
    )
    return token


def relink_token(conn: sqlite3.Connection) -> str | None:
    """Return the pending relink's token, or None when related titles are up to date."""
    row = conn.execute("SELECT value FROM bot_state WHERE key = ?", (RELINK_KEY,)).fetchone()
    return None if row is None else row[0]


def episode_id_ranges(conn: sqlite3.Connection, size: int) -> list[tuple[int, int]]:
    """Return (first, last) episode ids covering every episode in ranges of about `size` episodes."""
    ids = [row[0] for row in conn.execute("SELECT id FROM episodes ORDER BY id")]
    return [(ids[i], ids[min(i + size, len(ids)) - 1]) for i in range(0, len(ids), size)]


def _related_target(besides: str = "") -> str:
    """Return the SQL for the episode a related title names (a number match first), `besides` excluded."""
    return (
        "COALESCE("  # noqa: S608 (constants)
        " (SELECT e.id FROM episodes e JOIN shows s ON s.id = e.show_id"
        "  WHERE related.number IS NOT NULL AND e.number = related.number AND s.name_norm = related.show_norm"
        f"  AND e.id != related.episode_id{besides} ORDER BY e.id LIMIT 1),"
        " (SELECT e.id FROM episodes e WHERE e.title_norm = related.title_norm"
        f"  AND e.id != related.episode_id{besides} ORDER BY e.id LIMIT 1))"
    )


_RELATED_TARGET = _related_target()
# Before an episode goes, the titles linked to it are linked to the next episode they name, if any
# (as a relink of everything would after it went): a changed-files relink then need not read
# every title linked to none to find them (see relink_changed).
_RELINK_LEAVING = (
    f"UPDATE related SET target_id = {_related_target(' AND e.id != ?1')}"  # noqa: S608 (a constant)
    " WHERE target_id = ?1"
)


def relink(conn: sqlite3.Connection, first: int, last: int) -> None:
    """Link the related titles of episodes `first` to `last` (ids) to the episodes now present."""
    # Only rows whose target changes are written: after one file changed, rewriting every
    # related row of a large archive took seconds for the same values.
    conn.execute(
        f"UPDATE related SET target_id = {_RELATED_TARGET}"  # noqa: S608 (a constant)
        f" WHERE episode_id BETWEEN ? AND ? AND target_id IS NOT {_RELATED_TARGET}",
        (first, last),
    )


def relink_changed(conn: sqlite3.Connection, keys: Sequence[str]) -> None:
    """Link again the related titles that the episodes `keys` (written or removed) may have changed.

    As `relink` over every episode would, when these are the only episodes changed since the last
    link: the changed episodes' own titles; titles linked to a changed episode; titles its new
    title or number names (a number match wins over a title match). New episodes take larger ids
    than those already linked, so they never win over an unchanged link by id alone. The titles
    a removed episode was linked from were linked to the next episode they name as it went (see
    delete_episodes), so the thousands of titles linked to none are not read.
    """
    # One statement per kind of row, each through an index (or one plain scan of the titles):
    # together in one WHERE they made SQLite link every row again.
    changed = "(SELECT id FROM episodes WHERE key IN (SELECT value FROM json_each(?1)))"
    named = (
        f"(title_norm IN (SELECT title_norm FROM episodes WHERE id IN {changed})"  # noqa: S608 (constants)
        f" OR number IN (SELECT number FROM episodes WHERE id IN {changed}))"
    )
    listed = json.dumps(list(keys))
    for rows in (f"episode_id IN {changed}", f"target_id IN {changed}", named):
        conn.execute(
            f"UPDATE related SET target_id = {_RELATED_TARGET}"  # noqa: S608 (constants)
            f" WHERE {rows} AND target_id IS NOT {_RELATED_TARGET}",
            (listed,) if "?1" in rows else (),
        )


def finish_ingest(conn: sqlite3.Connection, token: str | None) -> int:
    """Drop unused people and shows, clear the relink note `token`, tell readers the load is done.

    Return the generation this sets.
    """
    conn.execute(
        "DELETE FROM people WHERE NOT EXISTS (SELECT 1 FROM episode_people ep WHERE ep.person_id = people.id)"
        " AND NOT EXISTS (SELECT 1 FROM segments s WHERE s.person_id = people.id)"
    )
    conn.execute("DELETE FROM shows WHERE NOT EXISTS (SELECT 1 FROM episodes e WHERE e.show_id = shows.id)")
    conn.execute("DELETE FROM bot_state WHERE key = ? AND value = ?", (RELINK_KEY, token))
    # Readers (the running bot, in any process) reload their in-memory catalogue when this
    # changes; it changes only here, so they never load the half of an ingest still running.
    (generation,) = conn.execute(
        "UPDATE catalogue_generation SET generation = generation + 1 RETURNING generation"
    ).fetchone()
    return int(generation)
