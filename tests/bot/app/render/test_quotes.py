from bot.app.render import PageInfo
from bot.app.render.quotes import quote_card, quote_value, quotes_page, search_page
from tests.helpers import NATHAN, SEED_URL, embed_problems, embed_text, quote

NATHAN_QUOTES = [
    quote("I will regularly have like five Pro queries going simultaneously", 932, speaker=NATHAN),
    quote(
        "And then for code and any sort of philosophical discussion, I use Claude Opus 4.5.",
        1025,
        speaker=NATHAN,
    ),
    quote("I need to get him a copy of Season of the Witch", 8885, speaker=NATHAN),
]


def test_quotes_page_shows_each_quote_with_speaker_episode_and_moment_link():
    reply = quotes_page("Quotes by Nathan Lambert", NATHAN_QUOTES, PageInfo(0, 1, 3))
    (embed,) = reply.embeds
    assert embed.title == "Quotes by Nathan Lambert"
    assert [f.name for f in embed.fields] == ["Nathan Lambert"] * 3
    for field, (stamp, second) in zip(
        embed.fields, [("15:32", 932), ("17:05", 1025), ("2:28:05", 8885)], strict=True
    ):
        assert f"[▶ {stamp}]({SEED_URL}&t={second}s)" in field.value
        assert "State of AI in 2026" in field.value
    assert embed.footer.text == "3 quotes"


def test_quotes_page_has_a_link_button_per_quote():
    reply = quotes_page("Quotes by Nathan Lambert", NATHAN_QUOTES, PageInfo(0, 1, 3))
    assert [(link.label, link.url) for link in reply.links] == [
        ("▶ 15:32", f"{SEED_URL}&t=932s"),
        ("▶ 17:05", f"{SEED_URL}&t=1025s"),
        ("▶ 2:28:05", f"{SEED_URL}&t=8885s"),
    ]


def test_quote_text_with_markdown_and_mentions_shows_literally():
    hit = quote("@everyone look **here** [click](https://evil.example)")
    (embed,) = quotes_page("Quotes", [hit], PageInfo(0, 1, 1)).embeds
    value = embed.fields[0].value
    assert "@everyone look \\*\\*here\\*\\* \\[click](https://evil.example)" in value


def test_over_long_quote_is_shortened_with_an_ellipsis_and_keeps_its_link():
    hits = [quote("word " * 2000, 60 * i) for i in range(5)]
    (embed,) = quotes_page("Quotes", hits, PageInfo(0, 1, 5)).embeds
    assert embed_problems(embed) == []
    for field in embed.fields:
        assert "…”" in field.value
        assert "](https://www.youtube.com/watch?v=EV7WhVT270Q&t=" in field.value


def test_quote_without_a_link_shows_a_plain_moment_and_no_button():
    reply = quotes_page("Quotes", [quote(link=None)], PageInfo(0, 1, 1))
    assert "▶ 2:46:45 ·" in reply.embeds[0].fields[0].value
    assert reply.links == []


def test_quotes_from_several_speakers_name_the_speaker_on_each_button():
    reply = quotes_page("Quotes", [NATHAN_QUOTES[0], quote()], PageInfo(0, 1, 2))
    assert [link.label for link in reply.links] == [
        "▶ 15:32 · Nathan Lambert",
        "▶ 2:46:45 · Sebastian Raschka",
    ]


def test_paged_footer():
    (embed,) = quotes_page("Quotes", NATHAN_QUOTES, PageInfo(1, 3, 13)).embeds
    assert embed.footer.text == "Page 2/3 · 13 quotes"


def test_quote_card_shows_text_speaker_episode_and_link():
    reply = quote_card(quote())
    (embed,) = reply.embeds
    text = embed_text(embed)
    assert "“The Recursive Language Model paper”" in text
    assert "**Sebastian Raschka**" in text
    assert f"[▶ 2:46:45]({SEED_URL}&t=10005s)" in text
    assert embed.title.startswith("State of AI in 2026")
    assert embed.url == SEED_URL
    assert [link.url for link in reply.links] == [f"{SEED_URL}&t=10005s"]


def test_quote_card_of_a_huge_quote_fits():
    (embed,) = quote_card(quote("x" * 10_000)).embeds
    assert embed_problems(embed) == []
    assert "…”" in embed.description


def test_search_page_titles_with_the_words():
    (embed,) = search_page("recursive languag", [quote()], PageInfo(0, 1, 1)).embeds
    assert embed.title == "Quotes matching “recursive languag”"


def test_a_quote_field_stays_within_its_budget_whatever_the_link_becomes_once_escaped():
    link = "https://e.org/?q=" + "( )" * 160  # 497 characters as stored, 1,137 in a masked link
    value = quote_value(quote("Brackets in the link.", link=link), 300)
    assert len(value) <= 300
    assert value.startswith("“Brackets in the link.”\n▶ 2:46:45 · State of AI")
    assert "e.org" not in value
