"""The entry point: cheap to import, since every spawned worker process imports it again."""

import subprocess
import sys
from pathlib import Path

IMPORT_ENTRY_POINT = """
import importlib, sys
from importlib import metadata
(entry,) = metadata.entry_points(group="console_scripts", name="episode-bot")
importlib.import_module(entry.module)
print(sorted(name for name in ("bot.cli", "aiohttp", "discord") if name in sys.modules))
"""


def test_the_console_scripts_module_imports_neither_the_command_line_nor_aiohttp() -> None:
    """Import the console script's module alone, as a spawned ingest worker does."""
    command = [sys.executable, "-c", IMPORT_ENTRY_POINT]
    done = subprocess.run(command, capture_output=True, text=True, check=True)  # noqa: S603 (the test's own)
    assert done.stdout.strip() == "[]"


def test_the_console_script_runs_the_command_line() -> None:
    """Start the installed `episode-bot` script and get the command line's answer."""
    script = Path(sys.executable).with_name("episode-bot")
    done = subprocess.run([str(script), "--version"], capture_output=True, text=True, check=False)  # noqa: S603
    assert done.returncode == 0
    assert done.stdout.startswith("episode-bot ")


IMPORT_OFFLINE_COMMANDS = """
import sys
import bot.cli, bot.terminal
print(sorted(name for name in ("aiohttp", "discord", "feedparser") if name in sys.modules))
"""


def test_the_offline_commands_import_neither_aiohttp_nor_feedparser() -> None:
    """Import what `python -m bot ingest` runs: reading feeds over the network is for `feeds fetch` only."""
    command = [sys.executable, "-c", IMPORT_OFFLINE_COMMANDS]
    done = subprocess.run(command, capture_output=True, text=True, check=True)  # noqa: S603 (the test's own)
    assert done.stdout.strip() == "[]"
