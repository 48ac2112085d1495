"""The offline CLI: load episode files and ask the knowledge base questions from a terminal."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import functools
import shutil
import sys
import textwrap
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from bot import logs, shutdown
from bot.config import Settings
from bot.errors import NotFoundError, UserError
from bot.feeds.sources import feed_sources
from bot.ingest.feeds import FeedSources
from bot.knowledge import KnowledgeBase
from bot.links import format_offset
from bot.model import IngestReport, Passage, QuoteHit
from bot.storage import Database
from bot.text import printable, printable_lines

LISTED_FILES = 10  # longer lists of loaded or unchanged files are summarised
SEARCH_RESULTS = 10


class _Escaping:
    """A text stream that escapes terminal control characters on their way to `stream`."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream

    def write(self, text: str) -> int:
        """Write `text` with its line breaks kept and every other control character escaped."""
        return self.stream.write(printable_lines(text))

    def flush(self) -> None:
        """Flush the stream underneath."""
        self.stream.flush()


def main(settings: Settings, command: str, args: argparse.Namespace) -> int:
    """Run one offline subcommand and return the process exit code."""
    logs.configure_offline()  # a file name in a warning must not forge a line of the report
    # Answers quote the data and errors echo what was typed: an escape in either must not drive
    # the terminal (clear it, rewrite a line), so everything printed goes through one filter.
    with (
        contextlib.redirect_stdout(_Escaping(sys.stdout)),
        contextlib.redirect_stderr(_Escaping(sys.stderr)),
    ):
        return _main(settings, command, args)


def _main(settings: Settings, command: str, args: argparse.Namespace) -> int:
    try:
        # Checked here, outside the event loop: a missing DATA_DIR just means "use what is stored".
        load = command != "ingest" and settings.data_dir.exists()
        work = functools.partial(_run, settings, command, args, load)
        return asyncio.run(shutdown.run_until_stopped(work, stopped=_stopped, exit_process=True))
    except NotFoundError as exc:
        print(f"episode-bot: {exc.message}", file=sys.stderr)
        if exc.suggestions:
            print(f"Did you mean: {'; '.join(exc.suggestions)}?", file=sys.stderr)
        return 1
    except UserError as exc:
        print(f"episode-bot: {exc.message}", file=sys.stderr)
        return 1


def _stopped(stop: shutdown.Stop) -> int:
    name = stop.signal.name if stop.signal else "a signal"
    print(
        f"episode-bot: stopped by {name}; what was stored before it stays, and the next run loads the rest",
        file=sys.stderr,
    )
    return stop.exit_code


async def _run(
    settings: Settings, command: str, args: argparse.Namespace, load: bool, stop: shutdown.Stop
) -> int:
    db = await Database.open(settings.database_path)
    try:
        kb = KnowledgeBase(db)
        if command == "ingest":
            paths = [Path(p) for p in args.paths] or [settings.data_dir]
            # Only a load of all of DATA_DIR reads the feeds too: `ingest one/file.txt` stays that.
            feeds = None if args.paths else _feeds(settings)
            return _print_report(await kb.ingest(paths, feeds), paths)
        failed = False
        if load:
            failed = await _load_quietly(kb, settings.data_dir, _feeds(settings))
        else:
            await kb.refresh()
        code = await COMMANDS[command](kb, args)
        return max(code, 1) if failed else code  # the answer is printed; the failed file still counts
    finally:
        await db.close()


def _feeds(settings: Settings) -> FeedSources:
    feeds, error = feed_sources(settings)
    if error:
        print(f"note: feeds not read: {printable(error)}", file=sys.stderr)
    return feeds


async def _load_quietly(kb: KnowledgeBase, data_dir: Path, feeds: FeedSources) -> bool:
    """Bring the database up to date with DATA_DIR first, so a fresh checkout needs one command.

    Return whether a file failed: the query still answers, and the exit code says so.
    """
    report = await kb.ingest([data_dir], feeds)
    if report.failed:
        print(
            f"note: {len(report.failed)} file(s) in {printable(str(data_dir))} did not load; "
            "run `episode-bot ingest` for the reasons",
            file=sys.stderr,
        )
    return bool(report.failed)


def _print_report(report: IngestReport, paths: Sequence[Path]) -> int:
    where = printable(", ".join(str(p) for p in paths))
    ignored = f", {len(report.ignored)} ignored" if report.ignored else ""
    print(
        f"{where}: {len(report.loaded)} loaded, {len(report.unchanged)} unchanged, "
        f"{len(report.removed)} removed, {len(report.failed)} failed{ignored}"
    )
    listed = (("loaded", report.loaded), ("unchanged", report.unchanged), ("ignored", report.ignored))
    for label, items in listed:
        for line in items[:LISTED_FILES]:
            print(f"  {label:<9} {line}")
        if len(items) > LISTED_FILES:
            print(f"  {label:<9} ... and {len(items) - LISTED_FILES} more")
    for line in report.removed:
        print(f"  {'removed':<9} {line}")
    for line in report.warnings:
        print(f"  {'warning':<9} {line}")
    for line in report.failed:
        print(f"  {'FAILED':<9} {line}")
    return 1 if report.failed else 0


async def _quote(kb: KnowledgeBase, args: argparse.Namespace) -> int:
    person = kb.resolve_speaker(args.speaker)
    ep = await kb.resolve_episode(args.episode) if args.episode else None
    hits = await kb.quotes_by_speaker(person, ep)
    if not hits:
        raise NotFoundError("quote", person.name + (f" in {ep.label}" if ep else ""))
    print(f"{person.name}: {len(hits)} quote{'s' if len(hits) != 1 else ''}")
    episode_id = None
    for hit in hits:
        if hit.episode.id != episode_id:
            episode_id = hit.episode.id
            print(f"\n{hit.episode.label}")
        _print_quote(hit)
    return 0


def _print_quote(hit: QuoteHit) -> None:
    stamp = format_offset(hit.seconds)
    print(_wrap(f"“{hit.text}”", f"  {stamp:>8}  ", " " * 12))
    print(" " * 12 + (hit.link or f"▶ {stamp}"))


async def _ask(kb: KnowledgeBase, args: argparse.Namespace) -> int:
    passages = await kb.ask(args.question)
    if not passages:
        print("Nothing in the episodes answers that; try other words or a speaker's name.")
        return 1
    for number, passage in enumerate(passages, 1):
        _print_passage(number, passage)
    return 0


def _print_passage(number: int, passage: Passage) -> None:
    who = f"{passage.speaker.name}, " if passage.speaker else ""
    where = f" at {format_offset(passage.seconds)}" if passage.seconds is not None else ""
    print(f"{number}. {passage.kind}: {who}{passage.episode.label}{where}")
    text = f"“{passage.text}”" if passage.kind == "quote" else passage.text
    print(_wrap(text, "   ", "   "))
    if passage.link:
        print(f"   {passage.link}")


async def _takeaways(kb: KnowledgeBase, args: argparse.Namespace) -> int:
    ep = await kb.resolve_episode(args.episode)
    items = await kb.takeaways(ep)
    print(ep.label)
    if not items:
        print("  (this episode lists no key takeaways)")
    for item in items:
        print(_wrap(item.text, f"  {item.position}. ", "     "))
    return 0


async def _related(kb: KnowledgeBase, args: argparse.Namespace) -> int:
    ep = await kb.resolve_episode(args.episode)
    items = await kb.related(ep)
    print(f"Related to {ep.label}")
    if not items:
        print("  (nothing related found)")
    for item in items:
        known = "" if item.episode else " (not in the data)"
        print(_wrap(f"{item.title}{known}", "  - ", "    "))
        print(f"    why: {item.reason}")
    return 0


async def _search(kb: KnowledgeBase, args: argparse.Namespace) -> int:
    ep = await kb.resolve_episode(args.episode) if args.episode else None
    person = kb.resolve_speaker(args.speaker) if args.speaker else None
    hits = await kb.search_moments(args.text, ep, person, limit=SEARCH_RESULTS)
    if not hits:
        where = " ".join(
            x for x in (f"by {person.name}" if person else "", f"in {ep.label}" if ep else "") if x
        )
        raise NotFoundError("moment" + (f" {where}" if where else ""), args.text)
    for number, hit in enumerate(hits, 1):
        chapter = f" · {hit.chapter}" if hit.chapter else ""
        who = hit.speaker or "Unknown speaker"
        print(f"{number}. {who} at {format_offset(hit.seconds)}: {hit.episode.label}{chapter}")
        print(_wrap(f"“{hit.context}”", "   ", "   "))
        if hit.link:
            print(f"   {hit.link}")
    return 0


async def _chapters(kb: KnowledgeBase, args: argparse.Namespace) -> int:
    ep = await kb.resolve_episode(args.episode)
    items = await kb.chapters(ep)
    print(f"Chapters of {ep.label}")
    if not items:
        print("  (this episode has no chapters in the data)")
    for item in items:
        print(f"  {format_offset(item.seconds):>8}  {item.title or f'Chapter {item.position}'}")
        if item.link:
            print(f"            {item.link}")
    return 0


async def _stats(kb: KnowledgeBase, args: argparse.Namespace) -> int:
    counts = await kb.stats()
    width = max(len(name) for name in counts)
    for name, value in counts.items():
        print(f"{name.replace('_', ' '):<{width}}  {value:>8}")
    shows = kb.shows()
    if shows:
        print(f"show names: {', '.join(shows)}")
    return 0


def _wrap(text: str, first: str, rest: str) -> str:
    width = max(40, min(100, shutil.get_terminal_size((100, 20)).columns))
    return textwrap.fill(text, width=width, initial_indent=first, subsequent_indent=rest)


COMMANDS = {
    "ask": _ask,
    "quote": _quote,
    "takeaways": _takeaways,
    "related": _related,
    "search": _search,
    "chapters": _chapters,
    "stats": _stats,
}
