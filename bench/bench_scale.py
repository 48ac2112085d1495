"""Benchmark how many servers one bot process serves: servers connected, interactions/s at p99 <= 50 ms.

One `python -m bot` process (as `make run` starts it) holds every shard of a bot that is in N
servers of the local Discord emulator, which runs in this process. Each size starts from nothing:
start-up (every shard connected and answering) and the process's memory. At the largest size,
members send interactions at a steady rate (random arrivals, each from a new member in a random
server and channel) with what members type: picked and typed episodes, names with typos,
questions clean, with missing letters and long and chatty, half-remembered quote words, and the
keystrokes of autocomplete, over 1,000 episodes written in real English words
(bench/realistic.py). The rate grows by half each step while the 99th percentile of the time to
the initial response (what Discord measures: 3 s and the member sees an error) stays within 50 ms
with no answer late (and halves while it does not), then is bisected: the figure is the highest
rate that met it.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import math
import os
import platform
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # the emulator lives in tests/, which is not an installed package

from bench.bench_bot import bot_env, pct, peak_rss_mb  # noqa: E402
from bench.bench_kb import drop_letter, typo  # noqa: E402
from bench.realistic import write_competitors  # noqa: E402
from bench.words import EnglishWords  # noqa: E402
from bot.ingest.files import find_sources  # noqa: E402
from bot.ingest.page import parse_page  # noqa: E402
from bot.text import normalize  # noqa: E402
from tests.emulator import Emulator  # noqa: E402
from tests.emulator.model import Channel, Guild, Interaction  # noqa: E402

TARGET_P99_MS = 50.0
MIN_RATE = 1.0  # interactions/s: below this the ramp gives up
GUILDS_PER_SHARD = 2500  # Discord's most per shard (it closes a larger one with 4011)
CLK_TCK = os.sysconf("SC_CLK_TCK")
CHATTY = (
    "hey so i was listening to the show on my way to work the other day and i wondered, what did "
    "{who} actually say about {words}? thanks!",
    "ok this might be a dumb question but i remember someone on the podcast going on about {words} "
    "for a while, was that {who}? what did they say",
    "does anyone know which episode {who} talks about {words}?? my friend and i were arguing about "
    "it last night and neither of us can find it lol",
)
# How often members do each thing: autocomplete fires as they type, so it is the commonest.
MIX = {
    "autocomplete episode": 22, "autocomplete speaker": 12, "/ask": 20, "/quote search": 10,
    "/episode": 8, "/takeaways": 8, "/quote speaker": 7, "/related": 5, "/quote random": 4, "/help": 4,
}  # fmt: skip


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Read the command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--guilds", type=int, nargs="+", default=[2500, 10_000],
                        help="servers the bot is in, one run each; the last one is ramped")  # fmt: skip
    parser.add_argument("--channels", type=int, default=10, help="text channels per server")
    parser.add_argument("--roles", type=int, default=6, help="roles per server besides @everyone")
    parser.add_argument("--episodes", type=int, default=1000, help="episodes in the English-word corpus")
    parser.add_argument("--start-rate", type=float, default=20.0, help="interactions/s of the first step")
    parser.add_argument("--max-rate", type=float, default=2000.0, help="stop the ramp here")
    parser.add_argument("--step-seconds", type=float, default=10.0, help="how long each rate is offered")
    parser.add_argument("--warmup-seconds", type=float, default=1.0, help="left out at each step's start")
    parser.add_argument("--settle-seconds", type=float, default=5.0, help="idle time after start-up")
    parser.add_argument("--refine", type=int, default=2, help="bisection steps after the ramp")
    parser.add_argument("--seed", type=int, default=11)
    return parser.parse_args(argv)


@dataclass
class Episode:
    """What a member can know of an episode: how to pick it and how they would type it."""

    key: str
    title: str
    show: str
    number: int | None


@dataclass
class Facts:
    """The corpus, read back to type realistic values."""

    episodes: list[Episode]
    people: list[str]
    quotes: list[tuple[str, str]]  # (text, speaker)
    takeaways: list[str]


def read_facts(data: Path) -> Facts:
    """Read episodes, speakers, quotes and takeaways from the generated pages."""
    episodes, people, quotes, takeaways = [], set(), [], []
    for files in find_sources([data]):
        if files.page is None:
            continue
        source = parse_page(files.page.read_text(encoding="utf-8"), files.page)
        episodes.append(Episode(files.key, source.title, source.show or "", source.number))
        quotes += [(q.text, q.speaker) for q in source.quotes]
        people.update(q.speaker for q in source.quotes)
        takeaways += source.takeaways
    return Facts(episodes, sorted(people), quotes, takeaways)


class Typist:
    """Type option values the way members do: picked from the list, half-remembered, misspelt."""

    def __init__(self, facts: Facts, rng: random.Random) -> None:
        self.facts, self.rng = facts, rng
        self.english = EnglishWords(rng)

    def _long_words(self, text: str, count: int) -> list[str]:
        words = list(dict.fromkeys(w for w in normalize(text).split() if len(w) > 4))
        return self.rng.sample(words, min(count, len(words))) or normalize(text).split()[:count]

    def _slip(self, text: str) -> str:
        """Misspell one longer word of `text` (a letter dropped or two swapped)."""
        words = text.split()
        long = [i for i, w in enumerate(words) if len(w) > 4]
        if long:
            i = self.rng.choice(long)
            words[i] = (drop_letter if self.rng.random() < 0.5 else typo)(words[i], self.rng)
        return " ".join(words)

    def episode(self) -> str:
        """Return an episode as typed: picked from autocomplete, a number, or title words with a slip."""
        ep, form = self.rng.choice(self.facts.episodes), self.rng.random()
        if form < 0.5 or ep.number is None:
            return ep.key  # the value of the autocomplete choice the member picked
        if form < 0.7:
            return f"{ep.show.split()[0].lower()} {ep.number}"
        words = normalize(ep.title).split()
        start = self.rng.randrange(max(1, len(words) - 2))
        return self._slip(" ".join(words[start : start + 3]))

    def speaker(self) -> str:
        """Return a person as typed: picked, in lower case, or with a slip in the name."""
        name, form = self.rng.choice(self.facts.people), self.rng.random()
        if form < 0.5:
            return name
        return name.lower() if form < 0.8 else self._slip(name.lower())

    def question(self) -> str:
        """Return a question: plain, with letters missing, or long and chatty, about a quote or takeaway."""
        text, who = self.rng.choice(self.facts.quotes)
        if self.rng.random() < 0.4:
            text, who = self.rng.choice(self.facts.takeaways), "they"
        first = who.split()[0]
        words, form = self._long_words(text, 2), self.rng.randrange(3)
        if form == 0:
            return f"what does {first} say about {' '.join(words)}"
        if form == 1:
            return f"what does {first} say about {' '.join(drop_letter(w, self.rng) for w in words)}"
        return self.rng.choice(CHATTY).format(who=first, words=" and ".join(words))[:300]

    def quote_words(self) -> str:
        """Return a half-remembered quote: four words of one in a row, letters missing in half of them."""
        if self.rng.random() < 0.1:  # something that was never said
            return " ".join(self.english.sample(4))
        words = normalize(self.rng.choice(self.facts.quotes)[0]).split()
        start = self.rng.randrange(max(1, len(words) - 3))
        picked = words[start : start + 4]
        if self.rng.random() < 0.5:
            picked = [drop_letter(w, self.rng) for w in picked]
        return " ".join(picked)

    def typing(self, text: str, longest: int) -> str:
        """Return what is in the box mid-typing: a prefix, now and then with a slip."""
        typed = text.lower()[: self.rng.randint(2, longest)]
        return typo(typed, self.rng) if self.rng.random() < 0.3 else typed


def actions(typist: Typist) -> dict[str, Callable[..., Any]]:
    """Return, per kind of interaction, a function sending one with freshly typed values."""

    def slash(path: str, **values: Callable[[], str]) -> Callable[..., Any]:
        async def send(emu: Emulator, guild: Guild, channel: Channel) -> Interaction:
            member = await emu.create_member(guild, "member")
            typed = {name: value() for name, value in values.items()}
            return await emu.invoke(path, member=member, channel=channel, options=typed, wait=False)

        return send

    def keystrokes(path: str, option: str, value: Callable[[], str]) -> Callable[..., Any]:
        async def send(emu: Emulator, guild: Guild, channel: Channel) -> Interaction:
            member = await emu.create_member(guild, "member")
            return await emu.autocomplete(path, option, value(), member=member, channel=channel, wait=False)

        return send

    rng, facts = typist.rng, typist.facts
    return {
        "autocomplete episode": keystrokes(
            "/episode", "episode", lambda: typist.typing(rng.choice(facts.episodes).title, 20)
        ),
        "autocomplete speaker": keystrokes(
            "/quote speaker", "name", lambda: typist.typing(rng.choice(facts.people), 12)
        ),
        "/ask": slash("/ask", question=typist.question),
        "/quote search": slash("/quote search", text=typist.quote_words),
        "/episode": slash("/episode", episode=typist.episode),
        "/takeaways": slash("/takeaways", episode=typist.episode),
        "/quote speaker": slash("/quote speaker", name=typist.speaker),
        "/related": slash("/related", episode=typist.episode),
        "/quote random": slash("/quote random", speaker=typist.speaker),
        "/help": slash("/help"),
    }


@dataclass
class Step:
    """One offered rate and what came of it."""

    rate: float
    sent: list[tuple[str, Interaction]] = field(default_factory=list)  # (kind, interaction) timed
    offered: int = 0
    seconds: float = 0.0
    bot_cpu: float = 0.0  # share of one core
    load_cpu: float = 0.0  # this process: the emulator and the members

    @property
    def latencies(self) -> list[float]:
        """Return the answered interactions' latencies (seconds)."""
        return [ix.latency for _, ix in self.sent if ix.latency is not None]

    @property
    def late(self) -> int:
        """Count interactions not answered within Discord's 3 s (or not at all)."""
        return sum(1 for _, ix in self.sent if ix.latency is None)

    @property
    def p99_ms(self) -> float:
        """Return the 99th percentile in ms."""
        return pct(self.latencies, 99)

    @property
    def ok(self) -> bool:
        """Tell whether this rate meets the target: p99 within 50 ms, every answer in time."""
        return bool(self.sent) and self.late == 0 and self.p99_ms <= TARGET_P99_MS


def outcome(ix: Interaction) -> str:
    """Name what one interaction got."""
    if ix.latency is None:
        return "late"
    if ix.response_type == 8:
        return "suggestions" if ix.choices else "no suggestion"
    if ix.response_type == 5:
        return "deferred"
    message = ix.message
    content = message.content if message else ""
    if content.startswith("Something went wrong"):
        return "error"
    if message is not None and message.ephemeral:
        return "private"  # shown to the member alone: nothing found, did you mean, or /help
    return "answer"


class World:
    """The servers of one size, and the members' actions in them."""

    def __init__(self, emu: Emulator, guilds: list[Guild], rng: random.Random) -> None:
        self.emu, self.guilds, self.rng = emu, guilds, rng

    @classmethod
    async def build(cls, emu: Emulator, count: int, shards: int, args: argparse.Namespace,
                    rng: random.Random) -> World:  # fmt: skip
        """Create `count` servers spread evenly over `shards`, with their channels and roles."""
        guilds = []
        for n in range(count):
            guild = await emu.create_guild(f"Podcast fans {n}", shard=(n % shards, shards))
            for c in range(args.channels):
                await emu.create_channel(guild, "general" if c == 0 else f"channel-{c}")
            for r in range(args.roles):
                await emu.create_role(guild, f"role-{r}")
            guilds.append(guild)
        return cls(emu, guilds, rng)

    def place(self) -> tuple[Guild, Channel]:
        """Pick a random server and one of its channels."""
        guild = self.rng.choice(self.guilds)
        return guild, self.rng.choice(list(guild.channels.values()))


def cpu_seconds(pid: int) -> float:
    """Return a process's CPU time so far (user + system)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def rss_mb(pid: int) -> float:
    """Return a process's resident set size now, in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def offer(world: World, sends: dict[str, Callable[..., Any]], rate: float,
                args: argparse.Namespace, pid: int) -> Step:  # fmt: skip
    """Send interactions at `rate` per second (random arrivals) for a step; wait for every answer."""
    step, loop = Step(rate), asyncio.get_running_loop()
    kinds, weights = list(MIX), list(MIX.values())
    start = loop.time()
    cpu_bot, cpu_here = cpu_seconds(pid), time.process_time()
    next_at, end = start, start + args.step_seconds
    while next_at < end:
        if (wait := next_at - loop.time()) > 0:
            await asyncio.sleep(wait)
        kind = world.rng.choices(kinds, weights)[0]
        ix = await sends[kind](world.emu, *world.place())
        step.offered += 1
        if next_at - start >= args.warmup_seconds:
            step.sent.append((kind, ix))
        next_at += world.rng.expovariate(rate)
    step.seconds = loop.time() - start
    step.bot_cpu = (cpu_seconds(pid) - cpu_bot) / step.seconds
    step.load_cpu = (time.process_time() - cpu_here) / step.seconds
    pending = [ix for _, ix in step.sent]
    await world.emu.wait_until(lambda: all(ix.latency is not None or ix.expired for ix in pending),
                               world.emu.deadline + 2, "every answer or its expiry")  # fmt: skip
    await asyncio.sleep(1.0)  # let deferred work and the bot's follow-ups finish before the next step
    return step


async def ramp(world: World, sends: dict[str, Callable[..., Any]], args: argparse.Namespace,
               pid: int) -> list[Step]:  # fmt: skip
    """Raise the rate by half while it meets the target (halve it while it misses), then bisect."""
    steps: list[Step] = []
    rate, best, worst = args.start_rate, None, None

    async def measure(rate: float) -> Step:
        step = await offer(world, sends, rate, args, pid)
        steps.append(step)
        print(f"  {rate:7.1f}/s: p99 {step.p99_ms:6.1f} ms, late {step.late}", file=sys.stderr, flush=True)
        return step

    while (best is None or worst is None) and MIN_RATE <= rate <= args.max_rate:
        if (await measure(rate)).ok:
            best, rate = rate, rate * 1.5
        else:
            worst, rate = rate, rate / 2
    for _ in range(args.refine if best is not None and worst is not None else 0):
        rate = (best + worst) / 2  # type: ignore[operator]
        best, worst = (rate, worst) if (await measure(rate)).ok else (best, rate)
    return steps


async def start_bot(emu: Emulator, data: Path, db: Path, shards: int, log: IO[bytes]
                    ) -> asyncio.subprocess.Process:  # fmt: skip
    """Start `python -m bot` holding every shard, against the emulator."""
    env = bot_env(emu, data, db, SHARD_COUNT=str(shards))
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", cwd=db.parent, env=env, stdout=log, stderr=log
    )


async def wait_answering(emu: Emulator, world: World, shards: int, proc: asyncio.subprocess.Process) -> None:
    """Wait until every shard is connected and a command in one server of each is answered."""
    await emu.wait_until(lambda: proc.returncode is not None or all(
        any(s.ready and s.ws is not None for s in emu.sessions_of(i)) for i in range(shards)),
        within=60 + 10 * shards, what="every shard to connect")  # fmt: skip
    if proc.returncode is not None:
        raise RuntimeError(f"the bot exited with code {proc.returncode}")
    for shard_id in range(shards):
        guild = world.guilds[shard_id]  # servers were dealt to shards in turn
        ix = await emu.invoke("/help", member=await emu.create_member(guild, "probe"),
                              channel=next(iter(guild.channels.values())), within=60)  # fmt: skip
        assert ix.latency is not None


@dataclass
class SizeResult:
    """One size's connection figures, and its ramp when it had one."""

    guilds: int
    shards: int
    startup: float
    rss: float
    peak_rss: float
    steps: list[Step]
    violations: int
    leaks: int


@dataclass
class Setup:
    """What every size shares: the corpus, its loaded database, a scratch folder, the options."""

    data: Path
    facts: Facts
    base_db: Path
    tmp: Path
    args: argparse.Namespace


async def run_size(count: int, ramp_here: bool, setup: Setup) -> SizeResult:
    """Connect one process to `count` servers, measure it, and ramp the rate when asked."""
    data, facts, base_db, tmp, args = setup.data, setup.facts, setup.base_db, setup.tmp, setup.args
    rng = random.Random(args.seed + count)
    shards = max(1, math.ceil(count / GUILDS_PER_SHARD))
    db = tmp / f"bot-{count}.db"
    shutil.copy(base_db, db)  # loaded once beforehand: start-up here is connecting, not reading files
    async with Emulator(shards=shards) as emu:
        world = await World.build(emu, count, shards, args, rng)
        with (tmp / f"bot-{count}.log").open("wb") as log:
            started = time.monotonic()
            proc = await start_bot(emu, data, db, shards, log)
            try:
                await wait_answering(emu, world, shards, proc)
                startup = time.monotonic() - started
                await asyncio.sleep(args.settle_seconds)
                rss = rss_mb(proc.pid)
                steps = await ramp(world, actions(Typist(facts, rng)), args, proc.pid) if ramp_here else []
                peak = peak_rss_mb(proc.pid)
            except BaseException:
                print((tmp / f"bot-{count}.log").read_text(errors="replace")[-3000:], file=sys.stderr)
                raise
            finally:
                with contextlib.suppress(ProcessLookupError):
                    proc.send_signal(signal.SIGTERM)
                await asyncio.wait_for(proc.wait(), 15)
        late = {"deadline"}
        violations = [v for v in emu.take_violations() if set(v["errors"]) != late]
        return SizeResult(count, shards, startup, rss, peak, steps, len(violations), len(emu.take_leaks()))


def ingest(data: Path, db: Path) -> None:
    """Load the corpus into a database once, with the command line, as an owner would."""
    env = {"PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(ROOT), "DATA_DIR": str(data),
           "DATABASE_PATH": str(db)}  # fmt: skip
    subprocess.run([sys.executable, "-m", "bot", "ingest"], cwd=db.parent, env=env, check=True,
                   stdout=subprocess.DEVNULL)  # fmt: skip


async def run(args: argparse.Namespace) -> list[SizeResult]:
    """Generate the corpus, then measure each size; the last one also gets the rate ramp."""
    with tempfile.TemporaryDirectory(prefix="bench-scale-") as name:
        tmp = Path(name)
        data = write_competitors(tmp / "data", args.episodes, seed=args.seed)
        facts = read_facts(data)
        ingest(data, tmp / "base.db")
        setup, sizes = Setup(data, facts, tmp / "base.db", tmp, args), args.guilds
        return [await run_size(n, i == len(sizes) - 1, setup) for i, n in enumerate(sizes)]


def tables(results: list[SizeResult], args: argparse.Namespace) -> str:
    """Format the figures as Markdown tables."""
    lines = [f"Python {platform.python_version()}, {os.cpu_count()} cores, load average "
             f"{os.getloadavg()[0]:.1f} at the end; {args.episodes:,} episodes; servers of "
             f"{args.channels} channels and {args.roles + 1} roles", "",
             "| servers | shards | start-up until every shard answers | RSS connected | peak RSS |",
             "|---|---|---|---|---|"]  # fmt: skip
    for r in results:
        lines.append(f"| {r.guilds:,} | {r.shards} | {r.startup:.1f} s | {r.rss:.0f} MB | "
                     f"{r.peak_rss:.0f} MB |")  # fmt: skip
    ramped = results[-1]
    lines += ["", f"Ramp at {ramped.guilds:,} servers (p99 target {TARGET_P99_MS:.0f} ms):", "",
              "| offered /s | timed | p50 / p95 / p99 / max (ms) | late | bot CPU | emulator CPU | meets |",
              "|---|---|---|---|---|---|---|"]  # fmt: skip
    for s in ramped.steps:
        lat = s.latencies
        worst = 1000 * max(lat, default=0)
        figures = " / ".join(f"{pct(lat, q):.1f}" for q in (50, 95, 99)) + f" / {worst:.1f}"
        lines.append(f"| {s.rate:.4g} | {len(s.sent):,} | {figures} | {s.late} | {100 * s.bot_cpu:.0f} % | "
                     f"{100 * s.load_cpu:.0f} % | {'yes' if s.ok else 'no'} |")  # fmt: skip
    best = max((s for s in ramped.steps if s.ok), key=lambda s: s.rate, default=None)
    if best is None:
        lines += ["", "No rate met the target."]
        return "\n".join(lines)
    lines += ["", f"Highest rate meeting p99 <= {TARGET_P99_MS:.0f} ms: **{best.rate:.4g} interactions/s** "
              f"({best.rate * 60:,.0f} a minute). At that rate, by kind:", "",
              "| interaction | share | p50 / p99 (ms) | what came back |", "|---|---|---|---|"]  # fmt: skip
    by_kind: dict[str, list[Interaction]] = {}
    for kind, ix in best.sent:
        by_kind.setdefault(kind, []).append(ix)
    for kind in MIX:
        got = by_kind.get(kind, [])
        lat = [ix.latency for ix in got if ix.latency is not None]
        seen = Counter(outcome(ix) for ix in got)
        what = ", ".join(f"{n} {name}" for name, n in seen.most_common())
        lines.append(f"| `{kind}` | {len(got) / max(1, len(best.sent)):.0%} | "
                     f"{pct(lat, 50):.1f} / {pct(lat, 99):.1f} | {what} |")  # fmt: skip
    lines += ["", f"Rejected payloads; mention leaks: {sum(r.violations for r in results)}; "
              f"{sum(r.leaks for r in results)}"]  # fmt: skip
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print its tables; fail on a rejected payload, a leak or no passing rate."""
    args = parse_args(argv)
    results = asyncio.run(run(args))
    print(tables(results, args))
    passed = any(s.ok for s in results[-1].steps)
    return 0 if passed and not any(r.violations or r.leaks for r in results) else 1


if __name__ == "__main__":
    raise SystemExit(main())
