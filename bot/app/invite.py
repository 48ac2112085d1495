"""The invite link: both scopes, exactly the permissions the features use, and why each."""

from __future__ import annotations

import asyncio
import base64
import binascii

import aiohttp
import discord

from bot.app import reach
from bot.config import Settings
from bot.errors import ConfigError

SCOPES = ("bot", "applications.commands")
# What each permission is for; the README's "Set up your Discord application" lists the same.
WHY = (
    ("view_channel", "View Channels", "see the channels it posts in and the messages that mention it"),
    ("send_messages", "Send Messages", "post daily takeaways and new-episode announcements, answer mentions"),
    ("send_messages_in_threads", "Send Messages in Threads", "answer a mention inside a thread"),
    ("embed_links", "Embed Links", "answers, daily posts and announcements are embeds"),
    ("read_message_history", "Read Message History", "answer a mention as a reply to that message"),
    (
        "mention_everyone",
        "Mention @everyone, @here, and All Roles",
        "ping the one role an announcement names even when that role is not mentionable; every "
        "message allows that role's ping alone, so @everyone and @here are never pinged",
    ),
)
PERMISSIONS = discord.Permissions(**{flag: True for flag, _name, _why in WHY})


def application_id_from_token(token: str) -> int | None:
    """Return the id a bot token starts with (its user id, which is the application id), or None."""
    first = token.split(".", 1)[0]
    try:
        decoded = base64.urlsafe_b64decode(first + "=" * (-len(first) % 4)).decode("ascii")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    return int(decoded) if decoded.isdigit() and 15 <= len(decoded) <= 20 else None


def invite_url(application_id: int, guild_id: int | None = None) -> str:
    """Return the link that adds the bot with its scopes and permissions (to one server, if given)."""
    if guild_id is None:
        return discord.utils.oauth_url(application_id, permissions=PERMISSIONS, scopes=SCOPES)
    return discord.utils.oauth_url(
        application_id,
        permissions=PERMISSIONS,
        scopes=SCOPES,
        guild=discord.Object(guild_id),
        disable_guild_select=True,
    )


def permission_lines() -> list[str]:
    """Return one line per permission the link asks for, with the reason."""
    return [f"{name}: {why}" for _flag, name, why in WHY]


def dev_guild_missing(guild_id: int, application_id: int | None) -> str:
    """Return the message for a DEV_GUILD_ID server the bot is not in."""
    how = f"invite it there with {invite_url(application_id, guild_id)}" if application_id else "invite it"
    return (
        f"DEV_GUILD_ID {guild_id}: the bot is not in that server, so its commands cannot be registered "
        f"there; {how} (or unset DEV_GUILD_ID to register them in every server)."
    )


def instructions(settings: Settings) -> list[str]:
    """Return the invite link (and the DEV_GUILD_ID server's own) with what each permission is for."""
    token = settings.require_token()
    app_id = application_id_from_token(token)
    if app_id is None:  # a token of another shape: ask the API whose application it is
        app_id = asyncio.run(fetch_application_id(settings.api_base_url, token))
    if app_id is None:
        template = invite_url(0).replace("client_id=0", "client_id=APPLICATION_ID")
        raise ConfigError(
            f"the application id is neither in DISCORD_TOKEN nor given by {settings.api_base_url}; take it "
            f"from the developer portal (General Information > Application ID) and open {template}"
        )
    lines = [f"Invite link (scopes {' and '.join(SCOPES)}, permissions {PERMISSIONS.value}):"]
    lines.append(f"  {invite_url(app_id)}")
    if settings.dev_guild_id is not None:
        lines.append(f"The same, for the DEV_GUILD_ID server {settings.dev_guild_id} only:")
        lines.append(f"  {invite_url(app_id, settings.dev_guild_id)}")
    lines += ["", "Open it logged in to Discord, pick a server where you have Manage Server, and authorize."]
    lines.append("The permissions it asks for:")
    lines += [f"  {line}" for line in permission_lines()]
    return lines


async def fetch_application_id(api_base: str, token: str) -> int | None:
    """Ask the API for the application's id (GET /oauth2/applications/@me); None when it cannot say."""
    timeout = aiohttp.ClientTimeout(total=reach.PROBE_TIMEOUT_S)
    try:
        async with (
            aiohttp.ClientSession(timeout=timeout, headers={"Authorization": f"Bot {token}"}) as session,
            session.get(f"{api_base}/oauth2/applications/@me") as response,
        ):
            body = await response.json(content_type=None) if response.status == 200 else {}
    except (TimeoutError, aiohttp.ClientError, OSError, ValueError):
        return None
    value = body.get("id") if isinstance(body, dict) else None
    return int(value) if isinstance(value, str) and value.isdigit() else None
