import logging

import discord
from discord import app_commands

from bot.app.tree import AppTree, reply_error, safe_autocomplete
from bot.errors import NotFoundError, UserError
from tests.helpers import mock_interaction


def invoke_error(original: Exception) -> app_commands.CommandInvokeError:
    command = app_commands.Command(name="x", description="x", callback=_noop)
    try:
        raise original
    except Exception as exc:
        wrapped = app_commands.CommandInvokeError(command, exc)
        wrapped.__cause__ = exc
        return wrapped


async def _noop(interaction: discord.Interaction) -> None:
    """Do nothing."""


def sent(interaction) -> tuple[str, bool]:
    call = interaction.response.send_message.await_args or interaction.followup.send.await_args
    return call.kwargs["content"], call.kwargs["ephemeral"]


async def test_not_found_becomes_an_ephemeral_reply_with_suggestions():
    interaction = mock_interaction()
    await reply_error(interaction, invoke_error(NotFoundError("episode", "49O", ["#490"])), "/episode")
    content, ephemeral = sent(interaction)
    assert content == "No episode matches “49O”. Did you mean **\\#490**?"
    assert ephemeral


async def test_user_error_after_a_defer_goes_to_a_followup():
    interaction = mock_interaction(done=True)
    await reply_error(interaction, invoke_error(UserError("Give me words.")), "/quote search")
    interaction.response.send_message.assert_not_awaited()
    assert sent(interaction) == ("Give me words.", True)


async def test_cooldown_says_when_to_try_again():
    interaction = mock_interaction()
    error = app_commands.CommandOnCooldown(app_commands.Cooldown(5, 10), 7.3)
    await reply_error(interaction, error, "/ask")
    assert sent(interaction) == ("You're asking quickly — try again in 8 s.", True)


async def test_missing_permissions_are_named():
    interaction = mock_interaction()
    await reply_error(interaction, app_commands.MissingPermissions(["manage_guild"]), "/daily set")
    assert sent(interaction)[0] == "You need the Manage Server permission here to do that."


async def test_an_option_discord_py_cannot_convert_is_explained_not_logged_as_a_bug(caplog):
    # e.g. a channel option naming a channel the bot's cache does not hold (any more).
    transformer = app_commands.transformers.BaseChannelTransformer(discord.TextChannel)
    error = app_commands.TransformerError("123", discord.AppCommandOptionType.channel, transformer)
    interaction = mock_interaction()
    await reply_error(interaction, error, "/daily set")
    content, ephemeral = sent(interaction)
    assert content == "I can't use that channel here; pick a text channel of this server and try again."
    assert ephemeral
    assert "Unexpected error" not in caplog.text


async def test_unexpected_error_gets_an_id_that_is_in_the_log(caplog):
    interaction = mock_interaction()
    with caplog.at_level(logging.ERROR, logger="bot.app.tree"):
        await reply_error(interaction, invoke_error(ZeroDivisionError("boom")), "/episode")
    content, ephemeral = sent(interaction)
    error_id = content.split("error id ")[1].split(")")[0]
    assert ephemeral
    assert content.startswith("Something went wrong (error id ")
    (record,) = caplog.records
    assert error_id in record.getMessage()
    assert record.exc_info[0] is ZeroDivisionError


async def test_a_failed_error_reply_is_logged_not_raised(caplog):
    interaction = mock_interaction()
    response = type("R", (), {"status": 404, "reason": "Not Found"})()
    expired = discord.NotFound(response, {"code": 10062, "message": "Unknown interaction"})
    interaction.response.send_message.side_effect = expired
    with caplog.at_level(logging.WARNING, logger="bot.app.tree"):
        await reply_error(interaction, invoke_error(UserError("x")), "/episode")
    assert "Could not report an error" in caplog.text


async def test_app_tree_on_error_replies():
    tree = AppTree(discord.Client(intents=discord.Intents.none()))
    interaction = mock_interaction()
    await tree.on_error(interaction, invoke_error(UserError("Nope.")))
    assert sent(interaction) == ("Nope.", True)


async def test_safe_autocomplete_clamps_choices():
    @safe_autocomplete
    def choices(interaction, current):
        return [app_commands.Choice(name=f"{current} {i}" + "x" * 200, value=str(i)) for i in range(30)]

    result = await choices(mock_interaction(), "ep")
    assert len(result) == 25
    assert all(isinstance(c, app_commands.Choice) and len(c.name) <= 100 for c in result)


async def test_safe_autocomplete_logs_failures_and_offers_nothing(caplog):
    @safe_autocomplete
    async def choices(interaction, current):
        raise RuntimeError("index gone")

    with caplog.at_level(logging.ERROR, logger="bot.app.tree"):
        assert await choices(mock_interaction(), "ep") == []
    assert "autocomplete" in caplog.text
    assert caplog.records[0].exc_info[0] is RuntimeError


async def test_an_interaction_that_expired_during_a_rate_limit_is_one_warning_without_traceback(
    emulator, live_bot, caplog
):
    emulator.deadline = 0.3
    emulator.rate_limit("POST /interactions/{interaction_id}/{token}/callback", retry_after=0.6)
    try:
        with caplog.at_level(logging.DEBUG):
            await emulator.invoke("/help", wait=False)
            await emulator.wait_until(
                lambda: [r for r in caplog.records if "10062" in r.getMessage() and r.name.startswith("bot")],
                what="the bot to notice the expired interaction",
            )
    finally:
        emulator.deadline = 3.0
    assert [v["code"] for v in emulator.take_violations()] == [10062]
    ours = [r for r in caplog.records if r.name.startswith(("bot", "cogs"))]
    (warning,) = [r for r in ours if "10062" in r.getMessage()]
    assert warning.levelno == logging.WARNING
    assert "/help" in warning.getMessage()
    assert not [r for r in ours if r.levelno >= logging.ERROR or r.exc_info]
