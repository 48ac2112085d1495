"""The knowledge base: every question the bot and the CLI ask about episodes, without Discord."""

from __future__ import annotations

import asyncio
import collections
import dataclasses
import functools
import json
import logging
import random
import sqlite3
import time
from collections.abc import Awaitable, Callable, Collection, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from bot.errors import NotFoundError
from bot.examples import Examples, build_examples
from bot.ingest.feeds import FeedSources
from bot.ingest.run import ingest
from bot.model import (
    CatalogueChanges,
    ChapterItem,
    EpisodeCard,
    EpisodeRef,
    IngestReport,
    MomentHit,
    Passage,
    Person,
    QuoteHit,
    RelatedItem,
    Takeaway,
)
from bot.search import ranking
from bot.search.catalogue import Catalogue, PeopleChanges
from bot.search.dense import DenseIndex, VectorCache, build_index, cache_path
from bot.search.encoder import SentenceEncoder
from bot.search.fulltext import TextQuery, Vocabulary, content_words, fts_phrase, phrase_count, plan_query
from bot.search.lookalikes import lookalikes
from bot.search.lookalikes import warning as lookalike_warning
from bot.search.moments import excerpt, moment_searches
from bot.search.semantic import WordVectors, sentence_encoder, word_vectors
from bot.search.typos import english_words
from bot.slices import PAUSE_S, Steps, drain, run_sliced
from bot.storage import Database
from bot.storage import catalogue as stored
from bot.storage import queries as q
from bot.text import normalize, printable, truncate

log = logging.getLogger(__name__)
Expansion = Callable[["KnowledgeBase", ranking.AskPlan], Awaitable[ranking.AskPlan]]
SEARCH_CANDIDATES = 60
PERSON_CANDIDATES = 40
ASK_CANDIDATES = 100
EPISODE_CANDIDATES = 200  # passages read from the episodes a question names
TOPIC_CANDIDATES = 50  # descriptions and takeaways read to find the episode a topic word names
NAMED_EPISODES = 3  # a title phrase shared by more episodes (a show's name) only ranks, never gathers
SCAN_BUDGET = 3000  # index entries an ask's any-word MATCH may read before common words are left out
ASK_KINDS = ("description", "takeaway", "quote")
MOMENT_CANDIDATES = 60
DENSE_CANDIDATES = 20  # passages closest in meaning to the question, with the [semantic] extra
DENSE_KINDS = (*("description", "takeaway", "quote"), "moment")
PROBE_COST = 100  # index entries walked in the time one quote is checked against the index
SEEK_COST = 400  # index entries read into a set in the time one quote is looked up in one word's entries
EPISODE_PROBE_LIMIT = 20_000  # index entries worth walking before checking an episode's moments one by one
WITHIN_MATCHES = 2000  # matches of a people's search worth counting the people's rows for
WITHIN_RATIO = 4  # people's rows read into a set in the time one match's row is read (with a margin)


WORN_TITLES = 1000  # removed titles the titles index keeps unreachable before a rebuild drops them
LAST_INGEST_KEY = "last_ingest"  # bot_state: what the last ingest by any process did (`doctor` shows it)
RECORDED_FAILURES = 20


def last_ingest_record(report: IngestReport, paths: Sequence[Path]) -> str:
    """Return the JSON kept about one ingest: when, what was read, counts, the first failures."""
    return json.dumps(
        {
            "at": int(time.time()),
            "paths": [str(p) for p in paths][:10],
            "loaded": len(report.loaded),
            "unchanged": len(report.unchanged),
            "removed": len(report.removed),
            "failed": len(report.failed),
            "failures": [truncate(line, 300) for line in report.failed[:RECORDED_FAILURES]],
            "warnings": len(report.warnings),
        }
    )


@dataclass(frozen=True, slots=True)
class Snapshot:
    """One consistent view of the names, titles and vocabulary: replaced whole, never changed."""

    generation: int = 0  # the ingest count it was read at (0: nothing read yet)
    cat: Catalogue = field(default_factory=Catalogue)
    vocab: Vocabulary = field(default_factory=Vocabulary)

    @classmethod
    def read(cls, conn: sqlite3.Connection) -> Snapshot:
        """Read and index the catalogue from `conn` at once."""
        return drain(cls.built(stored.read_catalogue(conn)))

    @classmethod
    def built(cls, rows: stored.CatalogueRows) -> Steps[Snapshot]:
        """Index the catalogue's rows, a few at a time (see bot.slices)."""
        episodes = yield from rows.read_episodes()
        people = yield from rows.read_people()
        cat = yield from Catalogue.built(episodes, people, rows.links, rows.quotes, rows.person_aliases)
        vocab = yield from Vocabulary.built(rows.terms, rows.passages)
        return cls(rows.generation, cat, vocab)

    def updated(self, delta: stored.CatalogueDelta) -> Steps[Snapshot]:
        """Return this view with the changes of one ingest applied, this one unchanged (see bot.slices)."""
        episodes = yield from delta.read_episodes()
        cat = yield from self.cat.updated(
            delta.keys,
            episodes,
            people=PeopleChanges(delta.people_added, delta.people_removed, delta.person_aliases),
            links=delta.links,
            quotes=delta.quotes,
        )
        vocab = yield from self.vocab.updated(delta.terms, delta.passages)
        return Snapshot(delta.generation, cat, vocab)

    def updatable(self, changes: CatalogueChanges | None) -> bool:
        """Tell whether `changes` lead from this view to the next: else it is read and built anew."""
        # Removed titles and names stay in their index, unreachable, until a rebuild drops them.
        cat = self.cat
        worn = cat.titles.dead > max(WORN_TITLES, len(cat.episodes) // 4) or cat.names.dead > max(
            WORN_TITLES, len(cat.people) // 4
        )
        return (
            changes is not None
            and self.generation > 0
            and changes.generation == self.generation + 1
            and not worn
        )


class KnowledgeBase:
    """Answer questions from the database, keeping titles and names in memory for instant lookups.

    The in-memory part is one immutable Snapshot. Every answer takes the current snapshot once and
    uses only it, so a reload swapping in a new one never shows a command half of each; rows the
    database returns for episodes the snapshot does not know yet are left out until the swap.
    """

    def __init__(
        self,
        db: Database,
        rng: random.Random | None = None,
        *,
        semantic: bool = True,
        expand: Expansion | None = None,
        before_reload: Callable[[], None] | None = None,
        after_reload: Callable[[], None] | None = None,
        vector_cache: Path | None = None,
        sentences: bool = True,
    ) -> None:
        self.db = db
        # e.g. heap.pause and heap.settle: run before each reload, and after it (whether or not it failed)
        self._before_reload, self._after_reload = before_reload, after_reload
        self._snap = Snapshot()
        self._semantic = semantic  # use the optional model's word vectors when installed
        self._sentences = semantic and sentences  # ... and its sentence vectors
        self._vectors: WordVectors | None = None
        self._encoder: SentenceEncoder | None = None
        self._dense = DenseIndex()
        self._embedding: asyncio.Task[None] | None = None
        self._stop_embedding = False
        self._closed = False
        self._vector_cache = vector_cache or cache_path(Path(db.path))
        self._words: Awaitable[object] | None = None
        self._expand = expand  # another way to widen a question's words (the evaluation compares them)
        self._rng = rng or random.Random()  # noqa: S311 (picking a quote to show, not security)
        self._loaded = False
        self._data_version: int | None = None
        self._reload_lock = asyncio.Lock()
        self._examples: tuple[Snapshot, Examples] | None = None
        self._row_counts: tuple[Snapshot | None, dict[int, int]] = (None, {})  # people's rows (see _few_rows)

    @property
    def snapshot(self) -> Snapshot:
        """Return the current view of the catalogue."""
        return self._snap

    @property
    def _cat(self) -> Catalogue:
        return self._snap.cat

    async def refresh(self) -> None:
        """Reload the in-memory indexes from the database and swap them in at once."""
        async with self._reload_lock:
            await self._reload()

    async def sync(self, changes: CatalogueChanges | None = None) -> bool:
        """Reload when an ingest (by any process) finished since the last load; tell whether it did.

        `changes`: what the ingest that just finished changed (from its report), so that only
        what it touched is read and indexed again when it was the only one.
        """
        async with self._reload_lock:
            # PRAGMA data_version is a cheap first test: it moves only when another connection
            # committed, including this process's ingest and daily ledger writes of other processes.
            version = await stored.data_version(self.db.conn)
            if self._loaded and version == self._data_version:
                return False
            self._data_version = version
            if self._loaded and await stored.generation(self.db.conn) == self._snap.generation:
                return False
            await self._reload(changes)
            return True

    async def _reload(self, changes: CatalogueChanges | None = None) -> None:
        if self._before_reload is not None:
            self._before_reload()
        try:
            await self._build(changes)
        finally:
            if self._after_reload is not None:
                self._after_reload()

    async def _build(self, changes: CatalogueChanges | None) -> None:
        # Read in a worker thread on a connection of its own (SQLite lets other threads run
        # meanwhile), then built on the event loop a slice at a time, between commands: a thread
        # building it would hold the interpreter lock and make every command wait in turn.
        snap = self._snap
        if self._loaded and changes is not None and snap.updatable(changes):
            read = functools.partial(
                stored.read_changes,
                changes=changes,
                people=snap.cat.people,
                leaving=snap.cat.leaving(changes.keys),
            )
            rows = await self.db.read_in_thread(read)
        else:
            rows = await self.db.read_in_thread(stored.read_catalogue)
        if isinstance(rows, stored.CatalogueDelta):
            self._snap = await run_sliced(snap.updated(rows), pause=PAUSE_S)
        else:
            self._snap = await run_sliced(Snapshot.built(rows))
        await (self._words or asyncio.to_thread(english_words))  # once per process, before any question
        if self._semantic and self._vectors is None:
            self._vectors = await asyncio.to_thread(word_vectors)
        if self._sentences and self._encoder is None:
            self._encoder = await asyncio.to_thread(sentence_encoder)
        if self._encoder is not None:
            await self._embed_later()
        self._loaded = True

    async def _embed_later(self) -> None:
        """Start embedding the passages not embedded yet, in a worker thread (stopping one running)."""
        if self._embedding is not None and not self._embedding.done():
            self._stop_embedding = True
            await asyncio.gather(self._embedding, return_exceptions=True)
        self._stop_embedding = False
        if self._closed:
            return
        self._embedding = asyncio.create_task(self._embed())

    async def _embed(self) -> None:
        encoder = self._encoder
        if encoder is None:
            return

        def build(passages: list[tuple[int, str]]) -> DenseIndex:
            cache = VectorCache(self._vector_cache)
            try:
                return build_index(passages, cache, encoder.encode, lambda: self._stop_embedding)
            finally:
                cache.close()

        try:
            # Read on a connection of its own in a worker thread: the shared one answers commands.
            passages = await self.db.read_in_thread(functools.partial(q.ask_passage_texts, kinds=DENSE_KINDS))
            self._dense = await asyncio.to_thread(build, passages)
        except ValueError:  # the database closed meanwhile: nothing left to answer
            return
        except Exception:  # answers by words alone rather than not at all
            if self._stop_embedding:  # stopped while reading (the bot is stopping): nothing failed
                return
            log.exception("could not embed the passages; /ask answers by words alone")

    async def embedded(self) -> None:
        """Wait until every passage loaded so far has its sentence vector (with the [semantic] extra)."""
        if self._embedding is not None:
            await asyncio.gather(self._embedding, return_exceptions=True)

    def stop_embedding(self) -> None:
        """Stop embedding passages after the current few, and start no more (the bot is stopping)."""
        self._stop_embedding = self._closed = True

    async def close(self) -> None:
        """Stop embedding passages, if it is under way, and wait for it."""
        self.stop_embedding()
        await self.embedded()

    async def ingest(
        self,
        paths: Sequence[Path],
        feeds: FeedSources | None = None,
        *,
        changed: Collection[str] | None = None,
        cold_load: bool = True,
    ) -> IngestReport:
        """Load episode files (and cached feed items), then swap in the new indexes when anything changed.

        `changed`: the files known to have changed, when nothing else did (see bot.ingest.run).
        `cold_load`: a first load is one transaction (see bot.ingest.run); False while commands are
        answered, so their writes never wait for a whole load.
        """
        if not self._loaded and self._words is None:  # read the English word list while files parse
            self._words = asyncio.ensure_future(asyncio.to_thread(english_words))
        before = self._snap
        report = await ingest(self.db, paths, feeds=feeds, changed=changed, cold_load=cold_load)
        await self.sync(report.changes)
        if self._snap is not before:
            # Warned once per process for pairs already there, then only for pairs the data just made.
            new = lookalikes(self._snap.cat) - (lookalikes(before.cat) if before.generation else set())
            if new:
                # Escaped like every report line: names come from the data.
                warnings = (*report.warnings, *(printable(lookalike_warning(pair)) for pair in sorted(new)))
                report = dataclasses.replace(report, warnings=warnings)
        await self.db.set_state(LAST_INGEST_KEY, last_ingest_record(report, paths))
        return report

    async def resolve_episode(self, text: str | None) -> EpisodeRef:
        """Return the episode a user means by `text` (number, title, key); blank means the latest."""
        return self._cat.resolve_episode(text)

    def resolve_speaker(self, text: str) -> Person:
        """Return the person a user means by `text`; raise NotFoundError with suggestions."""
        return self._cat.resolve_speaker(text)

    def suggest_episodes(self, text: str, limit: int) -> list[EpisodeRef]:
        """Return episodes for what is typed so far, best first (latest first when blank)."""
        return self._cat.suggest_episodes(text, limit)

    def suggest_speakers(self, text: str, limit: int) -> list[Person]:
        """Return people for what is typed so far, best first (most quoted first when blank)."""
        return self._cat.suggest_speakers(text, limit)

    def quote_count(self, person: Person) -> int:
        """Return how many quotes the data holds by `person`."""
        return self._cat.quote_counts.get(person.id, 0)

    def names_only(self, text: str, person: Person) -> bool:
        """Tell whether typing `text` finds exactly `person` and nobody else."""
        return self._cat.names_only(text, person)

    def shows(self) -> list[str]:
        """Return the names of the shows in the data."""
        return self._cat.shows()

    async def episode_card(self, ep: EpisodeRef) -> EpisodeCard:
        """Return what `/episode` shows about one episode."""
        facts = await q.card_facts(self.db.conn, ep.id)
        if facts is None:
            raise NotFoundError("episode", ep.label)  # removed since it was resolved
        return EpisodeCard(
            episode=ep,
            description=facts.description,
            hosts=facts.hosts,
            guests=facts.guests,
            duration_seconds=facts.duration_seconds,
            takeaway_count=facts.takeaway_count,
            quote_count=facts.quote_count,
            quotes_declared=facts.quotes_declared,
            mention_count=facts.mention_count,
            mentions_declared=facts.mentions_declared,
            related_count=facts.related_count,
            season=facts.season,
            page_url=facts.page_url,
            moment_count=facts.moment_count,
            covered_seconds=facts.covered_seconds,
            chapter_count=facts.chapter_count,
        )

    async def takeaways(self, ep: EpisodeRef) -> list[Takeaway]:
        """Return an episode's key takeaways in page order."""
        rows = await q.segments_of(self.db.conn, ep.id, "takeaway")
        return [Takeaway(r.id, r.position, r.text, ep) for r in rows]

    async def all_takeaways(self, show: str | None = None) -> list[Takeaway]:
        """Return every takeaway (of one show, when given), oldest episode first."""
        cat = self._cat
        rows = await q.takeaways_of_show(self.db.conn, normalize(show) if show else None)
        return [Takeaway(r.id, r.position, r.text, cat.episodes[r.episode_id]) for r in _known(rows, cat)]

    async def takeaway(self, takeaway_id: int) -> Takeaway | None:
        """Return one takeaway by id, or None when it no longer exists."""
        cat = self._cat
        row = await q.segment(self.db.conn, takeaway_id, "takeaway")
        if row is None or row.episode_id not in cat.episodes:
            return None
        return Takeaway(row.id, row.position, row.text, cat.episodes[row.episode_id])

    async def quotes_by_speaker(
        self, person: Person, ep: EpisodeRef | None = None, *, limit: int | None = None
    ) -> list[QuoteHit]:
        """Return a person's quotes (within one episode, when given) in time order."""
        cat = self._cat
        rows = await q.quotes_by_person(self.db.conn, person.id, ep.id if ep else None, limit)
        return _hits(rows, cat)

    async def random_quote(self, person: Person | None = None, ep: EpisodeRef | None = None) -> QuoteHit:
        """Return a random quote, optionally by one person and/or from one episode."""
        cat = self._cat
        row = await q.random_quote(
            self.db.conn, person.id if person else None, ep.id if ep else None, self._rng
        )
        hits = _hits([row] if row else [], cat)
        if not hits:
            what = " in ".join(x for x in (person.name if person else "", ep.label if ep else "") if x)
            raise NotFoundError("quote", what)
        return hits[0]

    async def search_quotes(self, text: str, limit: int = 10) -> list[QuoteHit]:
        """Return quotes matching `text`, best first, tolerating typos; [] when nothing is close."""
        snap = self._snap
        query = plan_query(content_words(text), snap.vocab)
        rows = await self._search(query.match(), ("quote",), SEARCH_CANDIDATES, ranked=query.ranked)
        ranked = ranking.rank(_known(rows, snap.cat), query)
        return _hits([row for _, row in ranked[:limit]], snap.cat)

    async def search_moments(
        self, text: str, ep: EpisodeRef | None = None, speaker: Person | None = None, *, limit: int = 25
    ) -> list[MomentHit]:
        """Return transcript moments where `text` was said, best first, tolerating typos."""
        snap = self._snap
        query = plan_query(content_words(text), snap.vocab)
        people = [speaker.id] if speaker else []
        rows = await self._moments(query, ep.id if ep else None, people, MOMENT_CANDIDATES)
        ranked = ranking.rank(_known(rows, snap.cat), query)[:limit]
        return [self._moment_hit(row, query, snap.cat) for _, row in ranked]

    async def find_said(self, text: str, limit: int = 10) -> list[QuoteHit] | list[MomentHit]:
        """Return the quotes matching `text`, or else the transcript moments where it was said."""
        return await self.search_quotes(text, limit) or await self.search_moments(text, limit=limit)

    async def chapters(self, ep: EpisodeRef) -> list[ChapterItem]:
        """Return an episode's chapters in time order, each linked to its start."""
        rows = await q.chapters_of(self.db.conn, ep.id)
        return [ChapterItem(n, sec, title, ep.link_at(sec)) for n, sec, title in rows]

    async def ask(self, question: str, limit: int = 5) -> list[Passage]:
        """Return passages answering `question`, best first; [] means nothing found."""
        snap = self._snap
        plan = ranking.plan_ask(question, snap.cat, snap.vocab, self._vectors)
        if plan.reading.topic is not None:  # "the aqueduct episode": the one about aqueducts
            episodes = await self._episodes_about(plan.reading.topic)
            if episodes:
                plan = ranking.about(plan, episodes, snap.vocab)
        if self._expand is not None:
            plan = await self._expand(self, plan)
        reading, conn = plan.reading, self.db.conn
        rows: list[q.SegmentRow] = []
        # Candidates by any evidence: the named episode's passages, the named people's quotes,
        # passages naming the person asked about, and passages holding any of the rarer words.
        if reading.episodes and (reading.numbered or len(reading.episodes) <= NAMED_EPISODES):
            rows += await q.passages_of_episodes(
                conn, sorted(reading.episodes), ASK_KINDS, EPISODE_CANDIDATES
            )
        if reading.people:
            rows += await self._quotes_of_people(plan, snap.cat)
        if reading.who_is and plan.names.groups:
            rows += await self._search(plan.names.match_any(SCAN_BUDGET), ASK_KINDS, ASK_CANDIDATES)
        if plan.query.groups:
            rows += await self._search(
                plan.query.match_any(SCAN_BUDGET), ASK_KINDS, ASK_CANDIDATES, ranked=plan.query.ranked
            )
            rows += await self._ask_moments(plan)
        dense, encoder = self._dense, self._encoder
        vector = None
        if encoder is not None and len(dense) and not reading.overview:
            vector = (await asyncio.to_thread(encoder.encode, [_dense_text(question, reading)]))[0]
            nearest = [i for i, _ in dense.nearest(vector, DENSE_CANDIDATES)]
            rows += await q.segments_by_ids(conn, nearest)
        rows, context = await self._conversation(rows)
        if vector is not None:
            meaning = dense.cosines(vector, {row.id for row in rows})
            plan = dataclasses.replace(plan, meaning=meaning)
        return ranking.passages(rows, plan, snap.cat, limit, context)

    async def _episodes_about(self, word: str) -> frozenset[int]:
        """Return the episode whose description and takeaways hold `word` most ("the aqueduct episode")."""
        rows = await self._search(fts_phrase(word), ("description", "takeaway"), TOPIC_CANDIDATES)
        counts = collections.Counter(row.episode_id for row in rows)
        most = max(counts.values(), default=0)
        found = frozenset(e for e, n in counts.items() if n == most)
        return found if len(found) <= NAMED_EPISODES else frozenset()

    async def _conversation(self, rows: list[q.SegmentRow]) -> tuple[list[q.SegmentRow], dict[int, str]]:
        """Add the replies to questions among the moments, and return what was said before each moment.

        In a conversation the answer often follows the question that holds the asked words ("how do
        you keep your experiments straight?" / "every run writes its commit into the log").
        """
        moments = {(r.episode_id, r.position): r for r in rows if r.kind == "moment"}
        if not moments:
            return rows, {}
        replies = {(e, p + 1) for (e, p), r in moments.items() if ranking.is_question(r.text)}
        wanted = {(e, p - 1) for e, p in moments} | replies
        found = {(r.episode_id, r.position): r for r in await q.moments_at(self.db.conn, sorted(wanted))}
        rows = rows + [found[place] for place in sorted(replies - moments.keys()) if place in found]
        known = {**found, **moments}
        context = {
            r.id: known[(r.episode_id, r.position - 1)].text
            for r in rows
            if r.kind == "moment" and (r.episode_id, r.position - 1) in known
        }
        return rows, context

    async def _ask_moments(self, plan: ranking.AskPlan) -> list[q.SegmentRow]:
        """Return transcript moments holding the question's rarer words: in its episodes, by its people."""
        reading, query = plan.reading, plan.query
        match = query.match_any(SCAN_BUDGET)
        rows = await self._moments(query, None, [], MOMENT_CANDIDATES, match=match)
        if reading.people:
            people = sorted(reading.people)
            within = await self._few_rows(people, query.any_estimate(SCAN_BUDGET))
            rows += await self._moments(query, None, people, PERSON_CANDIDATES, match=match, within=within)
        if reading.episodes and (reading.numbered or len(reading.episodes) <= NAMED_EPISODES):
            for episode_id in sorted(reading.episodes):
                rows += await self._moments(query, episode_id, [], MOMENT_CANDIDATES, match=match)
        return rows

    async def _quotes_of_people(self, plan: ranking.AskPlan, cat: Catalogue) -> list[q.SegmentRow]:
        """Return the named people's quotes: all when they are few, else those matching the question."""
        people = sorted(plan.reading.people)
        if sum(cat.quote_counts.get(p, 0) for p in people) <= PERSON_CANDIDATES:
            return await q.quotes_of_people(self.db.conn, people, PERSON_CANDIDATES)
        match = plan.query.match_any(SCAN_BUDGET) if plan.query.groups else None
        if match is None:
            return await q.quotes_of_people(self.db.conn, people, PERSON_CANDIDATES)
        return await self._quotes_of(match, plan.query, people, cat)

    async def related(self, ep: EpisodeRef) -> list[RelatedItem]:
        """Return the page's related episodes, then neighbours sharing people, mentions or topics."""
        conn, snap = self.db.conn, self._snap
        listed = await q.listed_related(conn, ep.id)
        people = await q.shared_people(conn, ep.id, ranking.NEIGHBOURS)
        mentions = await q.shared_mentions(conn, ep.id, ranking.NEIGHBOURS)
        similar_query = ranking.similarity_match(ep, snap.vocab)
        similar = _known(await self._search(similar_query, ("description", "takeaway"), 30), snap.cat)
        people = [(i, name) for i, name in people if i in snap.cat.episodes]
        mentions = [(i, text) for i, text in mentions if i in snap.cat.episodes]
        return ranking.related(
            ep, listed=listed, people=people, mentions=mentions, similar=similar, cat=snap.cat
        )

    async def examples(self) -> Examples:
        """Return what a member could type, from the data loaded now (built once per reload)."""
        snap = self._snap
        if self._examples is None or self._examples[0] is not snap:
            self._examples = (snap, await build_examples(self))
        return self._examples[1]

    async def stats(self) -> dict[str, int]:
        """Count what the knowledge base holds."""
        return await q.stats(self.db.conn)

    async def _search(
        self,
        match: str | None,
        kinds: Sequence[str],
        limit: int,
        people: Sequence[int] = (),
        *,
        ranked: bool = True,
    ) -> list[q.SegmentRow]:
        if not match:
            return []
        return await _fts(match, q.search_segments(self.db.conn, match, kinds, limit, people, ranked=ranked))

    async def _quotes_of(
        self, match: str | None, query: TextQuery, people: list[int], cat: Catalogue
    ) -> list[q.SegmentRow]:
        """Return the people's quotes matching the question, by whichever way round reads less."""
        if not match:
            return []
        quotes = sum(cat.quote_counts.get(p, 0) for p in people)
        # Checking one quote against the index costs about as much as walking a hundred entries
        # of a word's match list, so check quotes one by one only for people with few of them.
        if quotes * PROBE_COST < query.scan_estimate():
            # Looking a quote up costs one seek per word of the MATCH (40-120 us each, measured
            # at 10,000 episodes), far less than reading a word in a third of all passages.
            seek = quotes * phrase_count(match) * SEEK_COST < query.scan_estimate()
            search = q.search_quotes_of(self.db.conn, match, people, PERSON_CANDIDATES, seek=seek)
            return await _fts(match, search)
        matches = query.any_estimate(SCAN_BUDGET)
        within = quotes * WITHIN_RATIO < matches and await self._few_rows(people, matches)
        search = q.search_segments(
            self.db.conn, match, ("quote",), PERSON_CANDIDATES, people, ranked=query.ranked, within=within
        )
        return await _fts(match, search)

    async def _few_rows(self, people: list[int], matches: int) -> bool:
        """Tell whether the people have so few rows, next to a search's `matches`, that a set is cheaper.

        Each person's count (quotes and transcript moments) is read once per snapshot, and only
        for searches with many matches.
        """
        if matches < WITHIN_MATCHES:
            return False
        snap = self._snap
        if self._row_counts[0] is not snap:
            self._row_counts = (snap, {})
        counts = self._row_counts[1]
        unknown = [p for p in people if p not in counts]
        if unknown:
            found = await q.rows_of_people(self.db.conn, unknown)
            counts.update({p: found.get(p, 0) for p in unknown})
        return sum(counts[p] for p in people) * WITHIN_RATIO < matches

    async def _moments(
        self,
        query: TextQuery,
        episode_id: int | None,
        people: list[int],
        limit: int,
        match: str | None = None,
        *,
        within: bool = False,
    ) -> list[q.SegmentRow]:
        """Return moments matching `query` (or `match`), within one episode and/or by some people."""
        searches = [(match, query.ranked)] if match else moment_searches(query)
        conn = self.db.conn
        # One episode has a few hundred moments: checking each beats walking a common word's
        # matches across the archive.
        if searches and episode_id is not None and query.scan_estimate() > EPISODE_PROBE_LIMIT:
            match = searches[-1][0]
            return await _fts(match, q.probe_moments(conn, match, episode_id, people, limit))
        rows: dict[int, q.SegmentRow] = {}
        for expression, ranked in searches:
            search = q.search_moments(
                conn,
                expression,
                limit,
                episode_id=episode_id,
                person_ids=people,
                ranked=ranked,
                within=within,
            )
            for row in await _fts(expression, search):
                rows.setdefault(row.id, row)
            if len(rows) >= limit:
                break
        return list(rows.values())[:limit]

    @staticmethod
    def _moment_hit(row: q.SegmentRow, query: TextQuery, cat: Catalogue) -> MomentHit:
        ep = cat.episodes[row.episode_id]
        part = excerpt(row.text, row.marks, row.seconds or 0, query)
        person = cat.people.get(row.person_id) if row.person_id else None
        speaker = person.name if person else row.label
        link = ep.link_at(part.seconds)
        return MomentHit(
            row.id, part.text, speaker, person, part.seconds, ep, row.chapter, link, part.matched
        )


def _dense_text(question: str, reading: ranking.Reading) -> str:
    """Return the question to embed: without the names it names."""
    # A name in both would make any passage naming the person seem close in meaning ("what did
    # nathan ochieng say about marathon world records" and his episode's description).
    names = set(reading.name_words)
    return " ".join(w for w in question.split() if normalize(w) not in names) or question


def _known(rows: Sequence[q.SegmentRow], cat: Catalogue) -> list[q.SegmentRow]:
    """Return the rows whose episode the snapshot knows: others were added or removed since it was built."""
    return [r for r in rows if r.episode_id in cat.episodes]


def _hits(rows: Sequence[q.SegmentRow], cat: Catalogue) -> list[QuoteHit]:
    return [
        QuoteHit(
            r.id,
            r.text,
            r.truncated,
            cat.people.get(r.person_id or 0) or Person(r.person_id or 0, "?"),
            r.seconds or 0,
            cat.episodes[r.episode_id],
            cat.episodes[r.episode_id].link_at(r.seconds or 0),
        )
        for r in _known(rows, cat)
    ]


async def _fts(match: str, search: Awaitable[list[q.SegmentRow]]) -> list[q.SegmentRow]:
    """Await a full-text search; a MATCH that FTS5 rejects answers nothing instead of crashing."""
    try:
        return await search
    except sqlite3.OperationalError:
        # Escaping makes this unreachable; if it ever happens, answer "nothing found", not a crash.
        log.exception("full-text query failed: %r", match)
        return []
