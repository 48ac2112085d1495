"""Parse the command line: `run` (the default) and `sync` start Discord, the rest work offline."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from bot import terminal
from bot.config import load_settings
from bot.errors import ConfigError
from bot.feeds import cli as feeds_cli


def build_parser() -> argparse.ArgumentParser:
    """Describe every subcommand; `python -m bot` alone means `run`."""
    parser = argparse.ArgumentParser(prog="episode-bot", description="Podcast episode Q&A bot for Discord.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.add_parser("run", help="ingest the data directory and connect to Discord (default)")
    sub.add_parser("sync", help="register the slash commands with Discord now, then exit")
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


def main(argv: Sequence[str] | None = None) -> int:
    """Run one subcommand and return its exit code (2 for a configuration problem)."""
    args = build_parser().parse_args(argv)
    command = args.command or "run"
    try:
        settings = load_settings()
        if command == "feeds":
            return feeds_cli.main(settings, args)
        if command in ("run", "sync"):
            from bot import runner  # noqa: PLC0415 (late: offline commands never load discord.py)

            return runner.main(settings, command)
        return terminal.main(settings, command, args)
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
