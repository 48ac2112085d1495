"""Wait until Discord (or DISCORD_API_BASE_URL) answers, saying so at every try.

A daemon started at boot may come up before the network does: the bot retries with backoff instead
of exiting. Each try is one unauthenticated `GET /gateway` (the token is never sent), which must
answer within PROBE_TIMEOUT_S: a server that accepts the connection and then says nothing is named
after that long, not after aiohttp's default five minutes.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence

import aiohttp

log = logging.getLogger(__name__)

PROBE_TIMEOUT_S = 30.0
BACKOFF_S = (1.0, 2.0, 4.0, 8.0, 15.0, 30.0, 60.0)  # then every minute


class Unreachable(Exception):  # noqa: N818 (reads as what happened: Unreachable("connection refused"))
    """Raise when the API did not answer usably; the message says how."""


async def probe(api_base: str, answer_within: float = PROBE_TIMEOUT_S) -> None:
    """Ask `api_base` for its gateway once; raise Unreachable saying why it did not answer."""
    url = f"{api_base}/gateway"
    try:
        async with (
            aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=answer_within)) as session,
            session.get(url) as response,
        ):
            if response.status >= 500:
                raise Unreachable(f"it answered {response.status} {response.reason}")
    except TimeoutError:
        raise Unreachable(f"no answer within {answer_within:g} s") from None
    except (aiohttp.ClientError, OSError) as exc:
        raise Unreachable(describe(exc)) from None


def describe(exc: BaseException) -> str:
    """Return a short reason for a failed connection (aiohttp's own text names host and port)."""
    reason = str(exc) or type(exc).__name__
    return reason.splitlines()[0][:300]


async def wait_until_reachable(
    api_base: str,
    stop: asyncio.Event | None = None,
    *,
    answer_within: float = PROBE_TIMEOUT_S,
    delays: Sequence[float] = BACKOFF_S,
) -> bool:
    """Return True once `api_base` answers, retrying with backoff; False if `stop` is set first.

    Without `stop`, cancelling the task is how to end the wait.
    """
    stop = stop or asyncio.Event()
    attempt = 0
    while not stop.is_set():
        try:
            await probe(api_base, answer_within)
        except Unreachable as exc:
            delay = delays[min(attempt, len(delays) - 1)]
            attempt += 1
            log.warning(
                "Cannot reach Discord at %s (%s); retrying in %g s (attempt %d). Check the network, "
                "or DISCORD_API_BASE_URL if you set it.",
                api_base,
                exc,
                delay,
                attempt,
            )
            await sleep_unless(stop, delay)
            continue
        if attempt:
            log.info("Discord at %s answers now, after %d failed attempts", api_base, attempt)
        return True
    return False


async def sleep_unless(stop: asyncio.Event, seconds: float) -> None:
    """Sleep `seconds`, or less if `stop` is set meanwhile."""
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), seconds)
