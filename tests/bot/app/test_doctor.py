"""`doctor` against the local Discord: all well after a real start, and each misconfiguration explained."""

import asyncio
import dataclasses
import subprocess
import sys
import time

from bot.app import doctor
from bot.app.client import HEARTBEAT_KEY, heartbeat_key
from bot.app.invite import invite_url
from bot.config import Settings
from bot.knowledge import KnowledgeBase
from bot.runner import running_bot
from bot.shards import Shards
from bot.storage.database import Database
from tests.bot.kb_pages import GUEST_PAGE, copy_seed, write
from tests.emulator.fixtures import REPO, bot_environment
from tests.emulator.model import snowflake

TOKEN = "MTIzNDU2Nzg5MDEyMzQ1Njc4.GabcDE.abcdefghijklmnopqrstuvwxyz0123"


async def run_doctor(settings: Settings, *, quick: bool = False) -> tuple[int, str]:
    """Run doctor as the CLI does (its own event loop), beside the emulator's."""
    code, lines = await asyncio.to_thread(doctor.run, settings, quick=quick)
    return code, "\n".join(lines)


def status_of(text: str, name: str) -> str:
    """Return the status word of the check called `name`."""
    for line in text.splitlines():
        if line[8 : 8 + doctor.LABEL_WIDTH].strip() == name:
            return line[:8].strip()
    raise AssertionError(f"no {name} check in:\n{text}")


async def started_once(settings: Settings) -> None:
    """Start the bot until it has its session (commands synced, heartbeat written), then stop it."""
    async with running_bot(settings) as bot:
        await bot.wait_until_ready()
        await asyncio.wait_for(_beaten(bot), 5)


async def _beaten(bot) -> None:
    for _ in range(250):
        if await bot.db.get_state(HEARTBEAT_KEY) is not None:
            return
        await asyncio.sleep(0.02)
    raise AssertionError("no heartbeat recorded")


async def test_after_a_real_start_all_is_well(emulator, bot_settings):
    await started_once(bot_settings)
    code, text = await run_doctor(bot_settings)
    assert code == 0, text
    assert text.endswith("All is well.")
    for name in ("token", "discord", "commands", "database", "data", "feeds", "bot", "invite"):
        assert status_of(text, name) in ("ok", "note"), text
    assert "logged in as episode-bot" in text
    assert "the bot is in 1 server" in text
    assert "registered for every server (global): Find quote, announce, ask" in text
    assert "migrations current" in text
    assert "integrity: ok" in text
    assert "1 episode (1 page, 1 metadata file)" in text
    assert "last ingest" in text
    assert "0 failed" in text
    assert "Public Bot is on" in text  # a note: worth knowing, nothing broken
    assert invite_url(emulator.app_id) in text
    assert emulator.token not in text


async def test_each_problem_is_named_with_its_fix(emulator, bot_settings, tmp_path):
    data = copy_seed(tmp_path / "data")
    write(data / "broken.txt", GUEST_PAGE.replace("▶ 12:01", "▶ 61:99:xx"))
    settings = dataclasses.replace(bot_settings, data_dir=data)
    await started_once(settings)
    missing = snowflake()
    code, text = await run_doctor(dataclasses.replace(settings, dev_guild_id=missing))
    assert code == 1, text
    assert status_of(text, "data") == "PROBLEM", text
    assert "1 file did not load (`episode-bot ingest` says why):" in text
    assert "broken.txt:8: expected a timestamp" in text
    assert f"DEV_GUILD_ID {missing}: the bot is not in that server" in text
    assert invite_url(emulator.app_id, missing) in text
    assert f"none registered for server {missing} (DEV_GUILD_ID)" in text
    assert text.endswith("3 problems found.")


async def test_episodes_loaded_from_another_folder_are_a_note(tmp_path):
    sample, mine = copy_seed(tmp_path / "sample"), copy_seed(tmp_path / "mine")
    settings = Settings(data_dir=sample, database_path=tmp_path / "bot.db")
    db = await Database.open(settings.database_path)
    await KnowledgeBase(db).ingest([sample])
    await db.close()
    _code, text = await run_doctor(settings)
    assert "outside DATA_DIR" not in text
    _code, text = await run_doctor(dataclasses.replace(settings, data_dir=mine))  # DATA_DIR moved
    assert status_of(text, "data") == "note", text
    assert "1 episode in the database came from outside DATA_DIR, e.g. " + str(sample.resolve()) in text
    assert "run `episode-bot ingest FOLDER` on the folder they came from" in text


async def test_a_missing_data_dir_and_an_unreachable_discord(emulator, bot_settings, tmp_path):
    with_socket = dataclasses.replace(
        bot_settings, data_dir=tmp_path / "nowhere", api_base_url="http://127.0.0.1:9/api/v10"
    )
    code, text = await run_doctor(with_socket)
    assert code == 1
    assert f"DATA_DIR {tmp_path / 'nowhere'} is not a directory" in text
    assert "cannot reach Discord at http://127.0.0.1:9/api/v10" in text
    assert "does not exist yet: the bot creates it at its first start" in text  # a note, not a problem


async def test_a_rejected_or_missing_token(emulator, bot_settings):
    code, text = await run_doctor(dataclasses.replace(bot_settings, token=emulator.token[:-4] + "AAAA"))
    assert code == 1
    assert "rejected DISCORD_TOKEN (401): reset it in the developer portal" in text
    code, text = await run_doctor(dataclasses.replace(bot_settings, token=None))
    assert code == 1
    assert status_of(text, "token") == "PROBLEM"
    assert "DISCORD_TOKEN is not set" in text


async def test_quick_mode_is_healthy_only_while_a_bot_keeps_its_session(emulator, bot_settings):
    code, text = await run_doctor(bot_settings, quick=True)
    assert code == 1
    assert text == "unhealthy: bot: no database yet: the bot has not started"
    async with running_bot(bot_settings) as bot:
        await bot.wait_until_ready()
        await asyncio.wait_for(_beaten(bot), 5)
        code, text = await run_doctor(bot_settings, quick=True)
        assert (code, text) == (0, "")
        await bot.db.set_state(HEARTBEAT_KEY, "1000")  # as if the session had been down for long
        code, text = await run_doctor(bot_settings, quick=True)
    assert code == 1
    assert text.startswith("unhealthy: bot: no live gateway session recorded for ")


async def test_each_shard_process_s_health_check_reads_its_own_heartbeat(tmp_path):
    settings = Settings(token=TOKEN, data_dir=tmp_path, database_path=tmp_path / "bot.db")
    first, second = Shards(4, (0, 1)), Shards(4, (2, 3))
    db = await Database.open(settings.database_path)
    await db.set_state(heartbeat_key(dataclasses.replace(settings, shards=first)), str(int(time.time())))
    await db.close()
    assert heartbeat_key(settings) == HEARTBEAT_KEY
    assert await run_doctor(dataclasses.replace(settings, shards=first), quick=True) == (0, "")
    code, text = await run_doctor(dataclasses.replace(settings, shards=second), quick=True)
    assert code == 1  # the other process's heartbeat says nothing about this one
    assert text == "unhealthy: bot: no running bot has recorded a gateway session yet"


def test_quick_mode_from_the_command_line_needs_no_network(tmp_path):
    settings = Settings(token=TOKEN,
                        api_base_url="http://127.0.0.1:9/api/v10", data_dir=tmp_path,
                        database_path=tmp_path / "bot.db")  # fmt: skip
    env = bot_environment(settings) | {"PYTHONPATH": str(REPO)}
    done = subprocess.run(
        [sys.executable, "-m", "bot", "doctor", "--quick"], env=env, cwd=tmp_path,
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 1
    assert done.stderr.strip() == "unhealthy: bot: no database yet: the bot has not started"
    assert "Cannot reach" not in done.stderr
