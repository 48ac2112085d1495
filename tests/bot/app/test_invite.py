"""The invite link: the application id from the token, both scopes, and the permissions features use."""

import base64
from urllib.parse import parse_qs, urlsplit

import discord
import pytest

from bot.app import invite
from bot.app.posting import CHANNEL_PERMISSIONS
from bot.config import Settings
from bot.errors import ConfigError

APP_ID = 1_234_567_890_123_456_789


def token_for(app_id: int) -> str:
    first = base64.urlsafe_b64encode(str(app_id).encode()).decode().rstrip("=")
    return f"{first}.GabcDE.abcdefghijklmnopqrstuvwxyz0123"


@pytest.mark.parametrize("app_id", [APP_ID, 80351110224678912, 159985870458322944])
def test_the_application_id_is_the_token_s_first_part(app_id):
    assert invite.application_id_from_token(token_for(app_id)) == app_id


@pytest.mark.parametrize("token", ["", "x.y.z", "bm90IGFuIGlk.GabcDE.abc", "!!!.a.b", "MTIz.a.b"])
def test_a_first_part_that_is_no_id_gives_none(token):
    assert invite.application_id_from_token(token) is None


def test_the_link_asks_for_both_scopes_and_the_exact_permissions():
    query = parse_qs(urlsplit(invite.invite_url(APP_ID)).query)
    assert query["client_id"] == [str(APP_ID)]
    assert query["scope"] == ["bot applications.commands"]
    granted = discord.Permissions(int(query["permissions"][0]))
    assert granted == invite.PERMISSIONS
    assert granted == discord.Permissions(
        view_channel=True, send_messages=True, send_messages_in_threads=True, embed_links=True,
        read_message_history=True, mention_everyone=True,
    )  # fmt: skip
    assert all(getattr(granted, flag) for flag in CHANNEL_PERMISSIONS)  # what /daily and /announce set check


def test_a_server_s_own_link_picks_that_server():
    query = parse_qs(urlsplit(invite.invite_url(APP_ID, 42)).query)
    assert (query["guild_id"], query["disable_guild_select"]) == (["42"], ["true"])


def test_instructions_explain_every_permission():
    lines = invite.instructions(Settings(token=token_for(APP_ID), dev_guild_id=42))
    text = "\n".join(lines)
    assert invite.invite_url(APP_ID) in text
    assert invite.invite_url(APP_ID, 42) in text
    for _flag, name, why in invite.WHY:
        assert f"{name}: {why}" in text


def test_instructions_need_the_token():
    with pytest.raises(ConfigError, match="DISCORD_TOKEN is not set"):
        invite.instructions(Settings())


def test_the_dev_guild_message_names_the_setting_and_the_link():
    text = invite.dev_guild_missing(42, APP_ID)
    assert text.startswith("DEV_GUILD_ID 42: the bot is not in that server")
    assert invite.invite_url(APP_ID, 42) in text
    assert "unset DEV_GUILD_ID" in text
