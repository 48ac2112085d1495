"""Long paged-list arguments: bounded, expired, and carried over from older databases."""

import time

from bot.storage import Database, load_migrations, pages

NOW = 1_800_000_000


async def count(db) -> int:
    async with db.conn.execute("SELECT count(*) FROM page_args") as cur:
        return (await cur.fetchone())[0]


async def test_arguments_kept_in_bot_state_by_older_versions_move_over_and_still_resolve(tmp_path):
    path = tmp_path / "old.db"
    old = await Database.open(path, migrations=load_migrations()[:2])
    await old.set_state("page_arg:0123456789abcdef01234567", "a long question asked before the upgrade")
    await old.set_state("sync_hash", "kept")
    await old.close()
    db = await Database.open(path)
    try:
        found = await pages.find(db, "0123456789abcdef01234567", int(time.time()))
        assert found == "a long question asked before the upgrade"
        assert await db.get_state("page_arg:0123456789abcdef01234567") is None
        assert await db.get_state("sync_hash") == "kept"
    finally:
        await db.close()


async def test_the_table_never_grows_past_its_ceiling_whoever_asks(db, monkeypatch):
    monkeypatch.setattr(pages, "MAX_ROWS", 5)
    monkeypatch.setattr(pages, "_CEILING_EVERY", 1)
    for member in range(12):
        await pages.keep(db, f"digest{member}", "arg", member, NOW + member)
    assert await count(db) == 5
    assert await pages.find(db, "digest11", NOW + 11) == "arg"
    assert await pages.find(db, "digest6", NOW + 11) is None


async def test_a_huge_snowflake_is_stored(db):
    await pages.keep(db, "big", "arg", 2**64 - 1, NOW)
    assert await pages.find(db, "big", NOW) == "arg"
