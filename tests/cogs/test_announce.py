"""/announce end to end: one post per server per new episode, silent seeding, summaries, the role ping."""

from __future__ import annotations

import contextlib
import dataclasses
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import discord
import pytest

from bot.app.client import EpisodeBot
from bot.config import Settings
from bot.runner import running_bot
from tests.cogs.conftest import page
from tests.emulator import CommandUnavailableError, Emulator
from tests.emulator.model import MENTION_EVERYONE, SEND_MESSAGES
from tests.fixtures import SEED_PAGE

FAST = 0.1
ROUTE = "POST /channels/{channel_id}/messages"
TIDE_META = """number = 14
show = "The Tidal Hour"
url = "https://example.com/tidal-14.mp3"
published = 2099-03-01
duration = "1:02:03"
"""


def tidal(number: int, title: str = "Tidal Rivers") -> str:
    return page(
        f"{title} {number} | The Tidal Hour #{number}",
        [("Estuaries breathe twice a day.", "Mara Quill", "3:10")],
        takeaways=(f"Lesson {number}.",),
    )


@pytest.fixture
def data(tmp_path: Path) -> Path:
    folder = tmp_path / "data"
    folder.mkdir()
    shutil.copy(SEED_PAGE, folder / SEED_PAGE.name)
    return folder


@contextlib.asynccontextmanager
async def started(settings: Settings, data: Path, emu: Emulator) -> AsyncIterator[EpisodeBot]:
    settings = dataclasses.replace(settings, data_dir=data, watch_interval=FAST)
    async with running_bot(settings) as bot:
        await emu.wait_until(bot.is_ready, what="the bot ready, with its servers")
        yield bot


async def announce_now(bot: EpisodeBot) -> None:
    """Run an announcement pass now (the update loop runs them too; this one is for "nothing more")."""
    await bot.get_cog("Announce").announce_new()


async def swapped(emu: Emulator, bot: EpisodeBot, before: object) -> None:
    await emu.wait_until(lambda: bot.kb.snapshot is not before, within=10, what="the catalogue swap")


async def set_announce(emu: Emulator, channel=None, *, member=None, bypass_permissions=False, **values):
    channel = channel or emu.channel
    options = {"channel": channel, **values}
    return await emu.invoke(
        "/announce set", member=member or emu.admin, channel=channel, options=options,
        bypass_permissions=bypass_permissions,
    )  # fmt: skip


async def test_each_new_episode_is_announced_once_across_edits_and_restarts(emulator, bot_settings, data):
    async with started(bot_settings, data, emulator) as bot:
        ix = await set_announce(emulator)
        assert ix.ephemeral
        assert "Episodes already here are not announced" in ix.message.content
        await announce_now(bot)
        assert emulator.posts_in(emulator.channel) == []  # the seed was here first: silent
        (data / "tidal-14.toml").write_text(TIDE_META, encoding="utf-8")
        (data / "tidal-14.txt").write_text(tidal(14), encoding="utf-8")
        [post] = await emulator.wait_for_posts(emulator.channel, 1, within=10)
        before = bot.kb.snapshot
        (data / "tidal-14.txt").write_text(tidal(14, "Tidal Marshes"), encoding="utf-8")
        await swapped(emulator, bot, before)
        await announce_now(bot)
    async with started(bot_settings, data, emulator) as bot:
        await announce_now(bot)
        status = await emulator.invoke("/announce status", member=emulator.admin)
    assert len(emulator.posts_in(emulator.channel)) == 1
    embed = post.embeds[0]
    assert embed["author"]["name"] == "New episode"
    assert embed["title"] == "Tidal Rivers 14"
    assert embed["url"] == "https://example.com/tidal-14.mp3"
    assert embed["description"] == "An episode made up for a test."
    fields = {f["name"]: f["value"] for f in embed["fields"]}
    assert fields == {
        "Show": "The Tidal Hour",
        "Episode": "#14",
        "Published": "2099-03-01",
        "Length": "1:02:03",
    }
    assert [b["label"] for b in post.buttons] == ["Listen"]
    assert post.allowed_mentions == {"parse": []}
    assert post.content == ""
    assert "**Last announcement:**" in status.message.content
    assert "none yet" not in status.message.content


async def test_every_server_gets_its_own_single_post(emulator, bot_settings, data):
    other = await emulator.create_guild("Second Server")
    other_channel = await emulator.create_channel(other, "episodes")
    boss = await emulator.create_member(other, "boss", permissions=discord.Permissions(manage_guild=True))
    async with started(bot_settings, data, emulator) as bot:
        await set_announce(emulator)
        await set_announce(emulator, other_channel, member=boss)
        (data / "tidal-14.txt").write_text(tidal(14), encoding="utf-8")
        await emulator.wait_for_posts(emulator.channel, 1, within=10)
        await emulator.wait_for_posts(other_channel, 1, within=10)
        await announce_now(bot)
    assert len(emulator.posts_in(emulator.channel)) == len(emulator.posts_in(other_channel)) == 1


async def test_a_burst_of_new_episodes_is_one_summary(emulator, bot_settings, data, tmp_path):
    burst = tmp_path / "burst"
    burst.mkdir()
    for number in range(20, 25):
        (burst / f"tidal-{number}.txt").write_text(tidal(number), encoding="utf-8")
    async with started(bot_settings, data, emulator) as bot:
        await set_announce(emulator)
        burst.rename(data / "burst")  # five episodes appear at once
        [post] = await emulator.wait_for_posts(emulator.channel, 1, within=10)
        await announce_now(bot)
    assert len(emulator.posts_in(emulator.channel)) == 1
    embed = post.embeds[0]
    assert embed["title"] == "5 new episodes"
    assert all(f"Tidal Rivers {n} \\| The Tidal Hour #{n}" in embed["description"] for n in range(20, 25))


async def test_the_role_is_the_only_ping_and_only_when_set(emulator, bot_settings, data):
    role = await emulator.create_role(emulator.guild, "listeners")
    await emulator.set_permissions(emulator.channel, emulator.guild, deny=MENTION_EVERYONE)
    async with started(bot_settings, data, emulator):
        refused = await set_announce(emulator, role=emulator.guild.id)  # the @everyone role
        assert "I never ping everyone at once" in refused.message.content
        ix = await set_announce(emulator, role=role)
        assert "pinging @listeners" in ix.message.content
        assert "not mentionable" in ix.message.content
        (data / "tidal-14.txt").write_text(tidal(14), encoding="utf-8")
        [post] = await emulator.wait_for_posts(emulator.channel, 1, within=10)
    assert post.content == f"<@&{role}>"
    assert post.allowed_mentions == {"parse": [], "roles": [role]}  # not "everyone", no users
    [leak] = emulator.take_leaks()  # the emulator flags any message that can ping a role
    assert (leak["message"], leak["kinds"]) == (post.id, ["roles"])


async def test_a_forbidden_channel_pauses_and_status_says_why(emulator, bot_settings, data):
    async with started(bot_settings, data, emulator) as bot:
        await set_announce(emulator)
        emulator.fail(ROUTE, 403, 50013)
        (data / "tidal-14.txt").write_text(tidal(14), encoding="utf-8")
        await emulator.wait_until(
            lambda: (ROUTE, 403) in emulator.requests, within=10, what="the refused post"
        )
        rounds = bot.updater.rounds  # the round that got the 403 records it before it ends
        await emulator.wait_until(lambda: bot.updater.rounds > rounds, within=10, what="the outcome recorded")
        await announce_now(bot)
        status = await emulator.invoke("/announce status", member=emulator.admin)
        assert "**Paused:** I may not post in the channel (Discord code 50013)" in status.message.content
        assert [s for r, s in emulator.requests if r == ROUTE] == [403]  # not retried in a loop
        await set_announce(emulator)  # fixed: setting again resumes, and the episode still goes out
        await announce_now(bot)
        status = await emulator.invoke("/announce status", member=emulator.admin)
    assert len(emulator.posts_in(emulator.channel)) == 1
    assert "Paused" not in status.message.content


async def test_stop_and_permissions(emulator, bot_settings, data):
    async with started(bot_settings, data, emulator) as bot:
        with pytest.raises(CommandUnavailableError):
            await set_announce(emulator, member=emulator.member)
        ix = await set_announce(emulator, member=emulator.member, bypass_permissions=True)
        assert "Manage Server" in ix.message.content
        await set_announce(emulator)
        stopped = await emulator.invoke("/announce stop", member=emulator.admin)
        (data / "tidal-14.txt").write_text(tidal(14), encoding="utf-8")
        await emulator.wait_until(lambda: "tidal-14" in bot.kb.snapshot.cat.by_key, within=10)
        await announce_now(bot)
        status = await emulator.invoke("/announce status", member=emulator.admin)
        await set_announce(emulator)  # on again: what arrived while off is not announced
        await announce_now(bot)
    assert stopped.message.content == "New episodes will no longer be announced."
    assert "not announced here" in status.message.content
    assert emulator.posts_in(emulator.channel) == []


async def test_a_channel_the_bot_cannot_post_in_is_refused_with_a_link_to_it(emulator, bot_settings, data):
    closed = await emulator.create_channel(emulator.guild, "closed")
    await emulator.set_permissions(closed, emulator.guild.members[emulator.bot_user_id], deny=SEND_MESSAGES)
    async with started(bot_settings, data, emulator):
        ix = await set_announce(emulator, closed)
    assert ix.ephemeral
    assert f"I can't post in <#{closed.id}>: I am missing Send Messages" in ix.message.content
    assert ix.message.live_markup == [f"<#{closed.id}>"]
