"""Read queries run against a real database loaded with the seed and a second episode."""

from bot.storage import queries as q


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
