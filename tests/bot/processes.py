"""Run `python -m bot` in a subprocess and stop it with a signal, as an operator or systemd would."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

PROC = Path("/proc")


@dataclass
class Stopped:
    """What a process did after its signal: exit code, seconds it took, output, children left."""

    code: int
    seconds: float
    stdout: str
    stderr: str
    left: list[int]  # descendants (pool workers, resource tracker) still alive after it exited


def descendants(pid: int) -> list[int]:
    """Return the ids of every process below `pid` (Linux /proc)."""
    children: dict[int, list[int]] = {}
    for entry in PROC.iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            children.setdefault(int(fields[1]), []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def alive(pid: int) -> bool:
    """Tell whether `pid` runs (a zombie waiting for its parent does not count)."""
    try:
        return (PROC / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def signal_bot(
    args: list[str],
    env: dict[str, str],
    cwd: Path,
    *,
    sig: signal.Signals,
    ready: Callable[[subprocess.Popen[str]], bool],
    delay: float = 0.0,
) -> Stopped:
    """Start `python -m bot ARGS`, send `sig` `delay` s after `ready(process)`, and report the exit."""
    if not PROC.is_dir():
        pytest.skip("needs Linux /proc to find worker processes")
    process = subprocess.Popen(  # noqa: S603 (this interpreter, fixed arguments)
        [sys.executable, "-m", "bot", *args],
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while not ready(process) and process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.01)
        time.sleep(delay)
        family = descendants(process.pid)
        sent = time.monotonic()
        process.send_signal(sig)
        stdout, stderr = process.communicate(timeout=30)
        seconds = time.monotonic() - sent
        time.sleep(1.0)  # a worker that checks on its parent notices within a fraction of that
        left = [pid for pid in family if alive(pid)]
        for pid in left:
            os.kill(pid, signal.SIGKILL)
        return Stopped(process.returncode, seconds, stdout, stderr, left)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()


def small_pages(data: Path, count: int) -> None:
    """Write `count` small pages of two takeaways each."""
    data.mkdir(parents=True, exist_ok=True)
    for n in range(count):
        (data / f"ep{n}.txt").write_text(
            f"Episode {n} | Test Show #{n}\nKey takeaways\n- one of {n}\n- two of {n}\n", encoding="utf-8"
        )


def check_database(path: Path) -> tuple[int, int]:
    """Check the database file is consistent; return (episodes, takeaways)."""
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        if conn.execute("PRAGMA user_version").fetchone() == (0,):
            # Stopped before the first migration committed: it rolled back whole.
            assert conn.execute("SELECT count(*) FROM sqlite_master").fetchone() == (0,)
            return 0, 0
        conn.execute("INSERT INTO segments_fts(segments_fts, rank) VALUES ('integrity-check', 1)")
        # Every stored episode is whole: both its takeaways, never one alone.
        halves = conn.execute(
            "SELECT count(*) FROM episodes e"
            " WHERE (SELECT count(*) FROM segments s WHERE s.episode_id = e.id) != 2"
        ).fetchone()
        assert halves == (0,)
        counts = conn.execute("SELECT (SELECT count(*) FROM episodes), (SELECT count(*) FROM segments)")
        return counts.fetchone()
