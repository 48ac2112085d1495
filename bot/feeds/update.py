"""Bring a feed's cache up to date with a newly fetched body, parsing only new or changed items.

The body is cut into items and hashed in a thread (bot.feeds.split); items whose hash the index
knows keep their files untouched. The rest are parsed and rendered in a thread when they are few,
else in worker processes, in feed order; as each batch comes back its files are written and its
transcripts and chapters start downloading while later batches are still being parsed.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from bot.feeds.cache import FeedCache, IndexEntry, KeyMaker, media_identity, write_all
from bot.feeds.downloads import Downloads, Files, offer
from bot.feeds.fetch import Fetcher
from bot.feeds.parse import FeedError, FeedItem
from bot.feeds.render import Rendered, render
from bot.feeds.split import SplitFeed, split_feed
from bot.feeds.work import CHUNK_ITEMS, Renderer, processes_for

log = logging.getLogger(__name__)
WHOLE_IN_THREAD = 256 * 1024  # a feed read in one piece is parsed in a process above this size
DOWNLOADS_GRACE_S = 2.0  # downloads still running this long after the items are in: save the index
_EMPTY = "expected items, got a feed without any (kept the cached ones)"
BeforeNew = Callable[[Sequence[str]], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class Update:
    """Say what reading a feed's body changed in its cache."""

    title: str | None
    items: int  # items in the feed (each guid once)
    changed: tuple[str, ...]  # keys new to the index, or whose metadata, transcript or chapters was written
    new: tuple[str, ...]  # keys the cache had never held
    warnings: tuple[str, ...]


@dataclass
class _Plan:
    """The feed's items in order: which are unchanged (their key) and which are parsed, by batch."""

    cache: FeedCache
    title: str | None
    known: list[str | None]  # per item: the key of an unchanged item, else None
    digests: list[str | None]  # per item: its hash (None when the feed could not be cut)
    batches: list[list[int]]  # positions of the items to parse
    docs: list[bytes] = field(default_factory=list)  # one document per batch
    rendered: list[Rendered] = field(default_factory=list)  # or the batches already parsed
    warnings: list[str] = field(default_factory=list)


class _MismatchError(Exception):
    """Raise when feedparser finds other entries in a batch than the items it was given."""


async def update_cache(
    root: Path, url: str, body: bytes, show: str | None, fetcher: Fetcher, *, keep_if_empty: bool,
    before_new: BeforeNew | None = None,
) -> Update:  # fmt: skip
    """Write the feed's new and changed items to its cache and fetch their files; raise FeedError.

    `keep_if_empty`: refuse a feed without items (the cached ones stay) rather than read it.
    `before_new`: awaited with the keys of new items before their files are written.
    """
    plan = await asyncio.to_thread(_plan, root, url, body, show)
    if plan is not None:
        _check_items(plan, keep_if_empty)
        try:
            return await _apply(plan, show, fetcher, before_new)
        except _MismatchError:
            log.info("feed %s: its items could not be read one by one; reading it whole", url)
    plan = await _whole(root, url, body, show)
    _check_items(plan, keep_if_empty)
    return await _apply(plan, show, fetcher, before_new)


def _check_items(plan: _Plan, keep_if_empty: bool) -> None:
    if not plan.known and keep_if_empty and plan.cache.entries:
        raise FeedError(_EMPTY)


def _plan(root: Path, url: str, body: bytes, show: str | None) -> _Plan | None:
    """Cut the feed and find its unchanged items; None when it cannot be cut (read it whole)."""
    cut = split_feed(body, show or "")
    if cut is None:
        return None
    head = render(cut.document(), show, url)  # the title, and FeedError for what is no feed at all
    if head.items:
        return None  # entries the cut did not see as items
    cache = _open(root, url)
    by_digest = {entry.digest: key for key, entry in cache.entries.items() if entry.digest}
    # pop: of two byte-identical items only the first is known; the other is parsed (and refused).
    known = [by_digest.pop(digest, None) for digest in cut.digests]
    todo = [n for n, key in enumerate(known) if key is None]
    batches, docs = _batches(cut, todo)
    return _Plan(cache, head.title, known, list(cut.digests), batches, docs, warnings=list(head.warnings))


def _open(root: Path, url: str) -> FeedCache:
    cache = FeedCache.open(root, url)
    if cache.forget_damaged():
        log.warning("feed cache %s: some files were missing or cut short; making them again", cache.path)
    return cache


def _batches(cut: SplitFeed, todo: list[int]) -> tuple[list[list[int]], list[bytes]]:
    size = CHUNK_ITEMS if processes_for(len(todo)) else max(1, len(todo))
    batches = [todo[n : n + size] for n in range(0, len(todo), size)]
    return batches, [cut.document(batch) for batch in batches]


async def _whole(root: Path, url: str, body: bytes, show: str | None) -> _Plan:
    """Parse the feed in one piece (malformed XML, DTDs, odd layouts): nothing is known unchanged."""
    async with Renderer(1 if len(body) > WHOLE_IN_THREAD else 0) as renderer:
        rendered = await renderer.render(body, show, url)
    cache = await asyncio.to_thread(_open, root, url)
    count = len(rendered.items)
    return _Plan(
        cache, rendered.title, [None] * count, [None] * count, [list(range(count))], rendered=[rendered]
    )


async def _apply(plan: _Plan, show: str | None, fetcher: Fetcher, before_new: BeforeNew | None) -> Update:
    cache = plan.cache
    # One thread writes every file: files created in one folder from several threads wait on each
    # other in the kernel anyway, and each extra thread takes the interpreter lock from the loop.
    files = Files()
    assembly = _Assembly(
        cache, Downloads(fetcher, cache, files), files, plan.warnings, show or plan.title, before_new
    )
    parsing = sum(len(batch) for batch in plan.batches)
    async with files, Renderer(0 if plan.rendered else processes_for(parsing)) as renderer:
        pending: list[Awaitable[Rendered]] = [renderer.render(doc, show, cache.url) for doc in plan.docs]
        try:
            for index, batch in enumerate(plan.batches):
                assembly.known_until(plan, batch[0] if batch else len(plan.known))
                rendered = plan.rendered[index] if plan.rendered else await pending[index]
                if len(rendered.items) != len(batch):
                    raise _MismatchError
                plan.warnings += rendered.warnings
                await assembly.parsed(batch, rendered, plan.digests)
            assembly.known_until(plan, len(plan.known))
            # The index is written durably (an fsync, 50 to 100 ms on a busy disk): once when the
            # downloads end soon, as they mostly do; else now (the items are in: keep that even if
            # a download hangs) and again when they end.
            if not await assembly.downloads.settle(DOWNLOADS_GRACE_S):
                await files.run(cache.save_index)
            await assembly.downloads.finish()
            await files.run(cache.save_index)
        finally:
            for future in pending:
                if isinstance(future, asyncio.Future):
                    future.cancel()
    downloads = assembly.downloads
    changed = tuple(dict.fromkeys((*assembly.changed, *downloads.changed)))
    warnings = (*plan.warnings, *downloads.warnings)
    return Update(plan.title, len(assembly.seen), changed, tuple(assembly.new), warnings)


@dataclass
class _Assembly:
    """Take the items in feed order: key each, write what changed, start its downloads."""

    cache: FeedCache
    downloads: Downloads
    files: Files
    warnings: list[str]
    show: str | None  # the show's name: the owner's, else the feed's title
    before_new: BeforeNew | None
    seen: dict[str, int] = field(default_factory=dict)  # guid -> position (from 1)
    changed: list[str] = field(default_factory=list)
    new: list[str] = field(default_factory=list)
    next_position: int = 0
    keys: KeyMaker = field(init=False)

    def __post_init__(self) -> None:
        self.keys = KeyMaker(self.cache)

    def known_until(self, plan: _Plan, end: int) -> None:
        """Take the unchanged items before position `end`."""
        for position in range(self.next_position, end):
            key = plan.known[position]
            if key is not None and self._first(self.cache.entries[key].guid, position):
                self.keys.known(key)
                self.cache.entries[key].show = self.show
                self.downloads.add(key)  # what failed to download last time is tried again
        self.next_position = max(self.next_position, end)

    async def parsed(self, batch: list[int], rendered: Rendered, digests: list[str | None]) -> None:
        """Take a parsed batch: key each item, write the files that changed, start their downloads."""
        writes: list[tuple[str, str, bytes]] = []
        taken: list[tuple[str, str | None]] = []
        new: list[str] = []
        for position, result in zip(batch, rendered.items, strict=True):
            if result is None or not self._first(result[0].guid, position):
                continue
            item, data = result
            key = self.keys.key_for(item)
            if key not in self.cache.entries:
                new.append(key)
                self.cache.entries[key] = IndexEntry(item.guid)
            self._describe(self.cache.entries[key], item)
            writes.append((key, f"{key}.toml", data))
            taken.append((key, digests[position]))
        self.next_position = max(self.next_position, batch[-1] + 1 if batch else 0)
        if new and self.before_new is not None:
            await self.before_new(new)
        self.new += new
        written = await self.files.run(write_all, self.cache, writes)
        # A new item's file can be on disk already, unchanged, when a read stopped before it saved
        # the index: ingest is still told of it, or its episode would wait for a full walk.
        self.changed += [*new, *written]
        for key, digest in taken:
            self.cache.entries[key].digest = digest  # only now: its file holds this rendering
            self.downloads.add(key)

    def _describe(self, entry: IndexEntry, item: FeedItem) -> None:
        entry.guid, entry.media, entry.title = item.guid, media_identity(item), item.title
        entry.show, entry.number = self.show, item.number
        offer(entry, item)

    def _first(self, guid: str, position: int) -> bool:
        if guid in self.seen:
            self.warnings.append(
                f"item {position + 1} repeats the guid {guid!r} of item {self.seen[guid]}; kept the first"
            )
            return False
        self.seen[guid] = position + 1
        return True
