"""Benchmark live updates: a changed file reaching commands, the watcher's idle cost, a feed's new item.

The bot runs as its own process (`python -m bot`) against the local Discord emulator, as in
bench_bot.py. Files: over a DATA_DIR of synthetic episodes (bench/corpus.py), members send
`/takeaways` and episode autocomplete every 20 ms (each from its own member) while episodes are
added, edited and removed; the figure is the time from writing the file until autocomplete shows
the change, and the commands' latency during those reloads against the same commands before.
Idle: the bot's CPU with nothing happening, and the two ways of watching DATA_DIR (file-system
events, or a scan every 2 s) alone in a process each. Feed: a local feed server with a feed of
1,000 items read at start (its back catalogue, never announced), then one new item; the figure
is from the server sending the changed feed to the emulator receiving the announcement.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # the emulator lives in tests/, which is not an installed package

from aiohttp import web  # noqa: E402

from bench import corpus  # noqa: E402
from bench.bench_bot import bot_env  # noqa: E402
from bench.feeds import HEAD, chapters, item_xml, vtt  # noqa: E402
from bench.words import EnglishWords  # noqa: E402
from bot.feeds.feedlist import add_feed, feeds_path  # noqa: E402
from bot.ingest.files import find_sources  # noqa: E402
from tests.emulator import Emulator, Member  # noqa: E402

MEMBERS = 400
EVERY_S = 0.02
CLK_TCK = os.sysconf("SC_CLK_TCK")


@dataclass
class Load:
    """Send /takeaways and autocomplete every EVERY_S, recording (sent at, latency)."""

    emu: Emulator
    keys: list[str]
    members: itertools.cycle
    rng: random.Random
    samples: list[tuple[float, float]] = field(default_factory=list)
    failed: int = 0
    _tasks: set[asyncio.Task[None]] = field(default_factory=set)

    async def run(self) -> None:
        """Start one interaction every EVERY_S until cancelled (they overlap when slow)."""
        while True:
            task = asyncio.create_task(self._one(next(self.members)))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
            await asyncio.sleep(EVERY_S)

    async def _one(self, member: Member) -> None:
        sent = time.monotonic()
        try:
            if self.rng.random() < 0.5:
                ix = await self.emu.invoke("/takeaways", member=member, settle=False, within=3.0,
                                           episode=self.rng.choice(self.keys))  # fmt: skip
            else:
                typed = self.rng.choice(self.keys)[: self.rng.randint(3, 8)]
                ix = await self.emu.autocomplete("/takeaways", "episode", typed, member=member)
        except AssertionError:
            self.failed += 1
            return
        if ix.latency is not None:
            self.samples.append((sent, ix.latency))


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


def cpu_seconds(pid: int) -> float:
    """Return a process's user + system CPU seconds so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


async def start_bot(
    emu: Emulator, data: Path, db: Path, log: Path, **extra: str
) -> asyncio.subprocess.Process:
    """Start `python -m bot` against the emulator and wait until its gateway session is up."""
    env = bot_env(emu, data, db, LOG_LEVEL="INFO", **extra)
    with log.open("wb") as out:
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", cwd=db.parent, env=env, stdout=out, stderr=subprocess.STDOUT
        )
    async with asyncio.timeout(600):
        while not any(s.ws is not None for s in emu.sessions):
            if proc.returncode is not None:
                raise RuntimeError(f"the bot exited with code {proc.returncode}; see {log}")
            await asyncio.sleep(0.05)
    return proc


async def stop_bot(proc: asyncio.subprocess.Process) -> None:
    proc.send_signal(signal.SIGTERM)
    await asyncio.wait_for(proc.wait(), 15)


async def until(check: Callable[[], Awaitable[bool]], within: float) -> float:
    """Return seconds until `check()` holds, polling every 20 ms."""
    start = time.monotonic()
    while not await check():
        if time.monotonic() - start > within:
            raise TimeoutError("the change never became visible")
        await asyncio.sleep(0.02)
    return time.monotonic() - start


async def shows(emu: Emulator, member: Member, typed: str, title: str) -> bool:
    """Tell whether autocomplete lists `title` now (a late answer counts as not yet; Load counts it)."""
    try:
        choices = (await emu.autocomplete("/takeaways", "episode", typed, member=member)).choices
    except AssertionError:
        return False
    return any(title in c["name"] for c in choices or ())


def change_page(number: int, title: str) -> str:
    return (f"{title} | Live Bench Show #{number}\nA page written while the bot runs.\nKey takeaways\n"
            f"- • {title} matters.\n")  # fmt: skip


async def files_run(args: argparse.Namespace, tmp: Path) -> list[tuple[str, str, str]]:
    """Measure add, edit and remove of files in a large DATA_DIR while members use the bot."""
    data = tmp / "data"
    corpus.write_corpus(data, args.episodes, seed=7)
    keys = [files.key for files in find_sources([data])]
    rows = []
    async with Emulator() as emu:
        await emu.setup_world()
        members = itertools.cycle([await emu.create_member(emu.guild, f"m{n}") for n in range(MEMBERS)])
        started = time.monotonic()
        proc = await start_bot(emu, data, tmp / "files.db", tmp / "files.log")
        load = Load(emu, keys, members, random.Random(3))
        loading: asyncio.Task[None] | None = None
        try:
            probe = next(members)
            await until(lambda: shows(emu, probe, "", ""), 600)  # blank: the latest episodes
            print(f"started over {args.episodes} episodes in {time.monotonic() - started:.1f} s")
            await asyncio.sleep(3)  # start-up work settles (the first announcement pass, GUILD_CREATE)
            before = cpu_seconds(proc.pid)
            await asyncio.sleep(args.idle)
            idle = (cpu_seconds(proc.pid) - before) / args.idle * 100
            loading = asyncio.create_task(load.run())
            await asyncio.sleep(args.baseline)
            windows, visible = await changes(emu, data, probe, args.changes)
        finally:
            if loading is not None:
                loading.cancel()
                await asyncio.gather(loading, *load._tasks, return_exceptions=True)
            await stop_bot(proc)
        leaks, violations = len(emu.take_leaks()), len(emu.take_violations())
    start = windows[0][0]
    base = [lat for sent, lat in load.samples if sent < start]
    during = [lat for sent, lat in load.samples if any(a <= sent <= b for a, b in windows)]
    ms = lambda values, q: f"{pct(values, q) * 1000:.1f}"  # noqa: E731
    rows.append((f"file change visible to commands ({args.episodes:,} episodes), p50 / max",
                 f"{pct(visible, 0.5):.2f} / {max(visible):.2f} s", "<= 10 s"))  # fmt: skip
    rows.append(
        ("commands before, p50 / p99 (ms)", f"{ms(base, 0.5)} / {ms(base, 0.99)} (n={len(base)})", "-")
    )
    rows.append((
        "commands during the reloads, p50 / p99 (ms)",
        f"{ms(during, 0.5)} / {ms(during, 0.99)} (n={len(during)})",
        f"p99 <= {2 * pct(base, 0.99) * 1000:.1f} (2x)",
    ))  # fmt: skip
    rows.append(("bot idle CPU", f"{idle:.2f} %", "< 1 %"))
    rows.append(
        ("lost answers, mention leaks, rejected payloads", f"{load.failed}, {leaks}, {violations}", "0")
    )
    rows += watcher_rows(data, args.idle)
    return rows


async def changes(emu: Emulator, data: Path, probe: Member, count: int) -> tuple[list, list[float]]:
    """Add, edit and remove episode files in turn; return the windows and the seconds each took to show."""
    windows, visible = [], []
    for n in range(count):
        number, path = 90_000 + n // 3, data / f"live-{n // 3}.txt"
        title = f"Zephyrine Quokka {n // 3}"
        step = n % 3
        start = time.monotonic()
        if step == 0:
            path.write_text(change_page(number, title), encoding="utf-8")
            seen = lambda t=title: shows(emu, probe, "zephyrine quokka", t)  # noqa: E731
        elif step == 1:
            path.write_text(change_page(number, title + " Revised"), encoding="utf-8")
            seen = lambda t=title: shows(emu, probe, "zephyrine quokka", t + " Revised")  # noqa: E731
        else:
            path.unlink()

            async def seen(t: str = title) -> bool:
                return not await shows(emu, probe, "zephyrine quokka", t)

        took = await until(seen, 60)
        windows.append((start, start + took))
        visible.append(took)
        await asyncio.sleep(2)
    return windows, visible


WATCH_SCRIPT = """
import asyncio, sys, time, os
from pathlib import Path
from bot.live.watch import FileWatcher
async def main():
    watcher = FileWatcher(Path(sys.argv[1]), lambda paths: None, scan_interval=2.0)
    task = asyncio.create_task(watcher._watch(sys.argv[2] == "scan"))
    await asyncio.sleep(3)
    start = os.times()
    await asyncio.sleep(float(sys.argv[3]))
    end = os.times()
    used = (end.user + end.system + end.children_user) - (start.user + start.system + start.children_user)
    print(used / float(sys.argv[3]) * 100)
    watcher.stop()
    await asyncio.wait_for(task, 5)
asyncio.run(main())
"""


def watcher_rows(data: Path, seconds: float) -> list[tuple[str, str, str]]:
    """Return the idle CPU of watching DATA_DIR by events and by a scan every 2 s, each alone."""
    rows = []
    for mode, name in (("events", "file-system events (watchfiles, inotify)"), ("scan", "a scan every 2 s")):
        out = subprocess.run(
            [sys.executable, "-c", WATCH_SCRIPT, str(data), mode, str(seconds)],
            capture_output=True, text=True, check=True, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)},
        )  # fmt: skip
        rows.append((f"watching alone, idle CPU: {name}", f"{float(out.stdout.split()[-1]):.2f} %", "< 1 %"))
    return rows


@dataclass
class FeedHost:
    """A podcast host in this process: serves the feed from memory and notes when it served what."""

    body: bytes = b""
    served: list[tuple[float, bytes]] = field(default_factory=list)

    async def feed(self, _request: web.Request) -> web.Response:
        self.served.append((time.monotonic(), self.body))
        return web.Response(body=self.body, content_type="application/rss+xml")


async def feed_run(args: argparse.Namespace, tmp: Path) -> list[tuple[str, str, str]]:
    """Time a feed's one new item from the host sending it to the announcement arriving."""
    rng = random.Random(11)
    words = EnglishWords(rng)
    host = FeedHost()
    transcript, chapter_file = vtt(words), chapters(words)
    app = web.Application()
    app.router.add_get("/feed.xml", host.feed)
    app.router.add_get("/t/{n}", lambda _r: web.Response(body=transcript))
    app.router.add_get("/c/{n}", lambda _r: web.Response(body=chapter_file, content_type="application/json"))
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    base = f"http://127.0.0.1:{site._server.sockets[0].getsockname()[1]}"  # type: ignore[union-attr]
    items = [item_xml(n, base, words, rng) for n in range(args.feed_items, 0, -1)]

    def publish(body: list[str]) -> None:
        host.body = (HEAD.format(base=base, built="Thu, 01 Jan 2026 00:00:00 +0000") + "".join(body)
                     + "</channel></rss>").encode()  # fmt: skip

    publish(items)
    data = tmp / "feed-data"
    data.mkdir()
    add_feed(feeds_path(data), f"{base}/feed.xml")
    try:
        async with Emulator() as emu:
            await emu.setup_world()
            proc = await start_bot(emu, data, tmp / "feed.db", tmp / "feed.log",
                                   FEEDS_ALLOW_PRIVATE="1", FEED_POLL_MINUTES="1")  # fmt: skip
            try:
                probe = await emu.create_member(emu.guild, "probe")
                first = await until(lambda: shows(emu, probe, "", ""), 600)
                await emu.invoke("/announce set", member=emu.admin, options={"channel": emu.channel})
                print(f"feed of {args.feed_items} items read and imported {first:.1f} s after connecting")
                await asyncio.sleep(2)
                back_catalogue = len(emu.posts_in(emu.channel))
                new = item_xml(args.feed_items + 1, base, words, rng)
                publish([new, *items])
                changed = host.body
                await emu.wait_until(lambda: emu.posts_in(emu.channel), within=180, what="the announcement")
                posted = time.monotonic()
                await asyncio.sleep(3)
                posts = len(emu.posts_in(emu.channel))
            finally:
                await stop_bot(proc)
    finally:
        await runner.cleanup()
    sent = next(at for at, body in host.served if body == changed)
    took = posted - sent
    return [
        (f"feed ({args.feed_items:,} items): new item imported and announced", f"{took:.2f} s", "<= 2 s"),
        ("back catalogue announced / new item posts", f"{back_catalogue} / {posts}", "0 / 1"),
    ]


def table(rows: list[tuple[str, str, str]]) -> str:
    lines = ["| measure | result | target |", "|---|---|---|"]
    return "\n".join(lines + [f"| {a} | {b} | {c} |" for a, b, c in rows])


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--episodes", type=int, default=10_000)
    parser.add_argument("--changes", type=int, default=9, help="add, edit, remove, three times")
    parser.add_argument("--baseline", type=float, default=15.0, help="seconds of load before any change")
    parser.add_argument("--idle", type=float, default=20.0, help="seconds of idle CPU measurement")
    parser.add_argument("--feed-items", type=int, default=1000)
    parser.add_argument("--skip-feed", action="store_true")
    return parser.parse_args(argv)


async def run(args: argparse.Namespace) -> list[tuple[str, str, str]]:
    with tempfile.TemporaryDirectory(prefix="bench-live-") as tmp:
        rows = await files_run(args, Path(tmp))
        if not args.skip_feed:
            rows += await feed_run(args, Path(tmp))
    return rows


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    with contextlib.suppress(KeyboardInterrupt):
        print(table(asyncio.run(run(args))))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
