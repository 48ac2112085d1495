"""Check where DATABASE_PATH points before SQLite opens it, and say in one line what is wrong."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from bot.errors import ConfigError

PRIVATE = 0o600  # the database holds server ids and schedules: readable by its owner only


def prepare(path: Path) -> None:
    """Create the database file (owner-only) if it is missing; raise ConfigError when it cannot work."""
    if str(path) == ":memory:":
        raise ConfigError(
            "DATABASE_PATH :memory: is not supported: it must be a file, which the bot and its "
            "loader open together (e.g. episode-bot.db)."
        )
    if path.is_dir():
        example = path / "episode-bot.db"
        raise ConfigError(f"{_named(path)} is a directory; point it at a file such as {example}.")
    _make_parent(path)
    if path.exists():
        _check_existing(path)
        return
    try:
        # SQLite gives the -wal and -shm files the mode of the database file, so they are private too.
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE))
    except FileExistsError:  # created meanwhile by another process, or a dangling symlink
        _check_existing(path)
    except OSError as exc:
        raise ConfigError(f"{_named(path)} cannot be created: {_reason(exc)}.") from None


def unusable(path: Path, exc: sqlite3.Error) -> ConfigError:
    """Return the one-line error for an SQLite failure while opening the database at `path`."""
    code = getattr(exc, "sqlite_errorname", "")
    if code == "SQLITE_NOTADB":
        what = "is not an SQLite database; point it at the bot's database or a new file"
    elif code == "SQLITE_CORRUPT":
        what = f"is damaged ({exc}); restore a backup or point it at a new file"
    elif code in ("SQLITE_READONLY", "SQLITE_CANTOPEN", "SQLITE_PERM", "SQLITE_IOERR"):
        what = f"cannot be written ({exc}); the bot needs to write it and create files beside it"
    else:
        what = f"cannot be used: {exc}"
    return ConfigError(f"{_named(path)} {what}.")


def _make_parent(path: Path) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError):
        blocker = next((p for p in path.parents if p.exists() and not p.is_dir()), path.parent)
        raise ConfigError(f"{_named(path)}: {_shown(blocker)} is a file, not a directory.") from None
    except OSError as exc:
        raise ConfigError(f"{_named(path)}: cannot create its directory: {_reason(exc)}.") from None


def _check_existing(path: Path) -> None:
    if not path.is_file():
        raise ConfigError(f"{_named(path)} is not a regular file.")
    if not os.access(path, os.R_OK | os.W_OK):
        raise ConfigError(f"{_named(path)} is read-only: the bot must be able to read and write it.")
    folder = path.parent
    if not os.access(folder, os.W_OK | os.X_OK):
        raise ConfigError(
            f"{_named(path)}: cannot write in {_shown(folder)}, where SQLite keeps "
            f"{path.name}-wal and {path.name}-shm beside the database."
        )


def _named(path: Path) -> str:
    return f"DATABASE_PATH {_shown(path)}"


def _shown(path: Path) -> str:
    """Return the path with control characters escaped, so it stays one line."""
    text = str(path)
    return text if text.isprintable() else repr(text)[1:-1]


def _reason(exc: OSError) -> str:
    return (exc.strerror or str(exc)).lower()
