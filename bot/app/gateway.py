"""The only module that touches discord.py's internals (tests/bot/app/test_gateway.py pins them).

- REST base and gateway: DISCORD_API_BASE_URL moves both `Route.BASE` and
  `DiscordWebSocket.DEFAULT_GATEWAY` (asked from that API's `GET /gateway/bot`), so they move together.
- The tree's full command list (`CommandTree._get_all_commands`), to hash what a sync would send.
- `VoiceClient.warn_nacl` and `warn_dave`, to drop warnings about voice features the bot does not have.
- The connection state's wait for the last GUILD_CREATE after READY (`_ready_task`, and per shard
  `_ready_tasks`), cancelled when the bot closes (see stop_waiting_for_guilds).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

import discord
import yarl
from discord import app_commands
from discord.gateway import DiscordWebSocket
from discord.http import Route

from bot.config import is_loopback
from bot.errors import ConfigError

log = logging.getLogger(__name__)

# discord.py keeps both addresses as class attributes; remember its own so the default
# setting restores stock behaviour even after a custom one was used in this process.
STOCK_API_BASE = Route.BASE
STOCK_GATEWAY = DiscordWebSocket.DEFAULT_GATEWAY


def use_api_base(base_url: str, *, custom: bool) -> None:
    """Send every REST call to `base_url` (stock discord.py addresses when not custom)."""
    Route.BASE = base_url if custom else STOCK_API_BASE
    if not custom:
        DiscordWebSocket.DEFAULT_GATEWAY = STOCK_GATEWAY


async def adopt_gateway(http: discord.http.HTTPClient) -> yarl.URL:
    """Ask the API in use for its gateway (`GET /gateway/bot`) and connect there from now on."""
    # A plain Client never asks: it dials wss://gateway.discord.gg/ directly, which would
    # leave the gateway at Discord while REST goes to the proxy or emulator.
    _shards, url, _limit = await http.get_bot_gateway()
    gateway = yarl.URL(url)
    if gateway.scheme != "wss" and not is_loopback(gateway.host):
        # IDENTIFY carries the token: a proxy must not move it to an unencrypted socket elsewhere.
        raise ConfigError(
            f"{Route.BASE} answered an unencrypted gateway ({gateway}); "
            "DISCORD_API_BASE_URL must point at an API whose gateway uses wss:// off this machine."
        )
    DiscordWebSocket.DEFAULT_GATEWAY = gateway
    log.info("Using the gateway %s from %s", gateway, Route.BASE)
    return gateway


def all_commands(
    tree: app_commands.CommandTree, guild: discord.abc.Snowflake | None
) -> Sequence[app_commands.Command[Any, ..., Any] | app_commands.Group | app_commands.ContextMenu]:
    """Return every command a sync to `guild` (None: global) would send, menus included."""
    return tree._get_all_commands(guild=guild)


def quiet_voice_warning() -> None:
    """Drop discord.py's "PyNaCl/davey is not installed" warnings: the bot has no voice features."""
    discord.VoiceClient.warn_nacl = False
    discord.VoiceClient.warn_dave = False  # discord.py 2.7: the DAVE voice encryption library


def stop_waiting_for_guilds(client: discord.Client) -> None:
    """Cancel discord.py's wait for the servers after READY, so it dispatches nothing once closed.

    After READY discord.py waits `guild_ready_timeout` (2 s) for the last GUILD_CREATE, then
    dispatches `ready`; its close() leaves that wait running and drops the client's loop, so a
    bot stopped within those 2 s and still busy closing (waiting for interactions, a passage
    embedding) failed on `ready` with "'_MissingSentinel' object has no attribute 'create_task'".
    """
    state = client._connection
    waits = [getattr(state, "_ready_task", None), *getattr(state, "_ready_tasks", {}).values()]
    for task in waits:
        if task is not None and not task.done():
            task.cancel()
