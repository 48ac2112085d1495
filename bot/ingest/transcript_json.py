"""Read JSON transcripts and chapters: Podcasting 2.0 and Whisper shapes, errors named by JSON path."""

from __future__ import annotations

import json
import math
import re
from pathlib import Path
from typing import Any

from bot.errors import DataError
from bot.ingest.page import shorten
from bot.links import format_offset
from bot.model import Cue

MAX_SECONDS = 360_000_000  # 100,000 hours: anything larger is a broken number, not a time
_CLOCK = re.compile(r"[ \t]*(?:([0-9]{1,5}):)?([0-9]{1,2}):([0-9]{1,2}(?:\.[0-9]+)?)[ \t]*")
# (start key, end key, text key) of each transcript shape, told apart by the keys of a segment.
PODCASTING = ("startTime", "endTime", "body")
WHISPER = ("start", "end", "text")


def load_json(path: Path, text: str) -> Any:
    """Return the parsed JSON; raise DataError at the line of a syntax error."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as err:
        raise DataError(
            path, err.lineno, f"expected valid JSON, got {err.msg.lower()} at column {err.colno}"
        ) from None
    except RecursionError:
        raise DataError(path, 1, "expected valid JSON, got values nested too deeply") from None


def read_json_transcript(path: Path, text: str, warnings: list[str] | None = None) -> list[Cue]:
    """Return the cues of a Podcasting 2.0 or Whisper JSON transcript, in file order."""
    segments = _segments(path, load_json(path, text))
    keys = _shape(path, segments)
    cues = []
    for index, segment in enumerate(segments):
        cue = _cue(path, f"segments[{index}]", segment, keys, warnings)
        if cue.text:
            cues.append(cue)
    return cues


def number(path: Path, where: str, value: object) -> float:
    """Return seconds from a JSON number (or a numeric or `h:mm:ss` string); raise DataError otherwise."""
    seconds = None
    if isinstance(value, int | float) and not isinstance(value, bool):
        seconds = float(value)
    elif isinstance(value, str):
        seconds = _string_seconds(value)
    if seconds is None or not math.isfinite(seconds) or not 0 <= seconds <= MAX_SECONDS:
        raise DataError(path, where, f"expected a time in seconds like 754.5, got {_shown(value)}")
    return seconds


def seconds_text(seconds: float) -> str:
    """Return seconds as `m:ss` or `h:mm:ss` for a message."""
    return format_offset(int(seconds))


def shown(value: object) -> str:
    """Return a JSON value as a short `repr` for an error message."""
    return _shown(value)


def _segments(path: Path, document: Any) -> list[Any]:
    if isinstance(document, dict) and isinstance(segments := document.get("segments"), list):
        return segments
    if isinstance(document, dict) and "segments" in document:
        raise DataError(path, "segments", f"expected a list of segments, got {_shown(document['segments'])}")
    if isinstance(document, dict) and "chapters" in document:
        raise DataError(path, "$", "expected a transcript with `segments`, got a chapters file")
    raise DataError(
        path, "$", f"expected an object with `segments` (a JSON transcript), got {_shown(document)}"
    )


def _shape(path: Path, segments: list[Any]) -> tuple[str, str, str]:
    """Return the keys of the transcript's shape, judged by its first segment."""
    if not segments:
        return PODCASTING
    first = segments[0]
    if isinstance(first, dict):
        for keys in (PODCASTING, WHISPER):
            if keys[0] in first or keys[2] in first:
                return keys
    raise DataError(
        path,
        "segments[0]",
        "expected a segment with startTime, endTime and body (Podcasting 2.0) or start, end and text "
        f"(Whisper), got {_shown(first)}",
    )


def _cue(
    path: Path, where: str, segment: object, keys: tuple[str, str, str], warnings: list[str] | None
) -> Cue:
    start_key, end_key, text_key = keys
    if not isinstance(segment, dict):
        raise DataError(path, where, f"expected an object with {', '.join(keys)}, got {_shown(segment)}")
    if start_key not in segment:
        raise DataError(path, where, f"expected `{start_key}`, got none")
    start = number(path, f"{where}.{start_key}", segment[start_key])
    end = number(path, f"{where}.{end_key}", segment[end_key]) if end_key in segment else start
    if end < start:
        if warnings is not None:
            warnings.append(f"{path}:{where}: a segment ends before it starts; read as ending at its start")
        end = start
    body = segment.get(text_key)
    if not isinstance(body, str):
        raise DataError(path, f"{where}.{text_key}", f"expected the spoken text, got {_shown(body)}")
    speaker = segment.get("speaker")
    if speaker is not None and not isinstance(speaker, str):
        raise DataError(path, f"{where}.speaker", f"expected a speaker's name, got {_shown(speaker)}")
    label = " ".join(speaker.split()) if speaker else ""
    return Cue(start, end, " ".join(body.split()), label or None, where)


def _string_seconds(value: str) -> float | None:
    try:
        return float(value)
    except ValueError:
        pass
    match = _CLOCK.fullmatch(value)
    if match is None or (match[1] and int(match[2]) > 59) or float(match[3]) >= 60:
        return None
    return int(match[1] or 0) * 3600 + int(match[2]) * 60 + float(match[3])


def _shown(value: object) -> str:
    """Describe a JSON value briefly, without serialising a large one."""
    if isinstance(value, dict):
        if not value:
            return "an empty object"
        keys = ", ".join(str(key)[:20] for key in list(value)[:4])
        return f"an object with keys {keys}{', ...' if len(value) > 4 else ''}"
    if isinstance(value, list):
        return f"a list of {len(value)} items"
    if isinstance(value, str):
        return repr(shorten(value))
    return json.dumps(value)
