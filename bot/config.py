"""Load settings from the environment and `.env`, failing with one clear line."""

from __future__ import annotations

import ipaddress
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from dotenv import load_dotenv

from bot.errors import ConfigError
from bot.shards import Shards, parse_shards

DEFAULT_API_BASE_URL = "https://discord.com/api/v10"
DEFAULT_DATABASE_PATH = "episode-bot.db"
DEFAULT_FEED_POLL_MINUTES = 30
DEFAULT_WATCH_INTERVAL_S = 2.0
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
# Three dot-separated base64url parts; checked so a pasted client secret or a quote-wrapped
# value fails here with a hint instead of as a 401 from Discord.
TOKEN_SHAPE = re.compile(r"^[A-Za-z0-9_-]{20,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{20,}$")
SETUP_HINT = (
    "create a bot at https://discord.com/developers/applications, copy its token "
    "(Bot > Reset Token) and put DISCORD_TOKEN=... in .env (see .env.example)"
)


@dataclass(frozen=True, slots=True)
class Settings:
    """Hold every setting the bot and the CLI read; the token is never shown in repr."""

    token: str | None = field(default=None, repr=False)
    api_base_url: str = DEFAULT_API_BASE_URL
    data_dir: Path = Path("data")
    database_path: Path = Path(DEFAULT_DATABASE_PATH)
    dev_guild_id: int | None = None
    log_level: str = "INFO"
    feed_poll_minutes: int = DEFAULT_FEED_POLL_MINUTES
    feeds_allow_private: bool = False
    # How often the running bot looks for an ingest by another process, and scans DATA_DIR when
    # file-system events are unavailable; changed files themselves are noticed as they happen.
    watch_interval: float = DEFAULT_WATCH_INTERVAL_S
    # SHARD_COUNT and SHARD_IDS: the shards this process connects (None: one unsharded connection).
    shards: Shards | None = None

    @property
    def api_base_is_custom(self) -> bool:
        """Tell whether REST (and so the gateway) goes somewhere other than Discord."""
        return self.api_base_url != DEFAULT_API_BASE_URL

    def require_token(self) -> str:
        """Return the token, or raise ConfigError saying what is missing and how to get it."""
        if not self.token:
            raise ConfigError(f"DISCORD_TOKEN is not set: {SETUP_HINT}.")
        if not TOKEN_SHAPE.match(self.token):
            raise ConfigError(
                "DISCORD_TOKEN does not look like a bot token (three dot-separated parts, "
                f"no quotes or spaces): {SETUP_HINT}."
            )
        return self.token


def load_settings(env: Mapping[str, str] | None = None, *, dotenv: bool = True) -> Settings:
    """Build Settings from `env` (default os.environ, after reading `.env` if present)."""
    if env is None:
        if dotenv:
            load_dotenv(Path.cwd() / ".env", override=False)
        env = os.environ
    return Settings(
        token=(env.get("DISCORD_TOKEN") or "").strip() or None,
        api_base_url=_api_base_url(env.get("DISCORD_API_BASE_URL")),
        data_dir=Path(env.get("DATA_DIR") or "data"),
        database_path=Path(env.get("DATABASE_PATH") or DEFAULT_DATABASE_PATH),
        dev_guild_id=_snowflake("DEV_GUILD_ID", env.get("DEV_GUILD_ID")),
        log_level=_log_level(env.get("LOG_LEVEL")),
        feed_poll_minutes=_minutes("FEED_POLL_MINUTES", env.get("FEED_POLL_MINUTES")),
        feeds_allow_private=_flag("FEEDS_ALLOW_PRIVATE", env.get("FEEDS_ALLOW_PRIVATE")),
        watch_interval=_seconds("WATCH_INTERVAL_SECONDS", env.get("WATCH_INTERVAL_SECONDS")),
        shards=parse_shards(env.get("SHARD_COUNT"), env.get("SHARD_IDS")),
    )


def _api_base_url(raw: str | None) -> str:
    value = (raw or "").strip().rstrip("/")
    if not value:
        return DEFAULT_API_BASE_URL
    if not re.match(r"^https?://[^/\s]+", value):
        raise ConfigError(f"DISCORD_API_BASE_URL must be an http(s) URL such as {DEFAULT_API_BASE_URL}.")
    if value.startswith("http://") and not is_loopback(urlsplit(value).hostname):
        raise ConfigError(
            "DISCORD_API_BASE_URL must use https:// (plain http:// would send the bot token "
            "unencrypted); http:// is allowed only for loopback addresses such as 127.0.0.1."
        )
    return value


def is_loopback(host: str | None) -> bool:
    """Tell whether `host` is this machine (localhost, 127.0.0.0/8 or ::1), where plain HTTP is safe."""
    if not host:
        return False
    if host.casefold() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:  # a name: only "localhost" is known to stay on this machine
        return False


def _snowflake(name: str, raw: str | None) -> int | None:
    value = (raw or "").strip()
    if not value:
        return None
    if not value.isdigit():
        raise ConfigError(f"{name} must be a numeric Discord ID (right-click the server > Copy Server ID).")
    return int(value)


def _log_level(raw: str | None) -> str:
    value = (raw or "INFO").strip().upper()
    if value not in LOG_LEVELS:
        raise ConfigError(f"LOG_LEVEL must be one of {', '.join(LOG_LEVELS)}.")
    return value


def _minutes(name: str, raw: str | None) -> int:
    value = (raw or "").strip()
    if not value:
        return DEFAULT_FEED_POLL_MINUTES
    if not value.isdigit() or not 1 <= int(value) <= 7 * 24 * 60:
        raise ConfigError(f"{name} must be a whole number of minutes from 1 to 10080, got {value[:20]!r}.")
    return int(value)


def _flag(name: str, raw: str | None) -> bool:
    value = (raw or "").strip().lower()
    if value in ("", "0", "false", "no", "off"):
        return False
    if value in ("1", "true", "yes", "on"):
        return True
    raise ConfigError(f"{name} must be 1 or 0, got {value[:20]!r}.")


def _seconds(name: str, raw: str | None) -> float:
    value = (raw or "").strip()
    if not value:
        return DEFAULT_WATCH_INTERVAL_S
    try:
        seconds = float(value)
    except ValueError:
        seconds = -1.0
    if not 0.05 <= seconds <= 3600:
        raise ConfigError(f"{name} must be a number of seconds between 0.05 and 3600, e.g. 2.")
    return seconds
