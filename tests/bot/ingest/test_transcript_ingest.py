"""Transcripts through ingest: moments with speakers and chapters, unchanged skipped, changes atomic."""

import json
import os
import sqlite3

import pytest

import bot.ingest.files
import bot.ingest.read
import bot.ingest.run
import bot.ingest.timed
from bot.ingest.files import MAX_FILE_BYTES
from bot.ingest.run import ingest
from bot.sentences import unpack
from bot.storage import Database, load_migrations
from bot.storage.episodes import EpisodeWriter
from tests.bot.transcript_files import FUNGI_SRT, SOIL_VTT, write, write_green_hour


async def rows(db, sql, params=()):
    async with db.conn.execute(sql, params) as cur:
        return [tuple(row) for row in await cur.fetchall()]


async def moments(db, key):
    """Return (speaker or label, second, text) of an episode's moments in order."""
    return await rows(
        db,
        "SELECT coalesce(p.name, s.label), s.seconds, s.text FROM segments s "
        "JOIN episodes e ON e.id = s.episode_id LEFT JOIN people p ON p.id = s.person_id "
        "WHERE e.key = ? AND s.kind = 'moment' ORDER BY s.position",
        (key,),
    )


async def found(db, word):
    """Return the keys of episodes with a moment the full-text index finds for `word`."""
    hits = await rows(
        db,
        "SELECT DISTINCT e.key FROM moments_fts f JOIN segments s ON s.id = f.rowid "
        "JOIN episodes e ON e.id = s.episode_id WHERE moments_fts MATCH ? AND s.kind = 'moment' ORDER BY 1",
        (f'"{word}"',),
    )
    return [key for (key,) in hits]


async def test_moments_keep_speaker_second_and_mapped_people(db, tmp_path):
    data = write_green_hour(tmp_path / "data")
    report = await ingest(db, [data])
    assert report.ok, report.failed
    assert report.warnings == ()
    soil = await moments(db, "green-12")
    assert soil[0][:2] == ("Dana Whitfield", 1)
    assert ("Priya Raman", 15) in [m[:2] for m in soil]
    assert "Guest 1" not in {m[0] for m in soil}
    fungi = await moments(db, "green-13")
    # SPEAKER_00 is mapped; SPEAKER_01 is not, so it stays a label and becomes nobody.
    assert [m[:2] for m in fungi] == [("Dana Whitfield", 2), ("SPEAKER_01", 9), ("Dana Whitfield", 750),
                                       ("SPEAKER_01", 760)]  # fmt: skip
    assert await rows(db, "SELECT count(*) FROM people WHERE name LIKE 'SPEAKER%' OR name LIKE 'Guest%'") == [
        (0,)
    ]
    # The mapped guest is one of the episode's people, found by the alias the metadata gives.
    assert await rows(
        db,
        "SELECT DISTINCT p.name FROM person_aliases a JOIN people p ON p.id = a.person_id "
        "WHERE a.alias = 'Priya'",
    ) == [("Priya Raman",)]


async def test_chapters_come_from_the_chapters_file_the_metadata_or_the_description(db, tmp_path):
    data = write_green_hour(tmp_path / "data")
    write(
        data / "green-14.toml",
        'title = "Q"\ndescription = """Timestamps:\n0:00 Hello\n5:00 Seeds\n1:02:03 Bye"""\n',
    )
    await ingest(db, [data])
    chapters = await rows(
        db,
        "SELECT e.key, s.position, s.seconds, s.end_seconds, s.text FROM segments s "
        "JOIN episodes e ON e.id = s.episode_id WHERE s.kind = 'chapter' ORDER BY 1, 2",
    )
    assert chapters == [
        ("green-12", 1, 0, 90, "Welcome"),
        ("green-12", 2, 90, None, "Sleep and the garden"),
        ("green-13", 1, 0, 720, "Introductions"),
        ("green-13", 2, 720, None, "Under the forest floor"),
        ("green-14", 1, 0, 300, "Hello"),
        ("green-14", 2, 300, 3723, "Seeds"),
        ("green-14", 3, 3723, None, "Bye"),
    ]


async def test_sentence_seconds_are_kept_for_links(db, tmp_path):
    data = write_green_hour(tmp_path / "data")
    await ingest(db, [data])
    ((text, seconds, marks),) = await rows(
        db, "SELECT text, seconds, marks FROM segments WHERE kind = 'moment' AND text LIKE 'Mycorrhizal%'"
    )
    starts = unpack(marks, seconds)
    assert starts[0] == (0, 760)
    assert all(0 <= offset < len(text) for offset, _ in starts)


async def test_unchanged_transcripts_are_not_read_again(db, tmp_path, monkeypatch):
    data = write_green_hour(tmp_path / "data")
    await ingest(db, [data])
    before = await rows(db, "SELECT id, text FROM segments ORDER BY id")

    def no_reading(*args):
        raise AssertionError("an unchanged transcript was parsed")

    monkeypatch.setattr(bot.ingest.timed, "read_transcript", no_reading)
    report = await ingest(db, [data])
    assert (report.loaded, len(report.unchanged)) == ((), 2)
    # Same bytes, new modification time: hashed, not parsed, nothing rewritten.
    os.utime(data / "green-12.vtt", ns=(1, 1))
    os.utime(data / "transcripts" / "13.srt", ns=(1, 1))
    report = await ingest(db, [data])
    assert (report.loaded, len(report.unchanged)) == ((), 2)
    assert await rows(db, "SELECT id, text FROM segments ORDER BY id") == before


async def test_a_changed_transcript_replaces_only_its_episodes_moments(db, tmp_path):
    data = write_green_hour(tmp_path / "data")
    await ingest(db, [data])
    soil = (
        "SELECT s.id, s.text FROM segments s JOIN episodes e ON e.id = s.episode_id WHERE e.key = 'green-12'"
    )
    soil_before = await rows(db, soil)
    write(data / "transcripts" / "13.srt", FUNGI_SRT.replace("Mycorrhizal fungi", "Truffle threads"))
    report = await ingest(db, [data])
    assert [os.path.basename(line) for line in report.loaded] == ["green-13.txt"]
    assert await found(db, "mycorrhizal") == []
    assert await found(db, "truffle") == ["green-13"]
    assert await rows(db, soil) == soil_before


async def test_a_page_edit_keeps_the_stored_moments(db, tmp_path):
    data = write_green_hour(tmp_path / "data")
    await ingest(db, [data])
    query = "SELECT id FROM segments WHERE kind = 'moment' ORDER BY 1"
    before = await rows(db, query)
    page = data / "green-13.txt"
    page.write_text(
        page.read_text(encoding="utf-8").replace("Fungi Networks", "Fungal Networks"), encoding="utf-8"
    )
    report = await ingest(db, [data])
    assert len(report.loaded) == 1
    assert await rows(db, query) == before


async def test_a_bad_transcript_keeps_the_stored_version_and_the_rest_loads(db, tmp_path):
    data = write_green_hour(tmp_path / "data")
    await ingest(db, [data])
    before = await moments(db, "green-12")
    write(data / "green-12.vtt", "this is not a transcript\n")
    write(data / "green-15.toml", 'title = "New"\n')
    report = await ingest(db, [data])
    assert len(report.failed) == 1
    assert report.failed[0].startswith(f"{data / 'green-12.vtt'}:")
    assert "green-15" in report.loaded[0]
    assert await moments(db, "green-12") == before
    assert await found(db, "earthworms") == ["green-12"]


async def test_a_transcript_the_metadata_names_is_stamped_with_the_episode(db, tmp_path):
    data = write_green_hour(tmp_path / "data")
    await ingest(db, [data])
    linked = data / "transcripts" / "13.srt"
    write(linked, FUNGI_SRT.replace("forest soil", "riverbank clay"))
    report = await ingest(db, [data])
    assert len(report.loaded) == 1
    assert await found(db, "riverbank") == ["green-13"]
    linked.unlink()
    report = await ingest(db, [data])
    (failure,) = report.failed
    assert failure.endswith(
        "green-13.toml:4: expected a transcript file 'transcripts/13.srt' (relative to this file), "
        "got no such file"
    )
    assert await found(db, "riverbank") == ["green-13"]


async def test_a_transcript_file_alone_is_reported_not_loaded(db, tmp_path):
    data = write_green_hour(tmp_path / "data")
    write(data / "stray.vtt", SOIL_VTT)
    report = await ingest(db, [data])
    assert report.ok
    (warning,) = report.warnings
    assert "stray.vtt:1: not loaded" in warning
    assert "(stray.txt or stray.toml)" in warning


async def test_a_failure_while_storing_moments_leaves_the_episode_as_it_was(db, tmp_path, monkeypatch):
    data = write_green_hour(tmp_path / "data")
    await ingest(db, [data])
    before = await moments(db, "green-12")
    write(data / "green-12.vtt", SOIL_VTT.replace("Earthworms", "Beetles"))
    original = EpisodeWriter._write_timed

    def fail_after_writing(self, *args):
        original(self, *args)
        raise sqlite3.IntegrityError("disk hiccup")

    monkeypatch.setattr(EpisodeWriter, "_write_timed", fail_after_writing)
    report = await ingest(db, [data])
    assert len(report.failed) == 1
    assert await moments(db, "green-12") == before
    assert await found(db, "earthworms") == ["green-12"]
    assert await found(db, "beetles") == []


@pytest.mark.parametrize("unused", [None])
async def test_reading_a_transcript_is_part_of_the_episodes_read(db, tmp_path, monkeypatch, unused):
    data = write_green_hour(tmp_path / "data")
    calls = []
    real = bot.ingest.read.read_timed
    monkeypatch.setattr(bot.ingest.read, "read_timed", lambda *a: calls.append(a[1]) or real(*a))
    await ingest(db, [data])
    assert sorted(p.name for p in calls) == ["13.srt", "green-12.vtt"]


async def test_a_transcript_may_be_larger_than_a_page_but_not_unbounded(db, tmp_path, monkeypatch):
    data = write_green_hour(tmp_path / "data")
    cues = "".join(
        f"\n{n // 60:02d}:{n % 60:02d}.000 --> {n // 60:02d}:{n % 60:02d}.900\n<v Dana Whitfield>Soil {n} "
        + "again " * 60
        + "\n"
        for n in range(3600)
    )
    write(data / "green-12.vtt", "WEBVTT\n" + cues)
    assert (data / "green-12.vtt").stat().st_size > MAX_FILE_BYTES
    report = await ingest(db, [data])
    assert report.ok, report.failed
    monkeypatch.setattr(bot.ingest.files, "MAX_TRANSCRIPT_BYTES", MAX_FILE_BYTES)
    os.utime(data / "green-12.vtt", ns=(1, 1))
    write(data / "green-12.vtt", "WEBVTT\n" + cues + cues[:100])
    report = await ingest(db, [data])
    (failure,) = report.failed
    assert "green-12.vtt:1: expected a file of at most 1 MiB" in failure


def word_level_whisper(hours: int) -> str:
    """Return Whisper's JSON with word times, indented, for `hours` of talk (about 1.5 MiB an hour)."""
    segments, words_said = [], ("soil", "holds", "more", "carbon", "than", "the", "air", "does")
    for n in range(hours * 360):  # a ten-second segment of 25 words
        start = n * 10.0
        words = [
            {"word": f" {words_said[i % 8]}", "start": start + i * 0.4, "end": start + i * 0.4 + 0.35,
             "probability": 0.98765432}
            for i in range(25)
        ]  # fmt: skip
        segments.append({
            "id": n, "seek": n * 1000, "start": start, "end": start + 10.0,
            "text": "".join(w["word"] for w in words), "tokens": list(range(50364, 50394)),
            "temperature": 0.0, "avg_logprob": -0.2345678, "compression_ratio": 1.6543,
            "no_speech_prob": 0.0123456, "words": words,
        })  # fmt: skip
    return json.dumps({"text": "", "segments": segments, "language": "en"}, indent=2)


async def test_a_word_by_word_transcript_of_a_long_episode_loads(db, tmp_path):
    data = tmp_path / "data"
    write(data / "long-talk.txt", "Long Talk | Long Show #1\nKey takeaways\n- Soil holds carbon.\n")
    write(data / "long-talk.json", word_level_whisper(6))
    assert (data / "long-talk.json").stat().st_size > 8 * 1024 * 1024
    report = await ingest(db, [data])
    assert report.ok, report.failed
    async with db.conn.execute("SELECT max(seconds) FROM segments WHERE kind = 'moment'") as cur:
        assert (await cur.fetchone())[0] > 5 * 3600


PASSAGE_KINDS = (
    "SELECT s.kind FROM segments_fts f JOIN segments s ON s.id = f.rowid WHERE segments_fts MATCH ?"
)


async def check_indexes(db):
    """Raise unless each full-text index holds exactly its side of the segments."""
    for index in ("segments_fts", "moments_fts"):
        await db.conn.execute(f"INSERT INTO {index}({index}, rank) VALUES ('integrity-check', 1)")  # noqa: S608


async def test_moments_have_their_own_index_and_both_stay_whole(db, tmp_path):
    data = write_green_hour(tmp_path / "data")
    await ingest(db, [data])
    await check_indexes(db)
    # "sugar": a takeaway, a quote and a moment; each index finds its own.
    assert sorted(kind for (kind,) in await rows(db, PASSAGE_KINDS, ("sugar",))) == ["quote", "takeaway"]
    assert await found(db, "sugar") == ["green-13"]
    write(data / "transcripts" / "13.srt", FUNGI_SRT.replace("sugar", "honey"))
    await ingest(db, [data])
    await check_indexes(db)
    assert await found(db, "sugar") == []
    (data / "green-13.txt").unlink()
    (data / "green-13.toml").unlink()
    await ingest(db, [data])
    await check_indexes(db)
    assert await found(db, "honey") == []


async def test_moments_stored_before_their_own_index_move_into_it(tmp_path, monkeypatch):
    def index_all_in_one(writer, texts):  # as the writer did before migration 0009
        writer.conn.executemany("INSERT INTO segments_fts(rowid, text) VALUES (?, ?)", [t[:2] for t in texts])

    path = tmp_path / "kb.db"
    before = [m for m in load_migrations() if m.name < "0009"]
    old = await Database.open(path, migrations=before)
    with monkeypatch.context() as patched:
        patched.setattr(EpisodeWriter, "index", index_all_in_one)
        patched.setattr(bot.ingest.run, "merge_indexes", lambda conn, pages: False)  # no moments_fts yet
        assert (await ingest(old, [write_green_hour(tmp_path / "data")])).ok
    await old.close()
    db = await Database.open(path)
    try:
        await check_indexes(db)
        assert await found(db, "mycorrhizal") == ["green-13"]
        assert await rows(db, PASSAGE_KINDS, ("mycorrhizal",)) == [("takeaway",)]
    finally:
        await db.close()
