import json
from pathlib import Path

import pytest

from bot.errors import DataError
from bot.ingest.chapters import description_chapters, read_chapters
from bot.model import Chapter

PATH = Path("episodes/ep12.chapters.json")


def chapters_file(*chapters: dict) -> bytes:
    return json.dumps({"version": "1.2.0", "chapters": list(chapters)}).encode()


# Podcasting 2.0 chapters JSON


def test_chapters_in_order_without_toc_false():
    data = chapters_file(
        {"startTime": 754.5, "title": "Scaling laws", "img": "https://x/i.png"},
        {"startTime": 0, "title": " Intro "},
        {"startTime": 300, "title": "Silent ad", "toc": False},
        {"startTime": 900, "title": "Shown", "toc": True},
    )
    assert read_chapters(PATH, data) == [
        Chapter(0.0, "Intro"),
        Chapter(754.5, "Scaling laws"),
        Chapter(900.0, "Shown"),
    ]


def test_a_chapter_without_a_title_gets_its_number():
    data = chapters_file({"startTime": 0, "title": "Intro"}, {"startTime": 60})
    assert read_chapters(PATH, data) == [Chapter(0.0, "Intro"), Chapter(60.0, "Chapter 2")]


def test_a_chapter_past_the_end_warns():
    warnings: list[str] = []
    read_chapters(
        PATH,
        chapters_file({"startTime": 0, "title": "a"}, {"startTime": 4000, "title": "b"}),
        duration=3600,
        warnings=warnings,
    )
    assert warnings == [
        f"{PATH}:chapters[1]: the chapter starts at 1:06:40, after the episode's end at 1:00:00"
    ]


@pytest.mark.parametrize(
    ("data", "where", "expected"),
    [
        (
            chapters_file({"startTime": "x", "title": "a"}),
            "chapters[0].startTime",
            "expected a time in seconds like 754.5, got 'x'",
        ),
        (chapters_file({"title": "a"}), "chapters[0]", "expected `startTime`, got none"),
        (chapters_file({"startTime": 1, "title": 5}), "chapters[0].title", "expected a title, got 5"),
        (chapters_file("Intro"), "chapters[0]", "expected an object with startTime and title, got 'Intro'"),
        (
            json.dumps({"segments": []}).encode(),
            "$",
            "expected an object with a `chapters` list, got a transcript",
        ),
        (b"[]", "$", "expected an object with a `chapters` list, got a list of 0 items"),
    ],
)
def test_chapter_file_errors(data, where, expected):
    with pytest.raises(DataError) as caught:
        read_chapters(PATH, data)
    assert (caught.value.line, caught.value.expected) == (where, expected)


def test_chapter_file_syntax_error_names_the_line():
    with pytest.raises(DataError) as caught:
        read_chapters(PATH, b'{"chapters": [\n{"startTime": 0 "title": "x"}]}')
    assert caught.value.line == 2


# Chapter lines in a description


def test_youtube_style_lines():
    text = (
        "Our guest explains it all.\n\n"
        "00:00 Intro\n12:34 - Scaling laws\n(1:02:03) The future\n1:30:00 – Wrap-up"
    )
    assert description_chapters(text) == [
        Chapter(0.0, "Intro"),
        Chapter(754.0, "Scaling laws"),
        Chapter(3723.0, "The future"),
        Chapter(5400.0, "Wrap-up"),
    ]


@pytest.mark.parametrize(
    "lines",
    [
        ["0:00 Intro", "5:00 | Middle", "10:00: End"],
        ["[0:00] Intro", "[5:00] Middle", "[10:00] End"],
        ["- 0:00:00 Intro", "- 0:05:00 Middle", "- 0:10:00 End"],
        ["0:00 Intro", "Some words between.", "5:00 Middle", "", "10:00 End"],
    ],
)
def test_other_ways_of_writing_chapter_lines(lines):
    assert [c.start for c in description_chapters("\n".join(lines))] == [0.0, 300.0, 600.0]


@pytest.mark.parametrize(
    "text",
    [
        "We met at 0:00, talked at 12:34 and left at 1:02:03.",
        "0:00 Intro\n5:00 Only two",
        "1:00 Starts late\n5:00 Middle\n10:00 End",
        "Recorded 10:30 - 11:45 on Monday\nDoors 9:00\nEnd 12:00",
        "10:30 - 11:45 panel\n12:00 - 13:00 lunch\n14:00 - 15:00 talks",
        "0:00 Intro\n5:00 Middle\n3:00 Back in time",
        "0:00 Intro\n5:00 Middle\n5:00 Same time",
        "0:00 Intro\n0:75 Bad seconds\n1:00 Only two good ones",
        "0:00 123\n5:00 456\n10:00 789",
        "(0:00 Intro\n(5:00 Middle\n(10:00 End",
    ],
)
def test_no_false_chapters(text):
    assert description_chapters(text) == []


def test_a_second_list_after_a_complete_one_is_ignored():
    text = "0:00 A\n1:00 B\n2:00 C\n\nTimestamps from last week:\n0:00 X\n3:00 Y"
    assert [c.title for c in description_chapters(text)] == ["A", "B", "C"]


def test_a_list_may_restart_at_zero_before_it_is_complete():
    text = "0:00 draft\n0:00 Intro\n1:00 B\n2:00 C"
    assert [c.title for c in description_chapters(text)] == ["Intro", "B", "C"]
