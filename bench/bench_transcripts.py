"""Benchmark transcripts on the 700-hour reference archive: ingest, search, ask, size, the bot.

Writes the archive with bench/transcripts.py (300 episodes, about 400,000 WebVTT cues), then:

1. in a fresh process, the knowledge base: a cold ingest of the archive into an empty database,
   the same ingest with nothing changed, one new 3-hour episode added; the database's size next to
   the transcripts'; then /search, /ask and Find quote as the knowledge base answers them
   (wall time and this process's CPU time, since the machine may be shared);
2. the bot as its own process (`python -m bot`, starting on an empty database, so its peak memory
   includes the cold ingest) against the local Discord emulator: /search, /ask and Find quote
   one at a time and 50 in flight, each from its own member.

Inputs are drawn from the stored moments the way members type them: a few remembered words with
a typo, plain English words, long chatty sentences around a half-remembered phrase, a speaker's
name; questions naming a person or a topic; 40-word lines pasted from a transcript for Find quote.
Prints Markdown tables. `--archive DIR` keeps (and reuses) the generated archive.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import json
import os
import platform
import random
import re
import resource
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench import transcripts as archive  # noqa: E402
from bench.bench_bot import Sample, pct, peak_rss_mb  # noqa: E402
from bench.sample import sample_rows  # noqa: E402

MEMBERS = 600  # each request from its own member: the 5-per-10-s cooldowns never trigger
NEW_EPISODE_HOURS = 3.0
SUMMARY = ".summary.json"  # hidden: the data walk skips it
TARGETS = {
    "cold": "<= 60 s (>= 40,000 cues/s)",
    "reingest": "<= 1 s",
    "add": "<= 2 s",
    "size": "<= 2.5x",
    "search": "<= 30 ms (p99)",
    "ask": "<= 30 ms (p99)",
    "find": "<= 50 ms (p99)",
}
BOT_TARGETS = {
    "/search": "<= 60 ms one at a time, <= 500 ms in flight",
    "/ask": "<= 60 ms one at a time, <= 500 ms in flight",
    "Find quote (40 words)": "<= 50 ms one at a time",
}
CHATTY_OPENINGS = (
    "does anyone remember the part where they talk about",
    "there was this bit, i think near the end, about",
    "someone said something like",
    "which episode was it where the guest went on about",
)
CHATTY_CLOSINGS = ("i think it was a while ago", "or something like that", "can't find it anywhere", "")


def typo(word: str, rng: random.Random) -> str:
    """Swap two neighbouring letters, the commonest typing slip."""
    if len(word) < 4:
        return word
    at = rng.randrange(1, len(word) - 2)
    return word[:at] + word[at + 1] + word[at] + word[at + 2 :]


def words_of(text: str) -> list[str]:
    """Return a moment's words without punctuation, as someone would retype them."""
    return [w for w in re.findall(r"[\w']+", text.lower()) if w]


class Inputs:
    """Draw what members type, from the moments and people stored in the database."""

    def __init__(self, db_path: Path, seed: int = 7) -> None:
        import wordfreq  # noqa: PLC0415 (the benchmark's own input, not the bot's)

        self.rng = random.Random(seed)
        with contextlib.closing(sqlite3.connect(db_path)) as raw:
            self.moments = sample_rows(
                raw,
                "SELECT id FROM segments WHERE kind = 'moment' ORDER BY id",
                "SELECT s.text, p.name, e.key FROM segments s JOIN episodes e ON e.id = s.episode_id "
                "LEFT JOIN people p ON p.id = s.person_id WHERE s.id = ?",
                4000,
                self.rng,
            )
        self.long = [m for m in self.moments if len(words_of(m[0])) >= 40] or self.moments
        english = [w for w in wordfreq.top_n_list("en", 20000)[500:] if w.isalpha() and len(w) > 3]
        self.english = english

    def phrase(self, count: int) -> tuple[list[str], str | None, str]:
        """Return `count` consecutive words of a random moment, its speaker and its episode."""
        text, name, key = self.rng.choice(self.moments)
        words = words_of(text)
        start = self.rng.randrange(max(1, len(words) - count))
        return words[start : start + count], name, key

    def search(self) -> dict[str, str]:
        """Return /search options: remembered words, English words, chatty input or a speaker."""
        rng = self.rng
        kind = rng.random()
        if kind < 0.5:
            words, _, _ = self.phrase(rng.randint(3, 6))
            at = rng.randrange(len(words))
            words[at] = typo(words[at], rng)
            return {"text": " ".join(words)}
        if kind < 0.7:
            return {"text": " ".join(rng.sample(self.english, rng.randint(2, 3)))}
        if kind < 0.9:
            words, _, _ = self.phrase(rng.randint(6, 10))
            return {"text": f"{rng.choice(CHATTY_OPENINGS)} {' '.join(words)} {rng.choice(CHATTY_CLOSINGS)}"}
        words, name, key = self.phrase(rng.randint(2, 4))
        chosen = {"text": " ".join(words)}
        if name:
            chosen["speaker"] = name.split()[0].lower() if rng.random() < 0.5 else name
        else:
            chosen["episode"] = key
        return chosen

    def question(self) -> str:
        """Return an /ask question: about a person's words, a topic, or long and chatty."""
        rng = self.rng
        words, name, _ = self.phrase(8)
        topic = [w for w in words if len(w) > 3][:2] or words[:2]
        kind = rng.random()
        if kind < 0.4 and name:
            return f"what did {name.split()[0].lower()} say about {' '.join(topic)}"
        if kind < 0.8:
            return f"when did they talk about {' and '.join(topic)}?"
        return (
            f"hi! i was listening yesterday and {rng.choice(CHATTY_OPENINGS)} {' '.join(words)}, "
            "do you know which episode that was and what they said exactly?"
        )

    def line(self) -> str:
        """Return a 40-word line pasted from a transcript, with a slip or two, for Find quote."""
        rng = self.rng
        text, _, _ = rng.choice(self.long)
        words = words_of(text)
        start = rng.randrange(max(1, len(words) - 40))
        line = words[start : start + 40]
        for _ in range(rng.randint(0, 2)):
            at = rng.randrange(len(line))
            line[at] = typo(line[at], rng)
        return " ".join(line)


# The knowledge base, measured in a process of its own


def summary_of(data: Path) -> dict[str, float]:
    """Return the archive's cue count, hours and transcript bytes (written beside it, else counted)."""
    path = data / SUMMARY
    if path.exists():
        return json.loads(path.read_text(encoding="utf-8"))
    cues = size = 0
    for vtt in data.rglob("*.vtt"):
        body = vtt.read_bytes()
        cues += body.count(b" --> ")
        size += len(body)
    return {"cues": cues, "transcript_bytes": size, "hours": 0.0}


def write_data(data: Path) -> dict[str, float]:
    """Write the reference archive into `data` (unless it is there) and return its summary."""
    if not (data / SUMMARY).exists():
        made = archive.write_archive(data)
        summary = {"cues": made.cues, "transcript_bytes": made.transcript_bytes, "hours": made.hours}
        (data / SUMMARY).write_text(json.dumps(summary), encoding="utf-8")
    return summary_of(data)


def sizes(db_path: Path) -> dict[str, int]:
    """Return the database's size and the spoken text it holds (its moments' UTF-8 bytes)."""
    with contextlib.closing(sqlite3.connect(db_path)) as raw:
        spoken = raw.execute("SELECT sum(length(CAST(text AS BLOB))) FROM segments WHERE kind = 'moment'")
        return {"db_bytes": db_path.stat().st_size, "text_bytes": spoken.fetchone()[0]}


def write_new_episode(folder: Path, seed: int = 4242) -> None:
    """Write one new 3-hour episode (page, metadata, transcript, chapters) into `folder`."""
    speech = archive.Speech(seed)
    episode = speech.episode(9000, NEW_EPISODE_HOURS * 3600)
    episode.key = "ep-new-3h"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{episode.key}.txt").write_text(archive.render_page(episode, speech), encoding="utf-8")
    (folder / f"{episode.key}.toml").write_text(archive.render_meta(episode), encoding="utf-8")
    (folder / f"{episode.key}.vtt").write_text(archive.render_vtt(episode), encoding="utf-8")
    if episode.chapter_source == "json":
        (folder / f"{episode.key}.chapters.json").write_text(
            archive.render_chapters(episode), encoding="utf-8"
        )


def cpu_seconds() -> float:
    """Return the CPU time of this process and of its finished children (ingest's worker processes)."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


async def timed(call: Callable[[], Awaitable[object]], samples: int) -> dict[str, float]:
    """Return wall and CPU p50/p99 in milliseconds of `samples` calls (after a warm-up)."""
    for _ in range(min(20, samples)):
        await call()
    wall, cpu = [], []
    for _ in range(samples):
        started, started_cpu = time.perf_counter(), time.process_time()
        await call()
        wall.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
    wall.sort()
    cpu.sort()
    p99 = min(samples - 1, int(samples * 0.99))
    return {
        "p50": statistics.median(wall),
        "p99": wall[p99],
        "cpu50": statistics.median(cpu),
        "cpu99": cpu[p99],
    }


async def measure_kb(data: Path, db_path: Path, samples: int) -> dict[str, object]:
    """Ingest the archive cold, again, and with one new episode; then time the queries."""
    from bot.knowledge import KnowledgeBase  # noqa: PLC0415 (loaded in the measuring process only)
    from bot.storage import Database  # noqa: PLC0415

    summary = summary_of(data)
    new = data / "zz-new"
    shutil.rmtree(new, ignore_errors=True)
    db = await Database.open(db_path)
    try:
        kb = KnowledgeBase(db)
        started, started_cpu = time.perf_counter(), cpu_seconds()
        report = await kb.ingest([data])
        cold, cold_cpu = time.perf_counter() - started, cpu_seconds() - started_cpu
        if report.failed:
            raise RuntimeError(f"the archive did not load cleanly: {report.failed[:3]}")
        started = time.perf_counter()
        again = await kb.ingest([data])
        reingest = time.perf_counter() - started
        write_new_episode(new)
        started = time.perf_counter()
        added = await kb.ingest([data])
        add = time.perf_counter() - started
        if len(again.loaded) or len(added.loaded) != 1:
            raise RuntimeError(f"unexpected re-ingest: {len(again.loaded)} / {len(added.loaded)} loaded")
        inputs = Inputs(db_path)

        async def search() -> object:
            options = inputs.search()
            ep = await kb.resolve_episode(options["episode"]) if "episode" in options else None
            person = kb.resolve_speaker(options["speaker"]) if "speaker" in options else None
            return await kb.search_moments(options["text"], ep, person)

        results: dict[str, object] = {
            "search": await timed(search, samples),
            "ask": await timed(lambda: kb.ask(inputs.question(), limit=10), samples),
            "find": await timed(lambda: kb.find_said(inputs.line(), limit=15), samples),
        }
        async with db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)"):
            pass
        stats = await kb.stats()
    finally:
        await db.close()
        shutil.rmtree(new, ignore_errors=True)
    return {
        **results,
        "cold": cold,
        "cold_cpu": cold_cpu,
        "cues": summary["cues"],
        "reingest": reingest,
        "add": add,
        "vtt_bytes": summary["transcript_bytes"],
        "moments": stats["moments"],
        "episodes": stats["episodes"],
        "rss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


# The bot, through the emulator


async def measure_bot(
    data: Path, work: Path, db_for_inputs: Path, args: argparse.Namespace
) -> dict[str, object]:
    """Start the bot on an empty database over the archive, then time /search, /ask and Find quote."""
    from bench.bench_bot import start_bot  # noqa: PLC0415
    from tests.emulator import Emulator  # noqa: PLC0415

    inputs = Inputs(db_for_inputs, seed=11)
    async with Emulator() as emu:
        await emu.setup_world()
        members = itertools.cycle([await emu.create_member(emu.guild, f"m{n}") for n in range(MEMBERS)])
        db = work / "bot.db"
        with contextlib.suppress(FileNotFoundError):
            db.unlink()
        with (work / "bot.log").open("wb") as log:
            started = time.monotonic()
            proc = await start_bot(emu, data, db, log, within=900)  # a cold ingest of the archive
            startup = time.monotonic() - started
            try:
                texts = {}

                async def search(member: object) -> object:
                    return await emu.invoke(
                        "/search", member=member, settle=False, within=3.0, **inputs.search()
                    )

                async def ask(member: object) -> object:
                    question = inputs.question()[:300]
                    return await emu.invoke(
                        "/ask", member=member, settle=False, within=3.0, question=question
                    )

                async def find(member: object) -> object:
                    message = await emu.post(inputs.line(), member=member)
                    return await emu.invoke_message_command(
                        "Find quote", message, member=member, settle=False
                    )

                for name, make in (("/search", search), ("/ask", ask), ("Find quote (40 words)", find)):
                    texts[name] = await run_mode(make, members, args)
                rss = peak_rss_mb(proc.pid)
                violations, leaks = len(emu.take_violations()), len(emu.take_leaks())
            finally:
                proc.terminate()
                await asyncio.wait_for(proc.wait(), 30)
    return {"results": texts, "rss": rss, "startup": startup, "violations": violations, "leaks": leaks}


async def run_mode(
    make: Callable, members: itertools.cycle, args: argparse.Namespace
) -> tuple[Sample, Sample]:
    """Time `make` one at a time, then in bursts of `args.inflight`."""

    async def attempt(member: object) -> object:
        try:
            return await make(member)
        except AssertionError:
            return None

    single, burst = Sample(), Sample()
    for _ in range(args.bot_samples):
        single.add(await attempt(next(members)))
    for _ in range(args.rounds):
        for ix in await asyncio.gather(*(attempt(next(members)) for _ in range(args.inflight))):
            burst.add(ix)
    return single, burst


# Tables


def kb_table(r: dict[str, object]) -> str:
    """Return the knowledge-base figures as a Markdown table."""
    cues, cold = float(r["cues"]), float(r["cold"])  # type: ignore[arg-type]
    db, vtt, text = (float(r[k]) for k in ("db_bytes", "vtt_bytes", "text_bytes"))  # type: ignore[arg-type]
    mb = 1024 * 1024
    lines = [
        "| measure | figure | target |",
        "|---|---|---|",
        f"| cold ingest, {int(cues):,} cues in {int(r['episodes']) - 1} episodes (wall; CPU of all "  # type: ignore[call-overload]
        f"processes) | {cold:.1f} s ({cues / cold:,.0f} cues/s); {r['cold_cpu']:.1f} s | {TARGETS['cold']} |",
        f"| unchanged re-ingest | {r['reingest']:.2f} s | {TARGETS['reingest']} |",
        f"| adding one new 3-hour episode | {r['add']:.2f} s | {TARGETS['add']} |",
        f"| database size ({r['moments']:,} moments) | {db / mb:.0f} MB: {db / text:.2f}x the spoken text "
        f"({text / mb:.0f} MB), {db / vtt:.2f}x the WebVTT files ({vtt / mb:.0f} MB) | {TARGETS['size']} |",
    ]
    for key, label in (("search", "/search"), ("ask", "/ask"), ("find", "Find quote, 40-word line")):
        f = r[key]
        lines.append(
            f"| {label}, p50 / p99 (ms): wall; CPU | {f['p50']:.1f} / {f['p99']:.1f}; "  # type: ignore[index]
            f"{f['cpu50']:.1f} / {f['cpu99']:.1f} | {TARGETS[key]} |"  # type: ignore[index]
        )
    lines.append(f"| peak RSS of this process (MB) | {r['rss']:.0f} | - |")
    return "\n".join(lines)


def bot_table(r: dict[str, object], args: argparse.Namespace) -> str:
    """Return the bot's figures as a Markdown table."""
    lines = [
        f"| Interaction | p50 / p99, one at a time | p50 / p99, {args.inflight} in flight | target (p99) | "
        "deferred | found nothing | lost | late |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for name, (single, burst) in r["results"].items():  # type: ignore[union-attr]
        one = f"{pct(single.latencies, 50):.1f} / {pct(single.latencies, 99):.1f} ms"
        many = f"{pct(burst.latencies, 50):.1f} / {pct(burst.latencies, 99):.1f} ms"
        counts = [getattr(single, k) + getattr(burst, k) for k in ("deferred", "refused", "lost", "late")]
        target = BOT_TARGETS.get(name, "-")
        lines.append(f"| {name} | {one} | {many} | {target} | {' | '.join(map(str, counts))} |")
    lines.append(
        f"| Bot process peak RSS (cold start: ingest, then the interactions) | {r['rss']:.0f} MB | | "
        "<= 300 MB | | | | |"
    )
    lines.append(f"| Start-up (cold ingest of the archive, connect) | {r['startup']:.1f} s | | | | | | |")
    lines.append(f"| Rejected payloads; mention leaks | {r['violations']}; {r['leaks']} | | 0; 0 | | | | |")
    return "\n".join(lines)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Read the command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--archive", type=Path, help="keep the generated archive here (reused when present)")
    parser.add_argument("--samples", type=int, default=300, help="timed knowledge-base calls per query")
    parser.add_argument("--bot-samples", type=int, default=200, help="one-at-a-time interactions per command")
    parser.add_argument("--inflight", type=int, default=50, help="interactions sent at once")
    parser.add_argument("--rounds", type=int, default=4, help="bursts of --inflight per command")
    parser.add_argument("--skip-bot", action="store_true", help="measure the knowledge base only")
    parser.add_argument("--measure-kb", nargs=2, type=Path, help=argparse.SUPPRESS)  # internal: DATA DB
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Write the archive, measure the knowledge base in a fresh process, then the bot; print tables."""
    args = parse_args(argv)
    if args.measure_kb:
        data, db = args.measure_kb
        print(json.dumps({**asyncio.run(measure_kb(data, db, args.samples)), **sizes(db)}))
        return 0
    with tempfile.TemporaryDirectory(prefix="bench-transcripts-") as tmp:
        work = Path(tmp)
        data = args.archive or work / "data"
        summary = write_data(data)
        kb_db = work / "kb.db"
        out = subprocess.run(
            [sys.executable, __file__, "--measure-kb", str(data), str(kb_db), "--samples", str(args.samples)],
            check=True, stdout=subprocess.PIPE, text=True,
        )  # fmt: skip
        kb = json.loads(out.stdout.strip().splitlines()[-1])
        cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
        hours, megabytes = summary["hours"], summary["transcript_bytes"] / 1e6
        print(f"Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}, {cores} cores; "
              f"{hours:.0f} hours, {megabytes:.1f} MB of WebVTT\n")  # fmt: skip
        print(kb_table(kb))
        if args.skip_bot:
            return 0
        bot = asyncio.run(measure_bot(data, work, kb_db, args))
        print()
        print(bot_table(bot, args))
        bad = sum(s.lost + s.late for pair in bot["results"].values() for s in pair)  # type: ignore[union-attr]
        return 1 if bad or bot["violations"] or bot["leaks"] else 0


if __name__ == "__main__":
    raise SystemExit(main())
