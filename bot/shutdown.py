"""Stop on Ctrl-C (SIGINT) or SIGTERM at any moment: the work is cancelled and rolls back, then exit.

The handlers are installed first thing in the event loop, before the database is opened, so a
signal during the bot's start-up ingest stops it as cleanly as one while it serves. A stop that
somehow hangs ends the process anyway HARD_EXIT_S after the signal arrived (the database stays
consistent: SQLite rolls back an unfinished transaction when it is next opened). That deadline
holds until the process has exited, the event loop's and the interpreter's own teardown included.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import sys
import threading
import time
from collections.abc import Awaitable, Callable
from types import FrameType

log = logging.getLogger(__name__)

# The promise is 5 s from the signal to the end of the process; the last half second is for a
# loaded machine to schedule the thread that ends it.
HARD_EXIT_S = 4.5
EXIT_CODES = {signal.SIGINT: 130, signal.SIGTERM: 0}  # 130: interrupted; 0: asked to stop (systemd, docker)
_Handler = Callable[[int, FrameType | None], object] | int | None


class Stop:
    """Turn SIGINT and SIGTERM into one stop request, carried out by an action that can change.

    Until the caller says otherwise the action cancels the main task, which unwinds through the
    ingest (its writer stops and rolls back) and closes the database on its way out.
    """

    def __init__(self) -> None:
        self.signal: signal.Signals | None = None
        self.result: int | None = None  # the exit code, once the work has returned one
        self.errors = _ErrorCount()
        self._action: Callable[[], object] = lambda: None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._previous: dict[signal.Signals, _Handler] = {}
        self._deadline = _Deadline(self._hard_exit)

    @property
    def exit_code(self) -> int:
        """Return the exit code for the signal received (0 when none was)."""
        return EXIT_CODES.get(self.signal, 0) if self.signal else 0

    def install(self, action: Callable[[], object]) -> None:
        """Handle both signals in the running loop with `action` (e.g. the main task's cancel)."""
        self._loop = asyncio.get_running_loop()
        self._deadline.start()
        for sig in (signal.SIGINT, signal.SIGTERM):
            self._previous[sig] = signal.signal(sig, self._on_signal)
        self._action = action

    def on_stop(self, action: Callable[[], object]) -> None:
        """Carry out a stop with `action` from now on (a graceful shutdown once the bot serves)."""
        self._action = action

    def done(self, *, keep_deadline: bool = False) -> None:
        """Give the signals back and stop counting errors; call at the end.

        With `keep_deadline` a stop that began still ends the process HARD_EXIT_S after its
        signal, should the rest of the way out hang (only for a process about to exit).
        """
        for sig, previous in self._previous.items():
            signal.signal(sig, previous if previous is not None else signal.SIG_DFL)
        self._previous.clear()
        if not keep_deadline or self.signal is None:
            self._deadline.cancel()
        logging.getLogger().removeHandler(self.errors)

    def _on_signal(self, signum: int, _frame: FrameType | None) -> None:
        # A Python-level handler runs in the main thread between two bytecodes, however long the
        # event loop takes to get to its callbacks: the deadline counts from the signal itself.
        self._deadline.arm()
        loop = self._loop
        if loop is not None and not loop.is_closed():
            loop.call_soon_threadsafe(self._received, signal.Signals(signum))

    def _received(self, sig: signal.Signals) -> None:
        if self.signal is not None:
            log.info("Received %s again; still stopping", sig.name)
            return
        self.signal = sig
        log.info("Received %s; stopping", sig.name)
        logging.getLogger().addHandler(self.errors)  # "stopped cleanly" only if nothing failed
        self._action()

    def _hard_exit(self) -> None:
        log.error(
            "Did not stop within %.2f s of %s; exiting now", HARD_EXIT_S, self.signal and self.signal.name
        )
        _exit_now(self.result if self.result is not None else self.exit_code or 1)


class _Deadline:
    """Call `expire` HARD_EXIT_S after arm() unless cancelled first, from a thread of its own."""

    def __init__(self, expire: Callable[[], None]) -> None:
        self._expire = expire
        self._armed = threading.Event()
        self._cancelled = threading.Event()
        self._at = 0.0

    def start(self) -> None:
        """Start the waiting thread now, so that arming it from a signal handler starts nothing."""
        threading.Thread(target=self._wait, name="stop-deadline", daemon=True).start()

    def arm(self) -> None:
        """Start counting (safe in a signal handler: a time and an event only); later calls do nothing."""
        if not self._armed.is_set():
            self._at = time.monotonic() + HARD_EXIT_S
            self._armed.set()

    def cancel(self) -> None:
        """Never expire; end the waiting thread."""
        self._cancelled.set()
        self._armed.set()

    def _wait(self) -> None:
        self._armed.wait()
        if not self._cancelled.wait(max(0.0, self._at - time.monotonic())):
            self._expire()


async def run_until_stopped(
    main: Callable[[Stop], Awaitable[int]],
    *,
    stopped: Callable[[Stop], int] | None = None,
    exit_process: bool = False,
) -> int:
    """Run `main(stop)` with signals handled and return its exit code.

    Until `main` chooses another action (Stop.on_stop), a signal cancels it; then `stopped(stop)`
    reports it and gives the exit code (default: 130 for SIGINT, 0 for SIGTERM).

    With `exit_process` (a process's own main), a stop ends the process as soon as `main` has
    finished it: the database is closed by then, and the rest of the usual way out (waiting for
    the event loop's worker threads, worker processes' bookkeeping) could take seconds on a busy
    machine. Should `main` itself hang, the deadline (HARD_EXIT_S from the signal) ends it.
    """
    stop = Stop()
    task = asyncio.current_task()
    if task is None:
        raise RuntimeError("run_until_stopped must run in a task")
    stop.install(task.cancel)
    try:
        stop.result = await main(stop)
    except asyncio.CancelledError:
        if stop.signal is None:
            raise
        task.uncancel()
        stop.result = stopped(stop) if stopped is not None else stop.exit_code
    finally:
        stop.done(keep_deadline=exit_process)
    if exit_process and stop.signal is not None:
        _exit_now(stop.result)
    return stop.result


def _exit_now(code: int) -> None:
    """End the process with `code` once what it wrote is out."""
    for handler in logging.getLogger().handlers:
        handler.flush()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


class _ErrorCount(logging.Handler):
    """Count the errors logged while stopping."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        """Count the record; it is written by the other handlers."""
        self.count += 1
