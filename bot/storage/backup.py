"""`episode-bot backup PATH`: a consistent copy of the database, taken while the bot runs.

SQLite's online backup API copies every page inside one read transaction, which in WAL mode never
blocks the running bot's writes and never sees half of one: the copy is the database as it was at
one moment. It is written beside its target under a temporary name, checked, and only then renamed
into place, so PATH is never a partial file; an existing file is never overwritten.
"""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

from bot.errors import ConfigError
from bot.storage.integrity import integrity_problems
from bot.storage.location import PRIVATE

# What the copy holds that the data files cannot give back (README, "Backups").
KEPT_TABLES = (
    "daily_schedules",
    "daily_ledger",
    "daily_state",
    "announce_settings",
    "announce_ledger",
    "episode_arrivals",
    "feeds",
)


@dataclass(frozen=True, slots=True)
class Backup:
    """Say what was copied where."""

    path: Path
    size: int
    episodes: int
    counts: dict[str, int]


def backup(database: Path, target: Path, now: dt.datetime | None = None, *, folder: bool = False) -> Backup:
    """Copy `database` to `target` (a new file, or a folder to put a dated file in); check the copy.

    `folder`: the target was written as a folder (`backups/`), so it must be one, never a new file.
    """
    if not database.is_file():
        raise ConfigError(f"DATABASE_PATH {database} does not exist: there is nothing to back up.")
    if folder and not target.is_dir():
        raise ConfigError(f"{target} is not a folder; create it first (mkdir -p {target}).")
    if target.is_dir():
        stamp = (now or dt.datetime.now(dt.UTC)).strftime("%Y%m%d-%H%M%S")
        target = target / f"{database.stem}-{stamp}{database.suffix or '.db'}"
    if target.exists():
        raise ConfigError(f"{target} already exists; name a new file (a backup never overwrites one).")
    if not target.parent.is_dir():
        raise ConfigError(f"{target.parent} is not a folder; create it first.")
    partial = target.with_name(f".{target.name}.partial")
    try:
        _copy(database, partial)
        counts = _check(partial)
        os.replace(partial, target)
    except sqlite3.Error as exc:
        raise ConfigError(f"could not back up {database}: {exc}.") from None
    except OSError as exc:
        raise ConfigError(f"could not write {target}: {exc.strerror or exc}.") from None
    finally:
        partial.unlink(missing_ok=True)
    episodes = counts.pop("episodes", 0)
    return Backup(target, target.stat().st_size, episodes, counts)


def _copy(database: Path, partial: Path) -> None:
    # Created owner-only first: the copy holds server ids and schedules, like the database.
    os.close(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, PRIVATE))
    source = sqlite3.connect(f"{database.resolve().as_uri()}?mode=ro", uri=True, timeout=10)
    with closing(source), closing(sqlite3.connect(partial)) as copy:
        source.backup(copy)  # all pages in one step: one read transaction, one moment
        copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside it


def _check(path: Path) -> dict[str, int]:
    with closing(sqlite3.connect(path)) as copy:
        problems = integrity_problems(copy, limit=3)
        if problems:
            raise sqlite3.DatabaseError(f"the copy failed its integrity check ({'; '.join(problems)})")
        names = {row[0] for row in copy.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        return {
            table: copy.execute(f"SELECT count(*) FROM {table}").fetchone()[0]  # noqa: S608 (fixed names)
            for table in ("episodes", *KEPT_TABLES)
            if table in names
        }
