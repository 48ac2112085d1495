from bot.app.render import PageInfo
from bot.app.render.answers import NOTHING_FOUND, ask_page, nothing_found, passage_value
from tests.helpers import SEED_URL, embed_problems, passage


def test_each_passage_is_cited_with_episode_speaker_and_moment():
    reply = ask_page(
        "what does nathan use for coding",
        [passage(), passage("takeaway", "Tool use is a major unlock.")],
        PageInfo(0, 1, 2),
    )
    (embed,) = reply.embeds
    assert embed.title == "“what does nathan use for coding”"
    quote_field, takeaway_field = embed.fields
    assert quote_field.name == "Quote · Nathan Lambert"
    assert quote_field.value.startswith("“I use Claude Opus 4.5.”")
    assert f"[▶ 17:05]({SEED_URL}&t=1025s)" in quote_field.value
    assert "State of AI in 2026" in quote_field.value
    assert takeaway_field.name == "Key takeaway"
    assert takeaway_field.value.startswith("Tool use is a major unlock.\n")
    assert [link.url for link in reply.links] == [f"{SEED_URL}&t=1025s"]


def test_long_passages_fit():
    passages = [passage(text="p" * 5000) for _ in range(5)]
    (embed,) = ask_page("q" * 400, passages, PageInfo(0, 2, 10)).embeds
    assert embed_problems(embed) == []


def test_nothing_found_is_honest_and_ephemeral():
    reply = nothing_found()
    assert reply.content == NOTHING_FOUND
    assert reply.ephemeral


def test_a_passage_field_stays_within_its_budget_whatever_the_link_becomes_once_escaped():
    link = "https://e.org/?q=" + "( )" * 160
    value = passage_value(passage(text="Brackets in the link.", link=link), 300)
    assert len(value) <= 300
    assert value.startswith("“Brackets in the link.”\n")
    assert value.endswith(" · ▶ 17:05")
