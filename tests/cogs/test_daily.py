"""/daily end to end: the real bot and discord.py against the local Discord emulator.

Time is a ManualClock given to the bot, at 08:00 on a day far in the future; schedules post at
09:00, so a sweep that runs on its own (at start, then every 30 s) finds nothing due until the
test moves the clock.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
from types import SimpleNamespace

import aiohttp
import discord
import pytest

from bot.app.client import EpisodeBot
from bot.app.posting import classify
from bot.config import Settings
from bot.daily import schedule
from bot.daily.clock import ManualClock
from bot.daily.sweep import DropError, PauseError, RetryError, SweepOptions
from bot.knowledge import KnowledgeBase
from bot.runner import running_bot
from bot.storage import Database
from bot.storage import daily as store
from tests.emulator import CommandUnavailableError, Emulator
from tests.emulator.model import SEND_MESSAGES

UTC = dt.UTC
MORNING = dt.datetime(2099, 6, 1, 8, 0, tzinfo=UTC)
AT_NINE = MORNING.replace(hour=9, second=20)
ROUTE = "POST /channels/{channel_id}/messages"


@pytest.fixture
def emu(emulator: Emulator) -> Emulator:
    return emulator


@pytest.fixture
def settings(bot_settings: Settings) -> Settings:
    return bot_settings


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(MORNING)


@contextlib.asynccontextmanager
async def started(settings: Settings, clock: ManualClock, emu: Emulator):
    async with running_bot(settings, clock=clock) as bot:
        # The bot is yielded at READY; the sweep only serves servers whose GUILD_CREATE has arrived.
        await emu.wait_until(lambda: bot.get_guild(emu.guild.id), what="the guild in the bot's cache")
        yield bot


async def sweep(bot):
    return await bot.get_cog("Daily").sweep_now()


async def set_daily(emu: Emulator, channel=None, *, member=None, **values):
    options = {"channel": channel or emu.channel, "time": "09:00", **values}
    return await emu.invoke("/daily set", member=member or emu.admin, options=options)


def post_requests(emu: Emulator) -> list[int]:
    return [status for route, status in emu.requests if route == ROUTE]


async def test_set_replies_with_the_next_post_time(emu, settings, clock):
    async with started(settings, clock, emu):
        ix = await set_daily(emu, timezone="europe/paris")
    assert ix.ephemeral
    assert f"<#{emu.channel.id}> every day at 09:00 (Europe/Paris)" in ix.message.content
    # 08:00 UTC is 10:00 in Paris, so the next post is tomorrow at 09:00 CEST (07:00 UTC).
    tomorrow = int(dt.datetime(2099, 6, 2, 7, 0, tzinfo=UTC).timestamp())
    assert f"Next post: <t:{tomorrow}:F>" in ix.message.content


async def test_the_sweep_posts_exactly_once_with_mentions_disabled(emu, settings, clock):
    async with started(settings, clock, emu) as bot:
        await set_daily(emu)
        await sweep(bot)
        assert emu.posts_in(emu.channel) == []
        clock.set(AT_NINE)
        stats = await sweep(bot)
        for _ in range(3):
            clock.advance(dt.timedelta(minutes=20))
            await sweep(bot)
        status = await emu.invoke("/daily status", member=emu.admin)
    assert (stats.claimed, stats.sent) == (1, 1)
    [post] = emu.posts_in(emu.channel)
    link = f"https://discord.com/channels/{emu.guild.id}/{emu.channel.id}/{post.id}"
    assert f"in <#{emu.channel.id}> ([open]({link}))" in status.message.content
    assert post.allowed_mentions == {"parse": []}
    embed = post.embeds[0]
    assert embed["url"] == "https://www.youtube.com/watch?v=EV7WhVT270Q"
    assert embed["author"]["name"] == "Takeaway of the day"
    assert "Lex Fridman Podcast #490" in post.text
    assert "/takeaways episode:490" in embed["footer"]["text"]
    assert post_requests(emu) == [200]


async def test_a_restart_on_the_same_day_posts_nothing_more(emu, settings, clock):
    async with started(settings, clock, emu) as bot:
        await set_daily(emu)
        clock.set(AT_NINE)
        await sweep(bot)
    clock.advance(dt.timedelta(minutes=30))
    async with started(settings, clock, emu) as bot:
        await sweep(bot)
        assert len(emu.posts_in(emu.channel)) == 1
        clock.set(AT_NINE + dt.timedelta(days=1))
        await sweep(bot)
    first, second = emu.posts_in(emu.channel)
    assert first.embeds[0]["description"] != second.embeds[0]["description"]


async def test_forbidden_pauses_once_and_status_says_why(emu, settings, clock):
    emu.fail(ROUTE, 403, 50013)
    async with started(settings, clock, emu) as bot:
        await set_daily(emu)
        clock.set(AT_NINE)
        assert (await sweep(bot)).paused == 1
        for _ in range(3):
            clock.advance(dt.timedelta(minutes=10))
            await sweep(bot)
        status = await emu.invoke("/daily status", member=emu.admin)
        assert post_requests(emu) == [403]  # not retried in a loop
        assert "Paused" in status.message.content
        assert "may not post in the channel (Discord code 50013)" in status.message.content
        await set_daily(emu)  # the admin fixed it: setting again resumes, and today still gets its post
        await sweep(bot)
        status = await emu.invoke("/daily status", member=emu.admin)
    assert len(emu.posts_in(emu.channel)) == 1
    assert "Paused" not in status.message.content
    assert "Last post:" in status.message.content


async def test_server_errors_are_retried_and_post_once(emu, settings, clock):
    emu.fail(ROUTE, 503, times=2)  # discord.py does not retry 503 itself: the sweep does, later
    emu.fail(ROUTE, 500)  # discord.py retries a 500 after a second, with the same nonce
    async with started(settings, clock, emu) as bot:
        await set_daily(emu)
        clock.set(AT_NINE)
        assert (await sweep(bot)).retried == 1
        status = await emu.invoke("/daily status", member=emu.admin)
        assert "not posted yet: Discord answered 503" in status.message.content
        clock.advance(dt.timedelta(seconds=60))
        assert (await sweep(bot)).retried == 1
        clock.advance(dt.timedelta(seconds=119))
        assert (await sweep(bot)).claimed == 0
        clock.advance(dt.timedelta(seconds=1))
        assert (await sweep(bot)).sent == 1
        clock.advance(dt.timedelta(hours=1))
        await sweep(bot)
    assert post_requests(emu) == [503, 503, 500, 200]
    assert len(emu.posts_in(emu.channel)) == 1


async def test_a_post_whose_answer_was_lost_is_retried_once_under_the_same_nonce(emu, settings, clock):
    emu.fail(ROUTE, 503, after=True)  # Discord wrote the message, but the answer got lost
    async with started(settings, clock, emu) as bot:
        await set_daily(emu)
        clock.set(AT_NINE)
        assert (await sweep(bot)).retried == 1
        clock.advance(dt.timedelta(minutes=1))
        assert (await sweep(bot)).sent == 1
    assert post_requests(emu) == [503, 200]
    assert len(emu.posts_in(emu.channel)) == 1


async def test_a_member_without_manage_server_is_refused(emu, settings, clock):
    async with started(settings, clock, emu) as bot:
        with pytest.raises(CommandUnavailableError):
            await set_daily(emu, member=emu.member)
        # An admin may have opened the command to everyone: the bot still checks by itself.
        options = {"channel": emu.channel, "time": "09:00"}
        ix = await emu.invoke("/daily set", member=emu.member, options=options, bypass_permissions=True)
        status = await emu.invoke("/daily status", member=emu.member, bypass_permissions=True)
        assert await store.get_schedule(bot.db.conn, emu.guild.id) is None
    assert ix.ephemeral
    assert "Manage Server" in ix.message.content
    assert "Manage Server" in status.message.content


async def test_a_channel_the_bot_cannot_post_in_is_refused(emu, settings, clock):
    closed = await emu.create_channel(emu.guild, "announcements")
    await emu.set_permissions(closed, emu.guild.members[emu.bot_user_id], deny=SEND_MESSAGES)
    async with started(settings, clock, emu) as bot:
        ix = await set_daily(emu, closed)
        assert await store.get_schedule(bot.db.conn, emu.guild.id) is None
    assert ix.ephemeral
    assert f"I can't post in <#{closed.id}>: I am missing Send Messages" in ix.message.content


async def test_losing_the_channel_pauses_without_calling_discord(emu, settings, clock):
    async with started(settings, clock, emu) as bot:
        await set_daily(emu)
        await emu.delete_channel(emu.channel)
        await asyncio.sleep(0.2)  # let the CHANNEL_DELETE event reach the bot's cache
        clock.set(AT_NINE)
        assert (await sweep(bot)).paused == 1
        schedule = await store.get_schedule(bot.db.conn, emu.guild.id)
    assert schedule.paused_reason == "the channel no longer exists"
    assert post_requests(emu) == []


async def test_an_outage_neither_pauses_nor_deletes_the_schedule(emu, settings, clock):
    async with started(settings, clock, emu) as bot:
        await set_daily(emu)
        await emu.dispatch("GUILD_DELETE", {"id": str(emu.guild.id), "unavailable": True})
        await emu.wait_until(
            lambda: bot.get_guild(emu.guild.id).unavailable, what="the outage to reach the bot"
        )
        clock.set(AT_NINE)
        assert (await sweep(bot)).due == 0
        schedule = await store.get_schedule(bot.db.conn, emu.guild.id)
        assert schedule.paused_reason is None
        await emu.dispatch("GUILD_CREATE", emu.guild.payload(emu.bot_user_id))
        await emu.wait_until(lambda: not bot.get_guild(emu.guild.id).unavailable, what="the server back")
        clock.advance(dt.timedelta(minutes=5))
        assert (await sweep(bot)).sent == 1
    assert len(emu.posts_in(emu.channel)) == 1


async def test_bad_time_is_refused_with_the_expected_format(emu, settings, clock):
    async with started(settings, clock, emu):
        ix = await set_daily(emu, time="9am")
        zone = await set_daily(emu, timezone="Mars/Olympus")
    assert "24-hour HH:MM" in ix.message.content
    assert "IANA time zone" in zone.message.content


async def test_timezone_autocomplete_suggests_iana_names(emu, settings, clock):
    async with started(settings, clock, emu):
        options = {"channel": emu.channel, "time": "09:00"}
        ix = await emu.autocomplete("/daily set", "timezone", "paris", member=emu.admin, options=options)
        empty = await emu.autocomplete("/daily set", "timezone", "", member=emu.admin, options=options)
    assert [c["value"] for c in ix.choices] == ["Europe/Paris"]
    assert empty.choices[0]["value"] == "UTC"
    assert len(empty.choices) <= 25


async def test_preview_is_what_gets_posted(emu, settings, clock):
    async with started(settings, clock, emu) as bot:
        await set_daily(emu)
        preview = await emu.invoke("/daily preview", member=emu.admin)
        clock.set(AT_NINE)
        await sweep(bot)
    assert preview.ephemeral
    [post] = emu.posts_in(emu.channel)
    assert preview.message.embeds == post.embeds


async def test_stop_ends_the_posts(emu, settings, clock):
    async with started(settings, clock, emu) as bot:
        await set_daily(emu)
        stop = await emu.invoke("/daily stop", member=emu.admin)
        clock.set(AT_NINE)
        await sweep(bot)
        status = await emu.invoke("/daily status", member=emu.admin)
    assert stop.message.content == "Daily takeaways stopped."
    assert "No daily takeaway is set up here" in status.message.content
    assert emu.posts_in(emu.channel) == []


async def test_leaving_a_server_removes_its_schedule(emu, settings, clock):
    async with started(settings, clock, emu) as bot:
        await set_daily(emu)
        await emu.remove_bot(emu.guild)
        for _ in range(100):
            if await store.get_schedule(bot.db.conn, emu.guild.id) is None:
                break
            await asyncio.sleep(0.02)
        assert await store.get_schedule(bot.db.conn, emu.guild.id) is None


async def test_a_post_in_flight_at_shutdown_is_recorded_as_sent(emu, settings, clock):
    slow_post = emu.slow(ROUTE, 0.5)
    async with running_bot(settings, clock=clock, sweep=SweepOptions(interval=0.05)) as bot:
        await emu.wait_until(lambda: bot.get_guild(emu.guild.id), what="the guild in the bot's cache")
        await set_daily(emu)
        clock.set(AT_NINE)  # the sweep loop itself picks the day up within 0.05 s
        await asyncio.wait_for(slow_post.arrived.wait(), 10)
    # The bot has closed while Discord was still answering the post.
    [post] = emu.posts_in(emu.channel)
    db = await Database.open(settings.database_path)
    try:
        entry = await store.get_entry(db.conn, emu.guild.id, AT_NINE.date())
        last = await store.last_post(db.conn, emu.guild.id)
    finally:
        await db.close()
    assert (entry.state, entry.message_id) == (store.SENT, post.id)
    assert last.message_id == post.id


async def test_the_daily_cog_runs_on_the_clock_and_options_the_bot_was_built_with(tmp_path, clock):
    db = await Database.open(tmp_path / "daily.db")
    options = SweepOptions(interval=7.0, concurrency=3, rate=None)
    bot = EpisodeBot(Settings(), db, KnowledgeBase(db), sync="never", clock=clock, sweep=options)
    try:
        async with bot:
            await bot.load_extension("cogs.daily")
            cog = bot.get_cog("Daily")
            assert (cog.sweeper.clock, cog.service.clock) == (clock, clock)
            assert (cog.sweeper.concurrency, cog.sweeper.rate, cog.sweep.seconds) == (3, None, 7.0)
            assert cog.sweep.is_running()
            await bot.unload_extension("cogs.daily")
            assert not cog.sweep.is_running()
    finally:
        await db.close()


def http_error(kind: type[discord.HTTPException], status: int, code: int) -> discord.HTTPException:
    return kind(SimpleNamespace(status=status, reason="x"), {"code": code, "message": "x"})


@pytest.mark.parametrize(
    ("error", "outcome", "reason"),
    [
        (http_error(discord.NotFound, 404, 10003), PauseError, "the channel was deleted (Unknown Channel)"),
        (
            http_error(discord.Forbidden, 403, 50013),
            PauseError,
            "I may not post in the channel (Discord code 50013)",
        ),
        (
            http_error(discord.Forbidden, 403, 50001),
            PauseError,
            "I can't see the channel (Discord code 50001)",
        ),
        (http_error(discord.DiscordServerError, 502, 0), RetryError, "Discord answered 502"),
        (http_error(discord.HTTPException, 429, 0), RetryError, "Discord answered 429"),
        (discord.RateLimited(120.0), RetryError, "rate limited by Discord"),
        (aiohttp.ClientConnectionError(), RetryError, "network error (ClientConnectionError)"),
        (TimeoutError(), RetryError, "network error (TimeoutError)"),
        (
            http_error(discord.HTTPException, 400, 50035),
            DropError,
            "Discord rejected the post (400, code 50035)",
        ),
        (http_error(discord.NotFound, 404, 10008), DropError, "Discord rejected the post (404, code 10008)"),
    ],
)
def test_classify_send_failures(error, outcome, reason):
    result = classify(error)
    assert type(result) is outcome
    assert result.reason == reason


async def test_the_time_zone_names_are_read_at_start_not_at_a_members_first_command(emu, settings, clock):
    schedule.zone_names.cache_clear()
    async with started(settings, clock, emu):
        assert schedule.zone_names.cache_info().currsize == 1
