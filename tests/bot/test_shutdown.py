"""Signals turned into a stop: the main task is cancelled, or another action runs, and the exit code."""

import asyncio
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from bot import runner, shutdown

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(("sig", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 0)])
async def test_a_signal_cancels_the_main_work_and_gives_its_exit_code(sig, code):
    reached = []

    async def work(stop):
        os.kill(os.getpid(), sig)
        try:
            await asyncio.sleep(10)
        except asyncio.CancelledError:
            reached.append("rolled back")
            raise
        return 5

    assert await asyncio.wait_for(shutdown.run_until_stopped(work), 2) == code
    assert reached == ["rolled back"]
    assert signal.getsignal(signal.SIGTERM) == signal.SIG_DFL  # given back


async def test_a_second_signal_does_not_stop_twice():
    actions = []

    async def work(stop):
        stop.on_stop(lambda: actions.append("close"))
        os.kill(os.getpid(), signal.SIGTERM)
        await asyncio.sleep(0.05)
        os.kill(os.getpid(), signal.SIGINT)
        await asyncio.sleep(0.05)
        return stop.exit_code

    assert await shutdown.run_until_stopped(work) == 0
    assert actions == ["close"]


def test_the_bot_says_it_stopped_cleanly_only_when_nothing_failed_while_stopping(caplog):
    stop = shutdown.Stop()
    stop.signal = signal.SIGTERM
    with caplog.at_level(logging.INFO, logger="bot.runner"):
        assert runner._stopped(stop) == 0
        stop.errors.count = 1
        assert runner._stopped(stop) == 1
    assert [r.getMessage() for r in caplog.records] == [
        "Stopped cleanly",
        "Stopped, after 1 error(s) while stopping",
    ]


async def test_the_deadline_counts_from_the_signal_even_while_the_event_loop_is_busy(monkeypatch):
    monkeypatch.setattr(shutdown, "HARD_EXIT_S", 0.3)
    expired = threading.Event()
    monkeypatch.setattr(shutdown.Stop, "_hard_exit", lambda _stop: expired.set())

    async def work(stop):
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(1.0)  # noqa: ASYNC251 (the loop is blocked: its callbacks wait, the deadline must not)
        assert expired.is_set()
        await asyncio.sleep(10)  # cancelled once the loop gets to the signal's callback
        return 5

    assert await asyncio.wait_for(shutdown.run_until_stopped(work), 5) == 0


HANGING_WAY_OUT = """
import asyncio, sys, threading, time
from bot import shutdown

async def main(stop):
    # a thread of the loop's executor that outlives the work: asyncio.run would wait for it
    asyncio.get_running_loop().run_in_executor(None, time.sleep, 30)
    print("ready", flush=True)
    await asyncio.sleep(30)
    return 3

sys.exit(asyncio.run(shutdown.run_until_stopped(main, exit_process=True)))
"""


@pytest.mark.parametrize(("sig", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 0)])
def test_a_process_ends_once_its_stop_is_done_without_waiting_for_leftover_threads(sig, code):
    process = subprocess.Popen(  # noqa: S603 (this interpreter, fixed arguments)
        [sys.executable, "-c", HANGING_WAY_OUT], stdout=subprocess.PIPE, text=True, cwd=REPO
    )
    try:
        assert process.stdout is not None
        assert process.stdout.readline() == "ready\n"
        sent = time.monotonic()
        process.send_signal(sig)
        assert process.wait(timeout=30) == code
        assert time.monotonic() - sent < 5
    finally:
        process.kill()
        process.wait()
