"""Random file edits, removals, unreadable folders, concurrent ingests and kills: after each, the
database holds one copy of each episode whose file is readable and none whose file is gone."""

from __future__ import annotations

import asyncio
import contextlib
import errno
import os
import signal
import sqlite3
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from unittest import mock

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from bot.ingest.run import ingest
from bot.storage import Database

# Episodes 0-4 live in these folders; "a" and "a/b" can be made unreadable (a/b also through a).
HOMES = ("", "", "a", "a", "a/b")
LOCKABLE = ("a", "a/b")
BULK = 120  # pages under bulk/, rewritten together so that a killed ingest has work to die in


def page(number: int, version: int) -> str:
    # Versions differ in their bytes but not in their size: an edit within the file system's
    # time resolution looks unchanged by size and time alone.
    return (
        f"Episode {number} v{version % 10} | Test Show #{number}\n"
        f"Key takeaways\n- one of {number} v{version % 10}\n- two of {number} v{version % 10}\n"
    )


@dataclass
class World:
    """The files on disk and what a finished ingest must have left in the database."""

    root: Path
    disk: dict[str, int] = field(default_factory=dict)  # key -> version of its file
    stored: dict[str, int] = field(default_factory=dict)  # key -> version the database must hold
    locked: set[str] = field(default_factory=set)  # folders that cannot be listed

    @property
    def data(self) -> Path:
        return self.root / "data"

    def path(self, key: str) -> Path:
        if key.startswith("bulk"):
            return self.data / "bulk" / f"{key}.txt"
        return self.data / HOMES[int(key[2:])] / f"{key}.txt"

    def hidden(self, key: str) -> bool:
        """Tell whether the walk cannot reach an episode's folder."""
        home = "bulk" if key.startswith("bulk") else HOMES[int(key[2:])]
        return any(home == folder or home.startswith(folder + "/") for folder in self.locked)

    def settle(self) -> None:
        """Update what the database must hold after a finished ingest: hidden episodes keep theirs."""
        for key in set(self.disk) | set(self.stored):
            if self.hidden(key):
                continue
            if key in self.disk:
                self.stored[key] = self.disk[key]
            else:
                self.stored.pop(key, None)


def write(world: World, key: str, number: int, version: int) -> None:
    path = world.path(key)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(page(number, version), encoding="utf-8")
    world.disk[key] = version


def apply(world: World, op: tuple) -> None:
    kind = op[0]
    if kind == "write":
        write(world, f"ep{op[1]}", op[1], op[2])
    elif kind == "remove":
        key = f"ep{op[1]}"
        if key in world.disk:
            world.path(key).unlink()
            del world.disk[key]
    elif kind == "bulk":
        for n in range(BULK):
            write(world, f"bulk{n:03d}", 1000 + n, op[1])
    elif kind == "lock":
        (world.data / op[1]).mkdir(parents=True, exist_ok=True)
        world.locked.add(op[1])
    elif kind == "unlock":
        world.locked.discard(op[1])


@contextlib.contextmanager
def unreadable(world: World) -> Iterator[None]:
    """Make listing a locked folder fail even as root, in this process and the ones it forks."""
    real = os.scandir

    def scandir(path="."):
        if isinstance(path, str | os.PathLike):
            relative = os.path.relpath(os.path.abspath(path), world.data)
            if relative in world.locked:
                raise PermissionError(errno.EACCES, "Permission denied", str(path))
        return real(path)

    with mock.patch.object(os, "scandir", scandir):
        yield


async def ingest_alone(world: World) -> None:
    db = await Database.open(world.root / "kb.db")
    try:
        await ingest(db, [world.data])
    finally:
        await db.close()


def fork_ingest(world: World) -> int:
    """Start another process's ingest (a fork of this one, so locked folders stay locked for it)."""
    pid = os.fork()
    if pid == 0:  # the child: ingest, and never return into the test runner
        code = 1
        try:
            asyncio.run(ingest_alone(world))
            code = 0
        finally:
            os._exit(code)
    return pid


async def run_ingests(world: World, how: str) -> None:
    """Run one ingest, or two at once (as the bot's and a CLI command's)."""
    if how == "one":
        await ingest_alone(world)
    else:
        await asyncio.gather(ingest_alone(world), ingest_alone(world))


def kill_meanwhile(world: World, kill_after: float) -> None:
    """Ingest while another process's ingest runs, and kill that one at a random moment."""
    child = fork_ingest(world)  # before this process's event loop starts
    try:

        async def ingest_and_kill() -> None:
            mine = asyncio.ensure_future(ingest_alone(world))
            await asyncio.sleep(kill_after)
            os.kill(child, signal.SIGKILL)
            await mine

        asyncio.run(ingest_and_kill())
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.kill(child, signal.SIGKILL)
        status = os.waitpid(child, 0)[1]
    # Killed, or done before the kill came: then its ingest must have succeeded.
    assert os.WIFSIGNALED(status) or os.waitstatus_to_exitcode(status) == 0, status


def check(world: World) -> None:
    """Compare the database with what the files say it must hold."""
    with contextlib.closing(sqlite3.connect(world.root / "kb.db")) as conn:
        rows = conn.execute(
            "SELECT e.key, e.title, (SELECT count(*) FROM segments s WHERE s.episode_id = e.id) "
            "FROM episodes e"
        ).fetchall()
        conn.execute("INSERT INTO segments_fts(segments_fts, rank) VALUES ('integrity-check', 1)")
    held = {key: (title, segments) for key, title, segments in rows}
    assert len(held) == len(rows)
    expected = {
        key: (f"Episode {int(key[2:]) if key.startswith('ep') else 1000 + int(key[4:])} v{v % 10}", 2)
        for key, v in world.stored.items()
    }
    assert held == expected


OPS = st.one_of(
    st.tuples(st.just("write"), st.integers(0, 4), st.integers(0, 9)),
    st.tuples(st.just("remove"), st.integers(0, 4)),
    st.tuples(st.just("bulk"), st.integers(0, 9)),
    st.tuples(st.sampled_from(["lock", "unlock"]), st.sampled_from(LOCKABLE)),
)
STEPS = st.lists(
    st.tuples(
        st.lists(OPS, max_size=4),
        st.sampled_from(["one", "two", "kill"]),
        st.floats(0.0, 0.5),  # when the other process is killed, from its start
    ),
    min_size=1,
    max_size=6,
)


# No shrinking: a failing sequence (six steps at most) is printed as found, in bounded time.
@pytest.mark.timeout(300)
@settings(
    max_examples=12,
    deadline=None,
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
    suppress_health_check=[HealthCheck.too_slow],
)
@given(steps=STEPS)
def test_the_database_always_holds_one_copy_of_each_readable_episode(steps):
    with tempfile.TemporaryDirectory() as tmp:
        world = World(Path(tmp))
        world.data.mkdir()
        for ops, how, kill_after in steps:
            for op in ops:
                apply(world, op)
            with unreadable(world):
                if how == "kill":
                    kill_meanwhile(world, kill_after)
                else:
                    asyncio.run(run_ingests(world, how))
            world.settle()
            check(world)
