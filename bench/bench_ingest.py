"""Benchmark ingest safety: linear parsing, oversized files, and how long a command's write waits.

A member's `/daily set` is a small write; while a bulk ingest runs (the bot's start-up ingest, or
`python -m bot ingest` in another process) it must never wait more than a fraction of a second.
This script writes a synthetic corpus (bench/corpus.py), loads it once with writes arriving from
this process and once from a CLI ingest in another process, and reports the waits.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import functools
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.corpus import write_corpus
from bot.errors import DataError
from bot.ingest.files import SourceFiles, read_contents
from bot.ingest.page import parse_page
from bot.ingest.run import ingest
from bot.storage import Database

COMMAND_EVERY_S = 0.025  # a member's write every 25 ms for as long as the ingest runs


def best_of(runs: int, work) -> float:
    """Return the fastest of `runs` timings of `work()`, in seconds."""
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return min(times)


def parse_figures(folder: Path) -> dict[str, float]:
    """Time parsing 4,000 and 40,000 takeaways, and refusing a 50 MB page."""
    figures = {}
    for count in (4_000, 40_000):
        text = "Big | Show #1\nKey takeaways\n" + "".join(
            f"- takeaway {n}: what the guest said about scaling, data and tools\n" for n in range(count)
        )
        parse = functools.partial(parse_page, text, Path("big.txt"))
        figures[f"parse {count:,} takeaways"] = best_of(3, parse)
    big = folder / "fifty.txt"
    with big.open("wb") as file:
        file.truncate(50 * 1024 * 1024)

    def refuse() -> None:
        with contextlib.suppress(DataError):
            read_contents(SourceFiles("fifty", big, None))

    figures["refuse a 50 MB page"] = best_of(3, refuse)
    big.unlink()
    return figures


async def commands(db: Database, running: asyncio.Future) -> list[float]:
    """Write like `/daily set` every COMMAND_EVERY_S until `running` ends; return each write's wait."""
    waits = []
    while not running.done():
        started = time.perf_counter()
        await db.set_state("bench:daily", str(started))
        waits.append(time.perf_counter() - started)
        await asyncio.sleep(COMMAND_EVERY_S)
    return waits


async def in_process(corpus: Path, db_path: Path) -> tuple[float, int, list[float]]:
    """Ingest `corpus` in this process while commands write; return (seconds, episodes, waits)."""
    db = await Database.open(db_path)
    try:
        started = time.perf_counter()
        loading = asyncio.ensure_future(ingest(db, [corpus]))
        waits = await commands(db, loading)
        report = await loading
        return time.perf_counter() - started, len(report.loaded), waits
    finally:
        await db.close()


async def other_process(corpus: Path, db_path: Path) -> tuple[float, list[float]]:
    """Run `python -m bot ingest` in another process while this one writes; return (seconds, waits)."""
    db = await Database.open(db_path)
    try:
        env = {**os.environ, "DATABASE_PATH": str(db_path), "DATA_DIR": str(corpus)}
        started = time.perf_counter()
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "ingest", env=env, stdout=asyncio.subprocess.DEVNULL
        )
        waiting = asyncio.ensure_future(process.wait())
        waits = await commands(db, waiting)
        await waiting
        return time.perf_counter() - started, waits
    finally:
        await db.close()


def wait_row(label: str, waits: list[float]) -> str:
    ordered = sorted(waits)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return (
        f"| {label} | {len(waits)} | {statistics.median(ordered) * 1000:.1f} ms | {p99 * 1000:.0f} ms "
        f"| {ordered[-1] * 1000:.0f} ms |"
    )


async def main() -> int:
    """Write the corpus, measure, and print the Markdown tables."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--episodes", type=int, default=3000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        figures = parse_figures(folder)
        corpus = folder / "corpus"
        write_corpus(corpus, args.episodes)
        seconds, loaded, here = await in_process(corpus, folder / "here.db")
        other_seconds, there = await other_process(corpus, folder / "there.db")
    print("| Parsing | Time |")
    print("|---|---|")
    for name, value in figures.items():
        print(f"| {name} | {value * 1000:.0f} ms |")
    print()
    print(f"Cold ingest of {loaded:,} episodes: {seconds:.1f} s here, {other_seconds:.1f} s from the CLI.")
    print()
    print("| A command's write during a bulk ingest | writes | median wait | p99 | max |")
    print("|---|---|---|---|---|")
    print(wait_row("ingest in the same process (the bot's own)", here))
    print(wait_row("ingest in another process (`python -m bot ingest`)", there))
    return 0


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main()))
