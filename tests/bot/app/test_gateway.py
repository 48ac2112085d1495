from unittest import mock

import pytest
import yarl
from discord.gateway import DiscordWebSocket
from discord.http import HTTPClient, Route

from bot.app import gateway
from bot.errors import ConfigError


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
