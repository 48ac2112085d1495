import asyncio
import gc
import logging
import os
import signal
import socket
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from bot import runner
from bot.config import Settings
from bot.feeds.feedlist import add_feed, feeds_path
from bot.feeds.poll import PollResult
from bot.knowledge import KnowledgeBase
from bot.live.worker import IngestWorker
from bot.runner import knowledge, load_data
from bot.storage.database import Database
from tests.bot.processes import check_database, signal_bot, small_pages
from tests.fixtures import SEED_DIR, SEED_PAGE

REPO = Path(__file__).resolve().parents[2]
SEED = SEED_DIR
TOKEN_SHAPED = "MTIzNDU2Nzg5MDEyMzQ1Njc4.GabcDE.abcdefghijklmnopqrstuvwxyz0123"


def run_bot(tmp_path: Path, *args: str, **env: str) -> tuple[int, str]:
    """Run `python -m bot ARGS` in an empty directory (no .env) with only `env` set."""

    clean = {"PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(REPO), **env}
    done = subprocess.run(  # noqa: S603 (the arguments are the test's own)
        [sys.executable, "-m", "bot", *args],
        cwd=tmp_path,
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    return done.returncode, done.stderr


def test_missing_token_is_one_clear_line_and_exit_code_2(tmp_path):
    code, stderr = run_bot(tmp_path)
    assert code == 2
    assert stderr.count("\n") == 1
    assert stderr.startswith("episode-bot: DISCORD_TOKEN is not set")
    assert "developers/applications" in stderr


def test_malformed_token_is_one_clear_line_and_exit_code_2(tmp_path):
    code, stderr = run_bot(tmp_path, DISCORD_TOKEN='"not a token"')
    assert code == 2
    assert stderr.count("\n") == 1
    assert "does not look like a bot token" in stderr
    assert "not a token" not in stderr


@pytest.mark.parametrize("command", ["run", "sync"])
def test_a_database_path_that_is_not_a_database_is_one_line_and_exit_code_2(tmp_path, command):
    (tmp_path / "notes.txt").write_text("some notes\n" * 100, encoding="utf-8")
    code, stderr = run_bot(
        tmp_path, command, DISCORD_TOKEN=TOKEN_SHAPED, DATA_DIR=str(SEED), DATABASE_PATH="notes.txt"
    )
    assert code == 2
    assert stderr == (
        "episode-bot: DATABASE_PATH notes.txt is not an SQLite database; "
        "point it at the bot's database or a new file.\n"
    )


async def start_bot(emu, tmp_path, token=None):
    """Start `python -m bot` on the sample episode against `emu`, its stderr piped."""
    env = {
        "PATH": os.environ.get("PATH", ""),
        "PYTHONPATH": str(REPO),
        "DISCORD_TOKEN": token or emu.token,
        "DISCORD_API_BASE_URL": emu.api_url,
        "DATA_DIR": str(SEED),
        "DATABASE_PATH": str(tmp_path / "bot.db"),
    }
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", cwd=tmp_path, env=env, stderr=asyncio.subprocess.PIPE
    )


async def test_a_token_discord_rejects_is_one_line_and_exit_code_2(tmp_path):
    from tests.emulator import Emulator

    async with Emulator() as emu:
        wrong = emu.token[:-4] + "AAAA"
        proc = await start_bot(emu, tmp_path, token=wrong)
        _, stderr = await asyncio.wait_for(proc.communicate(), 60)
    text = stderr.decode()
    assert proc.returncode == 2
    assert text.splitlines()[-1].startswith("episode-bot: Discord rejected DISCORD_TOKEN (401)")
    assert "Traceback" not in text
    assert wrong not in text


@pytest.fixture
async def kb(tmp_path):
    db = await Database.open(tmp_path / "runner.db")
    yield KnowledgeBase(db)
    await db.close()


async def test_load_data_ingests_the_data_directory(kb, tmp_path, caplog):
    with caplog.at_level(logging.INFO, logger="bot.runner"):
        await load_data(kb, Settings(data_dir=SEED, database_path=tmp_path / "x.db"))
    assert "1 new or changed" in caplog.text
    assert (await kb.resolve_episode("490")).number == 490


async def test_a_bad_file_is_a_warning_and_the_rest_loads(kb, tmp_path, caplog):
    data = tmp_path / "data"
    data.mkdir()
    (data / "good.txt").write_bytes(SEED_PAGE.read_bytes())
    (data / "bad.txt").write_text("")
    with caplog.at_level(logging.INFO, logger="bot.runner"):
        await load_data(kb, Settings(data_dir=data))
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert "bad.txt" in warnings[0].getMessage()
    assert (await kb.resolve_episode("490")).number == 490


async def test_a_missing_data_directory_keeps_what_the_database_holds(kb, tmp_path, caplog):
    await load_data(kb, Settings(data_dir=SEED))
    with caplog.at_level(logging.WARNING, logger="bot.runner"):
        await load_data(kb, Settings(data_dir=tmp_path / "nowhere"))
    assert "is not a directory" in caplog.text
    assert (await kb.resolve_episode("490")).number == 490


async def until(condition, within: float = 30.0) -> None:
    """Poll `condition` until it holds (the emulator signals no event for a new session)."""
    for _ in range(int(within / 0.02)):
        if condition():
            return
        await asyncio.sleep(0.02)
    raise AssertionError(f"not true within {within} s")


async def test_sigterm_stops_the_bot_cleanly_within_five_seconds(tmp_path):
    from tests.emulator import Emulator

    async with Emulator() as emu:
        proc = await start_bot(emu, tmp_path)
        try:
            await until(lambda: any(s.ws is not None for s in emu.sessions))
            await emu.setup_world()
            ix = await emu.invoke("/quote speaker", name="nathan lamber")
            assert "[▶ 2:28:05]" in ix.message.text
            proc.send_signal(signal.SIGTERM)
            _, stderr = await asyncio.wait_for(proc.communicate(), 5)
        finally:
            if proc.returncode is None:
                proc.kill()
                await proc.wait()
    assert proc.returncode == 0
    assert "Stopped cleanly" in stderr.decode()
    assert emu.token not in stderr.decode()
    assert not (tmp_path / "bot.db-wal").exists()  # SQLite removes it when the last connection closes


def test_sync_with_an_unreachable_api_is_one_logged_line_and_exit_code_1(tmp_path):
    port = unused_port()
    code, stderr = run_bot(
        tmp_path,
        "sync",
        DISCORD_TOKEN=TOKEN_SHAPED,
        DISCORD_API_BASE_URL=f"http://127.0.0.1:{port}/api/v10",
        DATA_DIR=str(SEED),
        DATABASE_PATH=str(tmp_path / "bot.db"),
    )
    assert code == 1
    assert f"Cannot reach Discord at http://127.0.0.1:{port}/api/v10" in stderr
    assert "nothing was synced" in stderr
    assert "Traceback" not in stderr
    assert TOKEN_SHAPED not in stderr


def unused_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.mark.parametrize(("sig", "code"), [(signal.SIGTERM, 0), (signal.SIGINT, 130)])
def test_a_signal_during_the_start_up_ingest_stops_the_bot_cleanly_within_five_seconds(tmp_path, sig, code):
    data, db = tmp_path / "data", tmp_path / "bot.db"
    small_pages(data, 1000)
    env = {
        "PATH": os.environ.get("PATH", ""),
        "PYTHONPATH": str(REPO),
        "DISCORD_TOKEN": TOKEN_SHAPED,
        "DISCORD_API_BASE_URL": f"http://127.0.0.1:{unused_port()}/api/v10",  # never reached
        "DATA_DIR": str(data),
        "DATABASE_PATH": str(db),
    }
    stopped = signal_bot([], env, tmp_path, sig=sig, ready=lambda _: db.exists(), delay=0.3)
    assert "Cannot reach Discord" not in stopped.stderr, "the ingest ended before the signal"
    assert (stopped.code, stopped.left) == (code, []), stopped.stderr
    assert stopped.seconds < 5
    assert "Traceback" not in stopped.stderr
    assert stopped.stderr.rstrip().endswith("Stopped cleanly")
    assert TOKEN_SHAPED not in stopped.stderr
    check_database(db)


async def test_sigterm_while_a_command_waits_for_the_write_lock_stops_cleanly_within_five_seconds(tmp_path):
    from tests.emulator import Emulator

    async with Emulator() as emu:
        proc = await start_bot(emu, tmp_path)
        holder = sqlite3.connect(tmp_path / "bot.db", isolation_level=None)
        try:
            await until(lambda: any(s.ws is not None for s in emu.sessions))
            await emu.setup_world()
            holder.execute("BEGIN IMMEDIATE")  # another process writes for a long time
            options = {"channel": emu.channel, "time": "09:00", "timezone": "UTC"}
            waiting = asyncio.create_task(
                emu.invoke("/daily set", member=emu.admin, options=options, wait=False)
            )
            await asyncio.sleep(0.5)  # the command now waits for the lock
            proc.send_signal(signal.SIGTERM)
            _, stderr = await asyncio.wait_for(proc.communicate(), 5)
            await waiting
        finally:
            holder.close()
            if proc.returncode is None:
                proc.kill()
                await proc.wait()
        emu.take_violations()  # the waiting command could not answer before the shutdown
    log = stderr.decode()
    assert proc.returncode == 0, log
    assert log.rstrip().endswith("Stopped cleanly")
    assert "Traceback" not in log
    assert "closed database" not in log


async def test_the_loaded_catalogue_is_kept_out_of_garbage_collections_until_closed(tmp_path):
    # A full collection walks every tracked object while the event loop waits: with the catalogue
    # and its indexes that took 100-300 ms at 1,000 episodes (bench/bench_hostile.py).
    settings = Settings(data_dir=SEED, database_path=tmp_path / "x.db")
    async with knowledge(settings, settle_heap=True) as (_db, kb):
        episodes = kb.snapshot.cat.episodes
        assert episodes
        assert not any(tracked is episodes for tracked in gc.get_objects())
        await kb.refresh()  # a reload keeps the new catalogue out as well
        assert not any(tracked is kb.snapshot.cat.episodes for tracked in gc.get_objects())
    assert gc.get_freeze_count() == 0


async def test_files_of_an_unknown_type_are_one_warning(kb, tmp_path, caplog):
    data = tmp_path / "data"
    data.mkdir()
    (data / "good.txt").write_bytes(SEED_PAGE.read_bytes())
    (data / "notes.md").write_text("to do")
    (data / "cover.jpg").write_text("jpeg")
    with caplog.at_level(logging.INFO, logger="bot.runner"):
        await load_data(kb, Settings(data_dir=data))
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert warnings[0].startswith("Ignored 2 file(s) of a type episode-bot does not read: ")
    assert warnings[0].endswith("cover.jpg, " + str(data / "notes.md"))


async def test_run_waits_for_the_network_saying_so_then_serves(tmp_path):
    from tests.emulator import Emulator
    from tests.emulator.fixtures import bot_process

    port = unused_port()
    api = f"http://127.0.0.1:{port}/api/v10"
    emu = Emulator(port=port)  # not listening yet: the network is not up
    settings = Settings(token=emu.token, api_base_url=api, data_dir=SEED,
                        database_path=tmp_path / "bot.db", log_level="WARNING")  # fmt: skip
    async with bot_process(settings) as bot:
        await until(lambda: bot.output.count(f"Cannot reach Discord at {api}") >= 2)
        assert "retrying in 1 s (attempt 1)" in bot.output
        assert "retrying in 2 s (attempt 2)" in bot.output
        assert bot.process.returncode is None  # still waiting, not dead
        async with emu:
            await until(lambda: any(s.ws is not None for s in emu.sessions))
            await emu.setup_world()
            ix = await emu.invoke("/quote speaker", name="nathan lamber")
            assert "[▶ 2:28:05]" in ix.message.text
            assert await bot.stop() == 0
    assert "Traceback" not in bot.output
    assert emu.token not in bot.output


async def test_sigterm_while_waiting_for_the_network_exits_cleanly(tmp_path):
    from tests.emulator.fixtures import bot_process

    api = f"http://127.0.0.1:{unused_port()}/api/v10"
    settings = Settings(
        token=TOKEN_SHAPED, api_base_url=api, data_dir=SEED, database_path=tmp_path / "bot.db"
    )
    async with bot_process(settings) as bot:
        await until(lambda: f"Cannot reach Discord at {api}" in bot.output)
        assert await bot.stop() == 0
    assert "Stopped cleanly" in bot.output


async def test_two_episodes_with_one_show_and_number_are_named_in_the_log(kb, tmp_path, caplog):
    data = tmp_path / "data"
    data.mkdir()
    page = SEED_PAGE.read_bytes()
    (data / "good.txt").write_bytes(page)
    (data / "twin.txt").write_bytes(page.replace(b"State of AI in 2026", b"A twin", 1))
    with caplog.at_level(logging.INFO, logger="bot.runner"):
        await load_data(kb, Settings(data_dir=data))
    (line,) = [r.getMessage() for r in caplog.records if "claims" in r.getMessage()]
    assert line.startswith(f"Data warning: {data / 'twin.txt'}:1: claims Lex Fridman Podcast #490, as ")
    assert f"as {data / 'good.txt'} does too" in line


def test_the_bot_hands_the_interpreter_lock_back_to_its_event_loop_within_a_fraction_of_a_ms(monkeypatch):
    # A worker thread (a reload reading its rows) holds the lock for up to the switch interval each
    # time the event loop waits on I/O; at Python's default of 5 ms a command waited tens of ms.
    seen = []

    def run(work):
        seen.append(sys.getswitchinterval())
        work.close()
        return 0

    monkeypatch.setattr(runner.logs, "configure", lambda *args, **kwargs: None)
    monkeypatch.setattr(runner.asyncio, "run", run)
    previous = sys.getswitchinterval()
    try:
        assert runner.main(Settings(token=TOKEN_SHAPED), "run") == 0
    finally:
        sys.setswitchinterval(previous)
    assert seen == [pytest.approx(runner.SWITCH_INTERVAL_S)]
    assert seen[0] <= 0.0005


async def test_feeds_are_polled_in_this_process_when_none_can_be_started(kb, tmp_path, caplog):
    class NoProcesses(IngestWorker):
        async def poll(self, settings: Settings, *, force: bool = False) -> PollResult:
            raise OSError("processes are not allowed here")

    settings = Settings(data_dir=tmp_path, database_path=tmp_path / "runner.db")
    add_feed(feeds_path(tmp_path), "http://127.0.0.1:9/feed.xml")  # a closed port: the poll fails
    caplog.set_level(logging.WARNING)
    result = await runner.poll_elsewhere(kb, settings, NoProcesses())
    assert "polling in this one" in caplog.text
    (outcome,) = result.outcomes
    assert not outcome.ok
    assert outcome.result.startswith("failed: cannot connect")
