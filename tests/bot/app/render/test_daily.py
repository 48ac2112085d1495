"""The daily post embed and the /daily answers, built from data alone."""

from __future__ import annotations

import datetime as dt

from bot.app import limits
from bot.app.render import daily as render
from bot.daily.service import Status
from bot.model import EpisodeRef, Takeaway
from bot.storage import daily as store
from bot.text import ELLIPSIS
from tests.helpers import channel_lookup, embed_problems

EPISODE = EpisodeRef(
    id=1,
    key="lex-fridman-490",
    title="State of AI in 2026",
    show="Lex Fridman Podcast",
    number=490,
    url="https://www.youtube.com/watch?v=EV7WhVT270Q",
)
SCHEDULE = store.Schedule(1, 7, "09:00", "Europe/Paris", None, None, 4_000_000_000, "x", "x")


def takeaway(text: str, episode: EpisodeRef = EPISODE) -> Takeaway:
    return Takeaway(id=1, position=1, text=text, episode=episode)


def test_post_links_the_episode_and_hints_at_more():
    embed = render.daily_post(takeaway("Open models caught up."))
    assert embed.author.name == "Takeaway of the day"
    assert (embed.title, embed.url) == ("State of AI in 2026", EPISODE.url)
    assert embed.description == "Open models caught up."
    assert [(f.name, f.value) for f in embed.fields] == [("Episode", "Lex Fridman Podcast #490")]
    assert embed.footer.text == "More from this episode: /takeaways episode:490"


def test_post_escapes_markdown_in_the_data():
    embed = render.daily_post(takeaway("@everyone **free** [click](https://evil.example) `x`"))
    assert "\\*\\*free\\*\\*" in embed.description
    assert "\\[click](" in embed.description  # an escaped bracket is no masked link
    assert "\\`x\\`" in embed.description


def test_post_shows_mention_and_timestamp_markup_in_the_data_as_typed():
    marked = EpisodeRef(id=4, key="m", title="Talk <@1> <t:0>", show="Show <#2>", number=3)
    embed = render.daily_post(takeaway("Ping <@&5> at <t:0:R> </ask:1> <:e:6>", marked))
    assert embed.title == "Talk \\<@1> \\<t:0>"
    assert embed.description == "Ping \\<@&5> at \\<t:0:R> \\</ask:1> \\<:e:6>"
    assert embed.fields[0].value == "Show \\<#2> #3"


def test_post_fits_discord_limits_with_huge_text():
    long_episode = EpisodeRef(id=2, key="k", title="T" * 400, show="S" * 2000, number=1, url="ftp://x")
    embed = render.daily_post(takeaway("word " * 2000, long_episode))
    assert embed_problems(embed) == []
    assert len(embed) <= limits.EMBED_TOTAL
    assert embed.description.endswith(ELLIPSIS)
    assert embed.url is None  # only http(s) links are offered


def test_episode_without_number_or_show_is_hinted_by_key():
    bare = EpisodeRef(id=3, key="khabib-footage", title="Training with Khabib")
    embed = render.daily_post(takeaway("Train daily.", bare))
    assert embed.fields == []
    assert embed.footer.text.endswith("/takeaways episode:khabib-footage")


def test_set_reply_shows_the_time_for_every_reader():
    moment = dt.datetime(2099, 6, 2, 7, 0, tzinfo=dt.UTC)
    text = render.set_reply(SCHEDULE, moment, channel_lookup(guild_id=1))
    unix = int(moment.timestamp())
    assert text == (
        "Daily takeaway set: <#7> every day at 09:00 (Europe/Paris), all shows.\n"
        f"Next post: <t:{unix}:F> (<t:{unix}:R>)."
    )


def test_status_without_a_schedule_says_how_to_start():
    assert "/daily set" in render.status_reply(None, channel_lookup(guild_id=1))


def test_status_of_a_paused_schedule_gives_the_reason_and_the_fix():
    paused = store.Schedule(1, 7, "09:00", "UTC", "Show *A*", "the channel was deleted", 0, "x", "x")
    latest = store.LedgerEntry(
        1, dt.date(2099, 6, 1), "retry", 7, "k", 1, 0, 1, 1, 0, 0, None, "the channel was deleted"
    )
    text = render.status_reply(Status(paused, None, latest, None), channel_lookup(guild_id=1))
    assert "only Show \\*A\\*" in text
    assert "**Paused:** the channel was deleted. Fix it, then run `/daily set` again to resume." in text
    assert "Next post" not in text
    assert "**Last post:** none yet" in text
    assert "**2099-06-01:** not posted yet: the channel was deleted" in text


def test_status_links_the_last_post():
    last = store.LastPost(4_000_000_000, 7, 99)
    moment = dt.datetime(2099, 6, 2, tzinfo=dt.UTC)
    text = render.status_reply(Status(SCHEDULE, moment, None, last), channel_lookup(guild_id=5))
    assert f"**Next post:** <t:{int(moment.timestamp())}:F>" in text
    assert "([open](https://discord.com/channels/5/7/99))" in text


def test_a_paused_reason_keeps_its_channel_link_while_a_show_name_from_the_data_stays_literal():
    reason = "I am missing Send Messages in <#7>"
    paused = store.Schedule(1, 7, "09:00", "UTC", "Show <t:0>", reason, 0, "x", "x")
    latest = store.LedgerEntry(1, dt.date(2099, 6, 1), "retry", 7, "k", 1, 0, 1, 1, 0, 0, None, reason)
    text = render.status_reply(Status(paused, None, latest, None), channel_lookup(guild_id=1))
    assert "only Show \\<t:0>" in text
    assert f"**Paused:** {reason}. Fix it" in text
    assert f"not posted yet: {reason}" in text
