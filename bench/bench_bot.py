"""Benchmark the bot's answers: latency of every command through the local Discord emulator.

The bot runs as its own process (`python -m bot`, the way `make run` starts it) against an
emulator in this process, over a synthetic corpus from bench/corpus.py. Latency is what Discord
would measure: from the emulator dispatching INTERACTION_CREATE to the bot's initial response
arriving, once with one interaction at a time and once with many in flight. Every answer must
arrive within Discord's 3 s; lost and late answers are counted, not hidden. Peak RSS is the bot
process's high-water mark (VmHWM).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import os
import random
import signal
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # the emulator lives in tests/, which is not an installed package

from bench import corpus  # noqa: E402
from bot.ingest.files import find_sources  # noqa: E402
from bot.ingest.page import parse_page  # noqa: E402
from tests.emulator import Emulator, Member, Message  # noqa: E402
from tests.emulator.model import Interaction  # noqa: E402

DEADLINE_S = 3.0
MEMBERS = 400  # enough that the 5-per-10-s cooldowns never trigger during the run


@dataclass
class Sample:
    """Collect the latencies of one interaction kind in one mode."""

    latencies: list[float] = field(default_factory=list)
    refused: int = 0  # answered with "No ... matches" or "Something went wrong"
    missing: int = 0  # no answer seen: late (expired) or lost
    late: int = 0
    deferred: int = 0

    @property
    def lost(self) -> int:
        """Return how many got no answer at all, not even a late one."""
        return self.missing - self.late

    def add(self, ix: Interaction | None) -> None:
        """Record one interaction's outcome."""
        if ix is None or ix.latency is None:
            self.missing += 1
        else:
            self.latencies.append(ix.latency)
            self.deferred += ix.response_type == 5
            content = ix.message.content if ix.message else ""
            self.refused += content.startswith(("No ", "Nothing ", "I found nothing", "Something went wrong"))


@dataclass
class Facts:
    """What the generated corpus holds, to type realistic option values."""

    episodes: list[str]  # keys: unambiguous, unlike a bare number shared by several shows
    speakers: list[str]
    phrases: list[str]
    questions: list[str]


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Read the command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--episodes", type=int, default=1000, help="episodes in the synthetic corpus")
    parser.add_argument("--samples", type=int, default=200, help="one-at-a-time samples per command")
    parser.add_argument("--inflight", type=int, default=50, help="interactions sent at once")
    parser.add_argument("--rounds", type=int, default=4, help="bursts of --inflight per command")
    parser.add_argument("--seed", type=int, default=7)
    return parser.parse_args(argv)


def read_facts(data: Path, rng: random.Random) -> Facts:
    """Collect numbers, speakers and quote phrases from the generated pages."""
    keys, speakers, phrases = [], set(), []
    for files in find_sources([data]):
        if files.page is None:
            continue
        source = parse_page(files.page.read_text(encoding="utf-8"), files.page)
        keys.append(files.key)
        for quote in source.quotes:
            speakers.add(quote.speaker)
            words = quote.text.strip('."…').split()
            if len(words) >= 6:
                start = rng.randrange(len(words) - 4)
                phrases.append(" ".join(words[start : start + 4]))
    questions = [f"what does {name.split()[0]} say about {p.split()[-1]}" for name, p in
                 zip(sorted(speakers), itertools.cycle(phrases), strict=False)]  # fmt: skip
    return Facts(keys, sorted(speakers), phrases, questions)


def commands(emu: Emulator, facts: Facts, rng: random.Random) -> dict[str, Callable[[Member], Awaitable]]:
    """Return one coroutine factory per measured interaction, each typing a realistic value."""

    def ep() -> str:
        return rng.choice(facts.episodes)

    def who() -> str:
        return rng.choice(facts.speakers).lower()

    def slash(path: str, **values: Callable[[], str]) -> Callable[[Member], Awaitable]:
        def make(member: Member) -> Awaitable:
            typed = {name: value() for name, value in values.items()}
            return emu.invoke(path, member=member, settle=False, within=DEADLINE_S, **typed)

        return make

    def typing(path: str, option: str, value: Callable[[], str]) -> Callable[[Member], Awaitable]:
        return lambda member: emu.autocomplete(path, option, value(), member=member)

    return {
        "/episode": slash("/episode", episode=ep),
        "/takeaways": slash("/takeaways", episode=ep),
        "/quote speaker": slash("/quote speaker", name=who),
        "/quote search": slash("/quote search", text=lambda: rng.choice(facts.phrases)),
        "/quote random": slash("/quote random", speaker=who),
        "/related": slash("/related", episode=ep),
        "/ask": slash("/ask", question=lambda: rng.choice(facts.questions)),
        "/help": slash("/help"),
        "autocomplete episode": typing("/episode", "episode", lambda: rng.choice(["ai", "19", "#2", "the"])),
        "autocomplete speaker": typing("/quote speaker", "name", lambda: who()[:5]),
    }


async def attempt(make: Callable[[Member], Awaitable], member: Member) -> Interaction | None:
    """Run one interaction; a missing or late answer is a result, not a crash."""
    try:
        return await make(member)
    except AssertionError:
        return None


async def measure(make: Callable[[Member], Awaitable], members: itertools.cycle, args: argparse.Namespace,
                  emu: Emulator) -> tuple[Sample, Sample]:  # fmt: skip
    """Time `make` one at a time, then in bursts of `args.inflight`."""
    single, burst = Sample(), Sample()
    with expiries(emu, single):
        for _ in range(args.samples):
            single.add(await attempt(make, next(members)))
    with expiries(emu, burst):
        for _ in range(args.rounds):
            for ix in await asyncio.gather(*(attempt(make, next(members)) for _ in range(args.inflight))):
                burst.add(ix)
    return single, burst


@contextlib.contextmanager
def expiries(emu: Emulator, sample: Sample) -> Iterator[None]:
    """Count the interactions that expired (answered late or never) while the block ran."""
    before = set(emu.interactions)
    yield
    sample.late = sum(1 for key, ix in emu.interactions.items() if key not in before and ix.expired)


async def page_clicks(emu: Emulator, facts: Facts, members: itertools.cycle, args: argparse.Namespace
                      ) -> tuple[Sample, Sample]:  # fmt: skip
    """Time pressing Next on paged quote lists (each list made first, untimed)."""

    async def paged(member: Member) -> Message:
        for name in facts.speakers:
            ix = await emu.invoke("/quote speaker", name=name, member=member)
            if any(b.get("label") == "Next ▶" for b in ix.message.buttons):
                return ix.message
        raise RuntimeError("no speaker has more than one page of quotes")

    async def click(message: Message, member: Member) -> Interaction | None:
        try:
            return await emu.click(message, label="Next ▶", member=member)
        except AssertionError:
            return None

    single, burst = Sample(), Sample()
    with expiries(emu, single):
        for _ in range(args.samples):
            member = next(members)
            single.add(await click(await paged(member), member))
    with expiries(emu, burst):
        for _ in range(args.rounds):
            owners = [next(members) for _ in range(args.inflight)]
            lists = [await paged(m) for m in owners]
            for ix in await asyncio.gather(*(click(msg, m) for msg, m in zip(lists, owners, strict=True))):
                burst.add(ix)
    return single, burst


def bot_env(emu: Emulator, data: Path, db: Path, **more: str) -> dict[str, str]:
    """Return the environment of a `python -m bot` that talks to the emulator (plus `more`)."""
    return {
        "PATH": os.environ.get("PATH", ""),
        "PYTHONPATH": str(ROOT),
        "DISCORD_TOKEN": emu.token,
        "DISCORD_API_BASE_URL": emu.api_url,
        "DATA_DIR": str(data),
        "DATABASE_PATH": str(db),
        "LOG_LEVEL": "WARNING",
        **more,
    }


async def start_bot(
    emu: Emulator, data: Path, db: Path, log: IO[bytes], within: float = 120
) -> asyncio.subprocess.Process:
    """Start `python -m bot` against the emulator and wait (up to `within` s) for its gateway session."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", cwd=db.parent, env=bot_env(emu, data, db), stdout=log, stderr=log
    )
    async with asyncio.timeout(within):
        while not any(s.ws is not None for s in emu.sessions):
            if proc.returncode is not None:
                raise RuntimeError(f"the bot exited with code {proc.returncode}")
            await asyncio.sleep(0.05)
    return proc


def peak_rss_mb(pid: int) -> float:
    """Return a process's peak resident set size in MB (Linux VmHWM)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def run(args: argparse.Namespace) -> dict[str, object]:
    """Generate the corpus, start the emulator and the bot, and measure every interaction."""
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory(prefix="bench-bot-") as tmp, contextlib.ExitStack() as stack:
        data = Path(tmp) / "data"
        corpus.write_corpus(data, args.episodes, seed=args.seed)
        facts = read_facts(data, rng)
        async with Emulator() as emu:
            await emu.setup_world()
            members = itertools.cycle([await emu.create_member(emu.guild, f"m{n}") for n in range(MEMBERS)])
            started = time.monotonic()
            log = stack.enter_context((Path(tmp) / "bot.log").open("wb"))
            proc = await start_bot(emu, data, Path(tmp) / "bot.db", log)
            startup = time.monotonic() - started
            try:
                results = {name: await measure(make, members, args, emu) for name, make in
                           commands(emu, facts, rng).items()}  # fmt: skip
                results["page button"] = await page_clicks(emu, facts, members, args)
                rss = peak_rss_mb(proc.pid)
                violations, leaks = len(emu.take_violations()), len(emu.take_leaks())
            finally:
                proc.send_signal(signal.SIGTERM)
                await asyncio.wait_for(proc.wait(), 10)
    return {"results": results, "rss": rss, "startup": startup, "violations": violations, "leaks": leaks}


def pct(values: list[float], q: float) -> float:
    """Return the q-th percentile in milliseconds (nearest rank)."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return 1000 * ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered)) - 1))]


def table(r: dict[str, object], args: argparse.Namespace) -> str:
    """Format the figures as a Markdown table."""
    head = (f"| Interaction ({args.episodes:,} episodes) | p50 / p99, one at a time | "
            f"p50 / p99, {args.inflight} in flight | deferred | not found | lost | late |")  # fmt: skip
    lines = [head, "|---|---|---|---|---|---|---|"]
    for name, (single, burst) in r["results"].items():  # type: ignore[union-attr]
        lines.append(row(name, single, burst))
    lines.append(f"| Bot process peak RSS | {r['rss']:.0f} MB | | | | | |")
    lines.append(
        f"| Start-up (ingest {args.episodes:,} episodes, connect) | {r['startup']:.1f} s | | | | | |"
    )
    lines.append(f"| Rejected payloads; mention leaks | {r['violations']}; {r['leaks']} | | | | | |")
    return "\n".join(lines)


def row(name: str, single: Sample, burst: Sample) -> str:
    """Format one interaction's figures."""
    one = f"{pct(single.latencies, 50):.1f} / {pct(single.latencies, 99):.1f} ms"
    many = f"{pct(burst.latencies, 50):.1f} / {pct(burst.latencies, 99):.1f} ms"
    counts = [getattr(single, k) + getattr(burst, k) for k in ("deferred", "refused", "lost", "late")]
    return f"| `{name}` | {one} | {many} | {' | '.join(map(str, counts))} |"


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print its table; fail when an answer was lost or late."""
    args = parse_args(argv)
    result = asyncio.run(run(args))
    print(table(result, args))
    bad = sum(s.lost + s.late for pair in result["results"].values() for s in pair)  # type: ignore[union-attr]
    return 1 if bad or result["violations"] or result["leaks"] else 0


if __name__ == "__main__":
    raise SystemExit(main())
