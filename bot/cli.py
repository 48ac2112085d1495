"""Parse the command line: `run` (the default) and `sync` start Discord, the rest work offline."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from importlib import metadata
from pathlib import Path

from bot import __version__, terminal
from bot.config import Settings, load_settings
from bot.errors import ConfigError
from bot.feeds import cli as feeds_cli
from bot.storage import backup as storage_backup


def build_parser() -> argparse.ArgumentParser:
    """Describe every subcommand; `python -m bot` alone means `run`."""
    parser = argparse.ArgumentParser(prog="episode-bot", description="Podcast episode Q&A bot for Discord.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {version()}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.add_parser("run", help="ingest the data directory and connect to Discord (default)")
    sub.add_parser("sync", help="register the slash commands with Discord now, then exit")
    sub.add_parser("invite", help="print the link that adds the bot to a server, and why each permission")
    doctor = sub.add_parser("doctor", help="check the settings, Discord, the database, data and feeds")
    doctor.add_argument(
        "--quick", action="store_true", help="health check only: no network (for a container HEALTHCHECK)"
    )
    backup = sub.add_parser("backup", help="copy the database consistently, even while the bot runs")
    backup.add_argument("path", help="a new file, or a folder to put a dated copy in")
    ingest = sub.add_parser("ingest", help="load episode files into the database")
    ingest.add_argument("paths", nargs="*", help="files or directories (default: DATA_DIR)")
    ask = sub.add_parser("ask", help="answer a question from the episodes")
    ask.add_argument("question")
    quote = sub.add_parser("quote", help="list a speaker's quotes in time order")
    quote.add_argument("speaker")
    quote.add_argument("--episode", help="only quotes from this episode")
    takeaways = sub.add_parser("takeaways", help="list an episode's key takeaways")
    takeaways.add_argument("episode", nargs="?", help="number or title (default: the latest)")
    related = sub.add_parser("related", help="list episodes related to one")
    related.add_argument("episode", nargs="?", help="number or title (default: the latest)")
    search = sub.add_parser("search", help="find where in the transcripts something was said")
    search.add_argument("text")
    search.add_argument("--episode", help="only this episode")
    search.add_argument("--speaker", help="only what this person said")
    chapters = sub.add_parser("chapters", help="list an episode's chapters")
    chapters.add_argument("episode", nargs="?", help="number or title (default: the latest)")
    sub.add_parser("stats", help="count what the database holds")
    feeds_cli.add_parser(sub)
    return parser


def version() -> str:
    """Return the installed package's version (the source's own when run uninstalled)."""
    try:
        return metadata.version("episode-bot")
    except metadata.PackageNotFoundError:
        return __version__


def _operate(settings: Settings, command: str, args: argparse.Namespace) -> int:
    """Run `invite` or `doctor`, which talk to Discord (imported late, like the bot itself)."""
    from bot.app import doctor, invite  # noqa: PLC0415

    if command == "invite":
        print("\n".join(invite.instructions(settings)))
        return 0
    code, lines = doctor.run(settings, quick=args.quick)
    print("\n".join(lines), file=sys.stderr if args.quick else sys.stdout)
    return code


def _backup(settings: Settings, target: str) -> int:
    folder = target.endswith(("/", os.sep))
    done = storage_backup.backup(settings.database_path, Path(target), folder=folder)
    kept = ", ".join(f"{count} {table.replace('_', ' ')}" for table, count in done.counts.items())
    print(f"Backed up {settings.database_path} to {done.path} ({done.size / 1e6:.1f} MB, integrity ok).")
    episodes = f"{done.episodes} episode{'' if done.episodes == 1 else 's'}"
    print(f"It holds {episodes} and what the data files cannot give back: {kept}.")
    return 0


def _dispatch(settings: Settings, command: str, args: argparse.Namespace) -> int:
    if command == "feeds":
        return feeds_cli.main(settings, args)
    if command in ("run", "sync"):
        from bot import runner  # noqa: PLC0415 (late: offline commands never load discord.py)

        return runner.main(settings, command)
    if command in ("invite", "doctor"):
        return _operate(settings, command, args)
    if command == "backup":
        return _backup(settings, args.path)
    return terminal.main(settings, command, args)


def main(argv: Sequence[str] | None = None) -> int:
    """Run one subcommand and return its exit code (2 for a configuration problem)."""
    args = build_parser().parse_args(argv)
    command = args.command or "run"
    try:
        return _dispatch(load_settings(), command, args)
    except ConfigError as exc:
        print(f"episode-bot: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:  # before an event loop handles it (reading settings)
        return 130
    except BrokenPipeError:
        # The reader (`| head`) went away: stop quietly, and keep Python's exit-time flush from
        # raising the same error again on the closed pipe.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
