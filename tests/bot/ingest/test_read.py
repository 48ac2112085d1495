"""Reading episode files for ingest, in this process or in worker processes."""

import os
import time
from pathlib import Path

import bot.ingest.read as reading
from bot.ingest.files import find_sources
from bot.ingest.read import prepare, prepare_all, quick_check
from bot.storage.episodes import Fingerprint
from tests.bot.kb_pages import GUEST_PAGE, copy_seed, write


def corpus(tmp_path: Path, count: int) -> list:
    data = copy_seed(tmp_path / "data")
    for n in range(count):
        write(data / f"ep-{n:03d}.txt", GUEST_PAGE.replace("#900", f"#{n}"))
    write(data / "broken.txt", "")
    an_hour_ago = time.time_ns() - 3_600 * 10**9  # stamps stay the same from one read to the next
    for path in data.iterdir():
        os.utime(path, ns=(an_hour_ago, an_hour_ago))
    return [(files, None) for files in find_sources([data])]


def test_worker_processes_give_the_same_results_in_order(tmp_path, monkeypatch):
    work = corpus(tmp_path, 40)
    monkeypatch.setattr(reading, "POOL_MIN_FILES", 10)
    monkeypatch.setattr(reading, "CHUNK", 8)
    pooled = list(prepare_all(work, workers=1))
    assert pooled == [prepare(files, old) for files, old in work]
    assert sum(1 for item in pooled if item.error) == 1
    assert all(item.new for item in pooled if not item.error)


def test_a_failing_pool_falls_back_to_this_process(tmp_path, monkeypatch):
    work = corpus(tmp_path, 12)
    monkeypatch.setattr(reading, "POOL_MIN_FILES", 1)

    def broken(chunks, workers, stop):
        yield [prepare(files, old) for files, old in chunks[0][0]]
        raise OSError("no processes here")

    monkeypatch.setattr(reading, "_pooled", broken)
    assert [item.key for item in prepare_all(work, workers=2)] == [files.key for files, _ in work]


def test_tasks_hold_at_most_chunk_files_and_chunk_bytes_in_order(tmp_path, monkeypatch):
    work = corpus(tmp_path, 40)
    page_bytes = len(GUEST_PAGE.encode())
    monkeypatch.setattr(reading, "CHUNK", 8)
    monkeypatch.setattr(reading, "CHUNK_BYTES", 3 * page_bytes)
    chunks = reading._chunks(work)
    assert [item for chunk, _ in chunks for item in chunk] == work
    for chunk, size in chunks:
        assert size == reading._input_bytes(chunk)
        assert len(chunk) == 1 or (len(chunk) <= 8 and size <= 3 * page_bytes)
    assert len(chunks) >= 40 // 3  # the bytes, not the CHUNK files, cut most tasks
    monkeypatch.setattr(reading, "POOL_MIN_FILES", 10)
    assert list(prepare_all(work, workers=2)) == [prepare(files, old) for files, old in work]


def test_quick_check_skips_only_matching_stamps(tmp_path):
    files = next(files for files, _ in corpus(tmp_path, 0) if files.key == "lex-fridman-490")
    first = prepare(files, None)
    assert first.rows is not None
    same = Fingerprint(1, first.source, first.stamp, first.digest)
    assert quick_check(files, same).unchanged
    assert quick_check(files, same._replace(stamp="other")) is None
    assert prepare(files, same._replace(stamp="other")).rows is None  # same bytes: not parsed


def test_quick_check_never_skips_a_file_changed_within_the_last_clock_ticks(tmp_path):
    files = next(files for files, _ in corpus(tmp_path, 0) if files.key == "lex-fridman-490")
    os.utime(files.page)  # just saved: another save in the same tick would keep size and time
    first = prepare(files, None)
    assert quick_check(files, Fingerprint(1, first.source, first.stamp, first.digest)) is None
    unchanged = prepare(files, Fingerprint(1, first.source, first.stamp, first.digest))
    assert unchanged.rows is None  # hashed again, not parsed
