"""The catalogue's rows, the ingest generation and episode arrivals, on a real SQLite file."""

from bot.ingest.run import ingest
from bot.storage import Database, load_migrations
from bot.storage import catalogue as stored
from tests.bot.kb_pages import GUEST_PAGE, copy_seed, write


async def arrivals(db: Database) -> dict[str, tuple[int, int]]:
    rows = await db.conn.execute_fetchall("SELECT key, seq, announce FROM episode_arrivals")
    return {key: (seq, announce) for key, seq, announce in rows}


async def test_the_generation_moves_only_when_an_ingest_changed_something(db, tmp_path):
    data = copy_seed(tmp_path / "data")
    start = await stored.generation(db.conn)
    await ingest(db, [data])
    loaded = await stored.generation(db.conn)
    await ingest(db, [data])
    assert loaded == start + 1
    assert await stored.generation(db.conn) == loaded
    (data / "lex-fridman-490.txt").unlink()
    (data / "lex-fridman-490.toml").unlink()
    await ingest(db, [data])
    assert await stored.generation(db.conn) == loaded + 1


async def test_another_connection_committing_moves_the_data_version(db, tmp_path):
    before = await stored.data_version(db.conn)
    await ingest(db, [copy_seed(tmp_path / "data")])  # writes on the bulk connection
    assert await stored.data_version(db.conn) != before


async def test_an_arrival_is_kept_across_edits_and_removal(db, tmp_path):
    data = copy_seed(tmp_path / "data")
    await ingest(db, [data])
    write(data / "guest.txt", GUEST_PAGE)
    await ingest(db, [data])
    first = await arrivals(db)
    assert first["guest"][0] > first["lex-fridman-490"][0]
    assert first["guest"][1] == 1
    write(data / "guest.txt", GUEST_PAGE + "\n")
    (data / "guest.txt").rename(data / "gone.txt")
    await ingest(db, [data])
    (data / "gone.txt").rename(data / "guest.txt")
    await ingest(db, [data])
    again = await arrivals(db)
    assert again["guest"] == first["guest"]  # re-added: not a new arrival
    assert again["gone"][0] > first["guest"][0]


async def test_episodes_stored_before_the_migration_are_never_announced(tmp_path):
    path = tmp_path / "old.db"
    live = next(m.number for m in load_migrations() if m.name.endswith("_live_data.sql"))
    old = await Database.open(path, migrations=[m for m in load_migrations() if m.number < live])
    async with old.transaction() as conn:
        await conn.execute(
            "INSERT INTO episodes(key, source, stamp, content_hash, title, title_norm) "
            "VALUES ('lex-fridman-490', 'x', 'x', 'x', 'State of AI', 'state of ai')"
        )
    await old.close()
    db = await Database.open(path)
    try:
        assert (await arrivals(db))["lex-fridman-490"][1] == 0
        rows = await db.read_in_thread(stored.read_catalogue)
        assert rows.episodes[0].first_seen is not None
        assert rows.generation == 1
    finally:
        await db.close()
