"""Read WebVTT and SubRip cues fast: one regular expression over the whole file, Python per cue only.

webvtt-py and srt read about 7,000 and 15,000 cues/s on the benchmark's archive, and ingest needs
40,000 for everything (README "Transcripts and chapters"), so the cue blocks are matched here.
The tests check that both readers agree with the libraries on the files the libraries accept.
A file whose blocks do not all match is read again block by block to name the first bad line.
"""

from __future__ import annotations

import re
from pathlib import Path

from bot.errors import DataError
from bot.ingest.cuetext import SingleWordLabels, cue_parts, labelled_cue, voice_cue
from bot.ingest.page import shorten
from bot.model import Cue

# Hours, minutes, seconds, fraction: minutes and seconds below 60, as both formats require.
_TS = r"(?:([0-9]{1,5}):)?([0-5]?[0-9]):([0-5]?[0-9])(?:[.,]([0-9]{1,3}))?"
_TIMING = rf"[ \t]*{_TS}[ \t]*-->[ \t]*{_TS}(?:[ \t][^\n]*)?(?=\n|\Z)"
# Groups: the whole block with the blank lines after it, identifier, 4 + 4 timing fields, text lines.
# A cue timing among the text lines (no blank line before it) is split off in Python: rare.
# Each block starts at a line start (`^`): retrying inside a long line would make a search quadratic.
_VTT_BLOCK = re.compile(
    rf"(?m)^((?:(?:([^\n]+)\n)?{_TIMING}((?:\n[^\n]+)*)"
    r"|(?:NOTE|STYLE|REGION)(?![^ \t\n])[^\n]*(?:\n[^\n]+)*)\n*)"
)
_SRT_BLOCK = re.compile(rf"(?m)^((?:([ \t]*-?[0-9]+(?:\.[0-9]*)?[ \t]*)\n)?{_TIMING}((?:\n[^\n]+)*)\n*)")
_INDEX = re.compile(r"[ \t]*-?[0-9]+(?:\.[0-9]*)?[ \t]*")


class _Hours(dict[str, int]):
    def __missing__(self, key: str) -> int:
        return int(key) * 3_600_000


# Milliseconds of each field's text, looked up rather than parsed (a dictionary is several times
# faster than int()), added as integers and divided once, so 00:05.935 is exactly float("5.935").
_HOURS = _Hours({"": 0} | {f"{n:0{w}d}": n * 3_600_000 for n in range(100) for w in (1, 2)})
_MINUTES = {f"{n:0{w}d}": n * 60_000 for n in range(60) for w in (1, 2)}
_SECONDS = {f"{n:0{w}d}": n * 1000 for n in range(60) for w in (1, 2)}
_FRACTION = {"": 0} | {f"{n:0{w}d}": n * 10 ** (3 - w) for w in (1, 2, 3) for n in range(10**w)}
_BLANKISH = re.compile(r"\n[ \t\f\v]+(?=\n)")
_SPECIAL = re.compile(r"[<>&:\[]")  # text without these has no tag, entity or label
_LOOSE_TS = r"(?:[0-9]+:)?[0-9]+:[0-9]+(?:[.,][0-9]{1,3})?"
_OUT_OF_RANGE = re.compile(rf"[ \t]*{_LOOSE_TS}[ \t]*-->[ \t]*{_LOOSE_TS}(?:[ \t].*)?")
_TIMING_LIKE = re.compile(r"\s*[0-9]+:[0-9]|.*-->|.*[0-9]\s*-+>")
VTT_TIMING_HINT = "a cue timing like 00:12:34.000 --> 00:12:38.500"
SRT_TIMING_HINT = "a cue timing like 00:12:34,000 --> 00:12:38,500"
_new = tuple.__new__  # builds a Cue without the named tuple's Python-level __new__


def read_vtt(path: Path, text: str, warnings: list[str] | None) -> list[Cue]:
    """Return the cues of a WebVTT file in file order, skipping the header and NOTE/STYLE/REGION blocks."""
    first = text.split("\n", 1)[0]
    if not first.startswith("WEBVTT") or first[6:7] not in ("", " ", "\t"):
        raise DataError(path, 1, f"expected the header line WEBVTT, got {shown(first)}")
    text = _blank_lines_emptied(text)
    return _read(path, text, _header_end(text), srt=False, warnings=warnings)


def read_srt(path: Path, text: str, warnings: list[str] | None) -> list[Cue]:
    """Return the cues of a SubRip file in file order; cue numbers are optional and never checked."""
    return _read(path, _blank_lines_emptied(text), 0, srt=True, warnings=warnings)


def _blank_lines_emptied(text: str) -> str:
    """Return `text` with lines of spaces emptied: they end a block like an empty line (same line count)."""
    padded = f"\n{text}\n"
    return _BLANKISH.sub("\n", padded)[1:-1] if _BLANKISH.search(padded) else text


def _header_end(text: str) -> int:
    """Return where a WebVTT file's header block ends: its first blank line or first cue timing."""
    blank, arrow = text.find("\n\n"), text.find("-->")
    if arrow >= 0 and (blank < 0 or arrow < blank):
        return text.rfind("\n", 0, arrow) + 1 or len(text)
    return len(text) if blank < 0 else blank


def _read(path: Path, text: str, begin: int, *, srt: bool, warnings: list[str] | None) -> list[Cue]:
    body = text[begin:].lstrip("\n")
    line = text.count("\n", 0, len(text) - len(body)) + 1
    return _read_body(_Cues(path, SingleWordLabels(text), warnings, srt=srt), body, line)


def _read_body(reader: _Cues, body: str, line: int) -> list[Cue]:
    """Return the cues of `body`, whose first line is `line` of the file."""
    found = reader.block.findall(body)
    if sum(len(match[0]) for match in found) != len(body):
        raise _first_bad_block(reader.path, body, line, reader.block, reader.hint)
    return reader.build(found, line)


class _Cues:
    """Turn matched blocks into cues, carrying each speaker label on until the next one."""

    def __init__(
        self, path: Path, single: SingleWordLabels, warnings: list[str] | None, *, srt: bool
    ) -> None:
        self.path, self.single, self.warnings, self.srt = path, single, warnings, srt
        self.block, self.hint = (_SRT_BLOCK, SRT_TIMING_HINT) if srt else (_VTT_BLOCK, VTT_TIMING_HINT)
        self.speaker: str | None = None

    def build(self, found: list[tuple[str, ...]], line: int) -> list[Cue]:
        cues: list[Cue] = []
        add, special, single = cues.append, _SPECIAL.search, self.single
        hours, minutes, seconds, fraction = _HOURS, _MINUTES, _SECONDS, _FRACTION
        speaker = self.speaker  # a local while the loop runs; the helpers read and set self.speaker
        for whole, ident, h1, m1, s1, f1, h2, m2, s2, f2, payload in found:
            timing = line + 1 if ident else line
            line += whole.count("\n")
            if not s1:
                continue  # a NOTE, STYLE or REGION block
            start = (hours[h1] + minutes[m1] + seconds[s1] + fraction[f1]) / 1000
            end = (hours[h2] + minutes[m2] + seconds[s2] + fraction[f2]) / 1000
            if end < start:
                end = self._backwards(timing, start)
            if not special(payload) and "-->" not in payload:
                plain = " ".join(payload.split())
                if plain:
                    add(_new(Cue, (start, end, plain, speaker, timing, False)))
                continue
            labelled = labelled_cue(payload, single) if "-->" not in payload else None
            if labelled is not None:
                speaker, text = labelled
                if text:
                    add(_new(Cue, (start, end, text, speaker, timing, False)))
                continue
            self.speaker = speaker
            if "-->" in payload:
                self._split(cues, start, end, payload, timing)
            elif payload.startswith("\n<v"):
                self._voice(cues, start, end, payload, timing)
            else:
                self._parts(cues, start, end, payload, timing)
            speaker = self.speaker
        self.speaker = speaker
        return cues

    def _split(self, cues: list[Cue], start: float, end: float, payload: str, line: int) -> None:
        """Read a cue whose text runs into the next cue's timing line (no blank line between them)."""
        lines = payload[1:].split("\n")
        cut = next(n for n, text in enumerate(lines) if "-->" in text)
        if self.srt and cut and _INDEX.fullmatch(lines[cut - 1]):
            cut -= 1  # that cue's number
        own = "\n".join(["", *lines[:cut]])
        if own.strip():
            self._parts(cues, start, end, own, line)
        rest = "\n".join(lines[cut:])
        cues.extend(_read_body(self, rest, line + 1 + cut))

    def _voice(self, cues: list[Cue], start: float, end: float, payload: str, line: int) -> None:
        """Add a cue that is one voice span with plain text (the common case), else read it in full."""
        found = voice_cue(payload)
        if found is None:
            self._parts(cues, start, end, payload, line)
            return
        self.speaker, plain = found
        if plain:
            cues.append(_new(Cue, (start, end, plain, self.speaker, line, False)))

    def _parts(self, cues: list[Cue], start: float, end: float, payload: str, line: int) -> None:
        """Add a cue's runs under each label; a label mid-cue starts its part at its share of the time."""
        parts = list(cue_parts(payload[1:], self.single))
        total = sum(len(part) for _, _, part in parts) or 1
        done = 0
        for labelled, label, text in parts:
            if labelled:
                self.speaker = label
            if text:
                at = start + (end - start) * done / total
                cues.append(_new(Cue, (at, end, text, self.speaker, line, labelled and label is None)))
            done += len(text)

    def _backwards(self, line: int, start: float) -> float:
        if self.warnings is not None:
            self.warnings.append(
                f"{self.path}:{line}: a cue ends before it starts; read as ending at its start"
            )
        return start


def _first_bad_block(path: Path, body: str, line: int, block: re.Pattern[str], hint: str) -> DataError:
    """Return the error for the first block of `body` that is not a cue (or a WebVTT comment)."""
    position = 0
    while position < len(body):
        match = block.match(body, position)
        if match is None:
            break
        line += match[0].count("\n")
        position = match.end()
    lines = body[position:].split("\n\n", 1)[0].split("\n")
    at = next((n for n, text in enumerate(lines[:2]) if _TIMING_LIKE.match(text)), 0)
    if _OUT_OF_RANGE.fullmatch(lines[at]):
        hint += " (minutes and seconds below 60)"
    return DataError(path, line + at, f"expected {hint}, got {shown(lines[at])}")


def shown(text: str) -> str:
    """Return a line quoted and cut for an error message."""
    text = text.strip()
    return repr(shorten(text)) if text else "an empty line"
