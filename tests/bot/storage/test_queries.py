"""Read queries run against a real database loaded with the seed and a second episode."""

from bot.ingest.run import ingest
from bot.storage import queries as q
from tests.bot.transcript_files import write_green_hour


async def test_search_quotes_of_returns_only_those_peoples_matching_quotes(kb):
    nathan = kb.resolve_speaker("Nathan Lambert")
    sebastian = kb.resolve_speaker("Sebastian Raschka")
    nathans = await q.search_quotes_of(kb.db.conn, '"claude"', [nathan.id], 40)
    assert sorted(row.text for row in nathans) == [
        "And then for code and any sort of philosophical discussion, I use Claude Opus 4.5. "
        "Also always with extended thinking.",
        "I still use Claude for code reviews every single day.",
    ]
    assert {(row.kind, row.person_id) for row in nathans} == {("quote", nathan.id)}
    both = await q.search_quotes_of(kb.db.conn, '"claude"', [nathan.id, sebastian.id], 40)
    assert len(both) == 3  # Sebastian tries Claude Code too
    assert len(await q.search_quotes_of(kb.db.conn, '"claude"', [nathan.id], 1)) == 1
    assert await q.search_quotes_of(kb.db.conn, '"xylophone"', [nathan.id], 40) == []


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
