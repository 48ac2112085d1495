"""The real, unmodified bot through the emulator: in-process, and as a `python -m bot` subprocess."""

from __future__ import annotations

import signal
from pathlib import Path

from bot.app.client import EpisodeBot
from bot.config import Settings
from tests.emulator import Emulator
from tests.emulator.fixtures import bot_process


async def test_the_real_bot_syncs_and_answers_in_process(emulator: Emulator, live_bot: EpisodeBot) -> None:
    names = {c["name"] for c in emulator.commands[None]}
    assert {"episode", "quote", "ask", "help", "Find quote"} <= names
    answer = await emulator.invoke("/help")
    assert answer.message.text
    typed = await emulator.autocomplete("/quote speaker", "name", "nath")
    assert any("Nathan Lambert" in choice["name"] for choice in typed.choices)


async def test_python_m_bot_serves_then_exits_cleanly_on_sigterm(
    emulator: Emulator, bot_settings: Settings
) -> None:
    async with bot_process(bot_settings) as bot:
        await emulator.wait_for_bot()
        answer = await emulator.invoke("/help")
        assert answer.message.text
        assert wal_exists(bot_settings), "a running bot keeps its database open in WAL mode"
        code = await bot.stop(signal.SIGTERM, within=5.0)
    assert code == 0, bot.output
    assert not wal_exists(bot_settings), f"the database was not closed:\n{bot.output}"


def wal_exists(settings: Settings) -> bool:
    """Tell whether the write-ahead log is there; SQLite removes it when the last connection closes."""
    return Path(f"{settings.database_path}-wal").exists()
