"""Parse feed items and render their metadata files: what a feed worker process runs.

Kept apart from the pool that runs it (bot.feeds.work) and from the cache (bot.feeds.cache): a
worker process imports only this, the parser and the TOML writer, not asyncio or ingest, so each
one starts about 0.1 s of CPU sooner on a first read.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import tomli_w

from bot.feeds.parse import FeedItem, parse_entries

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
# What tomli_w escapes in a string: quotes, backslashes and control characters but the tab (and
# the line feed, in a multi-line string).
_ESCAPED = re.compile(r'["\\\x00-\x08\x0a-\x1f\x7f]')
_MULTILINE_ESCAPED = re.compile(r'["\\\x00-\x08\x0b-\x1f\x7f]')
_COMPACT_ESCAPES = {"\b": "\\b", "\n": "\\n", "\f": "\\f", "\r": "\\r", '"': '\\"', "\\": "\\\\"}


@dataclass(frozen=True, slots=True)
class Rendered:
    """Hold a document's feed title, each entry with its metadata file (None: skipped), and warnings."""

    title: str | None
    items: tuple[tuple[FeedItem, bytes] | None, ...]
    warnings: tuple[str, ...] = ()


def render(doc: bytes, show: str | None, feed_url: str) -> Rendered:
    """Parse every entry of `doc` and render its metadata file (raises FeedError for a non-feed)."""
    parsed = parse_entries(doc)
    name = show or parsed.title
    items = tuple(None if item is None else (item, item_toml(item, name, feed_url)) for item in parsed.items)
    return Rendered(parsed.title, items, parsed.warnings)


def ready() -> bool:
    """Return True: a started worker process runs this once, so that it has imported this module."""
    return True


def item_toml(item: FeedItem, show: str | None, feed_url: str) -> bytes:
    """Return the metadata file for one item, in the format README "Metadata format" describes."""
    fields: dict[str, Any] = {
        "guid": item.guid,
        "title": item.title,
        "show": show,
        "number": item.number,
        "season": item.season,
        "published": item.published,
        "duration": item.duration_seconds,
        "url": item.video_url or item.audio_url or item.link,
        "audio": item.audio_url,
        "link": item.link,
        "hosts": list(item.hosts) or None,
        "guests": list(item.guests) or None,
        "description": item.description or None,
    }
    table: dict[str, Any] = {key: value for key, value in fields.items() if value is not None}
    # The publisher chose the moment but not who speaks: ingest names the transcript's speaker at
    # that second when there is a transcript, else the show (never a guess).
    quotes = [
        {"text": bite.text, "speaker": show or "Soundbite", "time": bite.seconds, "soundbite": True}
        for bite in item.soundbites
    ]
    if quotes:
        table["quotes"] = quotes
    header = (
        f"# Written by episode-bot from {_CONTROL.sub('', feed_url)}\n"
        '# Edits here are overwritten: put corrections in DATA_DIR (README "Feeds").\n'
    )
    return (header + _dumps(table)).encode()


def _dumps(table: dict[str, Any]) -> str:
    """Return `tomli_w.dumps(table, multiline_strings=True)`, the description written apart.

    tomli_w escapes a string a character at a time in Python, and the description is most of an
    item's text (a third of a feed worker's time went there). It is the last plain value, so its
    line goes between the others and the quotes (tests compare the bytes with tomli_w's).
    """
    description = table.pop("description", None)
    quotes = table.pop("quotes", None)
    text = tomli_w.dumps(table, multiline_strings=True)
    if description is not None:
        text += f"description = {_toml_string(description)}\n"
    if quotes is not None:
        rest = tomli_w.dumps({"quotes": quotes}, multiline_strings=True)
        # Quotes written as tables come after a blank line; an inline array follows directly.
        text += f"\n{rest}" if rest.startswith("[[") and text else rest
    return text


def _toml_string(text: str) -> str:
    """Return `text` as tomli_w writes a string with multiline_strings=True."""
    if "\n" in text:
        return '"""\n' + _MULTILINE_ESCAPED.sub(_escape, text.replace("\r\n", "\n")) + '"""'
    return '"' + _ESCAPED.sub(_escape, text) + '"'


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    return _COMPACT_ESCAPES.get(char) or f"\\u{ord(char):04x}"
