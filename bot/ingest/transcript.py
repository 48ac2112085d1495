"""Read a transcript file (WebVTT, SubRip, Podcasting 2.0 JSON or Whisper JSON) into cues.

The readers are bot/ingest/subtitles.py (WebVTT, SubRip) and bot/ingest/transcript_json.py.
"""

from __future__ import annotations

import itertools
import operator
import re
from collections.abc import Iterator
from pathlib import Path

from bot.errors import DataError
from bot.ingest.page import split_lines
from bot.ingest.subtitles import read_srt, read_vtt, shown
from bot.ingest.transcript_json import read_json_transcript, seconds_text
from bot.model import Cue

SUFFIXES = (".vtt", ".srt", ".json")
_START = operator.itemgetter(0)  # a cue's start
_SRT_START = re.compile(
    r"(?:[ \t]*[0-9]+[ \t]*\n)?[ \t]*(?:[0-9]+:)?[0-9]{1,2}:[0-9]{1,2}[.,][0-9]+[ \t]*-->"
)


def read_transcript(
    path: Path | str, data: bytes, *, duration: float | None = None, warnings: list[str] | None = None
) -> list[Cue]:
    """Return the cues of a transcript in order of start; raise DataError naming the line or JSON path.

    The format comes from the suffix (`.vtt`, `.srt`, `.json`; JSON kinds from their keys), or for
    another suffix from the content. Odd but usable input is reported as `path:line: message` lines
    appended to `warnings`: a cue that ends before it starts (read as ending at its start) and, when
    the episode's `duration` in seconds is known, a cue past it.
    """
    path = Path(path)
    text = decode_text(data, path)
    kind = _kind(path, text)
    if kind == "json":
        cues = read_json_transcript(path, text, warnings)
    else:
        cues = (read_vtt if kind == "vtt" else read_srt)(path, text, warnings)
    cues = _in_order(cues)
    if duration is not None and warnings is not None:
        warnings.extend(past_end(path, cues, duration))
    return cues


def decode_text(data: bytes, path: Path) -> str:
    """Return UTF-8 text without a BOM and with `\\n` line ends; raise DataError at a bad byte or NUL."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as err:
        line = len(split_lines(data[: err.start].decode("utf-8")))
        raise DataError(path, line, f"expected UTF-8 text, got byte 0x{data[err.start]:02x}") from None
    text = text.removeprefix("\ufeff")
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if "\x00" in text:
        at = text.index("\x00")
        raise DataError(path, _line_of(text, at), "expected a text transcript, got a NUL byte (binary file?)")
    return text


def past_end(path: Path, cues: list[Cue], duration: float) -> Iterator[str]:
    """Yield a warning for the first cue that starts after the episode's end (one is enough)."""
    for cue in cues:
        if cue.start > duration:
            yield (
                f"{path}:{cue.line}: a cue starts at {seconds_text(cue.start)}, after the episode's end "
                f"at {seconds_text(duration)} (wrong duration or transcript of another episode?)"
            )
            return


def _kind(path: Path, text: str) -> str:
    suffix = path.suffix.lower()
    if suffix in SUFFIXES:
        return suffix[1:]
    head = text.lstrip()
    if head.startswith("WEBVTT"):
        return "vtt"
    if head.startswith(("{", "[")):
        return "json"
    if _SRT_START.match(head):
        return "srt"
    first = head.split("\n", 1)[0]
    raise DataError(path, 1, f"expected a WebVTT, SubRip or JSON transcript, got {shown(first)}")


def _in_order(cues: list[Cue]) -> list[Cue]:
    """Return the cues sorted by start (stable: equal starts keep the file's order)."""
    starts = list(map(_START, cues))  # map, itemgetter and operator.le keep the check in C
    if all(map(operator.le, starts, itertools.islice(starts, 1, None))):
        return cues
    return sorted(cues, key=_START)


def _line_of(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1
