"""Stop on Ctrl-C (SIGINT) or SIGTERM at any moment: the work is cancelled and rolls back, then exit.

The handlers are installed first thing in the event loop, before the database is opened, so a
signal during the bot's start-up ingest stops it as cleanly as one while it serves. A stop that
somehow hangs ends the process anyway after HARD_EXIT_S (the database stays consistent: SQLite
rolls back an unfinished transaction when it is next opened).
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import sys
import threading
from collections.abc import Awaitable, Callable

log = logging.getLogger(__name__)

HARD_EXIT_S = 4.75  # the promise is 5 s from the signal to the end of the process
EXIT_CODES = {signal.SIGINT: 130, signal.SIGTERM: 0}  # 130: interrupted; 0: asked to stop (systemd, docker)


class Stop:
    """Turn SIGINT and SIGTERM into one stop request, carried out by an action that can change.

    Until the caller says otherwise the action cancels the main task, which unwinds through the
    ingest (its writer stops and rolls back) and closes the database on its way out.
    """

    def __init__(self) -> None:
        self.signal: signal.Signals | None = None
        self.errors = _ErrorCount()
        self._action: Callable[[], object] = lambda: None
        self._timer: threading.Timer | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    @property
    def exit_code(self) -> int:
        """Return the exit code for the signal received (0 when none was)."""
        return EXIT_CODES.get(self.signal, 0) if self.signal else 0

    def install(self, action: Callable[[], object]) -> None:
        """Handle both signals in the running loop with `action` (e.g. the main task's cancel)."""
        self._loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            self._loop.add_signal_handler(sig, self._received, sig)
        self._action = action

    def on_stop(self, action: Callable[[], object]) -> None:
        """Carry out a stop with `action` from now on (a graceful shutdown once the bot serves)."""
        self._action = action

    def done(self) -> None:
        """Give the signals back, cancel the hard exit and stop counting errors; call at the end."""
        if self._loop is not None and not self._loop.is_closed():
            for sig in (signal.SIGINT, signal.SIGTERM):
                self._loop.remove_signal_handler(sig)
        if self._timer is not None:
            self._timer.cancel()
        logging.getLogger().removeHandler(self.errors)

    def _received(self, sig: signal.Signals) -> None:
        if self.signal is not None:
            log.info("Received %s again; still stopping", sig.name)
            return
        self.signal = sig
        log.info("Received %s; stopping", sig.name)
        logging.getLogger().addHandler(self.errors)  # "stopped cleanly" only if nothing failed
        self._timer = threading.Timer(HARD_EXIT_S, self._hard_exit)
        self._timer.daemon = True
        self._timer.start()
        self._action()

    def _hard_exit(self) -> None:
        log.error(
            "Did not stop within %.2f s of %s; exiting now", HARD_EXIT_S, self.signal and self.signal.name
        )
        for handler in logging.getLogger().handlers:
            handler.flush()
        sys.stdout.flush()
        os._exit(self.exit_code or 1)


async def run_until_stopped(
    main: Callable[[Stop], Awaitable[int]], *, stopped: Callable[[Stop], int] | None = None
) -> int:
    """Run `main(stop)` with signals handled and return its exit code.

    Until `main` chooses another action (Stop.on_stop), a signal cancels it; then `stopped(stop)`
    reports it and gives the exit code (default: 130 for SIGINT, 0 for SIGTERM).
    """
    stop = Stop()
    task = asyncio.current_task()
    if task is None:
        raise RuntimeError("run_until_stopped must run in a task")
    stop.install(task.cancel)
    try:
        return await main(stop)
    except asyncio.CancelledError:
        if stop.signal is None:
            raise
        task.uncancel()
        return stopped(stop) if stopped is not None else stop.exit_code
    finally:
        stop.done()


class _ErrorCount(logging.Handler):
    """Count the errors logged while stopping."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        """Count the record; it is written by the other handlers."""
        self.count += 1
