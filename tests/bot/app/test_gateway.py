"""discord.py internals the bot touches, pinned so that an upgrade that moves them fails here."""

import inspect
from unittest import mock

import discord
import pytest
import yarl
from discord import app_commands
from discord.gateway import DiscordWebSocket
from discord.http import HTTPClient, Route
from discord.state import AutoShardedConnectionState, ConnectionState

from bot.app import gateway
from bot.app.client import EpisodeBot
from bot.config import Settings
from bot.errors import ConfigError
from bot.knowledge import KnowledgeBase
from bot.storage.database import Database


@pytest.fixture(autouse=True)
def restore_stock():
    yield
    gateway.use_api_base("https://discord.com/api/v10", custom=False)


def test_custom_base_moves_rest():
    gateway.use_api_base("http://127.0.0.1:9999/api/v10", custom=True)
    assert Route("GET", "/users/@me").url == "http://127.0.0.1:9999/api/v10/users/@me"


def test_default_base_restores_stock_discord_py():
    gateway.use_api_base("http://127.0.0.1:9999/api/v10", custom=True)
    DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL("ws://127.0.0.1:9999/")
    gateway.use_api_base("https://discord.com/api/v10", custom=False)
    assert Route.BASE == gateway.STOCK_API_BASE == "https://discord.com/api/v10"
    assert DiscordWebSocket.DEFAULT_GATEWAY == gateway.STOCK_GATEWAY


async def test_gateway_comes_from_the_api_in_use():
    http = mock.create_autospec(HTTPClient, instance=True)
    http.get_bot_gateway.return_value = (1, "ws://127.0.0.1:9999/gateway", {})
    url = await gateway.adopt_gateway(http)
    assert url == yarl.URL("ws://127.0.0.1:9999/gateway")
    assert url == DiscordWebSocket.DEFAULT_GATEWAY


@pytest.mark.parametrize("url", ["ws://gateway.example.org/", "ws://10.1.2.3:9000/gateway"])
async def test_an_unencrypted_gateway_off_loopback_is_refused(url):
    http = mock.create_autospec(HTTPClient, instance=True)
    http.get_bot_gateway.return_value = (1, url, {})
    before = DiscordWebSocket.DEFAULT_GATEWAY
    with pytest.raises(ConfigError, match="unencrypted"):
        await gateway.adopt_gateway(http)
    assert before == DiscordWebSocket.DEFAULT_GATEWAY


async def test_an_encrypted_gateway_anywhere_is_adopted():
    http = mock.create_autospec(HTTPClient, instance=True)
    http.get_bot_gateway.return_value = (1, "wss://gateway.example.org/", {})
    assert await gateway.adopt_gateway(http) == yarl.URL("wss://gateway.example.org/")


def test_the_discord_py_internals_the_bot_touches_are_still_there():
    moved = []
    if not isinstance(getattr(Route, "BASE", None), str):
        moved.append("discord.http.Route.BASE (the REST base, a str)")
    if not isinstance(getattr(DiscordWebSocket, "DEFAULT_GATEWAY", None), yarl.URL):
        moved.append("discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY (a yarl.URL)")
    if not inspect.iscoroutinefunction(getattr(HTTPClient, "get_bot_gateway", None)):
        moved.append("discord.http.HTTPClient.get_bot_gateway (a coroutine)")
    walk = getattr(app_commands.CommandTree, "_get_all_commands", None)
    if walk is None or "guild" not in inspect.signature(walk).parameters:
        moved.append("discord.app_commands.CommandTree._get_all_commands(guild=...)")
    if "_ready_task" not in inspect.getsource(ConnectionState.__init__):
        moved.append("discord.state.ConnectionState._ready_task (the wait for servers after READY)")
    if "_ready_tasks" not in inspect.getsource(AutoShardedConnectionState.__init__):
        moved.append("discord.state.AutoShardedConnectionState._ready_tasks (per shard)")
    for flag in ("warn_nacl", "warn_dave"):
        if not isinstance(getattr(discord.VoiceClient, flag, None), bool):
            moved.append(f"discord.VoiceClient.{flag} (a bool)")
    assert not moved, (
        f"discord.py {discord.__version__} moved what bot/app/gateway.py relies on: {'; '.join(moved)}. "
        "Update that module (and this test) before upgrading."
    )


def test_the_gateway_address_is_what_discord_py_dials():
    # discord.py connects to DEFAULT_GATEWAY when it has no resume URL; if it stopped reading the
    # class attribute, pointing it at DISCORD_API_BASE_URL's gateway would silently do nothing.
    source = inspect.getsource(DiscordWebSocket.from_client)
    assert "DEFAULT_GATEWAY" in source, "DiscordWebSocket.from_client no longer reads DEFAULT_GATEWAY"


def test_all_commands_lists_slash_commands_and_menus_for_a_sync():
    tree = app_commands.CommandTree(discord.Client(intents=discord.Intents.none()))

    @tree.command(name="ping")
    async def ping(interaction: discord.Interaction) -> None:
        """Answer pong."""

    @tree.context_menu(name="Look up")
    async def look_up(interaction: discord.Interaction, message: discord.Message) -> None:
        """Look the message up."""

    guild = discord.Object(1)
    tree.add_command(app_commands.Command(name="local", description="x", callback=ping.callback), guild=guild)
    assert sorted(c.name for c in gateway.all_commands(tree, None)) == ["Look up", "ping"]
    assert sorted(c.name for c in gateway.all_commands(tree, guild)) == ["local"]


def test_quiet_voice_warning_turns_discord_py_warnings_off():
    with (
        mock.patch.object(discord.VoiceClient, "warn_nacl", True),
        mock.patch.object(discord.VoiceClient, "warn_dave", True),
    ):
        gateway.quiet_voice_warning()
        assert discord.VoiceClient.warn_nacl is False
        assert discord.VoiceClient.warn_dave is False


async def test_building_the_bot_logs_no_voice_warning(tmp_path, caplog):
    db = await Database.open(tmp_path / "voice.db")
    with (
        mock.patch.object(discord.VoiceClient, "warn_nacl", True),
        mock.patch.object(discord.VoiceClient, "warn_dave", True),
    ):
        bot = EpisodeBot(Settings(), db, KnowledgeBase(db), sync="never")
    await bot.close()
    await db.close()
    assert "voice" not in caplog.text
