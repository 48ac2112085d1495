"""Settings from the environment: each wrong value is one clear ConfigError."""

import re
from pathlib import Path

import pytest

from bot.config import DEFAULT_API_BASE_URL, Settings, load_settings
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


TOKEN = "MTIzNDU2Nzg5MDEyMzQ1Njc4OQ.GAbCdE.abcdefghijklmnopqrstuvwxyz0123"


def test_defaults_without_any_setting():
    settings = load_settings({}, dotenv=False)
    assert settings == Settings()
    assert (settings.data_dir, settings.database_path) == (Path("data"), Path("episode-bot.db"))
    assert (settings.dev_guild_id, settings.log_level, settings.token) == (None, "INFO", None)
    assert not settings.api_base_is_custom


def test_every_setting_is_read_and_trimmed():
    env = {
        "DISCORD_TOKEN": f"  {TOKEN}\n",
        "DISCORD_API_BASE_URL": "http://127.0.0.1:8080/api/v10/",
        "DATA_DIR": "shows",
        "DATABASE_PATH": "var/bot.db",
        "DEV_GUILD_ID": " 123456789012345678 ",
        "LOG_LEVEL": "debug",
        "WATCH_INTERVAL_SECONDS": "0.5",
    }
    settings = load_settings(env, dotenv=False)
    assert settings.require_token() == TOKEN
    assert settings.api_base_url == "http://127.0.0.1:8080/api/v10"  # no trailing slash
    assert settings.api_base_is_custom
    assert (settings.data_dir, settings.database_path) == (Path("shows"), Path("var/bot.db"))
    assert (settings.dev_guild_id, settings.log_level, settings.watch_interval) == (
        123456789012345678,
        "DEBUG",
        0.5,
    )


def test_the_token_is_never_in_the_settings_repr():
    assert TOKEN not in repr(load_settings({"DISCORD_TOKEN": TOKEN}, dotenv=False))


@pytest.mark.parametrize(
    ("token", "message"),
    [
        ("", "DISCORD_TOKEN is not set: create a bot at https://discord.com/developers/applications"),
        ("   ", "DISCORD_TOKEN is not set"),
        (f'"{TOKEN}"', "DISCORD_TOKEN does not look like a bot token"),
        (
            "0123456789abcdef0123456789abcdef",
            "DISCORD_TOKEN does not look like a bot token",
        ),  # a client secret
        (TOKEN.replace(".", " "), "DISCORD_TOKEN does not look like a bot token"),
    ],
)
def test_a_missing_or_malformed_token_says_what_to_do(token, message):
    settings = load_settings({"DISCORD_TOKEN": token}, dotenv=False)  # loading never needs the token
    with pytest.raises(ConfigError, match=f"^{message}") as raised:
        settings.require_token()
    assert "\n" not in str(raised.value)
    assert "(Bot > Reset Token)" in str(raised.value)


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"DEV_GUILD_ID": "my-server"}, "DEV_GUILD_ID must be a numeric Discord ID"),
        ({"DEV_GUILD_ID": "-5"}, "DEV_GUILD_ID must be a numeric Discord ID"),
        ({"LOG_LEVEL": "verbose"}, "LOG_LEVEL must be one of DEBUG, INFO, WARNING, ERROR, CRITICAL"),
        ({"DISCORD_API_BASE_URL": "discord.com/api/v10"}, "DISCORD_API_BASE_URL must be an http(s) URL"),
        ({"DISCORD_API_BASE_URL": "ftp://127.0.0.1/api"}, "DISCORD_API_BASE_URL must be an http(s) URL"),
        ({"WATCH_INTERVAL_SECONDS": "0"}, "WATCH_INTERVAL_SECONDS must be a number of seconds"),
        ({"WATCH_INTERVAL_SECONDS": "soon"}, "WATCH_INTERVAL_SECONDS must be a number of seconds"),
        ({"WATCH_INTERVAL_SECONDS": "nan"}, "WATCH_INTERVAL_SECONDS must be a number of seconds"),
    ],
)
def test_each_wrong_value_is_one_line_naming_the_variable(env, message):
    with pytest.raises(ConfigError, match=f"^{re.escape(message)}") as raised:
        load_settings(env, dotenv=False)
    assert "\n" not in str(raised.value)


def test_dot_env_fills_in_what_the_environment_lacks(tmp_path, monkeypatch):
    (tmp_path / ".env").write_text("DATA_DIR=from-dotenv\nLOG_LEVEL=warning\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("LOG_LEVEL", "ERROR")
    monkeypatch.setenv("DATA_DIR", "")  # recorded, so whatever .env sets is undone afterwards
    monkeypatch.delenv("DATA_DIR")
    settings = load_settings()
    assert settings.data_dir == Path("from-dotenv")
    assert settings.log_level == "ERROR"  # the real environment wins over .env


def test_shard_settings_are_read():
    settings = load_settings({"SHARD_COUNT": "4", "SHARD_IDS": "2-3"}, dotenv=False)
    assert settings.shards is not None
    assert (settings.shards.count, settings.shards.ids) == (4, (2, 3))
    assert load_settings({}, dotenv=False).shards is None


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"SHARD_IDS": "0"}, "SHARD_IDS needs SHARD_COUNT"),
        ({"SHARD_COUNT": "0"}, "SHARD_COUNT must be a whole number of shards"),
        ({"SHARD_COUNT": "2", "SHARD_IDS": "0-2"}, "SHARD_IDS names shard 2, but SHARD_COUNT=2"),
    ],
)
def test_bad_shard_settings_are_config_errors(env, message):
    with pytest.raises(ConfigError, match=message):
        load_settings(env, dotenv=False)
