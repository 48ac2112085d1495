"""The command tree: one place that turns every command error into a reply, and safe autocomplete."""

from __future__ import annotations

import functools
import logging
import secrets
from collections.abc import Awaitable, Callable, Coroutine, Iterable
from typing import Any

import discord
from discord import app_commands

from bot.app import limits, served
from bot.app.render import Reply, messages
from bot.app.respond import send
from bot.errors import NotFoundError, UserError

log = logging.getLogger(__name__)

Choices = Iterable[app_commands.Choice[str]]
AutocompleteFn = Callable[[Any, str], Choices | Awaitable[Choices]]


def new_error_id() -> str:
    """Return a short id that links a user's apology to the logged traceback."""
    return secrets.token_hex(4)


def log_unexpected(error: BaseException, where: str) -> str:
    """Log `error` with its traceback under a fresh error id and return that id."""
    error_id = new_error_id()
    log.error(
        "Unexpected error %s in %s", error_id, where, exc_info=(type(error), error, error.__traceback__)
    )
    return error_id


def reply_for(error: BaseException, where: str) -> Reply:
    """Return what the member sees for `error`; log it when it is a bug rather than a user error."""
    return answer_for(error, where)[0]


def answer_for(error: BaseException, where: str) -> tuple[Reply, str]:
    """Return the member's reply for `error` and the outcome word of its served line (bot.app.served)."""
    cause = unwrap(error)
    if isinstance(cause, UserError):
        return messages.user_error(cause), "not_found" if isinstance(cause, NotFoundError) else "user_error"
    if isinstance(cause, app_commands.CommandOnCooldown):
        return messages.cooldown(cause.retry_after), "cooldown"
    if isinstance(cause, app_commands.MissingPermissions | app_commands.BotMissingPermissions):
        bot = isinstance(cause, app_commands.BotMissingPermissions)
        return messages.missing_permissions(cause.missing_permissions, bot=bot), "no_permission"
    if isinstance(cause, app_commands.TransformerError):  # discord.py could not convert an option
        return messages.plain(_UNUSABLE_OPTION.get(cause.type, _UNUSABLE_OPTION[None])), "user_error"
    for kind, text, outcome in _FIXED_REPLIES:
        if isinstance(cause, kind):
            return messages.plain(text), outcome
    error_id = log_unexpected(cause, where)
    return messages.unexpected(error_id), f"error:{error_id}"


_UNUSABLE_OPTION = {
    # A channel the bot's cache does not hold (deleted, or of a kind it cannot post in).
    discord.AppCommandOptionType.channel: (
        "I can't use that channel here; pick a text channel of this server and try again."
    ),
    None: "I can't use that value here; pick one from the list and try again.",
}


class ShuttingDown(app_commands.AppCommandError):
    """Raise when an interaction arrives while the bot is shutting down."""


def admitted(interaction: discord.Interaction) -> bool:
    """Count this interaction's task as in-flight work; False once the bot is shutting down."""
    admit = getattr(interaction.client, "admit", None)
    return admit() if callable(admit) else True


# Most specific first: NoPrivateMessage is a CheckFailure too.
_FIXED_REPLIES: tuple[tuple[type[BaseException] | tuple[type[BaseException], ...], str, str], ...] = (
    (ShuttingDown, messages.RESTARTING, "restarting"),
    (app_commands.NoPrivateMessage, "This command only works in a server.", "user_error"),
    (app_commands.CheckFailure, "You can't use this command here.", "no_permission"),
    (
        (app_commands.CommandNotFound, app_commands.CommandSignatureMismatch),
        messages.OUT_OF_DATE,
        "out_of_date",
    ),
)


def unwrap(error: BaseException) -> BaseException:
    """Return the exception a command really raised, without discord.py's wrappers."""
    if isinstance(error, app_commands.CommandInvokeError):
        return error.__cause__ or error.original
    if isinstance(error, app_commands.TransformerError):
        return error.__cause__ or error
    return error


# Discord forgot the interaction: 10062 after the 3 s deadline (e.g. a long rate limit), 10015 or
# 50027 once its token's 15 minutes are over. Nothing can reach the member through it any more.
EXPIRED_CODES = frozenset({10062, 10015, 50027})


def expired(error: BaseException) -> bool:
    """Tell whether `error` says the interaction expired before the bot's answer arrived."""
    cause = unwrap(error)
    return isinstance(cause, discord.HTTPException) and cause.code in EXPIRED_CODES


async def reply_error(interaction: discord.Interaction, error: BaseException, where: str) -> str:
    """Answer `interaction` with the reply for `error` and return the outcome; a failed answer is logged."""
    if expired(error):
        # Not a bug, and answering would fail the same way: one line, no traceback.
        cause = unwrap(error)
        code = cause.code if isinstance(cause, discord.HTTPException) else "?"
        log.warning("The interaction for %s expired before the answer reached Discord (code %s)", where, code)
        return "expired"
    reply, outcome = answer_for(error, where)
    try:
        await send(interaction, reply)
    except discord.HTTPException as exc:
        # Usually the interaction expired (10062); the member already sees "did not respond".
        log.warning("Could not report an error to the member in %s: %s", where, exc)
    return outcome


class AppTree(app_commands.CommandTree):
    """Route every app-command error to a friendly ephemeral reply; the bot keeps serving."""

    async def interaction_check(self, interaction: discord.Interaction, /) -> bool:
        """Take the interaction unless the bot is shutting down (then say so, or offer no choices).

        Also starts timing a command for its served line (bot.app.served).
        """
        served.start(interaction)
        if admitted(interaction):
            return True
        if interaction.type is discord.InteractionType.autocomplete:
            return False
        raise ShuttingDown

    async def on_error(
        self, interaction: discord.Interaction, error: app_commands.AppCommandError, /
    ) -> None:
        """Reply to the member: their mistake explained, or an apology with an error id."""
        outcome = await reply_error(interaction, error, _where(interaction))
        if interaction.type is discord.InteractionType.application_command:
            served.record_interaction(interaction, outcome)


def safe_autocomplete(
    func: AutocompleteFn,
) -> Callable[[discord.Interaction[Any], str], Coroutine[Any, Any, list[app_commands.Choice[str]]]]:
    """Wrap an autocomplete callback: clamp its choices, log any failure and answer no choices."""

    @functools.wraps(func)
    async def wrapper(interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        try:
            result = func(interaction, current)
            if isinstance(result, Awaitable):
                result = await result
            return limits.clamp_choices(result)
        except Exception as exc:  # discord.py would swallow it; log it with an id instead
            log_unexpected(exc, f"autocomplete of {_where(interaction)}")
            return []

    return wrapper


def _where(interaction: discord.Interaction) -> str:
    command = interaction.command
    name = command.qualified_name if command is not None else "an unknown command"
    return f"/{name} (guild {interaction.guild_id}, user {interaction.user.id})"
