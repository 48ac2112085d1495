from bot.app.render import PageInfo
from bot.app.render.episodes import episode_card, related_page, takeaways_page
from bot.model import RelatedItem
from tests.helpers import SEED_URL, card, embed_problems, embed_text, episode, related, takeaway


def test_episode_card_has_everything_about_the_episode():
    reply = episode_card(card())
    (embed,) = reply.embeds
    fields = {f.name: f.value for f in embed.fields}
    assert embed.title == "State of AI in 2026: LLMs, Coding, Scaling Laws, China, Agents, GPUs, AGI"
    assert embed.url == SEED_URL
    assert fields["Show"] == "Lex Fridman Podcast"
    assert fields["Episode"] == "#490"
    assert fields["Published"] == "2026-01-31"
    assert fields["Length"] == "4:10:00"
    assert fields["Hosts"] == "Lex Fridman"
    assert fields["Guests"] == "Sebastian Raschka, Nathan Lambert"
    assert "quotes: the page declares 27, shows 9" in fields["In this episode"]
    assert "6 takeaways" in fields["In this episode"]
    assert "/takeaways episode:490" in embed.footer.text
    assert [link.url for link in reply.links] == [SEED_URL]


def test_episode_card_leaves_out_unknown_facts():
    bare = card(
        episode=episode(show=None, number=None, url=None, published=None), duration_seconds=None, hosts=()
    )
    reply = episode_card(bare)
    names = [f.name for f in reply.embeds[0].fields]
    assert names == ["Guests", "In this episode", "Transcript"]
    assert reply.embeds[0].fields[-1].value == "none"  # its absence is a fact members ask about
    assert reply.links == []


def test_episode_card_says_how_much_transcript_and_how_many_chapters_there_are():
    (embed,) = episode_card(card(moment_count=1412, covered_seconds=10931, chapter_count=14)).embeds
    fields = {f.name: f.value for f in embed.fields}
    assert fields["Transcript"] == "1,412 moments up to 3:02:11 · 14 chapters"
    assert "/search episode:490" in embed.footer.text
    assert "/chapters episode:490" in embed.footer.text


def test_episode_card_with_chapters_alone():
    (embed,) = episode_card(card(chapter_count=1)).embeds
    assert {f.name: f.value for f in embed.fields}["Transcript"] == "1 chapter"
    assert "/search" not in embed.footer.text


def test_episode_card_long_description_is_shortened():
    (embed,) = episode_card(card(description="d" * 9000)).embeds
    assert embed.description.endswith("…")
    assert embed_problems(embed) == []


def test_takeaways_are_numbered_by_position():
    reply = takeaways_page(
        episode(), [takeaway(1, "First."), takeaway(2, "Second **bold**.")], PageInfo(0, 1, 2)
    )
    (embed,) = reply.embeds
    assert embed.description == "1. First.\n\n2. Second \\*\\*bold\\*\\*."
    assert embed.title.startswith("Key takeaways · State of AI")


def test_takeaways_page_of_long_items_fits():
    items = [takeaway(i, "t" * 3000) for i in range(1, 9)]
    (embed,) = takeaways_page(episode(), items, PageInfo(0, 2, 16)).embeds
    assert embed_problems(embed) == []
    assert embed.description.count("…") == 8


def test_related_lines_link_known_episodes_and_give_the_reason():
    items = [
        related("OpenClaw | Lex Fridman Podcast #491"),
        related("Khabib vs Lex", "listed on the page", known=False),
    ]
    (embed,) = related_page(episode(), items, PageInfo(0, 1, 2)).embeds
    lines = embed.description.split("\n")
    assert (
        lines[0]
        == "• [OpenClaw \\| Lex Fridman Podcast #491](https://example.com/491) — also with Nathan Lambert"
    )
    assert lines[1] == "• **Khabib vs Lex** — listed on the page"
    assert "Related to State of AI" in embed_text(embed)


def test_a_page_of_long_episode_urls_stays_within_the_description_limit():
    long_url = "https://example.com/" + "a" * 480
    items = [
        RelatedItem(
            title=f"Episode {n} " * 8, reason="also with Nathan Lambert " * 6, episode=episode(url=long_url)
        )
        for n in range(10)
    ]
    (embed,) = related_page(episode(), items, PageInfo(0, 1, 10)).embeds
    assert embed_problems(embed) == []
    assert embed.description.count("also with Nathan Lambert") >= 10


def test_episode_card_shows_the_season_and_links_the_audio_and_the_page():
    audio, page = "https://hosting.example/play/4711", "https://tidal.example/episodes/12"
    reply = episode_card(card(episode=episode(audio_url=audio), season=2, page_url=page))
    fields = {f.name: f.value for f in reply.embeds[0].fields}
    assert fields["Season"] == "2"
    assert [(link.label, link.url) for link in reply.links] == [
        ("Open episode", SEED_URL),
        ("Listen", audio),
        ("Episode page", page),
    ]
    same = episode_card(card(episode=episode(url=audio, audio_url=audio), page_url=audio))
    assert [link.label for link in same.links] == ["Open episode"]  # one button per address
