"""Signals turned into a stop: the main task is cancelled, or another action runs, and the exit code."""

import asyncio
import logging
import os
import signal

import pytest

from bot import runner, shutdown


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
