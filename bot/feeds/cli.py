"""`python -m bot feeds add|list|remove|fetch`: manage feeds.toml and read feeds now, from a terminal."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import logging
import shutil
import sys
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING

from bot.config import Settings
from bot.errors import DataError, UserError
from bot.feeds.cache import FeedCache, cache_root
from bot.feeds.feedlist import add_feed, feeds_path, read_feeds, remove_feed
from bot.feeds.sources import feed_sources
from bot.knowledge import KnowledgeBase
from bot.model import IngestReport
from bot.storage import Database
from bot.storage.feeds import delete_feed_state, load_feed_states
from bot.text import plural

if TYPE_CHECKING:
    from bot.feeds.poll import PollResult


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Describe `feeds` and its subcommands."""
    feeds = sub.add_parser("feeds", help="manage the podcast feeds in DATA_DIR/feeds.toml")
    verbs = feeds.add_subparsers(dest="feeds_command", metavar="ACTION", required=True)
    add = verbs.add_parser("add", help="follow a feed, then read it now")
    add.add_argument("url")
    add.add_argument("--show", help="the show's name (default: the feed's title)")
    add.add_argument("--no-fetch", action="store_true", help="only list it; the bot reads it later")
    verbs.add_parser("list", help="each feed: last fetch, result, episodes")
    remove = verbs.add_parser("remove", help="stop following a feed and drop its episodes")
    remove.add_argument("url")
    fetch = verbs.add_parser("fetch", help="read every feed (or the given ones) now and load them")
    fetch.add_argument("urls", nargs="*", metavar="URL")


def main(settings: Settings, args: argparse.Namespace) -> int:
    """Run one `feeds` subcommand and return the exit code."""
    try:
        return asyncio.run(_run(settings, args))
    except DataError as err:
        print(f"episode-bot: {err.path}:{err.line}: {err.expected}", file=sys.stderr)
        return 1
    except UserError as err:
        print(f"episode-bot: {err.message}", file=sys.stderr)
        return 1


async def _run(settings: Settings, args: argparse.Namespace) -> int:
    path = feeds_path(settings.data_dir)
    command = args.feeds_command
    if command == "add":
        entry = add_feed(path, args.url, args.show)
        print(f"Added {entry.url} to {path}" + (f" as {entry.show!r}" if entry.show else ""))
        if args.no_fetch:
            return 0
        return await _fetch(settings, [entry.url])
    if command == "remove":
        entry = remove_feed(path, args.url)
        print(f"Removed {entry.url} from {path}")
        return await _forget(settings, entry.url)
    if command == "list":
        return await _list(settings)
    return await _fetch(settings, args.urls)


async def _list(settings: Settings) -> int:
    entries = read_feeds(feeds_path(settings.data_dir))
    if not entries:
        print(f"No feeds in {feeds_path(settings.data_dir)}; add one with `python -m bot feeds add URL`.")
        return 0
    db = await Database.open(settings.database_path)
    try:
        states = await load_feed_states(db)
    finally:
        await db.close()
    root = cache_root(settings.database_path)
    now = time.time()
    for entry in entries:
        state = states.get(entry.url)
        episodes = len(FeedCache.open(root, entry.url).entries)
        print(entry.url + (f"  (show: {entry.show})" if entry.show else ""))
        if state is None or state.last_fetch is None:
            print("  never fetched")
            continue
        print(f"  title:      {state.title or '-'}")
        print(f"  last fetch: {_when(state.last_fetch, now)}")
        print(f"  result:     {state.result or '-'}")
        print(
            f"  episodes:   {episodes} cached" + (f", {state.items} in the feed now" if state.items else "")
        )
        if state.failures:
            failures = plural(state.failures, "failure")
            print(f"  next try:   {_when(state.next_due, now)} ({failures} in a row)")
    return 0


def _when(stamp: int, now: float) -> str:
    moment = dt.datetime.fromtimestamp(stamp, tz=dt.UTC)
    ago = int(now - stamp)
    if ago >= 0:
        rel = f"{ago // 60} min ago" if ago >= 60 else f"{ago} s ago"
    else:
        rel = f"in {-ago // 60} min" if -ago >= 60 else f"in {-ago} s"
    return f"{moment:%Y-%m-%d %H:%M} UTC ({rel})"


async def _fetch(settings: Settings, urls: list[str]) -> int:
    # Imported here: polling pulls in aiohttp and feedparser, which no other command needs (about
    # half the start-up of `python -m bot ingest`, whose parser is built with this module's).
    from bot.feeds.poll import poll_feeds  # noqa: PLC0415

    db = await Database.open(settings.database_path)
    try:
        listed = {entry.url for entry in read_feeds(feeds_path(settings.data_dir))}
        unknown = [url for url in urls if url not in listed]
        if unknown:
            raise UserError(f"not in feeds.toml: {', '.join(unknown)} (add it with `feeds add`)")
        with _poll_log_quiet():
            result = await poll_feeds(db, settings, force=True, only=urls)
        _print_poll(result)
        report = await _ingest(db, settings)
    finally:
        await db.close()
    _print_ingest(report)
    failed = any(not outcome.ok for outcome in result.outcomes) or result.list_error or report.failed
    return 1 if failed else 0


@contextlib.contextmanager
def _poll_log_quiet() -> Iterator[None]:
    """Keep only the poll's errors in the log: the report printed after it says the rest, once."""
    logger = logging.getLogger("bot.feeds.poll")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)


async def _forget(settings: Settings, url: str) -> int:
    db = await Database.open(settings.database_path)
    try:
        await delete_feed_state(db, url)
        shutil.rmtree(FeedCache(cache_root(settings.database_path), url).path, ignore_errors=True)
        report = await _ingest(db, settings)
    finally:
        await db.close()
    _print_ingest(report)
    return 1 if report.failed else 0


async def _ingest(db: Database, settings: Settings) -> IngestReport:
    feeds, error = feed_sources(settings)
    if error:
        raise UserError(f"feeds not loaded: {error}")
    return await KnowledgeBase(db).ingest([settings.data_dir], feeds)


def _print_poll(result: PollResult) -> None:
    if result.list_error:
        print(f"Feeds not read: {result.list_error}")
    for outcome in result.outcomes:
        print(f"{outcome.url}: {outcome.result}")
        for line in outcome.warnings[:10]:
            print(f"  warning: {line}")
        if len(outcome.warnings) > 10:
            print(f"  ... and {len(outcome.warnings) - 10} more warnings")


def _print_ingest(report: IngestReport) -> None:
    print(
        f"Loaded: {len(report.loaded)} new or changed, {len(report.unchanged)} unchanged, "
        f"{len(report.removed)} removed, {len(report.failed)} failed"
    )
    for line in report.failed:
        print(f"  FAILED {line}")
