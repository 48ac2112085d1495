"""Benchmark feeds: a 1,000-item feed read and imported, an unchanged poll, one new item.

A local aiohttp server (its own thread and event loop) serves a generated RSS feed with iTunes
and Podcasting 2.0 tags: HTML show notes with links and chapter lines, people, a soundbite, and a
WebVTT transcript and a chapters file for every item. Meanwhile a ticker on the bot's event loop
measures how late it runs, which is what a command would wait.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import random
import statistics
import tempfile
import threading
import time
from email.utils import format_datetime
from pathlib import Path

from aiohttp import web

from bench.words import EnglishWords
from bot.config import Settings
from bot.feeds.feedlist import add_feed, feeds_path
from bot.feeds.poll import poll_feeds
from bot.feeds.sources import feed_sources
from bot.knowledge import KnowledgeBase
from bot.storage import Database

HEAD = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd"
 xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:podcast="https://podcastindex.org/namespace/1.0">
<channel><title>Bench Show</title><link>{base}/</link><description>A show.</description>
<podcast:person role="host">Dana Whitfield</podcast:person>
"""


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


class Server:
    """Serve the feed (with ETag), transcripts and chapters from a thread of its own."""

    def __init__(self) -> None:
        self.feed = b""
        self.etag = '"0"'
        self.files: dict[str, bytes] = {}
        self.base = ""
        self._ready = threading.Event()

    def start(self) -> None:
        threading.Thread(target=lambda: asyncio.run(self._serve()), daemon=True).start()
        self._ready.wait(10)

    async def _serve(self) -> None:
        app = web.Application()
        app.router.add_get("/feed.xml", self._feed)
        app.router.add_get("/{kind}/{name}", self._file)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        self.base = f"http://127.0.0.1:{site._server.sockets[0].getsockname()[1]}"  # type: ignore[union-attr]
        self._ready.set()
        await asyncio.Event().wait()

    async def _feed(self, request: web.Request) -> web.Response:
        if request.headers.get("If-None-Match") == self.etag:
            return web.Response(status=304, headers={"ETag": self.etag})
        return web.Response(body=self.feed, headers={"ETag": self.etag}, content_type="application/rss+xml")

    async def _file(self, request: web.Request) -> web.Response:
        body = self.files.get(request.path)
        return web.Response(body=body) if body is not None else web.Response(status=404)


class Ticker:
    """Measure how late a 5 ms timer fires on the event loop: what a command would wait."""

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


async def run(items: int, repeats: int) -> None:
    rng = random.Random(11)
    words = EnglishWords(rng)
    server = Server()
    server.start()
    base = server.base
    body = [item_xml(n, base, words, rng) for n in range(items, 0, -1)]
    for n in range(1, items + 2 + repeats):
        server.files[f"/t/{n}.vtt"] = vtt(words)
        server.files[f"/c/{n}.json"] = (
            '{"version":"1.2.0","chapters":['
            + ",".join(f'{{"startTime":{s},"title":"{words.sentence(3)}"}}' for s in range(0, 3600, 600))
            + "]}"
        ).encode()
    server.feed = (HEAD.format(base=base) + "".join(body) + "</channel></rss>").encode()
    print(f"feed: {items} items, {len(server.feed) / 1e6:.1f} MB, every item with a transcript and chapters")
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(
            data_dir=Path(tmp) / "data", database_path=Path(tmp) / "bot.db", feeds_allow_private=True
        )
        settings.data_dir.mkdir()
        add_feed(feeds_path(settings.data_dir), f"{base}/feed.xml")
        db = await Database.open(settings.database_path)
        kb = KnowledgeBase(db)
        try:
            with Ticker() as ticker:
                start = time.perf_counter()
                result = await poll_feeds(db, settings, force=True)
                polled = time.perf_counter() - start
                report = await kb.ingest([settings.data_dir], feed_sources(settings)[0])
                first = time.perf_counter() - start
            assert result.outcomes[0].ok, result
            assert len(report.loaded) == items, report.failed[:3]
            print(
                f"first read and import: {first:.2f} s (fetch+parse+cache {polled:.2f} s, "
                f"ingest {first - polled:.2f} s); "
                f"event loop late by at most {ticker.worst * 1000:.1f} ms"
            )
            unchanged = []
            for _ in range(repeats * 4):
                start = time.perf_counter()
                result = await poll_feeds(db, settings, force=True)
                unchanged.append(time.perf_counter() - start)
                assert not result.ingest_needed
            print(
                f"unchanged poll (304): p50 {statistics.median(unchanged) * 1000:.1f} ms, "
                f"max {max(unchanged) * 1000:.1f} ms"
            )
            changed, lags = [], []
            for extra in range(repeats):
                number = items + 1 + extra
                body.insert(0, item_xml(number, base, words, rng))
                server.feed = (HEAD.format(base=base) + "".join(body) + "</channel></rss>").encode()
                server.etag = f'"{number}"'
                with Ticker() as ticker:
                    start = time.perf_counter()
                    result = await poll_feeds(db, settings, force=True)
                    report = await kb.ingest([settings.data_dir], feed_sources(settings)[0])
                    changed.append(time.perf_counter() - start)
                lags.append(ticker.worst)
                assert result.new_episodes, result.outcomes
                assert len(report.loaded) == 1, report
                assert (await kb.resolve_episode(str(number))).number == number
            print(
                f"one new item, polled and imported: p50 {statistics.median(changed):.2f} s, "
                f"max {max(changed):.2f} s; "
                f"event loop late by at most {max(lags) * 1000:.1f} ms"
            )
        finally:
            await db.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    asyncio.run(run(args.items, args.repeats))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
