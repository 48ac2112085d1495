"""Read queries run against a real database loaded with the seed and a second episode."""

from bot.ingest.run import ingest
from bot.storage import queries as q
from tests.bot.transcript_files import write_green_hour


async def test_search_quotes_of_returns_only_those_peoples_matching_quotes(kb):
    nathan = kb.resolve_speaker("Nathan Lambert")
    sebastian = kb.resolve_speaker("Sebastian Raschka")
    for seek in (False, True):  # through the set of matches, or each quote looked up: the same rows
        nathans = await q.search_quotes_of(kb.db.conn, '"claude"', [nathan.id], 40, seek=seek)
        assert sorted(row.text for row in nathans) == [
            "And then for code and any sort of philosophical discussion, I use Claude Opus 4.5. "
            "Also always with extended thinking.",
            "I still use Claude for code reviews every single day.",
        ]
        assert {(row.kind, row.person_id) for row in nathans} == {("quote", nathan.id)}
        both = await q.search_quotes_of(kb.db.conn, '"claude"', [nathan.id, sebastian.id], 40, seek=seek)
        assert len(both) == 3  # Sebastian tries Claude Code too
        assert len(await q.search_quotes_of(kb.db.conn, '"claude"', [nathan.id], 1, seek=seek)) == 1
        assert await q.search_quotes_of(kb.db.conn, '"xylophone"', [nathan.id], 40, seek=seek) == []


async def test_search_quotes_of_seeking_each_quote_keeps_the_order_and_limit(kb):
    nathan = kb.resolve_speaker("Nathan Lambert")
    sebastian = kb.resolve_speaker("Sebastian Raschka")
    people = [nathan.id, sebastian.id]
    for match in ('"i"', '"claude" OR "code"', '"the" AND "model"'):
        for limit in (1, 2, 40):
            by_set = await q.search_quotes_of(kb.db.conn, match, people, limit)
            by_seek = await q.search_quotes_of(kb.db.conn, match, people, limit, seek=True)
            assert by_seek == by_set
            assert len(by_set) == min(limit, len(await q.search_quotes_of(kb.db.conn, match, people, 999)))


async def green_hour_ids(db, tmp_path):
    """Ingest the two transcript episodes and return their ids by key."""
    assert (await ingest(db, [write_green_hour(tmp_path / "data")])).ok
    async with db.conn.execute("SELECT key, id FROM episodes") as cur:
        return dict(await cur.fetchall())


async def test_search_moments_names_each_moments_chapter_filtered_or_not(db, tmp_path):
    ids = await green_hour_ids(db, tmp_path)
    for options in ({}, {"ranked": False}, {"episode_id": ids["green-12"]}):
        rows = await q.search_moments(db.conn, '"sleep"', 5, **options)
        chapters = {(row.seconds, row.chapter) for row in rows}
        assert chapters == {(15, "Welcome"), (100, "Sleep and the garden")}
    (forest,) = await q.search_moments(db.conn, '"forest" AND "floor"', 5)
    assert forest.chapter == "Under the forest floor"


async def test_search_moments_keeps_only_moments_ranked_or_newest_first(db, tmp_path):
    await green_hour_ids(db, tmp_path)
    # "sugar" is in a curated quote and in a moment: only the moment comes back.
    (moment,) = await q.search_moments(db.conn, '"sugar"', 5)
    assert moment.kind == "moment"
    assert "Trees trade sugar" in moment.text
    ranked = await q.search_moments(db.conn, '"green"', 5)
    newest = await q.search_moments(db.conn, '"green"', 5, ranked=False)
    assert {row.id for row in ranked} == {row.id for row in newest}
    assert [row.id for row in newest] == sorted((row.id for row in newest), reverse=True)
    assert len(await q.search_moments(db.conn, '"green"', 1)) == 1


async def test_a_peoples_search_answers_the_same_through_the_set_of_their_rows(kb):
    people = sorted({kb.resolve_speaker("Nathan Lambert").id, kb.resolve_speaker("Sebastian Raschka").id})
    for match in ('"claude"', '"code" OR "model"', '"xylophone"'):
        for ranked in (True, False):
            joined = await q.search_segments(kb.db.conn, match, ("quote",), 40, people, ranked=ranked)
            within = await q.search_segments(
                kb.db.conn, match, ("quote",), 40, people, ranked=ranked, within=True
            )
            assert within == joined
            assert {row.person_id for row in within} <= set(people)
    assert len(await q.search_segments(kb.db.conn, '"claude"', ("quote",), 40, people)) == 3


async def test_rows_of_people_counts_quotes_and_moments(db, tmp_path):
    ids = await green_hour_ids(db, tmp_path)
    async with db.conn.execute("SELECT id FROM people WHERE name = 'Priya Raman'") as cur:
        (priya,) = await cur.fetchone()
    async with db.conn.execute(
        "SELECT kind, count(*) FROM segments WHERE person_id = ? GROUP BY kind", (priya,)
    ) as cur:
        kinds = dict(await cur.fetchall())
    assert kinds.get("moment", 0) > 0
    assert await q.rows_of_people(db.conn, [priya, 999_999]) == {priya: sum(kinds.values())}
    for options in ({}, {"ranked": False}, {"episode_id": ids["green-12"]}):
        joined = await q.search_moments(db.conn, '"work" OR "sleep"', 5, person_ids=[priya], **options)
        within = await q.search_moments(
            db.conn, '"work" OR "sleep"', 5, person_ids=[priya], within=True, **options
        )
        assert within == joined
        assert joined
        assert {row.person_id for row in joined} == {priya}


async def test_a_peoples_newest_moments_come_newest_first(db, tmp_path):
    await green_hour_ids(db, tmp_path)
    async with db.conn.execute("SELECT DISTINCT person_id FROM segments WHERE kind = 'moment'") as cur:
        people = sorted(p for (p,) in await cur.fetchall() if p is not None)
    every = await q.search_moments(db.conn, '"the"', 100, person_ids=people, ranked=False)
    newest = await q.search_moments(db.conn, '"the"', 2, person_ids=people, ranked=False)
    assert len(every) > 2
    assert [row.id for row in every] == sorted((row.id for row in every), reverse=True)
    assert newest == every[:2]


async def test_probe_moments_keeps_an_episodes_matching_moments_in_time_order(db, tmp_path):
    ids = await green_hour_ids(db, tmp_path)
    probed = await q.probe_moments(db.conn, '"work" OR "sleep"', ids["green-12"], [], 10)
    searched = await q.search_moments(db.conn, '"work" OR "sleep"', 10, episode_id=ids["green-12"])
    assert probed
    assert {row.id for row in probed} == {row.id for row in searched}
    assert [row.position for row in probed] == sorted(row.position for row in probed)
    assert len(await q.probe_moments(db.conn, '"work" OR "sleep"', ids["green-12"], [], 1)) == 1
    assert await q.probe_moments(db.conn, '"xylophone"', ids["green-12"], [], 10) == []
