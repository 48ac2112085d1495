"""Benchmark the knowledge base on synthetic corpora: ingest speed, query latency, peak memory.

Each corpus size runs in its own process, so peak RSS is per size. Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import resource
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.corpus import write_corpus
from bench.sample import sample_rows
from bot import heap
from bot.app import limits
from bot.app.options import episode_choice, speaker_choice
from bot.knowledge import KnowledgeBase
from bot.storage import Database
from bot.text import normalize

QUERIES = (
    ("resolve episode", "resolve"),
    ("takeaways", "takeaways"),
    ("quotes by speaker", "speaker"),
    ("quotes by speaker, one episode", "speaker_episode"),
    ("quotes by a host, all ~500 episodes", "host"),
    ("quotes by a host, first 25", "host_page"),
    ("quote search, clean words", "search"),
    ("quote search, a letter dropped from each word", "search_typo"),
    ("related", "related"),
    ("ask, clean words", "ask"),
    ("ask, a letter dropped from each long word", "ask_typo"),
    ("ask, long chatty question", "ask_chatty"),
    ("autocomplete episodes", "ac_episodes"),
    ("autocomplete speakers", "ac_speakers"),
)
TARGETS = {
    "ingest": ">= 1,000",
    "reingest": "<= 1",
    "speaker": "<= 5",
    "speaker_episode": "<= 5",
    "search": "<= 20",
    "search_typo": "<= 20",
    "ask": "<= 20",
    "ask_typo": "<= 20",
    "ask_chatty": "<= 20",
    "ac_episodes": "<= 5",
    "ac_speakers": "<= 5",
    "rss": "<= 200",
}


def drop_letter(word: str, rng: random.Random) -> str:
    """Drop one letter of a long word, as a hurried typist does."""
    if len(word) <= 4:
        return word
    i = rng.randrange(1, len(word))
    return word[:i] + word[i + 1 :]


def typo(word: str, rng: random.Random) -> str:
    """Swap two neighbouring letters, the commonest typing slip."""
    if len(word) < 4:
        return word
    i = rng.randrange(1, len(word) - 2)
    return word[:i] + word[i + 1] + word[i] + word[i + 2 :]


class Workload:
    """Draw realistic inputs for each query from what is in the database."""

    def __init__(self, kb: KnowledgeBase, db_path: Path, seed: int = 7) -> None:
        self.kb, self.rng = kb, random.Random(seed)
        cat = kb.snapshot.cat  # the benchmark reads the catalogue only to pick inputs
        self.episodes = list(cat.episodes.values())
        self.people = list(cat.people.values())
        self.hosts = sorted(self.people, key=lambda p: -cat.quote_counts.get(p.id, 0))[:20]
        with sqlite3.connect(db_path) as raw:
            self.quotes = sample_rows(
                raw,
                "SELECT id FROM quotes WHERE person_id IS NOT NULL ORDER BY id",
                "SELECT s.text, p.name, s.episode_id FROM segments s JOIN people p ON p.id = s.person_id "
                "WHERE s.id = ?",
                2000,
                self.rng,
            )
            takeaways = sample_rows(
                raw,
                "SELECT id FROM takeaways ORDER BY id",
                "SELECT text FROM takeaways WHERE id = ?",
                500,
                self.rng,
            )
        self.takeaways = [row[0] for row in takeaways]

    def words(self, text: str, count: int) -> list[str]:
        """Return `count` distinct longer words of `text`, in order."""
        words = list(dict.fromkeys(w for w in normalize(text).split() if len(w) > 4))
        picked = sorted(self.rng.sample(range(len(words)), min(count, len(words))))
        return [words[i] for i in picked]

    def calls(self) -> dict[str, Callable[[], Awaitable[object]]]:
        """Return one zero-argument coroutine factory per query, each drawing a fresh input."""
        kb, rng = self.kb, self.rng

        async def resolve():
            ep = rng.choice(self.episodes)
            form = rng.randrange(4)
            if form == 0:
                return await kb.resolve_episode(f"#{ep.number}")
            if form == 1:
                return await kb.resolve_episode(f"{ep.show.split()[0]} {ep.number}")
            if form == 2:
                return await kb.resolve_episode(ep.key)
            words = normalize(ep.title).split()[:4]
            return await kb.resolve_episode(" ".join([typo(words[0], rng), *words[1:]]))

        async def speaker():
            return await kb.quotes_by_speaker(kb.resolve_speaker(rng.choice(self.people).name))

        async def speaker_episode():
            _, name, episode_id = rng.choice(self.quotes)
            return await kb.quotes_by_speaker(kb.resolve_speaker(name), kb.snapshot.cat.episodes[episode_id])

        async def host():
            return await kb.quotes_by_speaker(rng.choice(self.hosts))

        async def host_page():
            return await kb.quotes_by_speaker(rng.choice(self.hosts), limit=25)

        async def search(typos: bool = False):
            if rng.random() < 0.1:
                return await kb.search_quotes(rng.choice(("banana bread recipe", "quantum zebra", "the of")))
            words = self.words(rng.choice(self.quotes)[0], 4)
            if typos:
                words = [drop_letter(w, rng) for w in words]
            return await kb.search_quotes(" ".join(words))

        async def ask(typos: bool = False, chatty: bool = False):
            text, name, _ = rng.choice(self.quotes)
            source = text if rng.random() < 0.5 else rng.choice(self.takeaways)
            words = self.words(source, 2)
            if typos:
                words = [drop_letter(w, rng) for w in words]
            first = name.split()[0] if source is text else "they"
            if chatty:
                return await kb.ask(
                    f"hey so i was listening to the show on my way to work the other day and i wondered, "
                    f"what did {first} actually say about {' and '.join(words)}? thanks!"
                )
            return await kb.ask(f"what does {first} say about {' '.join(words)}")

        async def ac_episodes():
            title = rng.choice(self.episodes).title
            found = kb.suggest_episodes(title[: rng.randint(2, 20)], limits.CHOICES)
            return [episode_choice(ep) for ep in found]

        async def ac_speakers():
            name = rng.choice(self.people).name
            found = kb.suggest_speakers(typo(name[: rng.randint(2, 12)], rng), limits.CHOICES)
            return [speaker_choice(kb, person) for person in found]

        async def takeaways():
            return await kb.takeaways(rng.choice(self.episodes))

        async def related():
            return await kb.related(rng.choice(self.episodes))

        return {
            "resolve": resolve, "takeaways": takeaways, "speaker": speaker,
            "speaker_episode": speaker_episode, "host": host, "host_page": host_page, "search": search,
            "search_typo": lambda: search(typos=True), "related": related,
            "ask": ask, "ask_typo": lambda: ask(typos=True), "ask_chatty": lambda: ask(chatty=True),
            "ac_episodes": ac_episodes, "ac_speakers": ac_speakers,
        }  # fmt: skip


async def measure(corpus: Path, db_path: Path, samples: int, semantic: bool) -> dict[str, object]:
    """Ingest `corpus` cold and again, then time every query; return the figures."""
    db = await Database.open(db_path)
    try:
        # As the bot's own process does (runner.knowledge): each loaded catalogue is kept out of
        # garbage collections, so a full collection over it never lands inside a timed query.
        kb = KnowledgeBase(db, semantic=semantic, after_reload=heap.settle)
        start = time.perf_counter()
        report = await kb.ingest([corpus])
        cold = time.perf_counter() - start
        start = time.perf_counter()
        again = await kb.ingest([corpus])
        warm = time.perf_counter() - start
        if not report.ok or len(again.unchanged) != len(report.loaded):
            raise RuntimeError(f"corpus did not load cleanly: {report.failed[:3]}")
        results: dict[str, object] = {"ingest": len(report.loaded) / cold, "reingest": warm}
        for name, call in Workload(kb, db_path).calls().items():
            for _ in range(min(20, samples)):  # warm caches
                await call()
            times = []
            for _ in range(samples):
                start = time.perf_counter()
                await call()
                times.append((time.perf_counter() - start) * 1000)
            times.sort()
            results[name] = (statistics.median(times), times[min(len(times) - 1, int(len(times) * 0.99))])
        results["rss"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        return results
    finally:
        await db.close()


def run_size(episodes: int, samples: int, workdir: Path, semantic: bool) -> dict[str, object]:
    """Generate a corpus, then measure it in a fresh process so peak RSS belongs to this size."""
    corpus, db_path = workdir / f"corpus-{episodes}", workdir / f"kb-{episodes}.db"
    write_corpus(corpus, episodes)
    out = subprocess.run(
        [sys.executable, __file__, "--measure", str(corpus), "--db", str(db_path), "--samples", str(samples),
         *([] if semantic else ["--words-only"])],
        check=True, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    return json.loads(out.stdout.strip().splitlines()[-1])


def table(sizes: list[int], results: list[dict[str, object]]) -> str:
    """Render the figures as a Markdown table."""
    head = "| measure | " + " | ".join(f"{n:,} episodes" for n in sizes) + " | target at 10,000 |"
    lines = [head, "|" + "---|" * (len(sizes) + 2)]
    lines.append("| cold ingest (episodes/s) | " + " | ".join(f"{r['ingest']:,.0f}" for r in results)
                 + f" | {TARGETS['ingest']} |")  # fmt: skip
    lines.append("| unchanged re-ingest (s) | " + " | ".join(f"{r['reingest']:.2f}" for r in results)
                 + f" | {TARGETS['reingest']} |")  # fmt: skip
    for label, key in QUERIES:
        cells = " | ".join(f"{r[key][0]:.2f} / {r[key][1]:.2f}" for r in results)
        lines.append(f"| {label}, p50 / p99 (ms) | {cells} | {TARGETS.get(key, '-')} (p99) |")
    lines.append(
        "| peak RSS (MB) | " + " | ".join(f"{r['rss']:.0f}" for r in results) + f" | {TARGETS['rss']} |"
    )
    return "\n".join(lines)


def main() -> int:
    """Run the benchmark for each size and print the table."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000], help="episodes per corpus")
    parser.add_argument("--samples", type=int, default=300, help="timed calls per query")
    parser.add_argument("--words-only", action="store_true", help="leave /ask's optional word vectors out")
    parser.add_argument("--measure", type=Path, help=argparse.SUPPRESS)  # internal: one size, JSON out
    parser.add_argument("--db", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(asyncio.run(measure(args.measure, args.db, args.samples, not args.words_only))))
        return 0
    with tempfile.TemporaryDirectory(prefix="bench-kb-") as tmp:
        results = [run_size(n, args.samples, Path(tmp), not args.words_only) for n in args.sizes]
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    print(f"Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}, {cores} cores\n")
    print(table(args.sizes, results))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
