"""Waiting for Discord at start: retried with backoff, each try said, a silent server timed out."""

import asyncio
import contextlib
import logging
import socket

import pytest

from bot.app import reach
from tests.emulator import Emulator


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextlib.asynccontextmanager
async def silent_server():
    """Accept connections on 127.0.0.1 and never answer; yield the API base URL."""
    held = []

    async def hold(reader, writer):
        held.append(writer)
        await reader.read()  # until the client gives up

    server = await asyncio.start_server(hold, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}/api/v10"
    finally:
        for writer in held:
            writer.close()
        server.close()
        await server.wait_closed()


def test_the_default_wait_for_an_answer_is_30_seconds():
    assert reach.PROBE_TIMEOUT_S == 30.0
    assert reach.BACKOFF_S[0] == 1.0
    assert max(reach.BACKOFF_S) == 60.0


async def test_a_server_that_never_answers_is_named_after_the_timeout():
    async with silent_server() as api:
        with pytest.raises(reach.Unreachable, match=r"no answer within 0\.3 s"):
            await asyncio.wait_for(reach.probe(api, answer_within=0.3), 5)


async def test_a_refused_connection_says_so():
    with pytest.raises(reach.Unreachable, match=r"Cannot connect|refused"):
        await reach.probe(f"http://127.0.0.1:{free_port()}/api/v10")


async def test_it_retries_saying_so_each_time_until_discord_answers(caplog):
    port = free_port()
    api = f"http://127.0.0.1:{port}/api/v10"
    stop = asyncio.Event()
    with caplog.at_level(logging.WARNING, logger="bot.app.reach"):
        waiting = asyncio.create_task(reach.wait_until_reachable(api, stop, delays=(0.05, 0.1)))
        for _ in range(200):
            if len(caplog.records) >= 2:
                break
            await asyncio.sleep(0.02)
        assert not waiting.done()
        async with Emulator(port=port):  # the network came up
            assert await asyncio.wait_for(waiting, 5) is True
    lines = [r.getMessage() for r in caplog.records]
    assert len(lines) >= 2
    assert all(line.startswith(f"Cannot reach Discord at {api} (") for line in lines)
    assert "retrying in 0.05 s (attempt 1)" in lines[0]
    assert "retrying in 0.1 s (attempt 2)" in lines[1]


async def test_a_stop_ends_the_wait():
    stop = asyncio.Event()
    api = f"http://127.0.0.1:{free_port()}/api/v10"
    waiting = asyncio.create_task(reach.wait_until_reachable(api, stop, delays=(30.0,)))
    await asyncio.sleep(0.2)
    stop.set()
    assert await asyncio.wait_for(waiting, 2) is False
