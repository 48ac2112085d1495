import json
from pathlib import Path

import pytest

from bot.errors import DataError
from bot.ingest.transcript import read_transcript

PATH = Path("episodes/ep12.json")


def read(document: object, **options):
    return read_transcript(PATH, json.dumps(document).encode(), **options)


def error(document: object) -> DataError:
    with pytest.raises(DataError) as caught:
        read(document)
    return caught.value


def test_podcasting_segments():
    cues = read(
        {
            "version": "1.0.0",
            "segments": [
                {"speaker": "Guest 1", "startTime": 0.5, "endTime": 2.25, "body": "Hello there."},
                {"speaker": "Lex Fridman", "startTime": 2.25, "endTime": 3, "body": "  Hi  "},
            ],
        }
    )
    assert [(c.start, c.end, c.speaker, c.text, c.line) for c in cues] == [
        (0.5, 2.25, "Guest 1", "Hello there.", "segments[0]"),
        (2.25, 3.0, "Lex Fridman", "Hi", "segments[1]"),
    ]


def test_podcasting_one_word_per_segment_without_speakers():
    words = [
        {"startTime": n / 2, "endTime": n / 2 + 0.4, "body": w} for n, w in enumerate(["One", "word", "each"])
    ]
    cues = read({"version": "1.0.0", "segments": words})
    assert [(c.text, c.speaker) for c in cues] == [("One", None), ("word", None), ("each", None)]


def test_whisper_segments_with_optional_speaker():
    cues = read(
        {
            "text": " Hi. Bye.",
            "segments": [
                {"id": 0, "start": 0.0, "end": 1.5, "text": " Hi.", "speaker": "SPEAKER_00"},
                {"id": 1, "start": 1.5, "end": 2.0, "text": " Bye."},
            ],
            "language": "en",
        }
    )
    assert [(c.start, c.end, c.speaker, c.text) for c in cues] == [
        (0.0, 1.5, "SPEAKER_00", "Hi."),
        (1.5, 2.0, None, "Bye."),
    ]


def test_json_cues_are_sorted_and_empty_ones_dropped():
    cues = read(
        {
            "segments": [
                {"start": 5, "end": 6, "text": "later"},
                {"start": 1, "end": 2, "text": " "},
                {"start": 2, "end": 3, "text": "sooner"},
            ]
        }
    )
    assert [c.text for c in cues] == ["sooner", "later"]


def test_numeric_and_clock_strings_are_times():
    cues = read({"segments": [{"startTime": "1.5", "endTime": "0:00:02.5", "body": "x"}]})
    assert (cues[0].start, cues[0].end) == (1.5, 2.5)


def test_an_empty_transcript_has_no_cues():
    assert read({"version": "1.0.0", "segments": []}) == []


@pytest.mark.parametrize(
    ("document", "where", "expected"),
    [
        (
            {"segments": [{"startTime": "soon", "endTime": 1, "body": "x"}]},
            "segments[0].startTime",
            "expected a time in seconds like 754.5, got 'soon'",
        ),
        (
            {
                "segments": [
                    {"startTime": 0, "endTime": 1, "body": "ok"},
                    {"startTime": -1, "endTime": 1, "body": "x"},
                ]
            },
            "segments[1].startTime",
            "expected a time in seconds like 754.5, got -1",
        ),
        (
            {"segments": [{"startTime": True, "endTime": 1, "body": "x"}]},
            "segments[0].startTime",
            "expected a time in seconds like 754.5, got true",
        ),
        (
            {"segments": [{"startTime": 1e300, "endTime": 1, "body": "x"}]},
            "segments[0].startTime",
            "expected a time in seconds like 754.5, got 1e+300",
        ),
        (
            {"segments": [{"startTime": 0, "endTime": 1, "body": 7}]},
            "segments[0].body",
            "expected the spoken text, got 7",
        ),
        (
            {"segments": [{"startTime": 0, "endTime": 1, "body": "x", "speaker": ["a"]}]},
            "segments[0].speaker",
            "expected a speaker's name, got a list of 1 items",
        ),
        ({"segments": [{"endTime": 1, "body": "x"}]}, "segments[0]", "expected `startTime`, got none"),
        (
            {"segments": [{"start": 0, "end": 1, "text": "x"}, "text"]},
            "segments[1]",
            "expected an object with start, end, text, got 'text'",
        ),
        (
            {"segments": [{"id": 1}]},
            "segments[0]",
            "expected a segment with startTime, endTime and body (Podcasting 2.0) or start, end and text "
            "(Whisper), got an object with keys id",
        ),
        ({"segments": "none"}, "segments", "expected a list of segments, got 'none'"),
        (
            {"version": "1.2.0", "chapters": []},
            "$",
            "expected a transcript with `segments`, got a chapters file",
        ),
        ([1, 2], "$", "expected an object with `segments` (a JSON transcript), got a list of 2 items"),
    ],
)
def test_json_errors_name_the_json_path(document, where, expected):
    err = error(document)
    assert (err.path, err.line, err.expected) == (PATH, where, expected)
    assert str(err) == f"{PATH}:{where}: {expected}"


def test_json_syntax_errors_name_the_line():
    with pytest.raises(DataError) as caught:
        read_transcript(PATH, b'{\n "segments": [\n  {"start": 1,,}\n ]\n}')
    assert caught.value.line == 3
    assert caught.value.expected.startswith("expected valid JSON, got expecting property name")


def test_deeply_nested_json_is_an_error_not_a_crash():
    with pytest.raises(DataError) as caught:
        read_transcript(PATH, b"[" * 100_000 + b"]" * 100_000)
    assert caught.value.line == 1


def test_a_segment_ending_before_it_starts_warns():
    warnings: list[str] = []
    cues = read({"segments": [{"start": 3, "end": 2, "text": "x"}]}, warnings=warnings)
    assert (cues[0].start, cues[0].end) == (3.0, 3.0)
    assert warnings == [f"{PATH}:segments[0]: a segment ends before it starts; read as ending at its start"]
