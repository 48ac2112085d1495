"""Point discord.py's REST calls and gateway at DISCORD_API_BASE_URL, so both move together."""

from __future__ import annotations

import logging

import discord
import yarl
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
