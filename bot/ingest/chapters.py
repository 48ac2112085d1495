"""Read chapters: Podcasting 2.0 chapters JSON, and chapter lines in a description as YouTube writes them."""

from __future__ import annotations

import re
from pathlib import Path

from bot.errors import DataError
from bot.ingest.transcript import decode_text
from bot.ingest.transcript_json import load_json, number, seconds_text, shown
from bot.model import Chapter
from bot.text import truncate

MIN_CHAPTERS = 3
MAX_TITLE = 200
# A chapter line starts with its time, bare or in brackets, then an optional separator and the title:
# `00:00 Intro`, `12:34 - Topic`, `(1:02:03) Topic`, `[1:02:03] Topic`, `1:02:03 | Topic`.
_LINE = re.compile(
    r"[ \t]*(?:[-*•–][ \t]*)?(?P<open>[(\[]?)(?:(?P<h>[0-9]{1,2}):)?(?P<m>[0-9]{1,3}):(?P<s>[0-9]{2})"
    r"(?P<close>[)\]]?)(?:[ \t]*[-–—:|·][ \t]*|[ \t]+)(?P<title>\S.*)"
)
_PAIRS = {"": "", "(": ")", "[": "]"}


def read_chapters(
    path: Path | str, data: bytes, *, duration: float | None = None, warnings: list[str] | None = None
) -> list[Chapter]:
    """Return the chapters of a Podcasting 2.0 chapters file in order of start, without `toc: false` ones.

    Raise DataError naming the JSON path of what is wrong; append `path:where: message` warnings
    for a chapter after the episode's `duration` when it is known.
    """
    path = Path(path)
    document = load_json(path, decode_text(data, path))
    if not isinstance(document, dict) or not isinstance(document.get("chapters"), list):
        got = "a transcript" if isinstance(document, dict) and "segments" in document else shown(document)
        raise DataError(path, "$", f"expected an object with a `chapters` list, got {got}")
    found: list[tuple[float, int, str]] = []
    for index, item in enumerate(document["chapters"]):
        where = f"chapters[{index}]"
        if not isinstance(item, dict):
            raise DataError(path, where, f"expected an object with startTime and title, got {shown(item)}")
        if "startTime" not in item:
            raise DataError(path, where, "expected `startTime`, got none")
        start = number(path, f"{where}.startTime", item["startTime"])
        title = item.get("title")
        if title is not None and not isinstance(title, str):
            raise DataError(path, f"{where}.title", f"expected a title, got {shown(title)}")
        if item.get("toc", True) is False:
            continue
        if duration is not None and warnings is not None and start > duration:
            warnings.append(
                f"{path}:{where}: the chapter starts at {seconds_text(start)}, after the episode's end "
                f"at {seconds_text(duration)}"
            )
        found.append((start, index, _title(title or "")))
    found.sort()
    return [Chapter(start, title or f"Chapter {n}") for n, (start, _, title) in enumerate(found, 1)]


def description_chapters(text: str) -> list[Chapter]:
    """Return the chapters listed in a description, or none when it does not list them as YouTube does.

    A chapter list is at least 3 lines that each start with a time and a title, the first at 0:00,
    each later than the one before (other lines may sit between them). A description that merely
    mentions times ("at 12:34 we talk about...", "recorded 10:30 - 11:45") gives none.
    """
    found: list[Chapter] = []
    for line in text.splitlines():
        chapter = _chapter_line(line)
        if chapter is None:
            continue
        if chapter.start == 0 and len(found) < MIN_CHAPTERS:
            found = [chapter]  # a list starts (again) at 0:00
        elif found and chapter.start > found[-1].start:
            found.append(chapter)
        elif len(found) >= MIN_CHAPTERS:
            break  # times going back after a complete list: a second list or a mention, not chapters
        else:
            found = []
    return found if len(found) >= MIN_CHAPTERS else []


def _chapter_line(line: str) -> Chapter | None:
    match = _LINE.fullmatch(line.strip())
    if match is None or _PAIRS[match["open"]] != match["close"]:
        return None
    hours, minutes, seconds = int(match["h"] or 0), int(match["m"]), int(match["s"])
    if seconds > 59 or (match["h"] and minutes > 59):
        return None
    title = _title(match["title"])
    if not any(ch.isalpha() for ch in title):
        return None
    return Chapter(float(hours * 3600 + minutes * 60 + seconds), title)


def _title(title: str) -> str:
    title = " ".join(title.split())
    return truncate(title, MAX_TITLE)
