"""Download the transcripts and chapters a feed's items point to, once, into the feed's cache."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping
from dataclasses import dataclass, field

from bot.feeds.cache import CHAPTERS_SUFFIX, FeedCache, write_if_changed
from bot.feeds.fetch import Fetcher, FetchError
from bot.feeds.parse import FeedItem, ParsedFeed, Transcript

CONCURRENT_DOWNLOADS = 4
# Best first: WebVTT has cue timings and voice spans and is compact; Podcasting 2.0 JSON carries
# the same but is often one word per segment; SubRip has no speaker markup of its own.
_KINDS = {
    "text/vtt": ".vtt",
    "application/json": ".json",
    "application/x-subrip": ".srt",
    "application/srt": ".srt",
    "text/srt": ".srt",
    "text/x-srt": ".srt",
}
_RANK = (".vtt", ".json", ".srt")


@dataclass
class Fetched:
    """Say which items' downloads changed and what could not be fetched."""

    changed: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def best_transcript(transcripts: tuple[Transcript, ...]) -> tuple[Transcript, str] | None:
    """Return the transcript to read and its file suffix, or None when none is VTT, SRT or JSON."""
    known = [(t, _suffix(t)) for t in transcripts]
    usable = [(t, suffix) for t, suffix in known if suffix]
    if not usable:
        return None
    return min(usable, key=lambda pair: _RANK.index(pair[1]))


def _suffix(transcript: Transcript) -> str | None:
    kind = transcript.type.split(";", 1)[0].strip()
    if kind in _KINDS:
        return _KINDS[kind]
    path = transcript.url.split("?", 1)[0].lower()
    return next((suffix for suffix in _RANK if path.endswith(suffix)), None) if not kind else None


async def fetch_all(fetcher: Fetcher, cache: FeedCache, feed: ParsedFeed, keys: Mapping[str, str]) -> Fetched:
    """Fetch every transcript and chapters file not cached yet (or whose URL changed)."""
    fetched = Fetched()
    gate = asyncio.Semaphore(CONCURRENT_DOWNLOADS)

    async def one(item: FeedItem) -> None:
        key = keys[item.guid]
        async with gate:
            await _item_files(fetcher, cache, item, key, fetched)

    await asyncio.gather(*(one(item) for item in feed.items if item.transcripts or item.chapters_url))
    return fetched


async def _item_files(fetcher: Fetcher, cache: FeedCache, item: FeedItem, key: str, fetched: Fetched) -> None:
    entry = cache.entries[key]
    chosen = best_transcript(item.transcripts)
    if chosen is not None:
        transcript, suffix = chosen
        name = f"{key}{suffix}"
        if entry.transcript_url != transcript.url or not (cache.path / name).is_file():
            body = await _download(
                fetcher, transcript.url, suffix, item=item, what="transcript", fetched=fetched
            )
            if body is not None:
                await _store(cache, name, body)
                _drop_other_transcripts(cache, key, keep=name, old=entry.transcript_file)
                entry.transcript_url, entry.transcript_file = transcript.url, name
                fetched.changed.append(key)
    if item.chapters_url:
        name = f"{key}{CHAPTERS_SUFFIX}"
        if entry.chapters_url != item.chapters_url or not (cache.path / name).is_file():
            body = await _download(
                fetcher, item.chapters_url, CHAPTERS_SUFFIX, item=item, what="chapters", fetched=fetched
            )
            if body is not None:
                await _store(cache, name, body)
                entry.chapters_url, entry.chapters_file = item.chapters_url, name
                fetched.changed.append(key)


async def _download(
    fetcher: Fetcher, url: str, suffix: str, *, item: FeedItem, what: str, fetched: Fetched
) -> bytes | None:
    try:
        body = (await fetcher.file(url)).body or b""
        _check(body, suffix)
    except (FetchError, ValueError) as err:
        fetched.warnings.append(f"{item.title!r}: {what} {url} not fetched: {err}")
        return None
    return body


def _check(body: bytes, suffix: str) -> None:
    """Refuse a body that is plainly not the promised format (an HTML error page, say)."""
    text = body.decode("utf-8", errors="replace").lstrip("\ufeff \t\r\n")
    if suffix == ".vtt" and not text.startswith("WEBVTT"):
        raise ValueError("expected a WebVTT file starting with WEBVTT")
    if suffix == ".srt" and "-->" not in text[:2000]:
        raise ValueError("expected SubRip cues with -->")
    if suffix.endswith(".json"):
        try:
            data = json.loads(text)
        except ValueError:
            raise ValueError("expected JSON") from None
        wanted = "chapters" if suffix == CHAPTERS_SUFFIX else "segments"
        if not isinstance(data, dict) or not isinstance(data.get(wanted), list):
            raise ValueError(f"expected a JSON object with a {wanted!r} list")


async def _store(cache: FeedCache, name: str, body: bytes) -> None:
    await asyncio.to_thread(write_if_changed, cache.path / name, body)


def _drop_other_transcripts(cache: FeedCache, key: str, keep: str, old: str | None) -> None:
    """Remove the item's transcript in another format: one transcript per episode."""
    if old and old != keep:
        (cache.path / old).unlink(missing_ok=True)
