"""Benchmark feeds: a 1,000-item feed read and imported, an unchanged poll, one new item.

A local aiohttp server in its own process (as a podcast host is another machine) serves a
generated RSS feed with iTunes and Podcasting 2.0 tags: HTML show notes with links and chapter
lines, people, a soundbite, and a WebVTT transcript and a chapters file for every item, with
ETags, so an unchanged feed is answered 304. Meanwhile, on the bot's event loop, a 5 ms ticker
measures how late the loop runs, and a stream of command-like calls (episode lookup with its
takeaways, /ask, autocomplete) measures what members would wait.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import multiprocessing
import os
import platform
import random
import resource
import sqlite3
import statistics
import sys
import tempfile
import time
from email.utils import format_datetime
from pathlib import Path
from typing import cast

from aiohttp import web
from discord import app_commands

from bench.words import EnglishWords
from bot.app import limits
from bot.app.options import episode_choice
from bot.config import Settings
from bot.feeds.feedlist import add_feed, feeds_path
from bot.feeds.poll import PollResult, poll_feeds
from bot.knowledge import KnowledgeBase
from bot.live.updates import Updater
from bot.runner import SWITCH_INTERVAL_S, updater
from bot.storage import Database

HEAD = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd"
 xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:podcast="https://podcastindex.org/namespace/1.0">
<channel><title>Bench Show</title><link>{base}/</link><description>A show.</description>
<lastBuildDate>{built}</lastBuildDate>
<podcast:person role="host">Dana Whitfield</podcast:person>
"""
QUESTIONS = ("what did they say about money", "how to sleep better", "the history of music", "teh best books")


def item_xml(number: int, base: str, words: EnglishWords, rng: random.Random) -> str:
    """Return one item with realistic show notes and every tag the reader maps."""
    title = " ".join(words.sample(6)).title()
    notes = "".join(
        f"<p>{words.sentence(25)} <a href='https://example.org/{number}/{k}'>{words.sentence(3)}</a></p>"
        for k in range(4)
    )
    chapters = "<br/>".join(f"{m // 60}:{m % 60:02d} {words.sentence(3)}" for m in range(0, 3600, 600))
    published = format_datetime(dt.datetime(2020, 1, 1, tzinfo=dt.UTC) + dt.timedelta(days=number))
    guest = " ".join(w.title() for w in words.rare(2))
    return f"""<item><title>{title}</title><guid isPermaLink="false">bench-{number}</guid>
<itunes:episode>{number}</itunes:episode><itunes:season>{1 + number // 100}</itunes:season>
<itunes:duration>{rng.randint(1800, 10800)}</itunes:duration><pubDate>{published}</pubDate>
<link>{base}/ep/{number}</link><enclosure url="{base}/audio/{number}.mp3" length="1" type="audio/mpeg"/>
<description><![CDATA[{notes}<p>{chapters}</p>]]></description>
<podcast:transcript url="{base}/t/{number}.vtt" type="text/vtt"/>
<podcast:chapters url="{base}/c/{number}.json" type="application/json+chapters"/>
<podcast:person role="guest">{guest}</podcast:person>
<podcast:soundbite startTime="{rng.randint(0, 3000)}" duration="30">{words.sentence(12)}</podcast:soundbite>
</item>
"""


def vtt(words: EnglishWords, cues: int = 60) -> bytes:
    lines = ["WEBVTT", ""]
    for n in range(cues):
        lines += [f"00:{n // 6:02d}:{n % 6 * 10:02d}.000 --> 00:{n // 6:02d}:{n % 6 * 10 + 9:02d}.000",
                  f"<v Dana Whitfield>{words.sentence(20)}", ""]  # fmt: skip
    return "\n".join(lines).encode()


def chapters(words: EnglishWords) -> bytes:
    marks = ",".join(f'{{"startTime":{s},"title":"{words.sentence(3)}"}}' for s in range(0, 3600, 600))
    return ('{"version":"1.2.0","chapters":[' + marks + "]}").encode()


def serve(folder: str, ports: multiprocessing.Queue) -> None:
    """Serve the files of `folder` on a free loopback port until killed: from memory (a host's
    files are served by another machine; this one should cost little of the two cores), with an
    ETag per version of a file, answering 304 when the client has it."""
    cached: dict[str, tuple[int, bytes, str]] = {}  # path -> (mtime_ns, body, etag)

    async def handle(request: web.Request) -> web.Response:
        path = os.path.join(folder, request.match_info["path"])
        try:
            stamp = os.stat(path).st_mtime_ns
        except OSError:
            return web.Response(status=404)
        if path not in cached or cached[path][0] != stamp:
            with open(path, "rb") as file:  # noqa: ASYNC230 (a small file, once per version)
                body = file.read()
            cached[path] = (stamp, body, f'"{stamp:x}-{len(body):x}"')
        _, body, etag = cached[path]
        if request.headers.get("If-None-Match") == etag:
            return web.Response(status=304, headers={"ETag": etag})
        return web.Response(body=body, headers={"ETag": etag})

    async def main() -> None:
        app = web.Application()
        app.router.add_get("/{path:.+}", handle)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        ports.put(site._server.sockets[0].getsockname()[1])  # type: ignore[union-attr]
        await asyncio.Event().wait()

    asyncio.run(main())


def autocomplete(kb: KnowledgeBase, typed: str) -> list[app_commands.Choice[str]]:
    """Return the episode choices /episode offers for `typed`, as the bot builds them."""
    return [episode_choice(ep) for ep in kb.suggest_episodes(typed, limits.CHOICES)]


class Host:
    """The podcast host: a folder of files and a server process serving it."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        context = multiprocessing.get_context("spawn")
        ports = context.Queue()
        self.process = context.Process(target=serve, args=(str(folder), ports), daemon=True)
        self.process.start()
        self.base = f"http://127.0.0.1:{ports.get(timeout=120)}"

    def put(self, name: str, data: bytes) -> None:
        path = self.folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(f".{path.name}.tmp")
        temporary.write_bytes(data)
        os.replace(temporary, path)

    def stop(self) -> None:
        self.process.kill()
        self.process.join()


class Ticker:
    """Measure how late a 5 ms timer fires on the event loop."""

    def __init__(self) -> None:
        self.worst = 0.0
        self._task: asyncio.Task | None = None

    async def _run(self) -> None:
        while True:
            start = time.perf_counter()
            await asyncio.sleep(0.005)
            self.worst = max(self.worst, time.perf_counter() - start - 0.005)

    def __enter__(self) -> Ticker:
        self._task = asyncio.get_running_loop().create_task(self._run())
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._task is not None
        self._task.cancel()


class Members:
    """Send command-like calls every 20 ms, each timed: what a member would wait for an answer."""

    def __init__(self, kb: KnowledgeBase, rng: random.Random, items: int) -> None:
        self.kb, self.rng, self.items = kb, rng, items
        self.latencies: list[float] = []
        self._task: asyncio.Task | None = None

    async def _one(self) -> None:
        choice = self.rng.randrange(3)
        if choice == 0:
            try:
                ep = await self.kb.resolve_episode(str(self.rng.randint(1, self.items)))
                await self.kb.takeaways(ep)
            except Exception:  # noqa: S110 (not loaded yet: still a timed answer)
                pass
        elif choice == 1:
            await self.kb.ask(self.rng.choice(QUESTIONS))
        else:
            autocomplete(self.kb, self.rng.choice(("the", "mo", "be", "wh")))

    async def _run(self) -> None:
        while True:
            start = time.perf_counter()
            await self._one()
            self.latencies.append(time.perf_counter() - start)
            await asyncio.sleep(0.02)

    def __enter__(self) -> Members:
        self.latencies = []
        self._task = asyncio.get_running_loop().create_task(self._run())
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._task is not None
        self._task.cancel()

    def summary(self) -> str:
        if not self.latencies:
            return "-"
        ordered = sorted(self.latencies)
        p99 = ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]
        return f"{statistics.median(ordered) * 1000:.1f} / {p99 * 1000:.1f} ms"


def feed_xml(base: str, body: list[str], built: int) -> bytes:
    stamp = format_datetime(dt.datetime(2026, 1, 1, tzinfo=dt.UTC) + dt.timedelta(minutes=built))
    return (HEAD.format(base=base, built=stamp) + "".join(body) + "</channel></rss>").encode()


async def run(items: int, repeats: int) -> list[tuple[str, str, str]]:
    rng = random.Random(11)
    words = EnglishWords(rng)
    rows: list[tuple[str, str, str]] = []
    with tempfile.TemporaryDirectory() as tmp:
        host = Host(Path(tmp) / "host")
        try:
            base = host.base
            body = [item_xml(n, base, words, rng) for n in range(items, 0, -1)]
            for n in range(1, items + 2 + repeats):
                host.put(f"t/{n}.vtt", vtt(words))
                host.put(f"c/{n}.json", chapters(words))
            host.put("feed.xml", feed_xml(base, body, 0))
            size = (host.folder / "feed.xml").stat().st_size
            print(f"feed: {items} items, {size / 1e6:.1f} MB, every item with a transcript and chapters")
            settings = Settings(
                data_dir=Path(tmp) / "data", database_path=Path(tmp) / "bot.db", feeds_allow_private=True
            )
            settings.data_dir.mkdir()
            add_feed(feeds_path(settings.data_dir), f"{base}/feed.xml")
            db = await Database.open(settings.database_path)
            kb = KnowledgeBase(db)
            try:
                rows += await first_read(db, kb, settings, items, rng)
                rows += await unchanged(db, settings, repeats, items)
                rows += await one_new(
                    db, kb, settings, host, body, words=words, rng=rng, items=items, repeats=repeats
                )
            finally:
                await db.close()
        finally:
            host.stop()
    return rows


def cpu_seconds() -> tuple[float, float]:
    """Return the CPU seconds used so far by this process and by its child processes that ended (the
    worker pools of a feed read and of an ingest end with them; the host's process runs on)."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime, children.ru_utime + children.ru_stime


def recorded_polls(loop: Updater) -> list[tuple[float, PollResult]]:
    """Have the update loop's feed polls kept, each with the moment it ended, in the list returned."""
    polled = loop.poll_feeds
    assert polled is not None
    polls: list[tuple[float, PollResult]] = []

    async def poll() -> PollResult:
        result = cast(PollResult, await polled())  # the worker's poll returns the PollResult itself
        polls.append((time.perf_counter(), result))
        return result

    loop.poll_feeds = poll
    return polls


async def first_read(
    db: Database, kb: KnowledgeBase, settings: Settings, items: int, rng: random.Random
) -> list[tuple[str, str, str]]:
    # As a bot started with a feed listed and an empty database reads it (bot.runner.updater): the
    # update loop's first round starts the ingest's process, polls the feed there, imports what the
    # poll wrote there (the path every later poll takes, not a first load into an empty database),
    # then swaps the catalogue. Its process's CPU is known once it has ended.
    members = Members(kb, rng, items)
    loop = updater(kb, settings, force_polls=True)
    polls = recorded_polls(loop)
    try:
        with Ticker() as ticker, members:
            start, cpu = time.perf_counter(), cpu_seconds()
            loop.files_changed()
            swapped = await loop.step()
            first, cpu_done = time.perf_counter() - start, cpu_seconds()
    finally:
        if loop.close is not None:
            await loop.close()
    cpu_closed = cpu_seconds()
    polled_at, result = polls[0]
    assert result.outcomes[0].ok, result
    assert swapped
    for number in (1, items):
        assert (await kb.resolve_episode(str(number))).number == number
    poll_s, ingest_s = polled_at - start, start + first - polled_at
    print(f"first read and import: {first:.2f} s (poll {poll_s:.2f} s; ingest {ingest_s:.2f} s)")
    return [
        ("first read and import",
         f"{first:.1f} s ({poll_s:.1f} s fetch, parse, cache; {ingest_s:.1f} s ingest)", "<= 10 s"),
        ("first read, CPU seconds: bot process; ingest process with its workers",
         f"{cpu_done[0] - cpu[0]:.1f}; {cpu_closed[1] - cpu[1]:.1f}", "-"),
        ("event loop late at most, first read", f"{ticker.worst * 1000:.0f} ms", "-"),
        ("command-like calls meanwhile, p50 / p99", members.summary(), "-"),
    ]  # fmt: skip


async def unchanged(db: Database, settings: Settings, repeats: int, items: int) -> list[tuple[str, str, str]]:
    walls, cpus = [], []
    for _ in range(repeats * 4 + 1):
        cpu, start = time.process_time(), time.perf_counter()
        result = await poll_feeds(db, settings, force=True)
        walls.append(time.perf_counter() - start)
        cpus.append(time.process_time() - cpu)
        assert result.outcomes[0].result == "not modified", result
        assert not result.ingest_needed
    # The first poll of a feed after a start also checks its cached files once (bot.feeds.poll).
    first_wall, first_cpu = walls.pop(0), cpus.pop(0)
    print(
        f"unchanged poll (304): p50 {statistics.median(walls) * 1000:.1f} ms, max {max(walls) * 1000:.1f} ms"
    )
    return [
        ("unchanged poll (304), wall p50 / max",
         f"{statistics.median(walls) * 1000:.1f} / {max(walls) * 1000:.1f} ms", "<= 50 ms"),
        ("unchanged poll (304), CPU p50 / max",
         f"{statistics.median(cpus) * 1000:.1f} / {max(cpus) * 1000:.1f} ms", "<= 50 ms"),
        (f"first unchanged poll after a start (checks the {3 * items:,} cached files), wall / CPU",
         f"{first_wall * 1000:.0f} / {first_cpu * 1000:.0f} ms", "-"),
    ]  # fmt: skip


async def one_new(
    db: Database, kb: KnowledgeBase, settings: Settings, host: Host, body: list[str], *, words: EnglishWords,
    rng: random.Random, items: int, repeats: int,
) -> list[tuple[str, str, str]]:  # fmt: skip
    members = Members(kb, rng, items)
    with members:
        await asyncio.sleep(2)
    idle = members.summary()
    changed, lags, busy = [], [], []

    # As the running bot reads a feed (bot.runner.updater): the poll, then the ingest of what it
    # wrote, both in the ingest's own process, then the swap. Its first round walks everything
    # and starts that process, as the bot's first round after its start does.
    loop = updater(kb, settings, force_polls=True)
    polls = recorded_polls(loop)
    try:
        loop.files_changed()
        await loop.step()
        for extra in range(repeats):
            number = items + 1 + extra
            body.insert(0, item_xml(number, host.base, words, rng))
            host.put("feed.xml", feed_xml(host.base, body, number))
            with Ticker() as ticker, members:
                start = time.perf_counter()
                loop.wake(feeds=True)
                swapped = await loop.step()
                changed.append(time.perf_counter() - start)
            lags.append(ticker.worst)
            busy += members.latencies
            _, result = polls[-1]
            assert result.new_episodes, result.outcomes
            assert swapped
            assert (await kb.resolve_episode(str(number))).number == number
    finally:
        if loop.close is not None:
            await loop.close()
    members.latencies = busy
    print(
        f"one new item, polled and imported: p50 {statistics.median(changed):.2f} s, max {max(changed):.2f} s"
    )
    return [
        ("one new item, polled and imported, p50 / max",
         f"{statistics.median(changed):.2f} / {max(changed):.2f} s", "<= 2 s"),
        ("event loop late at most, new item", f"{max(lags) * 1000:.0f} ms", "-"),
        ("command-like calls p50 / p99: idle; during new-item reads",
         f"{idle}; {members.summary()}", "within 2x"),
    ]  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    sys.setswitchinterval(
        SWITCH_INTERVAL_S
    )  # this process stands in for the bot's, so it runs as the bot does
    rows = asyncio.run(run(args.items, args.repeats))
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    print(f"\nPython {platform.python_version()}, SQLite {sqlite3.sqlite_version}, {cores} cores\n")
    print(f"| measure ({args.items:,} items) | figure | target |\n|---|---|---|")
    for row in rows:
        print("| " + " | ".join(row) + " |")
    return 0
