"""Each enforced limit rejects a deliberately bad payload with the 400 Discord sends, and is recorded."""

from __future__ import annotations

from typing import Any

import discord
import pytest
from discord import app_commands
from discord.http import Route

from tests.emulator import Emulator
from tests.emulator.tinybot import TinyBot

pytestmark = pytest.mark.asyncio(loop_scope="module")


def cmd(**fields: Any) -> dict[str, Any]:
    """Build a valid slash command payload, with `fields` overriding."""
    return {"name": "ok", "description": "fine", "type": 1} | fields


def opt(name: str = "o", **fields: Any) -> dict[str, Any]:
    """Build a valid string option payload."""
    return {"name": name, "description": "d", "type": 3} | fields


def sub(name: str, **fields: Any) -> dict[str, Any]:
    """Build a valid subcommand payload."""
    return {"name": name, "description": "d", "type": 1} | fields


BAD_COMMANDS = {
    "uppercase name": ([cmd(name="Echo")], "0.name"),
    "name over 32": ([cmd(name="x" * 33)], "0.name"),
    "space in name": ([cmd(name="two words")], "0.name"),
    "empty description": ([cmd(description="")], "0.description"),
    "description over 100": ([cmd(description="d" * 101)], "0.description"),
    "26 options": ([cmd(options=[opt(f"o{i}") for i in range(26)])], "0.options"),
    "26 subcommands": ([cmd(options=[sub(f"s{i}") for i in range(26)])], "0.options"),
    "26 choices": (
        [cmd(options=[opt(choices=[{"name": f"c{i}", "value": "v"} for i in range(26)])])],
        "choices",
    ),
    "required after optional": ([cmd(options=[opt("a"), opt("b", required=True)])], "0.options"),
    "choice name over 100": (
        [cmd(options=[opt(choices=[{"name": "n" * 101, "value": "v"}])])],
        "choices.0.name",
    ),
    "empty choice name": ([cmd(options=[opt(choices=[{"name": "", "value": "v"}])])], "choices.0.name"),
    "choice value over 100": (
        [cmd(options=[opt(choices=[{"name": "n", "value": "v" * 101}])])],
        "choices.0.value",
    ),
    "duplicate command": ([cmd(), cmd()], "1.name"),
    "duplicate option": ([cmd(options=[opt("a"), opt("a")])], "0.options.1.name"),
    "bad option name": ([cmd(options=[opt("Bad")])], "0.options.0.name"),
    "bad nested option": (
        [cmd(options=[sub("s", options=[opt(description="")])])],
        "0.options.0.options.0.description",
    ),
}


@pytest.mark.parametrize("case", BAD_COMMANDS)
async def test_each_command_rule_rejects_a_bad_schema(emu: Emulator, tiny: TinyBot, case: str) -> None:
    payload, where = BAD_COMMANDS[case]
    with pytest.raises(discord.HTTPException) as caught:
        await tiny.http.bulk_upsert_global_commands(emu.app_id, payload)
    assert (caught.value.status, caught.value.code) == (400, 50035)
    assert f"{where}: " in caught.value.text
    assert [v["code"] for v in emu.take_violations()] == [50035]


async def test_a_schema_at_every_limit_is_accepted(emu: Emulator, tiny: TinyBot) -> None:
    choices = [{"name": "n" * 100, "value": "v" * 100} for _ in range(25)]
    options = [opt(f"o{i}", required=i < 3, description="d" * 100, choices=choices) for i in range(25)]
    payload = [cmd(name="x" * 32, options=options), {"name": "Two Words", "type": 3}]
    await tiny.http.bulk_upsert_guild_commands(emu.app_id, emu.guild.id, payload)
    await tiny.tree.sync(guild=discord.Object(emu.guild.id))  # put the tiny bot's own guild commands back


async def test_tree_sync_of_a_description_discord_py_allows_is_rejected(emu: Emulator, tiny: TinyBot) -> None:
    guild = discord.Object(emu.guild.id)
    tiny.tree.add_command(
        app_commands.Command(name="wordy", description="w" * 101, callback=_noop), guild=guild
    )
    try:
        with pytest.raises(discord.HTTPException, match="description"):
            await tiny.tree.sync(guild=guild)
    finally:
        tiny.tree.remove_command("wordy", guild=guild)
    assert len(emu.take_violations()) == 1


async def _noop(interaction: discord.Interaction) -> None:
    """Do nothing (a command body for schema tests)."""


def embed(**fields: Any) -> dict[str, Any]:
    """Build a valid embed payload."""
    return {"title": "t", "description": "d"} | fields


def row(*buttons: dict[str, Any]) -> dict[str, Any]:
    """Wrap buttons in an action row."""
    return {"type": 1, "components": list(buttons)}


def button(custom_id: str = "b", **fields: Any) -> dict[str, Any]:
    """Build a valid primary button."""
    return {"type": 2, "style": 1, "label": "go", "custom_id": custom_id} | fields


BAD_MESSAGES = {
    "content over 2000": ({"content": "c" * 2001}, "content"),
    "11 embeds": ({"embeds": [embed()] * 11}, "embeds"),
    "title over 256": ({"embeds": [embed(title="t" * 257)]}, "embeds.0.title"),
    "description over 4096": ({"embeds": [embed(description="d" * 4097)]}, "embeds.0.description"),
    "26 fields": ({"embeds": [embed(fields=[{"name": "n", "value": "v"}] * 26)]}, "embeds.0.fields"),
    "field name over 256": ({"embeds": [embed(fields=[{"name": "n" * 257, "value": "v"}])]}, "name"),
    "field value over 1024": ({"embeds": [embed(fields=[{"name": "n", "value": "v" * 1025}])]}, "value"),
    "footer over 2048": ({"embeds": [embed(footer={"text": "f" * 2049})]}, "embeds.0.footer.text"),
    "author over 256": ({"embeds": [embed(author={"name": "a" * 257})]}, "embeds.0.author.name"),
    "embeds over 6000 in total": ({"embeds": [embed(description="d" * 3000)] * 3}, "MAX_EMBED_SIZE"),
    "6 action rows": ({"components": [row(button(f"b{i}")) for i in range(6)]}, "components"),
    "6 buttons in a row": ({"components": [row(*[button(f"b{i}") for i in range(6)])]}, "components.0"),
    "custom_id over 100": ({"components": [row(button("c" * 101))]}, "custom_id"),
    "empty custom_id": ({"components": [row(button(""))]}, "custom_id"),
    "label over 80": ({"components": [row(button(label="l" * 81))]}, "label"),
    "link without url": ({"components": [row({"type": 2, "style": 5, "label": "go"})]}, "url"),
    "link with custom_id": ({"components": [row(button(style=5, url="https://example.com"))]}, "custom_id"),
    "duplicate custom_id": ({"components": [row(button("same"), button("same"))]}, "DUPLICATED"),
    "embed url over 2048": ({"embeds": [embed(url="https://e.org/" + "u" * 2035)]}, "embeds.0.url"),
    "embed url not http": ({"embeds": [embed(url="ftp://e.org/x")]}, "embeds.0.url"),
    "embed url with a space": ({"embeds": [embed(url="https://e.org/a b")]}, "embeds.0.url"),
    "author url over 2048": (
        {"embeds": [embed(author={"name": "a", "url": "https://e.org/" + "u" * 2035})]},
        "embeds.0.author.url",
    ),
    "link url over 512": (
        {"components": [row({"type": 2, "style": 5, "label": "go", "url": "https://e.org/" + "u" * 499})]},
        "components.0.components.0.url",
    ),
    "link url not http": (
        {"components": [row({"type": 2, "style": 5, "label": "go", "url": "javascript:alert(1)"})]},
        "components.0.components.0.url",
    ),
}


async def post_raw(tiny: TinyBot, channel_id: int, payload: dict[str, Any]) -> Any:
    """Post a channel message through discord.py's own HTTP client, bypassing its checks."""
    route = Route("POST", "/channels/{channel_id}/messages", channel_id=channel_id)
    return await tiny.http.request(route, json=payload)


@pytest.mark.parametrize("case", BAD_MESSAGES)
async def test_each_message_rule_rejects_a_bad_message(emu: Emulator, tiny: TinyBot, case: str) -> None:
    payload, where = BAD_MESSAGES[case]
    with pytest.raises(discord.HTTPException) as caught:
        await post_raw(tiny, emu.channel.id, payload | {"allowed_mentions": {"parse": []}})
    assert (caught.value.status, caught.value.code) == (400, 50035)
    violations = emu.take_violations()
    assert where in caught.value.text + str(violations)
    assert [v["code"] for v in violations] == [50035]
    assert emu.posts_in(emu.channel) == []


async def test_a_message_at_every_limit_is_accepted(emu: Emulator, tiny: TinyBot) -> None:
    fields = [{"name": "n" * 10, "value": "v" * 10}] * 25
    first = embed(title="t" * 256, description="d" * 84, fields=fields)  # 840 characters
    embeds = [first] + [embed(description="d" * 572)] * 8 + [embed(description="d" * 575)]  # 6000 in all
    first["url"] = "https://e.org/" + "u" * 2034  # 2048 characters
    buttons = [[button(f"{r}{i}".ljust(100, "c"), label="l" * 80) for i in range(5)] for r in range(4)]
    buttons.append([{"type": 2, "style": 5, "label": "go", "url": "https://e.org/" + "u" * 498}] * 5)
    payload = {"content": "c" * 2000, "embeds": embeds, "components": [row(*b) for b in buttons]}
    sent = await post_raw(tiny, emu.channel.id, payload | {"allowed_mentions": {"parse": []}})
    assert emu.posts_in(emu.channel)[-1].id == int(sent["id"])


async def test_an_empty_message_is_refused(emu: Emulator, tiny: TinyBot) -> None:
    with pytest.raises(discord.HTTPException) as caught:
        await post_raw(tiny, emu.channel.id, {"content": ""})
    assert caught.value.code == 50006
    assert [v["code"] for v in emu.take_violations()] == [50006]


async def test_an_over_long_interaction_answer_is_rejected_under_data(emu: Emulator, tiny: TinyBot) -> None:
    ix = await emu.invoke("/too_long")
    assert ix.message.content == "too long"
    assert tiny.errors[-1].code == 50035
    assert "data.content" in tiny.errors[-1].text
    assert [v["code"] for v in emu.take_violations()] == [50035]


async def test_more_than_25_autocomplete_choices_are_rejected(emu: Emulator, tiny: TinyBot) -> None:
    emu.deadline = 0.2  # the library cannot answer twice, so this interaction will expire
    try:
        ix = await emu.autocomplete("/quote speaker", "name", "many", wait=False)
        await emu.wait_until(lambda: ix.expired, what="the failed autocomplete to expire")
    finally:
        emu.deadline = 3.0
    assert [v["code"] for v in emu.take_violations()] == [50035, 10062]


async def test_a_late_initial_response_fails_with_unknown_interaction(emu: Emulator, tiny: TinyBot) -> None:
    emu.deadline, tiny.slow_for = 0.1, 0.3
    try:
        ix = await emu.invoke("/late", wait=False)
        await emu.wait_until(
            lambda: tiny.errors and tiny.errors[-1].code == 10062, what="the bot to see 10062"
        )
    finally:
        emu.deadline, tiny.slow_for = 3.0, 0.0
    assert isinstance(tiny.errors[-1], discord.NotFound)
    assert ix.expired
    assert ix.response_type is None
    assert [v["code"] for v in emu.take_violations()] == [10062]


async def test_a_second_initial_response_fails_with_40060(emu: Emulator, tiny: TinyBot) -> None:
    ix = await emu.invoke("/twice")
    await emu.wait_until(lambda: tiny.errors and tiny.errors[-1].code == 40060, what="the bot to see 40060")
    assert ix.message.content == "once"
    assert [v["code"] for v in emu.take_violations()] == [40060]


async def test_mentions_that_could_ping_are_recorded_as_leaks(emu: Emulator, tiny: TinyBot) -> None:
    await emu.invoke("/shout")
    await post_raw(tiny, emu.channel.id, {"content": "no allowed_mentions at all"})
    reply = {"parse": [], "replied_user": True}
    said = await emu.post("hello")
    ref = {"message_id": str(said.id)}
    await post_raw(
        tiny, emu.channel.id, {"content": "re", "allowed_mentions": reply, "message_reference": ref}
    )
    kinds = [leak["kinds"] for leak in emu.take_leaks()]
    everything = ["@everyone/@here", "roles", "users"]
    assert kinds == [everything, everything, ["replied user"]]


async def test_recorded_problems_fail_the_check_once(emu: Emulator) -> None:
    emu.record_violation("POST /somewhere", 50035, {"content": {}}, {})
    emu.gaps.append("no route for GET /nowhere")
    with pytest.raises(AssertionError, match="50035") as caught:
        emu.assert_clean()
    assert "GET /nowhere" in str(caught.value)
    emu.assert_clean()  # forgotten once reported, so the next test starts clean
