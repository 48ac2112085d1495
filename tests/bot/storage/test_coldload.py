"""A first load as one transaction: the same database as episode by episode, all or nothing."""

import asyncio
import os
import signal
import sqlite3
import sys
import time
from pathlib import Path

import pytest

import bot.ingest.run
import bot.storage.coldload
import bot.storage.database
from bot.ingest.run import ingest
from bot.storage import Database
from bot.storage.coldload import ColdWriter
from tests.bot.kb_pages import GUEST_PAGE, ROSOLIE_PAGE, copy_seed, stored_rows, write
from tests.bot.transcript_files import write_green_hour

TABLES = (
    "shows",
    "episodes",
    "people",
    "person_aliases",
    "episode_people",
    "episode_aliases",
    "segments",
    "mentions",
    "related",
)


async def rows(db, sql, params=()):
    async with db.conn.execute(sql, params) as cur:
        return [tuple(row) for row in await cur.fetchall()]


async def snapshot(db):
    """Return every knowledge-base row (file stamps aside), the arrivals in order, and the schema."""
    state = await stored_rows(db, TABLES)
    state["arrivals"] = await rows(db, "SELECT seq, key, announce FROM episode_arrivals ORDER BY seq")
    state["schema"] = await rows(db, "SELECT type, name, sql FROM sqlite_master ORDER BY type, name")
    for table in ("segments_fts", "moments_fts"):
        state[f"{table} settings"] = await rows(
            db,
            f"SELECT k, v FROM {table}_config WHERE k IN ('automerge', 'crisismerge') ORDER BY k",  # noqa: S608
        )
    return state


async def searches(db):
    """Return what both full-text indexes find for a few words, and check them against their text."""
    found = {}
    for table in ("segments_fts", "moments_fts"):
        await db.conn.execute(f"INSERT INTO {table}({table}, rank) VALUES ('integrity-check', 1)")  # noqa: S608
        for word in ("distillation", "soil", "tribes", "fungi", "zoe"):
            sql = f"SELECT rowid FROM {table} WHERE {table} MATCH ? ORDER BY rowid"  # noqa: S608
            found[table, word] = await rows(db, sql, (word,))
    return found


def mixed_folder(root: Path) -> Path:
    """Write pages, metadata, transcripts and chapters: people shared, a show and number claimed twice."""
    data = write_green_hour(root / "data")
    copy_seed(data / "seed")
    write(data / "guest.txt", GUEST_PAGE)
    write(data / "rosolie.txt", ROSOLIE_PAGE)
    write(data / "twin.txt", GUEST_PAGE.replace("Podcast #900", "Podcast #490"))
    write(data / "broken.toml", 'title = "Broken"\nnumber = "twelve"\n')
    return data


async def test_a_cold_load_stores_what_an_episode_by_episode_load_stores(tmp_path):
    data = mixed_folder(tmp_path)
    reports, states, found = [], [], []
    for cold in (False, True):
        db = await Database.open(tmp_path / f"cold-{cold}.db")
        try:
            reports.append(await ingest(db, [data], cold_load=cold))
            states.append(await snapshot(db))
            found.append(await searches(db))
        finally:
            await db.close()
    slow, quick = reports
    assert len(quick.loaded) == 6
    assert [line.split(":")[0].rsplit("/", 1)[-1] for line in quick.failed] == ["broken.toml"]
    assert "claims Lex Fridman Podcast #490" in " ".join(quick.warnings)
    assert (quick.loaded, quick.failed, quick.warnings) == (slow.loaded, slow.failed, slow.warnings)
    assert states[0] == states[1]
    assert found[0] == found[1]
    assert any(found[1].values())


async def test_a_cold_load_is_one_transaction_that_ends_with_fts5_settings_as_they_were(
    db, tmp_path, monkeypatch
):
    data = mixed_folder(tmp_path)
    monkeypatch.setattr(bot.ingest.run, "BATCH_EPISODES", 2)
    commits = []
    real = ColdWriter.write

    def write_and_look(self, *args):
        with sqlite3.connect(db.path) as other:  # another reader sees no episode until the end
            commits.append(other.execute("SELECT count(*) FROM episodes").fetchone()[0])
        return real(self, *args)

    monkeypatch.setattr(ColdWriter, "write", write_and_look)
    report = await ingest(db, [data], cold_load=True)
    assert len(report.loaded) == 6
    assert len(commits) >= 3
    assert set(commits) == {0}
    for table in ("segments_fts", "moments_fts"):
        settings = dict(await rows(db, f"SELECT k, v FROM {table}_config"))  # noqa: S608
        assert settings.get("automerge", 4) == 4
        assert settings.get("crisismerge", 16) == 16
        assert settings.get("hashsize", 2**20) == 2**20


def refuse(monkeypatch, key: str) -> None:
    """Make the cold writer's database refuse the batch holding episode `key`, as a full disk would."""
    real = ColdWriter._insert

    def refusing(self, batch):
        if any(row[1] == key for row in batch.episodes):
            raise sqlite3.IntegrityError("CHECK constraint failed: the disk says no")
        real(self, batch)

    monkeypatch.setattr(ColdWriter, "_insert", refusing)


async def test_an_episode_the_database_refuses_fails_alone_and_the_rest_of_its_batch_loads(
    db, tmp_path, monkeypatch
):
    data = tmp_path / "data"
    for n in range(6):
        write(data / f"ep{n}.txt", f"Episode {n} | Test Show #{n}\nKey takeaways\n- one of {n}\n")
    refuse(monkeypatch, "ep3")
    report = await ingest(db, [data], cold_load=True)
    (line,) = report.failed
    assert line.endswith(
        "ep3.txt:1: expected data the database accepts, got CHECK constraint failed: the disk says no"
    )
    assert len(report.loaded) == 5
    keys = await rows(db, "SELECT key FROM episodes ORDER BY key")
    assert keys == [("ep0",), ("ep1",), ("ep2",), ("ep4",), ("ep5",)]
    assert await rows(db, "SELECT count(*) FROM segments") == [(5,)]
    assert await rows(db, "SELECT count(DISTINCT id) = count(*) FROM episodes") == [(1,)]
    await db.conn.execute("INSERT INTO segments_fts(segments_fts, rank) VALUES ('integrity-check', 1)")
    monkeypatch.undo()
    again = await ingest(db, [data], cold_load=True)  # no longer cold: the incremental path
    assert [line.rsplit("/", 1)[-1] for line in again.loaded] == ["ep3.txt"]


async def test_a_refused_episode_leaves_no_moment_in_the_index_and_the_others_are_found(
    db, tmp_path, monkeypatch
):
    data = write_green_hour(tmp_path / "data")
    refuse(monkeypatch, "green-12")
    report = await ingest(db, [data], cold_load=True)
    assert [line.split(":")[0].rsplit("/", 1)[-1] for line in report.failed] == ["green-12.toml"]
    await db.conn.execute("INSERT INTO moments_fts(moments_fts, rank) VALUES ('integrity-check', 1)")
    found = (
        "SELECT episodes.key, count(*) FROM moments_fts JOIN segments ON segments.id = moments_fts.rowid "
        "JOIN episodes ON episodes.id = segments.episode_id WHERE moments_fts MATCH ? GROUP BY 1 ORDER BY 1"
    )
    assert [key for key, _ in await rows(db, found, ("soil OR fungi",))] == ["green-13"]
    monkeypatch.undo()
    again = await ingest(db, [data], cold_load=True)  # the incremental path indexes the refused one
    assert [line.rsplit("/", 1)[-1] for line in again.loaded] == ["green-12.toml"]
    assert [key for key, _ in await rows(db, found, ("soil OR fungi",))] == ["green-12", "green-13"]


async def test_a_database_that_holds_an_episode_is_loaded_episode_by_episode(db, tmp_path, monkeypatch):
    data = copy_seed(tmp_path / "data")
    await ingest(db, [data], cold_load=True)
    write(data / "guest.txt", GUEST_PAGE)

    def never(*args):
        raise AssertionError("a cold load into a database that holds episodes")

    monkeypatch.setattr(ColdWriter, "write", never)
    report = await ingest(db, [data], cold_load=True)
    assert [line.rsplit("/", 1)[-1] for line in report.loaded] == ["guest.txt"]


async def test_concurrent_cold_loads_store_each_episode_once(db, tmp_path):
    data = mixed_folder(tmp_path)
    others = [await Database.open(db.path) for _ in range(2)]
    try:
        reports = await asyncio.gather(*(ingest(d, [data], cold_load=True) for d in (db, *others)))
    finally:
        for other in others:
            await other.close()
    assert sorted(len(report.loaded) for report in reports) == [0, 0, 6]
    assert all(len(report.unchanged) == 6 for report in reports if not report.loaded)
    assert await rows(db, "SELECT count(*) FROM episodes") == [(6,)]
    assert await rows(db, "SELECT count(*) FROM takeaways WHERE text LIKE 'Distillation%'") == [(2,)]
    await db.conn.execute("INSERT INTO segments_fts(segments_fts, rank) VALUES ('integrity-check', 1)")


async def test_a_cold_load_waits_for_another_processs_whole_first_load(db, tmp_path, monkeypatch):
    data = mixed_folder(tmp_path)
    monkeypatch.setattr(bot.storage.database, "BUSY_TIMEOUT_S", 0.1)  # far shorter than one load
    monkeypatch.setattr(bot.ingest.run, "BATCH_EPISODES", 1)
    real = ColdWriter.write

    def write_slowly(self, *args):
        time.sleep(0.1)
        return real(self, *args)

    monkeypatch.setattr(ColdWriter, "write", write_slowly)
    other = await Database.open(db.path)
    try:
        reports = await asyncio.gather(
            ingest(db, [data], cold_load=True), ingest(other, [data], cold_load=True)
        )
    finally:
        await other.close()
    assert sorted(len(report.loaded) for report in reports) == [0, 6]
    assert [report.failed[1:] for report in reports] == [(), ()]  # the broken file aside
    assert await rows(db, "SELECT count(*) FROM episodes") == [(6,)]


KILLED_LOAD = """
import asyncio, sys
from pathlib import Path
import bot.storage.coldload
import bot.storage.database
from bot.ingest.run import ingest
from bot.storage import Database

real = bot.storage.coldload.ColdWriter.write
def write_then_signal(self, *args):
    done = real(self, *args)
    if self.written >= 20:
        print("written", flush=True)
        sys.stdin.readline()  # killed while waiting here
    return done
bot.storage.coldload.ColdWriter.write = write_then_signal

async def main():
    db = await Database.open(sys.argv[1])
    await ingest(db, [Path(sys.argv[2])], cold_load=True, workers=0)

asyncio.run(main())
"""


async def test_a_load_killed_midway_leaves_the_database_empty_and_the_next_loads_everything_once(
    db, tmp_path
):
    data = tmp_path / "data"
    for n in range(60):
        write(
            data / f"ep{n}.txt", f"Episode {n} | Test Show #{n}\nKey takeaways\n- one of {n}\n- two of {n}\n"
        )
    await db.close()
    env = {**os.environ, "PYTHONPATH": os.getcwd()}
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-c", KILLED_LOAD, str(db.path), str(data),
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, env=env,
    )  # fmt: skip
    try:
        assert process.stdout is not None
        assert await asyncio.wait_for(process.stdout.readline(), 60) == b"written\n"
        process.send_signal(signal.SIGKILL)
    finally:
        await asyncio.wait_for(process.wait(), 30)
    with sqlite3.connect(db.path) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        for table in ("episodes", "segments", "people", "shows", "episode_arrivals"):
            assert conn.execute(f"SELECT count(*) FROM {table}").fetchone() == (0,)  # noqa: S608
        indexes = conn.execute(
            "SELECT count(*) FROM sqlite_master WHERE name = 'segments_episode'"
        ).fetchone()
        assert indexes == (1,)
    reopened = await Database.open(db.path)
    try:
        report = await ingest(reopened, [data], cold_load=True)
        assert len(report.loaded) == 60
        assert report.failed == ()
        assert await rows(reopened, "SELECT count(*), count(DISTINCT key) FROM episodes") == [(60, 60)]
        assert await rows(reopened, "SELECT count(*) FROM takeaways") == [(120,)]
        await reopened.conn.execute(
            "INSERT INTO segments_fts(segments_fts, rank) VALUES ('integrity-check', 1)"
        )
        assert (await ingest(reopened, [data], cold_load=True)).loaded == ()
    finally:
        await reopened.close()


async def test_a_stopped_cold_load_rolls_back_to_the_empty_database(db, tmp_path, monkeypatch):
    data = tmp_path / "data"
    for n in range(40):
        write(data / f"ep{n}.txt", f"Episode {n} | Test Show #{n}\nKey takeaways\n- one of {n}\n")
    monkeypatch.setattr(bot.ingest.run, "BATCH_EPISODES", 4)
    real, started = ColdWriter.write, asyncio.Event()
    loop = asyncio.get_running_loop()

    def write_slowly(self, *args):
        loop.call_soon_threadsafe(started.set)
        time.sleep(0.05)
        return real(self, *args)

    monkeypatch.setattr(ColdWriter, "write", write_slowly)
    task = asyncio.ensure_future(ingest(db, [data], cold_load=True))
    await started.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert await rows(db, "SELECT count(*) FROM episodes") == [(0,)]
    assert await rows(db, "SELECT count(*) FROM sqlite_master WHERE name = 'segments_episode'") == [(1,)]
    monkeypatch.undo()
    assert len((await ingest(db, [data], cold_load=True)).loaded) == 40
