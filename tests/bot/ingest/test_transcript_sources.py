"""Transcripts and chapters found beside episodes or named in metadata, and the metadata keys for them."""

from pathlib import Path

import pytest

from bot.errors import DataError
from bot.ingest.files import SourceFiles, find_sources
from bot.ingest.metadata import parse_meta
from bot.ingest.timed import is_generic_label, label_person
from tests.bot.transcript_files import FUNGI_META, write


def test_transcript_and_chapters_pair_with_the_episode_by_stem(tmp_path):
    meta = write(tmp_path / "ep.toml", 'title = "T"\n')
    vtt = write(tmp_path / "ep.vtt", "WEBVTT\n")
    chapters = write(tmp_path / "ep.chapters.json", "{}")
    write(tmp_path / "other" / "ep.srt", "")
    (found, alone) = find_sources([tmp_path])
    assert found == SourceFiles("ep", None, meta, transcript=vtt, chapters=chapters)
    assert alone.page is None
    assert alone.meta is None


def test_several_transcripts_with_one_stem_read_one_and_name_the_rest(tmp_path):
    page = write(tmp_path / "ep.txt", "T\n")
    srt = write(tmp_path / "ep.srt", "")
    vtt = write(tmp_path / "ep.vtt", "")
    json = write(tmp_path / "ep.json", "")
    (found,) = find_sources([tmp_path])
    assert (found.page, found.transcript, found.others) == (page, vtt, (srt, json))


def test_a_page_given_by_name_brings_its_metadata_and_transcript(tmp_path):
    page = write(tmp_path / "ep.txt", "T\n")
    meta = write(tmp_path / "ep.toml", "")
    vtt = write(tmp_path / "ep.vtt", "")
    write(tmp_path / "ep2.vtt", "")
    assert find_sources([page]) == [SourceFiles("ep", page, meta, transcript=vtt)]


def test_hidden_and_unrelated_files_are_not_transcripts(tmp_path):
    write(tmp_path / "ep.txt", "T\n")
    write(tmp_path / ".ep.vtt", "")
    write(tmp_path / "ep.vtt~", "")
    write(tmp_path / "ep.md", "")
    (found,) = find_sources([tmp_path])
    assert found.transcript is None
    assert found.others == ()


def test_metadata_names_a_transcript_maps_speakers_and_lists_chapters():
    fields = parse_meta(FUNGI_META, Path("ep.toml"))
    assert fields["transcript"] == "transcripts/13.srt"
    assert fields["speakers"] == (("SPEAKER_00", "Dana Whitfield"),)
    assert fields["chapters"] == ((0, "Introductions"), (720, "Under the forest floor"))


@pytest.mark.parametrize(
    ("text", "line", "expected"),
    [
        ('transcript = 12\n', 1, "expected a non-empty string for `transcript`, got 12"),
        ('speakers = "x"\n', 1, 'expected a [speakers] table of "label" = "name", got \'x\''),
        ('[speakers]\n"Guest 1" = ""\n', 2, "expected a non-empty string for `Guest 1`, got ''"),
        ('[[chapters]]\ntime = "0:00"\n', 1, "expected the chapter's title, got none"),
        ('[[chapters]]\ntime = "1:7"\ntitle = "x"\n', 2, "expected seconds up to 999,999,999 or a time"),
        ('[[chapters]]\ntime = 0\ntitle = "x"\nat = 3\n', 4, "expected one of time, title, got 'at'"),
        ('[[chapters]]\ntime = 90\ntitle = "b"\n[[chapters]]\ntime = 10\ntitle = "a"\n', 4,
         "expected chapters in time order, got one starting earlier"),
    ],
)  # fmt: skip
def test_bad_transcript_keys_name_their_line(text, line, expected):
    with pytest.raises(DataError) as caught:
        parse_meta(text, Path("ep.toml"))
    assert caught.value.line == line
    assert caught.value.expected.startswith(expected)


@pytest.mark.parametrize(
    ("label", "generic"),
    [("SPEAKER_01", True), ("Guest 1", True), ("speaker 2", True), ("Speaker A", True), ("Unknown", True),
     ("S1", True), ("Nathan Lambert", False), ("Dana", False), ("Host of the show", False)],
)  # fmt: skip
def test_machine_labels_are_told_from_names(label, generic):
    assert is_generic_label(label) is generic


def test_a_label_becomes_one_of_the_episodes_people_by_name_or_alias_and_never_by_guess():
    people = {"lex": "Lex Fridman", "lex fridman": "Lex Fridman"}
    assert label_person("LEX", people) == "Lex Fridman"
    assert label_person("Lex Fridman", people) == "Lex Fridman"
    assert label_person("Nathan Lambert", people) == "Nathan Lambert"
    assert label_person("Guest 2", people) is None
    assert label_person("", people) is None
