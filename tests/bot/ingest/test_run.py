"""Ingest on a real temporary SQLite file: idempotence, removal, rejected files, one transaction."""

import asyncio
import errno
import os
import sqlite3
import threading
import time
from pathlib import Path

import pytest

import bot.ingest.read
import bot.ingest.run
from bot.ingest.run import ingest
from bot.storage import Database
from bot.storage.episodes import EpisodeWriter
from tests.bot.kb_pages import GUEST_PAGE, ROSOLIE_PAGE, copy_seed, stored_rows, write


async def scalar(db, sql, params=()):
    async with db.conn.execute(sql, params) as cur:
        return (await cur.fetchone())[0]


async def snapshot(db):
    """Return every knowledge-base row (file stamps aside), to compare whole database states."""
    tables = (
        "shows",
        "episodes",
        "people",
        "person_aliases",
        "episode_people",
        "segments",
        "mentions",
        "related",
    )
    return await stored_rows(db, tables)


async def test_seed_loads_with_expected_counts(db, tmp_path):
    data = copy_seed(tmp_path / "data")
    report = await ingest(db, [data])
    assert report.ok
    assert len(report.loaded) == 1
    assert await scalar(db, "SELECT count(*) FROM takeaways") == 6
    assert await scalar(db, "SELECT count(*) FROM quotes") == 9
    assert await scalar(db, "SELECT count(DISTINCT person_id) FROM quotes") == 3
    assert await scalar(db, "SELECT count(*) FROM related") == 6
    assert await scalar(db, "SELECT quotes_declared || '/' || mentions_declared FROM episodes") == "27/77"
    assert await scalar(db, "SELECT count(*) FROM person_aliases") == 5


async def test_reingest_of_unchanged_files_changes_nothing_and_skips_parsing(db, tmp_path, monkeypatch):
    data = copy_seed(tmp_path / "data")
    write(data / "guest.txt", GUEST_PAGE)
    await ingest(db, [data])
    before = await snapshot(db)

    def no_parsing(*args):
        raise AssertionError("an unchanged file was parsed")

    monkeypatch.setattr(bot.ingest.read, "read_episode", no_parsing)
    report = await ingest(db, [data])
    assert report.loaded == ()
    assert report.failed == ()
    assert len(report.unchanged) == 2
    # A touched file with the same bytes is read and hashed, but still not parsed or rewritten.
    os.utime(data / "guest.txt", ns=(1, 1))
    report = await ingest(db, [data])
    assert report.loaded == ()
    assert len(report.unchanged) == 2
    assert await snapshot(db) == before


async def test_removed_file_removes_its_episode_only_for_a_directory(db, tmp_path):
    data = copy_seed(tmp_path / "data")
    guest = write(data / "guest.txt", GUEST_PAGE)
    await ingest(db, [data])
    assert await scalar(db, "SELECT count(*) FROM people") == 5

    seed_only = await ingest(db, [data / "lex-fridman-490.txt"])  # explicit files never remove
    assert seed_only.removed == ()
    assert await scalar(db, "SELECT count(*) FROM episodes") == 2

    guest.unlink()
    report = await ingest(db, [data])
    assert [p.endswith("guest.txt") for p in report.removed] == [True]
    assert await scalar(db, "SELECT count(*) FROM episodes") == 1
    assert (
        await scalar(db, "SELECT count(*) FROM segments WHERE episode_id NOT IN (SELECT id FROM episodes)")
        == 0
    )
    # People only that episode had are gone too; the shared guest stays.
    names = {row[0] async for row in await db.conn.execute("SELECT name FROM people")}
    assert names == {"Lex Fridman", "Sebastian Raschka", "Nathan Lambert"}


async def test_rejected_file_keeps_its_stored_version_and_others_load(db, tmp_path):
    data = copy_seed(tmp_path / "data")
    guest = write(data / "guest.txt", GUEST_PAGE)
    await ingest(db, [data])
    before = await snapshot(db)

    write(guest, GUEST_PAGE.replace("▶ 12:01", "▶ 61:99:xx"))
    write(data / "empty.txt", "")
    write(data / "binary.txt", "\x00\x01\x02")
    write(data / "rosolie.txt", ROSOLIE_PAGE)
    report = await ingest(db, [data])

    assert not report.ok
    assert sorted(line.split(":")[0].rsplit("/", 1)[-1] for line in report.failed) == [
        "binary.txt",
        "empty.txt",
        "guest.txt",
    ]
    bad = next(line for line in report.failed if "guest.txt" in line)
    assert bad.endswith(":8: expected a timestamp like 0:53, 15:32 or 2:46:45, got '61:99:xx'")
    assert [p.rsplit("/", 1)[-1] for p in report.loaded] == ["rosolie.txt"]
    after = await snapshot(db)
    guest_id = await scalar(db, "SELECT id FROM episodes WHERE key = 'guest'")
    assert [r for r in after["segments"] if r[1] == guest_id] == [
        r for r in before["segments"] if r[1] == guest_id
    ]
    assert await scalar(db, "SELECT count(*) FROM episodes") == 3


async def test_failure_mid_episode_leaves_nothing_partial(db, tmp_path, monkeypatch):
    data = copy_seed(tmp_path / "data")
    guest = write(data / "guest.txt", GUEST_PAGE)
    await ingest(db, [data])
    before = await snapshot(db)
    write(guest, GUEST_PAGE.replace("every single day", "every other day"))
    real = EpisodeWriter._write_segments

    def crash_after_half(self, *args):
        real(self, *args)  # the episode row, people and text are written by now
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(EpisodeWriter, "_write_segments", crash_after_half)
    with pytest.raises(RuntimeError, match="disk on fire"):
        await ingest(db, [data])
    assert await snapshot(db) == before
    monkeypatch.undo()
    assert (await ingest(db, [data])).loaded


async def test_edit_keeps_ids_of_unchanged_takeaways_and_quotes(db, tmp_path):
    data = copy_seed(tmp_path / "data")
    guest = write(data / "guest.txt", GUEST_PAGE)
    await ingest(db, [data])
    before = {row[1]: row[0] async for row in await db.conn.execute("SELECT id, text FROM segments")}
    write(guest, GUEST_PAGE.replace("every single day", "every other day"))
    assert (await ingest(db, [data])).loaded
    after = {row[1]: row[0] async for row in await db.conn.execute("SELECT id, text FROM segments")}
    kept = {text for text in before if text in after}
    assert len(kept) == len(before) - 1
    assert all(before[text] == after[text] for text in kept)
    assert after["I still use Claude for code reviews every other day."] not in before.values()
    assert await scalar(db, "SELECT count(*) FROM segments_fts WHERE segments_fts MATCH 'single'") == 0


async def test_related_titles_resolve_when_their_episode_arrives_later(db, tmp_path):
    data = copy_seed(tmp_path / "data")
    await ingest(db, [data])
    assert await scalar(db, "SELECT count(*) FROM related WHERE target_id IS NOT NULL") == 0
    rosolie = write(data / "rosolie.txt", ROSOLIE_PAGE)
    await ingest(db, [data])
    target = await scalar(db, "SELECT target_id FROM related WHERE title LIKE 'Paul Rosolie%'")
    assert target == await scalar(db, "SELECT id FROM episodes WHERE key = 'rosolie'")
    write(rosolie, ROSOLIE_PAGE.replace("Paul Rosolie:", "Paula Rosa:").replace("#489", "#1489"))
    await ingest(db, [data])  # edited: it no longer answers to the seed's related title
    assert await scalar(db, "SELECT count(*) FROM related WHERE target_id IS NOT NULL") == 0
    write(rosolie, ROSOLIE_PAGE)
    await ingest(db, [data])
    assert await scalar(db, "SELECT target_id FROM related WHERE title LIKE 'Paul Rosolie%'") == target
    rosolie.unlink()
    await ingest(db, [data])
    assert await scalar(db, "SELECT count(*) FROM related WHERE target_id IS NOT NULL") == 0


async def test_same_file_name_in_two_folders_is_reported(db, tmp_path):
    data = copy_seed(tmp_path / "data")
    write(data / "more" / "lex-fridman-490.txt", ROSOLIE_PAGE)
    report = await ingest(db, [data])
    assert len(report.loaded) == 1
    assert len(report.failed) == 1
    assert "lex-fridman-490" in report.failed[0]


async def test_missing_path_is_a_failure_line(db, tmp_path):
    report = await ingest(db, [tmp_path / "nope"])
    assert not report.ok
    assert report.failed[0].startswith(str(tmp_path / "nope") + ":1: expected")


async def test_every_committed_episode_is_in_the_search_index_even_after_a_crash(db, tmp_path, monkeypatch):
    data = copy_seed(tmp_path / "data")
    write(data / "guest.txt", GUEST_PAGE)
    write(data / "rosolie.txt", ROSOLIE_PAGE)
    monkeypatch.setattr(bot.ingest.run, "BATCH_EPISODES", 1)  # a commit after every episode
    real, calls = EpisodeWriter.index, []

    def crash_on_second_commit(self, texts):
        calls.append(texts)
        if len(calls) == 2:
            raise RuntimeError("killed")
        real(self, texts)

    monkeypatch.setattr(EpisodeWriter, "index", crash_on_second_commit)
    with pytest.raises(RuntimeError, match="killed"):
        await ingest(db, [data])
    monkeypatch.undo()
    report = await ingest(db, [data])
    assert report.unchanged  # what the crashed run committed is not loaded again
    # FTS5 compares its index with the segments table and raises on any row missing from it.
    await db.conn.execute("INSERT INTO segments_fts(segments_fts, rank) VALUES ('integrity-check', 1)")


def fail_listing(monkeypatch, folder: Path, vanish: bool = False) -> None:
    """Make listing `folder` fail as an unreadable folder does (even for root), or make it vanish."""
    real = os.scandir

    def scandir(path="."):
        if isinstance(path, str | os.PathLike) and os.path.abspath(path) == str(folder):
            if not vanish:
                raise PermissionError(errno.EACCES, "Permission denied", str(path))
            folder.rename(folder.parent.parent / "moved-away")  # a deploy swapping folders
        return real(path)

    monkeypatch.setattr(os, "scandir", scandir)


async def stored_keys(db) -> set[str]:
    return {row[0] async for row in await db.conn.execute("SELECT key FROM episodes")}


async def test_an_unreadable_folder_is_reported_and_removes_no_stored_episode(db, tmp_path, monkeypatch):
    data = copy_seed(tmp_path / "data")
    write(data / "season-2" / "guest.txt", GUEST_PAGE)
    await ingest(db, [data])
    write(data / "rosolie.txt", ROSOLIE_PAGE)
    (data / "lost+found").mkdir()
    fail_listing(monkeypatch, data / "lost+found")
    report = await ingest(db, [data])
    assert report.removed == ()
    assert [line.rsplit("/", 1)[-1] for line in report.failed] == [
        "lost+found:1: expected a readable folder, got Permission denied"
    ]
    assert [p.rsplit("/", 1)[-1] for p in report.loaded] == ["rosolie.txt"]
    assert await stored_keys(db) == {"lex-fridman-490", "guest", "rosolie"}

    monkeypatch.undo()
    fail_listing(monkeypatch, data / "season-2")  # the folder holding a stored episode
    report = await ingest(db, [data])
    assert report.removed == ()
    assert len(report.failed) == 1
    assert "season-2:1: expected a readable folder" in report.failed[0]
    assert await stored_keys(db) == {"lex-fridman-490", "guest", "rosolie"}


async def test_a_folder_vanishing_mid_walk_keeps_its_episodes_until_it_is_gone(db, tmp_path, monkeypatch):
    data = copy_seed(tmp_path / "data")
    write(data / "season-2" / "guest.txt", GUEST_PAGE)
    await ingest(db, [data])
    fail_listing(monkeypatch, data / "season-2", vanish=True)
    report = await ingest(db, [data])
    assert report.removed == ()
    assert "season-2:1: expected a readable folder, got No such file or directory" in report.failed[0]
    assert await stored_keys(db) == {"lex-fridman-490", "guest"}
    monkeypatch.undo()
    report = await ingest(db, [data])  # now the walk sees it is gone: positively removed
    assert [p.rsplit("/", 1)[-1] for p in report.removed] == ["guest.txt"]
    assert report.failed == ()
    assert await stored_keys(db) == {"lex-fridman-490"}


async def test_an_unreadable_data_directory_removes_nothing(db, tmp_path, monkeypatch):
    data = copy_seed(tmp_path / "data")
    await ingest(db, [data])
    fail_listing(monkeypatch, data)
    report = await ingest(db, [data])
    assert report.removed == ()
    assert report.failed[0].endswith("data:1: expected a readable folder, got Permission denied")
    assert await stored_keys(db) == {"lex-fridman-490"}


def small_pages(data: Path, count: int, start: int = 0) -> None:
    for n in range(start, start + count):
        write(
            data / f"ep{n}.txt", f"Episode {n} | Test Show #{n}\nKey takeaways\n- one of {n}\n- two of {n}\n"
        )


async def test_concurrent_ingests_store_each_episode_once(db, tmp_path, monkeypatch):
    data = tmp_path / "data"
    small_pages(data, 30)
    write(data / "gone.txt", ROSOLIE_PAGE)
    await ingest(db, [data])
    (data / "gone.txt").unlink()
    write(data / "ep3.txt", "Episode 3, edited | Test Show #3\nKey takeaways\n- three\n")
    small_pages(data / "more", 5, start=30)
    # Both runs read what is stored before either writes: the worst interleaving, every time.
    both_read = threading.Barrier(3, timeout=5)
    real = bot.ingest.run.load_fingerprints

    def load_then_wait(conn):
        stored = real(conn)
        both_read.wait()
        return stored

    monkeypatch.setattr(bot.ingest.run, "load_fingerprints", load_then_wait)
    others = [await Database.open(db.path) for _ in range(2)]
    try:
        reports = await asyncio.gather(ingest(db, [data]), *(ingest(other, [data]) for other in others))
    finally:
        for other in others:
            await other.close()
    assert [report.failed for report in reports] == [(), (), ()]
    assert await scalar(db, "SELECT count(*) FROM episodes") == 35
    assert await scalar(db, "SELECT count(*) FROM takeaways") == 69
    assert await scalar(db, "SELECT count(*) FROM takeaways WHERE text = 'one of 7'") == 1
    assert await scalar(db, "SELECT count(*) FROM segments_fts WHERE segments_fts MATCH '\"of 7\"'") == 2
    assert await scalar(db, "SELECT title FROM episodes WHERE key = 'ep3'") == "Episode 3, edited"
    assert sum(len(report.removed) for report in reports) == 1
    await db.conn.execute("INSERT INTO segments_fts(segments_fts, rank) VALUES ('integrity-check', 1)")


async def test_a_same_named_file_elsewhere_never_replaces_the_stored_episode(db, tmp_path):
    data = copy_seed(tmp_path / "data" / "episodes")
    await ingest(db, [data.parent])
    before = await snapshot(db)
    impostor = write(data.parent / "a" / "lex-fridman-490.txt", ROSOLIE_PAGE)  # sorts first
    report = await ingest(db, [data.parent])
    assert report.loaded == ()
    assert [p.rsplit("/", 1)[-1] for p in report.unchanged] == ["lex-fridman-490.txt"]
    (line,) = report.failed
    assert line.startswith(f"{impostor}:1: expected a file name no other episode uses")
    assert line.endswith(f"(already loaded from {data / 'lex-fridman-490.txt'})")
    assert await snapshot(db) == before

    # Given the newcomer alone, it is still the one refused while the stored file exists.
    report = await ingest(db, [impostor])
    assert len(report.failed) == 1
    assert "already loaded from" in report.failed[0]
    assert await snapshot(db) == before

    # Once the stored file is gone, the other file takes the name over (a move).
    (data / "lex-fridman-490.txt").unlink()
    (data / "lex-fridman-490.toml").unlink()
    report = await ingest(db, [data.parent])
    assert [p.rsplit("/", 1)[-1] for p in report.loaded] == ["lex-fridman-490.txt"]
    assert report.failed == ()
    assert await scalar(db, "SELECT number FROM episodes") == 489


async def test_no_file_is_parsed_while_a_write_transaction_is_open(db, tmp_path, monkeypatch):
    data = tmp_path / "data"
    small_pages(data, 6)
    await ingest(db, [data])
    small_pages(data, 6, start=6)
    write(data / "ep0.txt", "Episode 0, edited | Test Show #0\nKey takeaways\n- edited\n")
    monkeypatch.setattr(bot.ingest.run, "BATCH_EPISODES", 2)
    real, probes = bot.ingest.read.read_episode, []

    def parse_and_probe(*args):
        other = sqlite3.connect(db.path, timeout=0)
        try:
            other.execute("BEGIN IMMEDIATE")  # fails at once if any write transaction is open
            other.execute("ROLLBACK")
            probes.append("free")
        except sqlite3.OperationalError as err:
            probes.append(str(err))
        finally:
            other.close()
        return real(*args)

    monkeypatch.setattr(bot.ingest.read, "read_episode", parse_and_probe)
    report = await ingest(db, [data])
    assert len(report.loaded) == 7
    assert probes == ["free"] * 7


async def test_a_command_write_gets_in_between_two_transactions_of_a_bulk_ingest(db, tmp_path, monkeypatch):
    data = tmp_path / "data"
    small_pages(data, 40)
    monkeypatch.setattr(bot.ingest.run, "BATCH_EPISODES", 4)
    monkeypatch.setattr(bot.ingest.run, "WRITE_SLICE_S", 0, raising=False)  # one per transaction
    loop, commands = asyncio.get_running_loop(), []
    real, asked = EpisodeWriter.write, threading.Event()

    def write_and_ask_for_a_command(self, *args, **kwargs):
        if not asked.is_set():  # a member runs /daily set while the first episodes are being written
            asked.set()
            loop.call_soon_threadsafe(lambda: commands.append(asyncio.ensure_future(command())))
        return real(self, *args, **kwargs)

    async def command():
        await db.set_state("daily", "set")
        return ingesting.done()

    monkeypatch.setattr(EpisodeWriter, "write", write_and_ask_for_a_command)
    ingesting = asyncio.ensure_future(ingest(db, [data]))
    report = await ingesting
    assert len(report.loaded) == 40
    assert await commands[0] is False  # the command's write committed before the ingest ended
    assert await db.get_state("daily") == "set"


async def test_an_oversized_page_is_one_failure_and_its_stored_version_stays(db, tmp_path):
    data = copy_seed(tmp_path / "data")
    guest = write(data / "guest.txt", GUEST_PAGE)
    await ingest(db, [data])
    before = await snapshot(db)
    write(guest, GUEST_PAGE + "".join(f"- takeaway {n} of a page far too long\n" for n in range(40_000)))
    write(data / "rosolie.txt", ROSOLIE_PAGE)
    report = await ingest(db, [data])
    assert [line.rsplit("/", 1)[-1] for line in report.failed] == [
        "guest.txt:1: expected a file of at most 1 MiB, got 1.5 MiB"
    ]
    assert [p.rsplit("/", 1)[-1] for p in report.loaded] == ["rosolie.txt"]
    guest_id = await scalar(db, "SELECT id FROM episodes WHERE key = 'guest'")
    after = await snapshot(db)
    assert [r for r in after["segments"] if r[1] == guest_id] == [
        r for r in before["segments"] if r[1] == guest_id
    ]


async def test_related_titles_are_linked_by_the_next_run_when_one_died_before_linking(
    db, tmp_path, monkeypatch
):
    data = copy_seed(tmp_path / "data")
    await ingest(db, [data])
    write(data / "rosolie.txt", ROSOLIE_PAGE)

    def killed(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(bot.ingest.run, "relink", killed)
    monkeypatch.setattr(bot.ingest.run, "relink_changed", killed)
    with pytest.raises(KeyboardInterrupt):
        await ingest(db, [data])
    monkeypatch.undo()
    report = await ingest(db, [data])
    assert report.loaded == ()  # nothing to load again, yet the links are made
    target = await scalar(db, "SELECT target_id FROM related WHERE title LIKE 'Paul Rosolie%'")
    assert target == await scalar(db, "SELECT id FROM episodes WHERE key = 'rosolie'")


@pytest.mark.timeout(30)
async def test_special_files_and_links_out_fail_alone_and_keep_what_is_stored(db, tmp_path):
    data = copy_seed(tmp_path / "data")
    guest = write(data / "guest.txt", GUEST_PAGE)
    await ingest(db, [data])
    guest.unlink()
    os.mkfifo(guest)  # the stored page replaced by a named pipe: reading it would hang
    (data / "zero.txt").symlink_to("/dev/zero")  # reading it would never end
    outside = write(tmp_path / "elsewhere" / "rosolie.txt", ROSOLIE_PAGE)
    (data / "rosolie.txt").symlink_to(outside)  # not the owner's to serve
    write(data / "notes.md", "to do: more episodes")
    report = await ingest(db, [data])
    assert sorted(report.failed) == [
        f"{guest}:1: expected a regular file, got a named pipe (FIFO)",
        f"{data / 'rosolie.txt'}:1: expected a file inside {data}, got a link to {outside}",
        f"{data / 'zero.txt'}:1: expected a file inside {data}, got a link to /dev/zero",
    ]
    assert report.removed == ()
    assert await stored_keys(db) == {"lex-fridman-490", "guest"}
    assert [path.rsplit("/", 1)[-1] for path in report.ignored] == ["notes.md"]


async def test_a_number_too_large_to_store_fails_that_file_only(db, tmp_path):
    data = copy_seed(tmp_path / "data")
    write(data / "huge.toml", 'title = "Huge"\nnumber = 9223372036854775808\n')
    write(
        data / "guest.txt",
        GUEST_PAGE.replace("Recommendations (4)", "Recommendations (99999999999999999999)"),
    )
    write(data / "rosolie.txt", ROSOLIE_PAGE)
    report = await ingest(db, [data])
    assert sorted(line.rsplit("/", 1)[-1].split(":")[0] for line in report.failed) == [
        "guest.txt",
        "huge.toml",
    ]
    assert sorted(p.rsplit("/", 1)[-1] for p in report.loaded) == ["lex-fridman-490.txt", "rosolie.txt"]


async def test_a_file_name_that_is_not_utf8_loads_and_is_shown_escaped(db, tmp_path):
    data = copy_seed(tmp_path / "data")
    odd = os.fsencode(data) + b"/caf\xe9 \x1b[2J.txt"  # Latin-1 é and a terminal escape
    write(Path(os.fsdecode(odd)), ROSOLIE_PAGE)
    report = await ingest(db, [data])
    assert report.failed == ()
    assert sorted(p.rsplit("/", 1)[-1] for p in report.loaded) == [
        "caf\\xe9 \\x1b[2J.txt",
        "lex-fridman-490.txt",
    ]
    assert await stored_keys(db) == {"lex-fridman-490", "caf\\xe9 \x1b[2J"}  # stored as text SQLite takes
    assert (await ingest(db, [data])).loaded == ()  # unchanged the second time
    os.unlink(odd)
    report = await ingest(db, [data])
    assert [p.rsplit("/", 1)[-1] for p in report.removed] == ["caf\\xe9 \\x1b[2J.txt"]
    assert await stored_keys(db) == {"lex-fridman-490"}


async def test_a_vanishing_folder_whose_name_is_not_utf8_keeps_its_episodes(db, tmp_path, monkeypatch):
    data = copy_seed(tmp_path / "data")
    odd = Path(os.fsdecode(os.fsencode(data) + b"/saison-\xe9t\xe9"))
    write(odd / "guest.txt", GUEST_PAGE)
    await ingest(db, [data])
    assert await stored_keys(db) == {"lex-fridman-490", "guest"}
    fail_listing(monkeypatch, odd, vanish=True)
    report = await ingest(db, [data])
    assert report.removed == ()
    assert "saison-\\xe9t\\xe9:1: expected a readable folder" in report.failed[0]
    assert await stored_keys(db) == {"lex-fridman-490", "guest"}


async def test_two_episodes_claiming_one_show_and_number_are_a_warning_naming_both(db, tmp_path):
    data = copy_seed(tmp_path / "data")
    await ingest(db, [data])
    twin = write(data / "twin.txt", GUEST_PAGE.replace("Podcast #900", "Podcast #490"))
    write(data / "other-show.txt", ROSOLIE_PAGE.replace("Lex Fridman Podcast #489", "Other Show #490"))
    report = await ingest(db, [data])
    assert report.warnings == (
        f"{twin}:1: claims Lex Fridman Podcast #490, as {data / 'lex-fridman-490.txt'} does too; "
        "both are loaded, and #490 alone finds the more recent",
    )
    assert await stored_keys(db) == {"lex-fridman-490", "twin", "other-show"}
    assert (await ingest(db, [data])).warnings == ()  # said when a file loads, not at every run
    write(twin, GUEST_PAGE.replace("Podcast #900", "Podcast #491"))  # fixed: no warning
    assert (await ingest(db, [data])).warnings == ()


async def test_an_edit_within_the_file_systems_time_resolution_is_not_missed(db, tmp_path, monkeypatch):
    data = tmp_path / "data"
    page = write(data / "ep.txt", "Episode 1 v1 | Test Show #1\nKey takeaways\n- one v1\n")
    await ingest(db, [data])
    mtime = page.stat().st_mtime_ns
    page.write_text("Episode 1 v2 | Test Show #1\nKey takeaways\n- one v2\n")
    os.utime(page, ns=(mtime, mtime))  # saved again within the same clock tick: same size and time
    report = await ingest(db, [data])
    assert [p.rsplit("/", 1)[-1] for p in report.loaded] == ["ep.txt"]
    assert await scalar(db, "SELECT title FROM episodes") == "Episode 1 v2"
    old = time.time_ns() - 3_600 * 10**9  # a file older than that resolution is skipped unread again
    os.utime(page, ns=(old, old))
    await ingest(db, [data])  # read once more: its stamp changed
    monkeypatch.setattr(bot.ingest.read, "read_contents", unread)
    assert len((await ingest(db, [data])).unchanged) == 1


def unread(files):
    raise AssertionError(f"{files.key} was read")


async def test_a_load_leaves_its_log_copied_into_the_database(db, tmp_path):
    """Check that an ingest checkpoints its write-ahead log, so the bot's next commit copies none of it."""
    data = copy_seed(tmp_path / "data")
    write(data / "guest.txt", GUEST_PAGE)
    report = await ingest(db, [data])
    # Opened immutable, SQLite reads the database file alone and ignores the log.
    with sqlite3.connect(f"file:{db.path}?immutable=1", uri=True) as file_only:
        (stored,) = file_only.execute("SELECT count(*) FROM episodes").fetchone()
    assert stored == len(report.loaded) == 2


async def test_a_load_in_many_transactions_leaves_merged_indexes_with_fts5_settings_as_they_were(
    db, tmp_path, monkeypatch
):
    """Write each episode in its own transaction: the indexes stay whole and merging stays on."""
    monkeypatch.setattr(bot.ingest.run, "WRITE_SLICE_S", 0.0)  # one episode per transaction
    monkeypatch.setattr(bot.ingest.run, "BETWEEN_TRANSACTIONS_S", 0.0)
    data = tmp_path / "data"
    for n in range(1, 13):
        write(data / f"guest-{n}.txt", GUEST_PAGE.replace("#900", f"#{900 + n}"))
    report = await ingest(db, [data])
    assert len(report.loaded) == 12
    for table in ("segments_fts", "moments_fts"):
        await db.conn.execute(f"INSERT INTO {table}({table}, rank) VALUES ('integrity-check', 1)")  # noqa: S608
        async with db.conn.execute(f"SELECT k, v FROM {table}_config ORDER BY k") as cur:  # noqa: S608
            settings = dict(await cur.fetchall())
        # As FTS5 starts: merged after every write, so a later single-file change is merged too.
        assert settings.get("automerge", 4) == 4
        assert settings.get("crisismerge", 16) == 16
    # Twelve transactions each left a segment; merging at the end leaves fewer than FTS5's 4 a level.
    leaves = await scalar(db, "SELECT count(*) FROM segments_fts_data WHERE id > 10")  # 1, 10: FTS5's own
    assert leaves < 12
    assert await scalar(db, "SELECT count(*) FROM segments_fts WHERE segments_fts MATCH 'distillation'") >= 12
