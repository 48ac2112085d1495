"""One greppable log line per command served: which, where, how long, and how it ended.

`served command=/quote speaker guild=123 latency_ms=4.2 outcome=ok`. Never a member's words, an
option's value, a user id or a token: only the command's own name, the server's id, the time from
the bot's first look at the interaction to its answer, and one word for the outcome (`ok`,
`not_found`, `user_error`, `cooldown`, `no_permission`, `out_of_date`, `expired`, `error:ID` where
ID is the error id of the logged traceback).
"""

from __future__ import annotations

import logging
import time

import discord

log = logging.getLogger("bot.served")
STARTED = "served_started"  # the interaction.extras key holding the start time


def start(interaction: discord.Interaction) -> None:
    """Note when the bot began handling `interaction` (once; later calls keep the first time)."""
    interaction.extras.setdefault(STARTED, time.perf_counter())


def command_name(interaction: discord.Interaction) -> str:
    """Return the command's own name: `/quote speaker`, a context menu's name, or the interaction kind."""
    command = interaction.command
    if command is None:
        return "component" if interaction.type is discord.InteractionType.component else "unknown"
    if isinstance(command, discord.app_commands.ContextMenu):
        return command.name
    return f"/{command.qualified_name}"


def record(name: str, guild_id: int | None, started: float | None, outcome: str) -> None:
    """Log the line for one command served."""
    elapsed = (time.perf_counter() - started) * 1000 if started is not None else -1.0
    where = guild_id if guild_id is not None else "none"
    log.info("served command=%s guild=%s latency_ms=%.1f outcome=%s", name, where, elapsed, outcome)


def record_interaction(interaction: discord.Interaction, outcome: str, name: str | None = None) -> None:
    """Log the line for an interaction, timed from `start` (or unknown, -1, if it was never started)."""
    started = interaction.extras.get(STARTED)
    record(name or command_name(interaction), interaction.guild_id, started, outcome)
