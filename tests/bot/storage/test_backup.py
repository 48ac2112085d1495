"""`backup`: one moment's consistent copy while another connection writes, checked, never overwriting."""

import datetime as dt
import sqlite3
import stat

import pytest

from bot.errors import ConfigError
from bot.knowledge import KnowledgeBase
from bot.storage.backup import backup
from bot.storage.integrity import integrity_problems
from tests.bot.kb_pages import copy_seed


async def test_a_copy_taken_while_a_writer_holds_a_transaction_has_only_what_was_committed(db, tmp_path):
    await KnowledgeBase(db).ingest([copy_seed(tmp_path / "data")])
    await db.conn.execute("BEGIN IMMEDIATE")  # the running bot, mid-write
    await db.conn.execute("INSERT INTO bot_state(key, value) VALUES ('uncommitted', 'x')")
    try:
        done = backup(db.path, tmp_path / "copy.db")
    finally:
        await db.conn.execute("ROLLBACK")
    assert done.path == tmp_path / "copy.db"
    assert done.episodes == 1
    assert done.counts["daily_schedules"] == 0
    with sqlite3.connect(done.path) as copy:
        assert copy.execute("SELECT count(*) FROM bot_state WHERE key = 'uncommitted'").fetchone() == (0,)
        assert copy.execute("PRAGMA journal_mode").fetchone() == ("delete",)
        assert integrity_problems(copy) == []
    assert stat.S_IMODE(done.path.stat().st_mode) == 0o600
    assert not list(tmp_path.glob(".copy.db.partial"))


async def test_a_folder_gets_a_dated_file_and_nothing_is_overwritten(db, tmp_path):
    (tmp_path / "backups").mkdir()
    when = dt.datetime(2026, 3, 1, 4, 5, 6, tzinfo=dt.UTC)
    done = backup(db.path, tmp_path / "backups", now=when)
    assert done.path == tmp_path / "backups" / "test-20260301-040506.db"
    before = done.path.read_bytes()
    with pytest.raises(ConfigError, match="already exists"):
        backup(db.path, done.path)
    assert done.path.read_bytes() == before


def test_a_missing_database_or_folder_is_one_clear_error(tmp_path):
    with pytest.raises(ConfigError, match=r"DATABASE_PATH .* does not exist"):
        backup(tmp_path / "none.db", tmp_path / "copy.db")
    (tmp_path / "real.db").write_bytes(b"")
    with pytest.raises(ConfigError, match="is not a folder"):
        backup(tmp_path / "real.db", tmp_path / "no" / "copy.db")
    with pytest.raises(ConfigError, match=r"backups is not a folder; create it first \(mkdir -p "):
        backup(tmp_path / "real.db", tmp_path / "backups", folder=True)  # typed as `backups/`
    assert not (tmp_path / "backups").exists()


def test_the_integrity_check_ignores_sqlite_s_false_null_alarm(tmp_path):
    with sqlite3.connect(tmp_path / "t.db") as conn:
        conn.execute("CREATE TABLE t (a TEXT NOT NULL, b TEXT NOT NULL, PRIMARY KEY (b)) WITHOUT ROWID")
        conn.execute("INSERT INTO t VALUES ('x', 'y')")
        assert integrity_problems(conn) == []
    with sqlite3.connect(tmp_path / "bad.db") as conn:
        conn.execute("CREATE TABLE t (a TEXT)")
        conn.execute("INSERT INTO t VALUES (NULL)")
        conn.execute("PRAGMA writable_schema = ON")
        conn.execute("UPDATE sqlite_master SET sql = 'CREATE TABLE t (a TEXT NOT NULL)' WHERE name = 't'")
    with sqlite3.connect(tmp_path / "bad.db") as conn:
        assert integrity_problems(conn) == ["NULL value in t.a"]  # a real NULL stays a problem
