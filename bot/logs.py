"""Configure logging so that no record, message or traceback ever shows the bot token."""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterable
from typing import TextIO

from bot.text import printable

FORMAT = "%(asctime)s %(levelname)-7s %(name)s: %(message)s"
REDACTED = "[token redacted]"
HELD_BACK = ("discord", "aiosqlite")  # libraries whose DEBUG lines carry tokens or content


class RedactSecrets(logging.Filter):
    """Replace every secret in a record's message, traceback and stack text; keep the message one line."""

    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        self.secrets = [s for s in secrets if s]
        self._formatter = logging.Formatter()

    def redact(self, text: str) -> str:
        """Return `text` with every secret replaced."""
        for secret in self.secrets:
            text = text.replace(secret, REDACTED)
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite the record in place; never drop it."""
        # One record, one line: a newline or a terminal escape in a file name or in the data
        # would otherwise forge log lines or rewrite the terminal. Tracebacks keep their lines.
        record.msg = printable(self.redact(record.getMessage()))
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = self._formatter.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self.redact(record.stack_info)
        return True


def configure(level: str, secrets: Iterable[str] = (), stream: TextIO | None = None) -> logging.Handler:
    """Log to stderr at `level`, with secrets redacted and discord.py's DEBUG chatter held back."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(logging.Formatter(FORMAT))
    # On the handler, not a logger: handler filters see records propagated from every logger.
    handler.addFilter(RedactSecrets(secrets))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    # At DEBUG, discord.py logs webhook URLs holding interaction tokens and every gateway event
    # (members' messages and options), and aiosqlite logs each statement with its parameters
    # (members' questions): INFO is their floor, so a DEBUG log holds no message content.
    floor = max(logging.INFO, logging.getLevelName(level))
    for name in HELD_BACK:
        logging.getLogger(name).setLevel(floor)
    return handler


def configure_offline(stream: TextIO | None = None) -> logging.Handler:
    """Write the offline commands' warnings and errors to stderr, each one line, escaped like the bot's.

    Only Python's last-resort handler changes (used when no handler is configured), so a caller
    that set up logging itself, or a test run, keeps its own.
    """
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setLevel(logging.WARNING)
    handler.setFormatter(logging.Formatter("episode-bot: %(message)s"))
    handler.addFilter(RedactSecrets(()))
    logging.lastResort = handler
    return handler
