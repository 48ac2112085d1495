"""Live data end to end: files changed and CLI ingests while the bot runs reach every command at once."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from bot.app.client import EpisodeBot
from bot.config import Settings
from tests.cogs.conftest import page
from tests.emulator import Emulator
from tests.emulator.fixtures import bot_environment
from tests.fixtures import SEED_META

FAST = 0.1  # seconds between the bot's looks at the database; file events arrive as they happen
TIDAL = page(
    "Tidal Rivers | The Tidal Hour #14",
    [("Estuaries breathe twice a day, like a slow lung.", "Mara Quill", "3:10")],
    takeaways=("Estuaries breathe twice a day.",),
)
SEED_TITLE = "State of AI in 2026"


async def swapped(emu: Emulator, bot: EpisodeBot, before: object) -> None:
    """Wait until the bot has swapped in a new catalogue."""
    await emu.wait_until(lambda: bot.kb.snapshot is not before, within=10, what="the catalogue swap")


async def views(emu: Emulator) -> dict[str, object]:
    """Return what /takeaways 14, the latest episode, autocomplete and /ask show about the tidal episode."""
    numbered = await emu.invoke("/takeaways", episode="14")
    latest = await emu.invoke("/takeaways")
    choices = (await emu.autocomplete("/takeaways", "episode", "tidal hour")).choices
    asked = await emu.invoke("/ask", question="do estuaries breathe twice a day")
    return {
        "takeaways": numbered.message.embeds[0]["description"] if numbered.message.embeds else None,
        "latest": latest.message.embeds[0]["title"],
        "autocomplete": [c["name"] for c in choices],
        "ask": asked.message.embeds[0]["fields"][0]["value"] if asked.message.embeds else None,
    }


async def test_added_edited_and_removed_files_reach_every_command_together(emulator, start_bot, tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    (data / SEED_META.name).write_bytes(SEED_META.read_bytes())  # the seed is dated 2026-01-31
    async with start_bot(watch_interval=FAST) as bot:
        before = bot.kb.snapshot
        (data / "tidal-14.txt").write_text(TIDAL, encoding="utf-8")
        await swapped(emulator, bot, before)
        added = await views(emulator)
        assert added["takeaways"] == "1. Estuaries breathe twice a day."
        assert added["latest"].startswith("Key takeaways · Tidal Rivers")  # undated: appeared today
        assert added["autocomplete"] == ["Tidal Rivers | The Tidal Hour #14"]
        assert "Tidal Rivers" in added["ask"]

        before = bot.kb.snapshot
        edited = TIDAL.replace("Tidal Rivers", "Tidal Marshes")
        edited = edited.replace("twice a day.", "twice daily, always.")
        (data / "tidal-14.txt").write_text(edited, encoding="utf-8")
        await swapped(emulator, bot, before)
        changed = await views(emulator)
        assert changed["takeaways"] == "1. Estuaries breathe twice daily, always."
        assert changed["latest"].startswith("Key takeaways · Tidal Marshes")
        assert "Tidal Marshes | The Tidal Hour #14" in changed["autocomplete"]
        assert "Tidal Rivers | The Tidal Hour #14" not in changed["autocomplete"]
        assert "Tidal Marshes" in changed["ask"]

        before = bot.kb.snapshot
        (data / "tidal-14.txt").unlink()
        await swapped(emulator, bot, before)
        removed = await views(emulator)
        assert removed["takeaways"] is None  # "No episode matches"
        assert removed["latest"].startswith(f"Key takeaways · {SEED_TITLE}")
        assert not any("Tidal" in name for name in removed["autocomplete"])
        assert removed["ask"] is None or "Tidal" not in removed["ask"]


async def cli_ingest(settings: Settings, path: Path) -> str:
    """Run `python -m bot ingest PATH` against the bot's database, as an owner would."""
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "ingest", str(path), env=bot_environment(settings),
        cwd=settings.database_path.parent, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    output, _ = await process.communicate()
    assert process.returncode == 0, output
    return output.decode()


async def test_a_cli_ingest_while_the_bot_runs_is_served_whole(emulator, start_bot, bot_settings, tmp_path):
    elsewhere = tmp_path / "elsewhere"  # outside DATA_DIR: only the database tells the bot
    elsewhere.mkdir()
    (elsewhere / "tidal-14.txt").write_text(TIDAL, encoding="utf-8")
    async with start_bot(watch_interval=FAST) as bot:
        before = bot.kb.snapshot
        await cli_ingest(bot.settings, elsewhere)
        await swapped(emulator, bot, before)
        added = await views(emulator)
        assert added["takeaways"] == "1. Estuaries breathe twice a day."
        assert added["autocomplete"] == ["Tidal Rivers | The Tidal Hour #14"]
        assert "Tidal Rivers" in added["ask"]

        before = bot.kb.snapshot
        (elsewhere / "tidal-14.txt").unlink()
        assert "1 removed" in await cli_ingest(bot.settings, elsewhere)
        await swapped(emulator, bot, before)
        removed = await views(emulator)
        assert removed["takeaways"] is None
        assert removed["latest"].startswith(f"Key takeaways · {SEED_TITLE}")
        assert removed["autocomplete"] == []
