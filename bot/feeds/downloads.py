"""Download the transcripts and chapters a feed's items point to, once, into the feed's cache."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, TypeVar

from bot.feeds.cache import CHAPTERS_SUFFIX, FeedCache, IndexEntry
from bot.feeds.fetch import Fetcher, FetchError
from bot.feeds.parse import FeedItem, Transcript

T = TypeVar("T")
AT_ONCE = 8  # downloads in flight per feed
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


def offer(entry: IndexEntry, item: FeedItem) -> None:
    """Record in the item's index entry which transcript and chapters it offers now."""
    chosen = best_transcript(item.transcripts)
    entry.transcript_wanted, entry.transcript_suffix = (chosen[0].url, chosen[1]) if chosen else (None, None)
    entry.chapters_wanted = item.chapters_url


class Files:
    """Run file work in one thread of its own, in the order it is asked for."""

    def __init__(self) -> None:
        self._thread = ThreadPoolExecutor(1, thread_name_prefix="feed-files")

    async def __aenter__(self) -> Files:
        return self

    async def __aexit__(self, *exc: object) -> None:
        self._thread.shutdown(wait=False, cancel_futures=True)

    async def run(self, work: Callable[..., T], *args: Any) -> T:
        """Return `work(*args)`, run in the files thread."""
        return await asyncio.get_running_loop().run_in_executor(self._thread, work, *args)


@dataclass
class Downloads:
    """Fetch the files items offer and the cache lacks, a few at a time, as items are added.

    Downloaded files are written in batches by one thread: a thread hop per file (thousands on a
    first read) kept the event loop waiting for the interpreter lock.
    """

    fetcher: Fetcher
    cache: FeedCache
    files: Files
    changed: list[str] = field(default_factory=list)  # keys whose transcript or chapters were written
    warnings: list[str] = field(default_factory=list)
    _tasks: list[asyncio.Task[None]] = field(default_factory=list)
    _gate: asyncio.Semaphore = field(default_factory=lambda: asyncio.Semaphore(AT_ONCE))
    _ready: list[tuple[str, str, bytes, Callable[[], None]]] = field(default_factory=list)
    _writer: asyncio.Task[None] | None = None

    def add(self, key: str) -> None:
        """Start fetching what the item `key` offers and the cache lacks."""
        entry = self.cache.entries[key]
        if entry.wants_transcript():
            self._tasks.append(asyncio.create_task(self._transcript(key, entry)))
        if entry.wants_chapters():
            self._tasks.append(asyncio.create_task(self._chapters(key, entry)))

    async def settle(self, seconds: float) -> bool:
        """Wait up to `seconds` for the downloads started so far; say whether all ended (running
        out of time stops none: `finish` waits for the rest and for their files)."""
        if not self._tasks:
            return True
        try:
            _, pending = await asyncio.wait(self._tasks, timeout=seconds)
        except BaseException:  # cancelled: stop them, as `finish` would
            self._cancel()
            raise
        return not pending

    async def finish(self) -> None:
        """Wait for every download started and its file written (cancelling all if this is cancelled)."""
        try:
            await asyncio.gather(*self._tasks)
            while self._writer is not None:
                await self._writer
        finally:
            self._cancel()

    def _cancel(self) -> None:
        for task in (*self._tasks, *([self._writer] if self._writer else [])):
            task.cancel()

    async def _transcript(self, key: str, entry: IndexEntry) -> None:
        url, suffix = entry.transcript_wanted, entry.transcript_suffix or ".vtt"
        name = f"{key}{suffix}"

        def cached() -> None:
            if entry.transcript_file and entry.transcript_file != name:
                self.cache.drop_file(key, entry.transcript_file)  # one transcript per episode
            entry.transcript_url, entry.transcript_file = url, name

        await self._fetch(key, entry, url, name, what="transcript", cached=cached)

    async def _chapters(self, key: str, entry: IndexEntry) -> None:
        url = entry.chapters_wanted
        name = f"{key}{CHAPTERS_SUFFIX}"

        def cached() -> None:
            entry.chapters_url, entry.chapters_file = url, name

        await self._fetch(key, entry, url, name, what="chapters", cached=cached)

    async def _fetch(
        self,
        key: str,
        entry: IndexEntry,
        url: str | None,
        name: str,
        *,
        what: str,
        cached: Callable[[], None],
    ) -> None:
        """Download `url` for the file `name`, and queue it to be written (else warn why not)."""
        if not url:
            return
        try:
            async with self._gate:
                body = (await self.fetcher.file(url)).body or b""
            _check(body, name)
        except (FetchError, ValueError) as err:
            self.warnings.append(f"{entry.title or entry.guid!r}: {what} {url} not fetched: {err}")
            return
        self._ready.append((key, name, body, cached))
        if self._writer is None:
            self._writer = asyncio.create_task(self._write())

    async def _write(self) -> None:
        try:
            while self._ready:
                batch, self._ready = self._ready, []
                written = await self.files.run(self._store, batch)
                self.changed += written
        finally:
            self._writer = None

    def _store(self, batch: list[tuple[str, str, bytes, Callable[[], None]]]) -> list[str]:
        self.cache.path.mkdir(parents=True, exist_ok=True)
        written = []
        for key, name, body, cached in batch:
            if self.cache.store(key, name, body):
                written.append(key)
            cached()
        return written


def _check(body: bytes, name: str) -> None:
    """Refuse a body that is plainly not the promised format (an HTML error page, say).

    Only the start is looked at, so this is quick enough for the event loop: reading the file
    properly (and reporting what is wrong inside it) is ingest's work.
    """
    suffix = CHAPTERS_SUFFIX if name.endswith(CHAPTERS_SUFFIX) else name[name.rfind(".") :]
    start = body[:4096].lstrip(b"\xef\xbb\xbf \t\r\n")
    if suffix == ".vtt" and not start.startswith(b"WEBVTT"):
        raise ValueError("expected a WebVTT file starting with WEBVTT")
    if suffix == ".srt" and b"-->" not in start[:2000]:
        raise ValueError("expected SubRip cues with -->")
    if suffix.endswith(".json"):
        wanted = "chapters" if suffix == CHAPTERS_SUFFIX else "segments"
        if not start.startswith(b"{") or f'"{wanted}"'.encode() not in body:
            raise ValueError(f"expected a JSON object with a {wanted!r} list")
