"""New-episode posts and /announce answers: links measured as sent, the bot's own markup kept live."""

import datetime as dt

from bot.announce.service import Status
from bot.app import limits
from bot.app.render import announce as render
from bot.model import EpisodeCard, EpisodeRef
from bot.storage import announce as store
from tests.helpers import card, channel_lookup, embed_problems, episode


def test_a_summary_of_episodes_with_bracket_laden_links_fits_its_description():
    parens = "https://e.org/?q=" + "(a)" * 160  # 497 characters, 1,137 inside a masked link
    cards = [card(episode=episode(id=n, key=f"k{n}", number=n, url=parens)) for n in range(1, 5)]
    (body,) = render.summary_post(cards, None).embeds
    assert embed_problems(body) == []
    assert len(body.description or "") <= limits.EMBED_DESCRIPTION
    assert "e.org" not in (body.description or "")


def test_a_paused_reason_keeps_its_channel_link_and_a_role_name_stays_literal():
    reason = "I am missing Send Messages in <#7>"
    settings = store.Settings(1, 7, 9, 0, reason, 0, 0)
    latest = store.Entry(1, "k", store.RETRY, 1, 7, 1, 0, None, None, reason)
    text = render.status_reply(Status(settings, None, latest), channel_lookup(guild_id=1), "<t:0> fans")
    assert f"**Paused:** {reason}. Fix it" in text
    assert f"not posted yet: {reason}" in text
    assert "pinging @\\<t:0> fans" in text


def tidal_card(
    number: int, title: str = "Tidal Rivers", description: str = "All about estuaries."
) -> EpisodeCard:
    episode = EpisodeRef(number, f"tidal-{number}", title, "The Tidal Hour", number,
                         f"https://example.com/{number}.mp3", dt.date(2026, 3, number % 28 + 1))  # fmt: skip
    return EpisodeCard(episode, description, (), (), 3723, 1, 1, None, 0, None, 0)


def test_a_card_has_the_facts_a_listen_button_and_no_ping():
    reply = render.episode_post(tidal_card(14, description="Long notes. " * 500), None)
    (body,) = reply.embeds
    assert reply.content is None
    assert [(f.name, f.value) for f in body.fields] == [
        ("Show", "The Tidal Hour"), ("Episode", "#14"), ("Published", "2026-03-15"), ("Length", "1:02:03"),
    ]  # fmt: skip
    assert len(body.description or "") <= render.DESCRIPTION_START
    assert [(link.label, link.url) for link in reply.links] == [("Listen", "https://example.com/14.mp3")]
    assert render.allowed_mentions(None).to_dict() == {"parse": []}


def test_the_role_is_the_only_mention_allowed():
    reply = render.episode_post(tidal_card(14), 42)
    assert reply.content == "<@&42>"
    assert render.allowed_mentions(42).to_dict() == {"parse": [], "roles": [42]}  # no everyone, no users


def test_a_summary_of_many_long_episodes_stays_within_discords_limits():
    long_title = "An Extraordinarily Long Episode Title " * 8
    cards = [tidal_card(n, title=f"{long_title}@everyone {n}") for n in range(1, 60)]
    (body,) = render.summary_post(cards, None).embeds
    assert body.title == "59 new episodes"
    assert embed_problems(body) == []
    assert limits.embed_total([body]) <= limits.EMBED_TOTAL
    assert body.description.endswith(f"…and {59 - render.SUMMARY_LINES} more: see `/episode`")
    assert "@everyone" not in body.description.replace("@\u200beveryone", "")


def test_status_says_why_it_is_paused():
    settings = store.Settings(1, 7, None, 0, "the channel no longer exists", 0, 0)
    failed = store.Entry(1, "tidal-14", store.RETRY, 5, 7, 1, 0, 0, None, "the channel no longer exists")
    text = render.status_reply(Status(settings, None, failed), channel_lookup(guild_id=1), None)
    assert "**Paused:** the channel no longer exists. Fix it, then run `/announce set` again" in text
    assert "pinging nobody" in text
    assert "**Last announcement:** none yet" in text
