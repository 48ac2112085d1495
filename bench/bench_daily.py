"""Benchmark daily posts: N servers due at the same minute, against the local Discord emulator.

The real bot (discord.py, cogs, SQLite) and the emulator run in this one process and event loop, so
the emulator's own work counts against the bot: the figures are pessimistic. The schedules are
written straight to the database (the burst, not 10,000 `/daily set` calls, is what is measured);
then the clock is moved to the due minute and one sweep posts them all while a member runs
`/takeaways` over and over. Checked afterwards: every server got exactly one post, and a second
sweep and a restart post nothing more.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import datetime as dt
import logging
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # the emulator lives in tests/, which is not an installed package

from bot.config import Settings  # noqa: E402
from bot.daily.clock import ManualClock  # noqa: E402
from bot.daily.sweep import SweepOptions  # noqa: E402
from bot.runner import running_bot  # noqa: E402
from bot.shards import Shards  # noqa: E402
from bot.storage import daily as store  # noqa: E402
from tests.emulator import Emulator  # noqa: E402
from tests.fixtures import SEED_DIR  # noqa: E402

DUE = dt.datetime(2099, 6, 1, 9, 0, tzinfo=dt.UTC)
COMMAND = "/takeaways"
PER_SHARD = 2000  # below the 2,500 Discord allows, so the random ids never overfill one shard


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Read the command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--guilds", type=int, default=10_000, help="servers due at the same minute")
    parser.add_argument("--concurrency", type=int, default=SweepOptions().concurrency, help="posts in flight")
    parser.add_argument(
        "--rate", type=float, default=0.0, help="posts per second (0: unpaced; the bot's default is 40)"
    )
    parser.add_argument("--baseline", type=int, default=200, help="commands timed before the burst")
    parser.add_argument("--gap", type=float, default=0.02, help="seconds between two timed commands")
    return parser.parse_args(argv)


def shard_count(guilds: int) -> int:
    """Return how many shards `guilds` servers need, as Discord asks (at most 2,500 per shard)."""
    return guilds // PER_SHARD + 1


async def build_world(emu: Emulator, count: int, shards: int) -> list[int]:
    """Create the interactive guild plus `count` servers with one channel each; return the channels."""
    await emu.setup_world()
    channels = []
    for n in range(count):
        guild = await emu.create_guild(f"Server {n}", shard=(n % shards, shards))
        channels.append((await emu.create_channel(guild)).id)
    return channels


async def seed_schedules(bot, emu: Emulator, channels: list[int]) -> None:
    """Give every server a 09:00 UTC schedule, due at DUE."""
    by_channel = {c.id: c.guild_id for g in emu.guilds.values() for c in g.channels.values()}
    async with bot.db.transaction() as conn:
        for channel_id in channels:
            await store.save_schedule(
                conn,
                guild_id=by_channel[channel_id],
                channel_id=channel_id,
                post_time="09:00",
                timezone="UTC",
                show=None,
                next_due=int(DUE.timestamp()),
                now=DUE.isoformat(),
            )


async def time_commands(emu: Emulator, until: asyncio.Future | int, gap: float) -> list[float]:
    """Run the command one at a time, `until` a count or a future is done; return latencies (ms)."""
    latencies = []
    while (len(latencies) < until) if isinstance(until, int) else not until.done():
        ix = await emu.invoke(COMMAND, member=emu.member, options={"episode": "490"}, within=30.0)
        latencies.append(ix.latency * 1000)
        await asyncio.sleep(gap)  # a busy server's pace, not a load generator competing with the burst
    return latencies


def pct(values: list[float], q: float) -> float:
    """Return the q-th percentile (0-100)."""
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[min(98, max(0, int(q) - 1))]


async def run(args: argparse.Namespace) -> dict[str, object]:
    """Set up, burst, verify; return the figures."""
    async with Emulator() as emu:
        started = time.perf_counter()
        shards = shard_count(args.guilds)
        channels = await build_world(emu, args.guilds, shards)
        with tempfile.TemporaryDirectory() as tmp:
            settings = Settings(
                token=emu.token,
                api_base_url=emu.api_url,
                data_dir=SEED_DIR,  # the sample episode; an owner may replace data/
                database_path=Path(tmp) / "bench.db",
                shards=Shards.every(shards),
            )
            clock = ManualClock(DUE - dt.timedelta(minutes=1))
            options = SweepOptions(concurrency=args.concurrency, rate=args.rate or None)
            async with running_bot(settings, clock=clock, sweep=options) as bot:
                await bot.wait_until_ready()  # every server's GUILD_CREATE is in the cache
                connected = time.perf_counter() - started
                cog = bot.get_cog("Daily")
                cog.sweep.cancel()  # the benchmark runs the sweep itself, once, to time it alone
                await seed_schedules(bot, emu, channels)
                baseline = await time_commands(emu, args.baseline, args.gap)
                clock.set(DUE + dt.timedelta(seconds=5))
                begin = time.perf_counter()
                burst = asyncio.ensure_future(cog.sweep_now())
                during = await time_commands(emu, burst, args.gap)
                stats = await burst
                burst_s = time.perf_counter() - begin
                clock.advance(dt.timedelta(minutes=10))
                again = await cog.sweep_now()
            async with running_bot(settings, clock=clock, sweep=options) as bot:  # a restart the same day
                await bot.wait_until_ready()
                bot.get_cog("Daily").sweep.cancel()
                after_restart = await bot.get_cog("Daily").sweep_now()
        posts = collections.Counter(m.channel_id for m in emu.posts)
        leaks = emu.take_leaks()
        violations = emu.take_violations()
        identifies, resumes = emu.count_ops(2), emu.count_ops(6)
    once = sum(1 for c in channels if posts[c] == 1)
    return {
        "guilds": args.guilds,
        "setup_s": connected,
        "burst_s": burst_s,
        "stats": stats,
        "posted_once": once,
        "extra_posts": sum(posts[c] for c in channels) - once,
        "again": again.claimed + after_restart.claimed,
        "baseline": baseline,
        "during": during,
        "leaks": len(leaks),
        "violations": len(violations),
        "identifies": identifies,
        "resumes": resumes,
        "rate": args.rate,
        "concurrency": args.concurrency,
    }


def table(r: dict[str, object]) -> str:
    """Format the figures as a Markdown table."""
    base, during = r["baseline"], r["during"]
    rate = f"{r['rate']:g}/s" if r["rate"] else "unpaced"
    rows = [
        ("Servers due at the same minute", f"{r['guilds']:,}"),
        ("Pacing, posts in flight", f"{rate}, {r['concurrency']}"),
        ("Burst: all posts out in", f"{r['burst_s']:.1f} s ({r['guilds'] / r['burst_s']:.0f} posts/s)"),
        ("Posted exactly once", f"{r['posted_once']:,} of {r['guilds']:,}"),
        ("Extra posts (incl. a second sweep and a restart)", f"{r['extra_posts'] + r['again']}"),
        (f"`{COMMAND}` before the burst: p50 / p99", f"{pct(base, 50):.1f} / {pct(base, 99):.1f} ms"),
        (
            f"`{COMMAND}` during the burst: p50 / p99 (n={len(during)})",
            f"{pct(during, 50):.1f} / {pct(during, 99):.1f} ms",
        ),
        ("Mention leaks; rejected or late answers", f"{r['leaks']}; {r['violations']}"),
        ("Gateway sessions (2 bot starts), resumes", f"{r['identifies']}, {r['resumes']}"),
        ("Setup (emulator world, connect, ingest)", f"{r['setup_s']:.1f} s"),
    ]
    lines = ["| Daily posts | |", "|---|---|", *(f"| {k} | {v} |" for k, v in rows)]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print its table; fail when a server was not posted exactly once."""
    args = parse_args(argv)
    logging.basicConfig(level=logging.ERROR)
    result = asyncio.run(run(args))
    print(table(result))
    ok = result["posted_once"] == args.guilds and not result["extra_posts"] and not result["again"]
    return 0 if ok and not result["leaks"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
