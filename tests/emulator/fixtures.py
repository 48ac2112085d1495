"""Pytest fixtures for end-to-end tests: the emulator, settings that point the bot at it, the real bot."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
import pytest_asyncio
from discord.gateway import DiscordWebSocket
from discord.http import Route

from bot.config import Settings
from tests.emulator.server import Emulator
from tests.fixtures import SEED_DIR

if TYPE_CHECKING:
    from bot.app.client import EpisodeBot

REPO = Path(__file__).resolve().parents[2]


@pytest_asyncio.fixture
async def emulator() -> AsyncIterator[Emulator]:
    """Start a local Discord with guild, #general, member `alice` and admin `ada`; check it at the end."""
    async with Emulator() as emu:
        await emu.setup_world()
        yield emu
    emu.assert_clean()


@pytest.fixture
def bot_settings(emulator: Emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """Return Settings for the emulator, a fresh database and the sample episode (the tests' copy)."""
    # The bot points discord.py's class-level addresses at the emulator; put them back afterwards.
    monkeypatch.setattr(Route, "BASE", Route.BASE)
    monkeypatch.setattr(DiscordWebSocket, "DEFAULT_GATEWAY", DiscordWebSocket.DEFAULT_GATEWAY)
    return Settings(token=emulator.token, api_base_url=emulator.api_url, data_dir=SEED_DIR,
                    database_path=tmp_path / "episode-bot.db", log_level="DEBUG")  # fmt: skip


@pytest_asyncio.fixture
async def live_bot(emulator: Emulator, bot_settings: Settings) -> AsyncIterator[EpisodeBot]:
    """Run the real bot in-process (bot.runner.running_bot) against the emulator, ready for commands."""
    from bot.runner import running_bot  # imported here so unit tests never depend on the bot's core

    async with running_bot(bot_settings) as bot:
        yield bot


@dataclass
class BotProcess:
    """`python -m bot` running in a subprocess; its combined output goes to `log_path`."""

    process: asyncio.subprocess.Process
    log_path: Path

    @property
    def output(self) -> str:
        """Return everything the process printed so far."""
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    async def stop(self, sig: signal.Signals = signal.SIGTERM, within: float = 5.0) -> int:
        """Send `sig` and return the exit code; fail (and kill it) if it runs past `within` seconds."""
        self.process.send_signal(sig)
        try:
            return await asyncio.wait_for(self.process.wait(), within)
        except TimeoutError:
            self.process.kill()
            await self.process.wait()
            raise AssertionError(
                f"the bot outlived {sig.name} by {within} s:\n{self.output[-4000:]}"
            ) from None


def bot_environment(settings: Settings) -> dict[str, str]:
    """Build the environment that makes `python -m bot` use these settings (and nothing from .env)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("DISCORD_")}
    env |= {"DISCORD_TOKEN": settings.token or "", "DISCORD_API_BASE_URL": settings.api_base_url,
            "DATA_DIR": str(settings.data_dir), "DATABASE_PATH": str(settings.database_path),
            "LOG_LEVEL": settings.log_level, "DEV_GUILD_ID": str(settings.dev_guild_id or ""),
            "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))}  # fmt: skip
    shards = settings.shards
    env["SHARD_COUNT"] = str(shards.count) if shards else ""
    env["SHARD_IDS"] = ",".join(map(str, shards.ids)) if shards else ""
    return env


@contextlib.asynccontextmanager
async def bot_process(
    settings: Settings, *args: str, log_path: Path | None = None
) -> AsyncIterator[BotProcess]:
    """Start `python -m bot [args]` with `settings`; kill it on exit if it is still running.

    Its output goes to `log_path` (default: the database's path ending in .log; give processes
    sharing one database a log each).
    """
    log_path = log_path or settings.database_path.with_suffix(".log")
    with log_path.open("wb") as log_file:  # the child keeps its own copy of the descriptor
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", *args, env=bot_environment(settings),
            cwd=settings.database_path.parent, stdout=log_file, stderr=subprocess.STDOUT,
        )  # fmt: skip
    handle = BotProcess(process, log_path)
    try:
        yield handle
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
