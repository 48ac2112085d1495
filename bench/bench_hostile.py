"""Benchmark hostile input: the longest the bot's event loop is blocked by any one step of a command.

The bot runs in this process (bot.runner.running_bot) against the local Discord emulator, over a
synthetic corpus from bench/corpus.py, because only in-process can every step of the event loop be
timed: each callback the loop runs is measured and charged to the bot (discord.py, bot/, cogs/,
aiosqlite) or to the emulator. Every command and autocomplete then receives long hostile values
(6,000 characters of spaces, digits, `#`, `# `, ` 1`, masked-link openers, `*`, mentions, one word,
chatty words), both raw, as a modified client could send them, and cut to the option's
max_length, as Discord's client sends them; mentions and "Find quote" get 4,000-character
messages. A step of the bot that blocks the loop for longer delays every other member's answer.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # the emulator lives in tests/, which is not an installed package

from bench import corpus  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.runner import running_bot  # noqa: E402
from tests.emulator import Emulator, Member  # noqa: E402

TARGET_MS = 10.0
FIRST_USE = "first use after start (an ordinary value)"
LONG = 6000
HOSTILE = {
    "spaces": " " * (LONG - 3) + "490",
    "digits": "1" * LONG,
    "hashes": "#" * LONG,
    "hash spaces": "# " * (LONG // 2),
    "space digits": " 1" * (LONG // 2),
    "link openers": "[a](" * (LONG // 4),
    "stars": "*" * LONG,
    "mentions": "<@1>" * (LONG // 4),
    "one word": "a" * LONG,
    "chatty words": ("so what did the guest really think about scaling and agents " * 100)[:LONG],
}
BOT_CODE = ("/discord/", "/bot/", "/cogs/", "/aiosqlite/")


@dataclass
class Blocks:
    """The longest loop step charged to the bot while one command was measured, and what it was."""

    worst_s: float = 0.0  # CPU time of the loop's thread: what the step itself costs
    worst_wall_s: float = 0.0  # wall time, which also counts being descheduled on a busy machine
    worst_input: str = ""
    worst_step: str = ""
    steps: int = 0


@dataclass
class LoopMonitor:
    """Time every callback the event loop runs, charging it to the bot or to everything else."""

    current: Blocks | None = None
    current_input: str = ""
    other_worst_s: float = 0.0
    results: dict[str, Blocks] = field(default_factory=dict)

    @contextlib.contextmanager
    def installed(self) -> Iterator[None]:
        """Wrap asyncio's Handle._run for the duration of the block."""
        original = asyncio.events.Handle._run
        monitor = self

        def timed(handle: asyncio.Handle) -> None:
            wall, cpu = time.perf_counter(), time.thread_time()
            try:
                original(handle)
            finally:
                monitor.record(time.thread_time() - cpu, time.perf_counter() - wall, handle)

        asyncio.events.Handle._run = timed  # type: ignore[method-assign]
        try:
            yield
        finally:
            asyncio.events.Handle._run = original  # type: ignore[method-assign]

    def record(self, seconds: float, wall: float, handle: asyncio.Handle) -> None:
        """Charge one callback's duration to the command being measured."""
        if self.current is None:
            return
        if _is_bot(handle):
            blocks = self.current
            blocks.steps += 1
            blocks.worst_wall_s = max(blocks.worst_wall_s, wall)
            if seconds > blocks.worst_s:
                blocks.worst_s, blocks.worst_input = seconds, self.current_input
                blocks.worst_step = _describe(handle)
        else:
            self.other_worst_s = max(self.other_worst_s, seconds)

    @contextlib.contextmanager
    def measuring(self, name: str, value_name: str) -> Iterator[None]:
        """Charge the loop steps run inside the block to command `name` and input `value_name`."""
        self.current = self.results.setdefault(name, Blocks())
        self.current_input = value_name
        try:
            yield
        finally:
            self.current = None


def _describe(handle: asyncio.Handle) -> str:
    """Name the coroutine chain a loop step ran (for --verbose)."""
    task = getattr(getattr(handle, "_callback", None), "__self__", None)
    if not isinstance(task, asyncio.Task):
        return repr(handle)
    names, coro = [], task.get_coro()
    while coro is not None:
        names.append(getattr(coro, "__qualname__", type(coro).__name__))
        coro = getattr(coro, "cr_await", None) or getattr(coro, "gi_yieldfrom", None)
    return f"task {task.get_name()}: " + " > ".join(names)


def _is_bot(handle: asyncio.Handle) -> bool:
    """Tell whether a loop callback runs the bot's code (a task of discord.py, the bot or aiosqlite)."""
    callback = getattr(handle, "_callback", None)
    task = getattr(callback, "__self__", None)
    coro = task.get_coro() if isinstance(task, asyncio.Task) else None
    while coro is not None:
        code = getattr(coro, "cr_code", None) or getattr(coro, "gi_code", None)
        if code is not None and any(part in code.co_filename for part in BOT_CODE):
            return True
        coro = getattr(coro, "cr_await", None) or getattr(coro, "gi_yieldfrom", None)
    # Plain callbacks (socket reads, futures resolving) are charged to whoever's module holds them.
    module = getattr(getattr(callback, "__func__", callback), "__module__", "") or ""
    return module.startswith(("discord", "bot", "cogs", "aiosqlite"))


Make = Callable[[str, Member], Awaitable[Any]]


def interactions(emu: Emulator, speaker: str) -> dict[str, tuple[Make, int]]:
    """Return each measured interaction with the max_length Discord's client would cut its value to."""

    def slash(path: str, option: str, **others: str) -> Make:
        return lambda value, member: emu.invoke(
            path, options={option: value, **others}, member=member, settle=False, within=5
        )

    def typing(path: str, option: str) -> Make:
        return lambda value, member: emu.autocomplete(path, option, value, member=member)

    async def mention(value: str, member: Member) -> None:
        message = await emu.post(f"{emu.bot_mention} {value}", member=member)
        await emu.wait_for_reply(message, within=10)

    async def find_quote(value: str, member: Member) -> None:
        message = await emu.post(value, member=member)
        await emu.invoke_message_command("Find quote", message, member=member)

    return {
        "/episode episode:": (slash("/episode", "episode"), 100),
        "/takeaways episode:": (slash("/takeaways", "episode"), 100),
        "/related episode:": (slash("/related", "episode"), 100),
        "/quote speaker name:": (slash("/quote speaker", "name"), 100),
        "/quote speaker episode:": (slash("/quote speaker", "episode", name=speaker), 100),
        "/quote random speaker:": (slash("/quote random", "speaker"), 100),
        "/quote search text:": (slash("/quote search", "text"), 300),
        "/ask question:": (slash("/ask", "question"), 300),
        "/daily set show:": (slash("/daily set", "show", time="09:00", channel=emu.channel), 100),
        "/daily set timezone:": (slash("/daily set", "timezone", time="09:00", channel=emu.channel), 64),
        "/daily set time:": (slash("/daily set", "time", channel=emu.channel), 16),
        "autocomplete episode": (typing("/episode", "episode"), 100),
        "autocomplete speaker": (typing("/quote speaker", "name"), 100),
        "autocomplete timezone": (typing("/daily set", "timezone"), 64),
        "@mention question": (mention, 4000),
        "Find quote (message text)": (find_quote, 4000),
    }


async def run(args: argparse.Namespace) -> tuple[LoopMonitor, int]:
    """Measure every interaction with every hostile value; return the monitor and answers missed."""
    monitor, missed = LoopMonitor(), 0
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "data"
        corpus.write_corpus(data, args.episodes)
        async with Emulator() as emu:
            await emu.setup_world()
            settings = Settings(token=emu.token, api_base_url=emu.api_url, data_dir=data,
                                database_path=Path(tmp) / "bench.db", log_level="WARNING")  # fmt: skip
            async with running_bot(settings, settle_heap=True):  # as `python -m bot` runs
                speaker = (await emu.autocomplete("/quote speaker", "name", "")).choices[0]["value"]
                with monitor.installed():
                    # First use of each interaction with an ordinary value: one-time costs (lazy
                    # imports, compiled patterns, first queries) are reported apart from input's.
                    for name, (make, _max_length) in interactions(emu, speaker).items():
                        member = await emu.create_member(
                            emu.guild, f"w{len(emu.interactions)}", permissions=0x20
                        )
                        with monitor.measuring(FIRST_USE, name), contextlib.suppress(AssertionError):
                            await make("09:00" if name.endswith("time:") else "state", member)
                    for name, (make, max_length) in interactions(emu, speaker).items():
                        for value_name, value in HOSTILE.items():
                            for shown, typed in (
                                (value_name, value[:max_length]),
                                (f"{value_name}, raw", value),
                            ):
                                member = await emu.create_member(emu.guild, f"m{len(emu.interactions)}",
                                                                 permissions=0x20)  # fmt: skip
                                with monitor.measuring(name, shown):
                                    try:
                                        await make(typed, member)
                                    except AssertionError:  # no answer in time: counted, not fatal
                                        missed += 1
            emu.take_violations()
    return monitor, missed


def table(monitor: LoopMonitor, missed: int, episodes: int, *, verbose: bool = False) -> str:
    """Return the Markdown table of the worst loop block per interaction."""
    lines = [
        f"| Interaction ({episodes:,} episodes), 10 hostile values each, cut and raw | longest loop step "
        "of the bot, CPU | same, wall clock | on which value |",
        "|---|---|---|---|",
    ]
    hostile = {name: blocks for name, blocks in monitor.results.items() if name != FIRST_USE}
    for name, blocks in hostile.items():
        lines.append(f"| {name} | {blocks.worst_s * 1000:.1f} ms | {blocks.worst_wall_s * 1000:.1f} ms | "
                     f"{blocks.worst_input} |")  # fmt: skip
        if verbose:
            lines.append(f"|  | {blocks.worst_step[:300]} | | |")
    worst = max(b.worst_s for b in hostile.values()) * 1000
    first = monitor.results[FIRST_USE]
    lines.append("")
    emulator = monitor.other_worst_s * 1000
    lines.append(f"Longest bot step overall {worst:.1f} ms (target <= {TARGET_MS:.0f} ms); "
                 f"answers missed: {missed}; longest emulator step {emulator:.1f} ms.")  # fmt: skip
    lines.append(f"First use of each interaction after start, ordinary values: longest step "
                 f"{first.worst_s * 1000:.1f} ms CPU ({first.worst_input}).")  # fmt: skip
    if verbose:
        lines.append(f"  {first.worst_step[:300]}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print its table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--episodes", type=int, default=1000, help="episodes in the synthetic corpus")
    parser.add_argument("--verbose", action="store_true", help="also show each worst step's callback")
    args = parser.parse_args(argv)
    monitor, missed = asyncio.run(run(args))
    print(table(monitor, missed, args.episodes, verbose=args.verbose))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
