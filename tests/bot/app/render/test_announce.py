"""New-episode posts and /announce answers: links measured as sent, the bot's own markup kept live."""

from bot.announce.service import Status
from bot.app import limits
from bot.app.render import announce as render
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
