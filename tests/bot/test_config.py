"""Settings from the environment: each wrong value is one clear ConfigError."""

import pytest

from bot.config import DEFAULT_API_BASE_URL, load_settings
from bot.errors import ConfigError


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8080/api/v10",
        "http://127.8.9.10/api",
        "http://localhost:3000",
        "http://[::1]:9000/api/v10",
        "https://proxy.example.org/api/v10",
    ],
)
def test_an_api_base_on_https_or_on_loopback_is_accepted(url):
    assert load_settings({"DISCORD_API_BASE_URL": url}).api_base_url == url


@pytest.mark.parametrize(
    "url",
    [
        "http://proxy.example.org/api/v10",
        "http://10.0.0.5:8080",
        "http://192.168.1.2/api",
        "http://[2001:db8::1]/api",
        "http://localhost.example.org/api",
        "http://127.0.0.1.nip.io/api",
    ],
)
def test_plain_http_to_any_other_host_is_refused_because_it_would_send_the_token_unencrypted(url):
    with pytest.raises(ConfigError, match=r"^DISCORD_API_BASE_URL .*https://.*loopback") as raised:
        load_settings({"DISCORD_API_BASE_URL": url})
    assert "\n" not in str(raised.value)


def test_no_api_base_means_discord():
    assert load_settings({}).api_base_url == DEFAULT_API_BASE_URL


def test_feed_settings_default_to_30_minutes_and_private_refused():
    settings = load_settings({}, dotenv=False)
    assert settings.feed_poll_minutes == 30
    assert settings.feeds_allow_private is False


def test_feed_settings_are_read():
    settings = load_settings({"FEED_POLL_MINUTES": "5", "FEEDS_ALLOW_PRIVATE": "1"}, dotenv=False)
    assert settings.feed_poll_minutes == 5
    assert settings.feeds_allow_private is True


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"FEED_POLL_MINUTES": "0"}, "FEED_POLL_MINUTES must be a whole number of minutes"),
        ({"FEED_POLL_MINUTES": "half"}, "FEED_POLL_MINUTES must be a whole number of minutes"),
        ({"FEEDS_ALLOW_PRIVATE": "maybe"}, "FEEDS_ALLOW_PRIVATE must be 1 or 0"),
    ],
)
def test_bad_feed_settings_are_config_errors(env, message):
    with pytest.raises(ConfigError, match=message):
        load_settings(env, dotenv=False)
