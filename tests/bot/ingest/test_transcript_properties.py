"""Properties of the transcript readers: agreement with webvtt-py and srt, and no crash on any input."""

import re
from pathlib import Path

import srt
import webvtt
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.errors import DataError
from bot.ingest.page import split_lines
from bot.ingest.transcript import read_transcript

WORDS = st.sampled_from(
    ["so", "we", "said", "it", "Ann", "model", "data,", "yes.", "why?", "l'été", "naïve", "42"]
)
TAGS = st.sampled_from(["{}", "<i>{}</i>", "<b>{}</b>", "<c.yellow>{}</c>", "<u>{}</u>"])
LINE = st.lists(st.tuples(TAGS, WORDS).map(lambda pair: pair[0].format(pair[1])), min_size=1, max_size=6).map(
    " ".join
)
CUE = st.tuples(
    st.integers(0, 20_000_000),  # start, milliseconds
    st.integers(0, 60_000),  # duration
    st.lists(LINE, min_size=1, max_size=3),
)
FAST = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def clock(millis: int, comma: bool = False) -> str:
    hours, rest = divmod(millis, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    text = f"{hours:02d}:{minutes:02d}:{rest // 1000:02d}.{rest % 1000:03d}"
    return text.replace(".", ",") if comma else text


def exact(whole_seconds: int, timestamp: str) -> float:
    return (whole_seconds * 1000 + int(timestamp[-3:])) / 1000


def plain(text: str) -> str:
    return " ".join(re.sub(r"<[^<>]*>", "", text).split())


def ordered(cues):
    return sorted(cues, key=lambda c: c[0])


@FAST
@given(st.lists(CUE, max_size=12), st.booleans(), st.booleans(), st.sampled_from(["\n", "\r\n"]))
def test_webvtt_reader_agrees_with_webvtt_py(cues, identifiers, notes, newline):
    blocks = ["WEBVTT"]
    for n, (start, length, lines) in enumerate(cues):
        if notes and n % 3 == 0:
            blocks.append("NOTE a comment\nover two lines")
        ident = [f"cue-{n}"] if identifiers else []
        blocks.append("\n".join([*ident, f"{clock(start)} --> {clock(start + length)} align:start", *lines]))
    text = newline.join("\n\n".join(blocks).split("\n")) + newline
    ours = [(c.start, c.end, c.text) for c in read_transcript(Path("t.vtt"), text.encode())]
    library = [
        (exact(c.start_in_seconds, c.start), exact(c.end_in_seconds, c.end), plain(c.text))
        for c in webvtt.from_string(text).captions
    ]
    assert ours == ordered([cue for cue in library if cue[2]])


@FAST
@given(st.lists(CUE, max_size=12), st.sampled_from(["\n", "\r\n"]))
def test_subrip_reader_agrees_with_srt(cues, newline):
    blocks = [
        "\n".join([str(n + 1), f"{clock(start, True)} --> {clock(start + length, True)}", *lines])
        for n, (start, length, lines) in enumerate(cues)
    ]
    text = newline.join("\n\n".join(blocks).split("\n")) + newline
    ours = [(c.start, c.end, c.text) for c in read_transcript(Path("t.srt"), text.encode())]
    library = [(s.start.total_seconds(), s.end.total_seconds(), plain(s.content)) for s in srt.parse(text)]
    assert ours == ordered([cue for cue in library if cue[2]])


VALID_VTT = (
    "WEBVTT\n\nNOTE x\n\n1\n00:00:01.000 --> 00:00:02.000\n<v Ann>Hello <i>there</i>.\n\n"
    "00:02.000 --> 00:03.000 align:start\nNathan Lambert: Yes.\n>> and more\n\n"
)
VALID_SRT = "1\n00:00:01,000 --> 00:00:02,000\n[Ann]: Hello.\n\n2\n00:00:02,000 --> 00:00:03,000\nYes.\n"
JUNK = st.sampled_from(
    ["", "\n", "\n\n", "-->", " --> ", "00:", "00:00:01.000", ",000", ".5", "<v", "<v Ann>", ">>", "[A]:",
     "Name:", "NOTE", "WEBVTT", "\r", "\ufeff", "\x00", "é", "<", "&amp", "1\n", "99:99", "\t", "{", "}"]
)  # fmt: skip


def check(path: Path, data: bytes) -> None:
    """Assert the reader returns cues or raises DataError naming a line of the file (or a JSON path)."""
    lines = split_lines(data.decode("utf-8", "replace"))
    try:
        cues = read_transcript(path, data)
    except DataError as err:
        failed = err
    else:
        assert all(cue.text and cue.text == " ".join(cue.text.split()) for cue in cues)
        assert all(0 <= cue.start <= cue.end for cue in cues)
        assert [cue.start for cue in cues] == sorted(cue.start for cue in cues)
        assert all(isinstance(cue.line, str) or 1 <= cue.line <= len(lines) for cue in cues)
        return
    assert failed.path == path
    assert len(str(failed).splitlines()) == 1
    if isinstance(failed.line, int):
        assert 1 <= failed.line <= len(lines)
    else:
        assert failed.line == "$" or failed.line.startswith("segments")


@settings(max_examples=400, deadline=None)
@given(st.sampled_from([("t.vtt", VALID_VTT), ("t.srt", VALID_SRT)]), st.data())
def test_mutated_files_give_cues_or_a_data_error_naming_a_line(example, data):
    name, text = example
    for _ in range(data.draw(st.integers(1, 4))):
        at = data.draw(st.integers(0, len(text)))
        cut = data.draw(st.integers(0, 3))
        text = text[:at] + data.draw(JUNK) + text[at + cut :]
    check(Path(name), text.encode("utf-8", "surrogatepass"))


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(["t.vtt", "t.srt", "t.json", "t.txt"]), st.binary(max_size=300))
def test_arbitrary_bytes_give_cues_or_a_data_error(name, data):
    check(Path(name), data)


@settings(max_examples=200, deadline=None)
@given(
    st.sampled_from(["t.vtt", "t.srt"]),
    st.text(alphabet=st.sampled_from("0123456789:.,-> \n\tWEBVTabc<v>[]&"), max_size=300),
)
def test_timing_shaped_text_gives_cues_or_a_data_error(name, text):
    check(Path(name), text.encode())


LONG_LINES = ["x", "1", " ", "-", "<", ":", "0:", "<v ", "[", "&", ">>", "Ab ", "00:00:01.000 -"]


def test_long_lines_are_read_in_linear_time():
    """Read 200 KB lines of junk in blocks and in cue text: a quadratic scan would time the test out."""
    for junk in LONG_LINES:
        line = (junk * (200_000 // len(junk)))[:200_000]
        for name, head in (("t.vtt", "WEBVTT\n\n"), ("t.srt", "")):
            cue = "00:00:01,000 --> 00:00:02,000\n" if name == "t.srt" else "00:00:01.000 --> 00:00:02.000\n"
            check(Path(name), f"{head}{cue}ok\n\n{line}\n\n{cue}ok\n".encode())
            check(Path(name), f"{head}{cue}{line}\n{line}\n".encode())
