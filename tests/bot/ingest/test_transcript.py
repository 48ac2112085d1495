from pathlib import Path

import pytest

from bot.errors import DataError
from bot.ingest.transcript import read_transcript
from bot.model import Cue

VTT = Path("episodes/ep12.vtt")
SRT = Path("episodes/ep12.srt")


def vtt(*lines: str) -> bytes:
    return "\n".join(["WEBVTT", "", *lines]).encode()


def srt(*lines: str) -> bytes:
    return "\n".join(lines).encode()


def read(data: bytes, path: Path = VTT, **options) -> list[Cue]:
    return read_transcript(path, data, **options)


def texts(cues: list[Cue]) -> list[tuple[float, float, str]]:
    return [(c.start, c.end, c.text) for c in cues]


def error(data: bytes, path: Path = VTT) -> DataError:
    with pytest.raises(DataError) as caught:
        read(data, path)
    return caught.value


# WebVTT


def test_vtt_cue_timings_with_and_without_hours():
    cues = read(vtt("00:01:02.500 --> 00:01:04.250", "Hello.", "", "01:05.000 --> 01:06.125", "Again."))
    assert texts(cues) == [(62.5, 64.25, "Hello."), (65.0, 66.125, "Again.")]


def test_vtt_hours_beyond_two_digits_and_short_fractions():
    cues = read(vtt("100:00:00.5 --> 100:00:01.25", "Late."))
    assert texts(cues) == [(360000.5, 360001.25, "Late.")]


def test_vtt_line_is_the_timing_line_after_an_identifier():
    cues = read(
        vtt(
            "NOTE a comment",
            "",
            "intro",
            "00:00:01.000 --> 00:00:02.000",
            "Hi.",
            "",
            "00:00:03.000 --> 00:00:04.000",
            "Yo.",
        )
    )
    assert [c.line for c in cues] == [6, 9]


def test_vtt_note_style_and_region_blocks_are_skipped():
    cues = read(
        vtt(
            "NOTE",
            "a note on",
            "two lines",
            "",
            "STYLE",
            "::cue { color: yellow }",
            "",
            "REGION",
            "id:fred width:40%",
            "",
            "00:00:01.000 --> 00:00:02.000",
            "Only this.",
        )
    )
    assert texts(cues) == [(1.0, 2.0, "Only this.")]


def test_vtt_header_metadata_lines_are_skipped():
    data = b"WEBVTT - a title\nKind: captions\nLanguage: en\n\n00:00:01.000 --> 00:00:02.000\nText.\n"
    assert texts(read(data)) == [(1.0, 2.0, "Text.")]


def test_vtt_cue_settings_are_ignored():
    cues = read(vtt("00:00:01.000 --> 00:00:02.000 align:start position:10% line:0", "Set."))
    assert texts(cues) == [(1.0, 2.0, "Set.")]


def test_vtt_inline_tags_and_karaoke_timestamps_are_stripped():
    cues = read(
        vtt(
            "00:00:01.000 --> 00:00:05.000",
            "<i>So</i> <b>we</b> <c.yellow.bg_blue>said</c> <00:00:02.000><c>it</c>",
        )
    )
    assert [c.text for c in cues] == ["So we said it"]


def test_vtt_entities_are_unescaped():
    cues = read(vtt("00:00:01.000 --> 00:00:02.000", "Rock &amp; roll &lt;3&nbsp;times"))
    assert [c.text for c in cues] == ["Rock & roll <3 times"]


def test_vtt_multi_line_cues_are_joined_with_spaces():
    cues = read(vtt("00:00:01.000 --> 00:00:02.000", "first line", "  second   line "))
    assert [c.text for c in cues] == ["first line second line"]


def test_vtt_voice_spans_give_the_speaker():
    cues = read(
        vtt(
            "00:00:01.000 --> 00:00:02.000",
            "<v Nathan Lambert>Scaling works.</v>",
            "",
            "00:00:02.000 --> 00:00:03.000",
            "<v.loud Lex Fridman>Does it?",
        )
    )
    assert [(c.speaker, c.text) for c in cues] == [
        ("Nathan Lambert", "Scaling works."),
        ("Lex Fridman", "Does it?"),
    ]


def test_a_label_applies_until_the_next_label():
    cues = read(
        vtt(
            "00:00:01.000 --> 00:00:02.000",
            "[Dana Whitfield]: First.",
            "",
            "00:00:02.000 --> 00:00:03.000",
            "Still Dana.",
            "",
            "00:00:03.000 --> 00:00:04.000",
            "SPEAKER_01: Someone else.",
            "",
            "00:00:04.000 --> 00:00:05.000",
            "Still them.",
        )
    )
    assert [(c.speaker, c.text) for c in cues] == [
        ("Dana Whitfield", "First."),
        ("Dana Whitfield", "Still Dana."),
        ("SPEAKER_01", "Someone else."),
        ("SPEAKER_01", "Still them."),
    ]


def test_a_transcript_without_labels_has_no_speakers():
    cues = read(vtt("00:00:01.000 --> 00:00:02.000", "Plain words."))
    assert [c.speaker for c in cues] == [None]


def test_a_bare_chevron_marks_an_unnamed_new_speaker():
    cues = read(
        vtt(
            "00:00:01.000 --> 00:00:02.000",
            "Nathan Lambert: Hi.",
            "",
            "00:00:02.000 --> 00:00:03.000",
            ">> Who is this?",
            "",
            "00:00:03.000 --> 00:00:04.000",
            "&gt;&gt; Lex Fridman: Me.",
        )
    )
    assert [(c.speaker, c.turn, c.text) for c in cues] == [
        ("Nathan Lambert", False, "Hi."),
        (None, True, "Who is this?"),
        ("Lex Fridman", False, "Me."),
    ]


def test_a_label_on_a_later_line_splits_the_cue_at_its_share_of_the_time():
    cues = read(
        vtt("00:00:10.000 --> 00:00:20.000", "Ann Lee: One two three four.", "Bo Chen: Five six seven.")
    )
    assert [(c.speaker, c.text) for c in cues] == [
        ("Ann Lee", "One two three four."),
        ("Bo Chen", "Five six seven."),
    ]
    assert cues[0].start == 10.0
    assert 10.0 < cues[1].start < 20.0
    assert cues[1].end == 20.0


@pytest.mark.parametrize(
    ("line", "speaker", "text"),
    [
        ("Nathan Lambert: Yes.", "Nathan Lambert", "Yes."),
        ("Zoë Ångström-Okafor: Ja.", "Zoë Ångström-Okafor", "Ja."),
        ("Seán O'Neill: Aye.", "Seán O'Neill", "Aye."),
        ("Ludwig van Beethoven: Da.", "Ludwig van Beethoven", "Da."),
        ("[Dana Whitfield]: Sure.", "Dana Whitfield", "Sure."),
        ("[dana]:  Sure.", "dana", "Sure."),
        ("SPEAKER_01: Ok.", "SPEAKER_01", "Ok."),
        ("Speaker 2: Ok.", "Speaker 2", "Ok."),
        ("Guest 1: Ok.", "Guest 1", "Ok."),
        ("Speaker A: Ok.", "Speaker A", "Ok."),
        ("Note: this is not a speaker.", None, "Note: this is not a speaker."),
        ("So Lex: what now?", None, "So Lex: what now?"),
        ("The Point: it is text.", None, "The Point: it is text."),
        ("the answer: lower case.", None, "the answer: lower case."),
        ("Remember: one word.", None, "Remember: one word."),
        ("Lex: one word, used once.", None, "Lex: one word, used once."),
        ("Speakers: Ann and Bo.", None, "Speakers: Ann and Bo."),
        ("At 10:30 we met.", None, "At 10:30 we met."),
        ("See https://example.com now.", None, "See https://example.com now."),
        ("A Very Long Name Of Five Words: no.", None, "A Very Long Name Of Five Words: no."),
        ("[Music]", None, "[Music]"),
    ],
)
def test_leading_label_rule(line, speaker, text):
    cues = read(vtt("00:00:01.000 --> 00:00:02.000", line))
    assert [(c.speaker, c.text) for c in cues] == [(speaker, text)]


def test_a_one_word_label_counts_when_it_starts_three_lines():
    lines = []
    for n, who in enumerate(["Lex", "Nathan", "Lex", "Nathan", "Lex", "Nathan"]):
        lines += [f"00:00:0{n}.000 --> 00:00:0{n}.900", f"{who}: turn {n}.", ""]
    lines += ["00:00:07.000 --> 00:00:08.000", "Note: not a name."]
    cues = read(vtt(*lines))
    assert [c.speaker for c in cues] == ["Lex", "Nathan", "Lex", "Nathan", "Lex", "Nathan", "Nathan"]
    assert cues[-1].text == "Note: not a name."


def test_cues_out_of_order_are_sorted_and_overlaps_kept():
    cues = read(
        vtt(
            "00:00:05.000 --> 00:00:09.000",
            "Second.",
            "",
            "00:00:01.000 --> 00:00:06.000",
            "First, overlapping.",
            "",
            "00:00:05.000 --> 00:00:07.000",
            "Same start, later in the file.",
        )
    )
    assert [c.text for c in cues] == ["First, overlapping.", "Second.", "Same start, later in the file."]


def test_empty_cues_are_dropped():
    cues = read(
        vtt(
            "00:00:01.000 --> 00:00:02.000",
            "",
            "00:00:02.000 --> 00:00:03.000",
            "<i> </i>",
            "",
            "00:00:03.000 --> 00:00:04.000",
            "Kept.",
        )
    )
    assert [c.text for c in cues] == ["Kept."]


def test_a_timing_line_without_a_blank_line_before_it_starts_a_cue():
    cues = read(vtt("00:00:01.000 --> 00:00:02.000", "One.", "00:00:02.000 --> 00:00:03.000", "Two."))
    assert [(c.text, c.line) for c in cues] == [("One.", 3), ("Two.", 5)]


@pytest.mark.parametrize(
    "data",
    [
        b"\xef\xbb\xbfWEBVTT\r\n\r\n00:00:01.000 --> 00:00:02.000\r\nBOM and CRLF.\r\n",
        b"WEBVTT\r\r00:00:01.000 --> 00:00:02.000\rBOM and CRLF.\r",
        b"WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nBOM and CRLF.",
        b"WEBVTT\n  \n00:00:01.000 --> 00:00:02.000\nBOM and CRLF.\n \t\n",
    ],
)
def test_bom_line_ends_and_blank_lines_of_spaces(data):
    cues = read(data)
    assert [c.text for c in cues] == ["BOM and CRLF."]
    assert cues[0].line == 3


def test_a_cue_that_ends_before_it_starts_is_kept_with_a_warning():
    warnings: list[str] = []
    cues = read(vtt("00:00:05.000 --> 00:00:04.000", "Backwards."), warnings=warnings)
    assert texts(cues) == [(5.0, 5.0, "Backwards.")]
    assert warnings == [f"{VTT}:3: a cue ends before it starts; read as ending at its start"]


def test_a_cue_past_the_episodes_end_is_a_warning():
    warnings: list[str] = []
    data = vtt(
        "00:00:01.000 --> 00:00:02.000",
        "In.",
        "",
        "01:00:01.000 --> 01:00:02.000",
        "Out.",
        "",
        "01:00:03.000 --> 01:00:04.000",
        "Out too.",
    )
    cues = read(data, duration=3600, warnings=warnings)
    assert len(cues) == 3
    assert warnings == [
        f"{VTT}:6: a cue starts at 1:00:01, after the episode's end at 1:00:00 "
        "(wrong duration or transcript of another episode?)"
    ]


# WebVTT errors


def test_a_broken_timing_names_its_line():
    data = vtt("00:12:33.000 --> 00:12:34.000", "Fine.", "", "00:12:34.000 -> 00:12", "Broken.")
    assert str(error(data)) == (
        f"{VTT}:6: expected a cue timing like 00:12:34.000 --> 00:12:38.500, got '00:12:34.000 -> 00:12'"
    )


def test_a_broken_timing_after_an_identifier_names_the_timing_line():
    err = error(vtt("cue-7", "00:00:01,000 --> x", "text"))
    assert (err.line, err.expected) == (
        4,
        "expected a cue timing like 00:12:34.000 --> 00:12:38.500, got '00:00:01,000 --> x'",
    )


def test_out_of_range_fields_are_named():
    err = error(vtt("00:00.000 --> 00:61.000", "x"))
    assert err.line == 3
    assert "(minutes and seconds below 60)" in err.expected


def test_text_after_a_blank_line_inside_a_cue_is_an_error():
    err = error(vtt("00:00:01.000 --> 00:00:02.000", "One.", "", "stray words"))
    assert (err.line, err.expected) == (
        6,
        "expected a cue timing like 00:12:34.000 --> 00:12:38.500, got 'stray words'",
    )


@pytest.mark.parametrize(
    ("data", "line", "expected"),
    [
        (b"", 1, "expected the header line WEBVTT, got an empty line"),
        (b"1\n00:00:01,000 --> 00:00:02,000\nSRT inside\n", 1, "expected the header line WEBVTT, got '1'"),
        (b"WEBVTTX\n", 1, "expected the header line WEBVTT, got 'WEBVTTX'"),
        (b"WEBVTT\n\n\xff\n", 3, "expected UTF-8 text, got byte 0xff"),
        (b"WEBVTT\n\nabc\x00\n", 3, "expected a text transcript, got a NUL byte (binary file?)"),
    ],
)
def test_files_that_are_not_webvtt(data, line, expected):
    err = error(data)
    assert (err.path, err.line, err.expected) == (VTT, line, expected)


# SubRip


def test_srt_comma_decimals_numbers_and_multi_line_cues():
    data = srt(
        "1",
        "00:00:01,000 --> 00:00:02,500",
        "Nathan Lambert: two",
        "lines",
        "",
        "2",
        "00:00:03,000 --> 00:00:04,000",
        "next",
    )
    cues = read(data, SRT)
    assert [(c.start, c.end, c.speaker, c.text, c.line) for c in cues] == [
        (1.0, 2.5, "Nathan Lambert", "two lines", 2),
        (3.0, 4.0, "Nathan Lambert", "next", 7),
    ]


def test_srt_missing_and_wrong_numbers_are_fine():
    data = srt(
        "00:00:01,000 --> 00:00:02,000",
        "no number",
        "",
        "7",
        "00:00:02,000 --> 00:00:03,000",
        "wrong number",
        "",
        "3.",
        "00:00:03,000 --> 00:00:04,000",
        "odd number",
    )
    assert [c.text for c in read(data, SRT)] == ["no number", "wrong number", "odd number"]


def test_srt_cue_without_blank_line_before_the_next_number():
    data = srt("1", "00:00:01,000 --> 00:00:02,000", "one", "2", "00:00:02,000 --> 00:00:03,000", "two")
    cues = read(data, SRT)
    assert [(c.text, c.line) for c in cues] == [("one", 2), ("two", 5)]


def test_srt_formatting_tags_are_stripped():
    data = srt("1", "00:00:01,000 --> 00:00:02,000", '<font color="#fff"><i>styled</i></font> {\\an8}text')
    assert [c.text for c in read(data, SRT)] == ["styled {\\an8}text"]


def test_srt_broken_timing_names_its_line():
    err = error(
        srt("1", "00:00:01,000 --> 00:00:02,000", "ok", "", "2", "00:00:02,000 -> 00:00:03,000", "x"), SRT
    )
    assert err.line == 6
    assert err.expected == (
        "expected a cue timing like 00:12:34,000 --> 00:12:38,500, got '00:00:02,000 -> 00:00:03,000'"
    )


def test_srt_stray_text_is_an_error():
    err = error(srt("1", "00:00:01,000 --> 00:00:02,000", "ok", "", "where am I"), SRT)
    assert (err.line, err.expected) == (
        5,
        "expected a cue timing like 00:12:34,000 --> 00:12:38,500, got 'where am I'",
    )


# Formats


def test_an_unknown_suffix_is_read_by_its_content():
    assert [c.text for c in read(vtt("00:00:01.000 --> 00:00:02.000", "vtt"), Path("t.txt"))] == ["vtt"]
    assert [c.text for c in read(srt("1", "00:00:01,000 --> 00:00:02,000", "srt"), Path("t.sub"))] == ["srt"]
    assert [c.text for c in read(b'{"segments": [{"start": 1, "end": 2, "text": "j"}]}', Path("t"))] == ["j"]


def test_a_file_in_no_known_format_is_an_error():
    err = error(b"Just some prose.\nNothing timed.\n", Path("ep12.txt"))
    assert (err.line, err.expected) == (
        1,
        "expected a WebVTT, SubRip or JSON transcript, got 'Just some prose.'",
    )


def test_the_suffix_decides_before_the_content():
    err = error(vtt("00:00:01.000 --> 00:00:02.000", "vtt"), Path("ep12.srt"))
    assert err.line == 1


def test_lines_of_spaces_keep_the_line_numbers():
    data = b"WEBVTT\n   \n \n00:00:01.000 --> 00:00:02.000\nOne.\n \t \n00:00:03.000 -> x\n"
    cues_error = error(data)
    assert (cues_error.line, cues_error.expected.endswith("got '00:00:03.000 -> x'")) == (7, True)
    assert [c.line for c in read(data.replace(b"-> x", b"--> 00:00:04.000\nTwo."))] == [4, 7]
