from bot.app.render import PageInfo
from bot.app.render.transcripts import SearchTitle, chapter_line, emphasised, moments_page
from bot.model import ChapterItem, MomentHit, Person
from tests.helpers import SEED_URL, embed_problems, episode


def hit(context="Recursive language models read their own context.", seconds=10005, **overrides):
    fields = {
        "id": seconds, "context": context, "speaker": "Sebastian Raschka",
        "person": Person(3, "Sebastian Raschka"), "seconds": seconds, "episode": episode(),
        "chapter": "Long context", "link": f"{SEED_URL}&t={seconds}s", "matched": ((0, 9),),
    }  # fmt: skip
    fields.update(overrides)
    return MomentHit(**fields)


def test_a_moment_shows_speaker_bold_words_link_episode_and_chapter():
    reply = moments_page(SearchTitle("recursive"), [hit()], PageInfo(0, 1, 1))
    (embed,) = reply.embeds
    assert embed.title == "Said: “recursive”"
    field = embed.fields[0]
    assert field.name == "Sebastian Raschka"
    assert field.value.splitlines() == [
        "**Recursive** language models read their own context.",
        f"[▶ 2:46:45]({SEED_URL}&t=10005s) · State of AI in 2026: LLMs, Coding, Scaling Laws, China, "
        "Agents, GPUs, AGI \\| Lex Fridman Podcast #490 · *Long context*",
    ]
    assert [(link.label, link.url) for link in reply.links] == [
        ("▶ 2:46:45 · Sebastian Raschka", f"{SEED_URL}&t=10005s")
    ]
    assert embed.footer.text == "1 moment"


def test_the_title_says_what_the_search_was_narrowed_to():
    title = SearchTitle("sleep", episode(), "Nathan Lambert").title()
    assert title == "Said: “sleep” · by Nathan Lambert · in Lex Fridman Podcast #490"


def test_markdown_in_a_transcript_is_escaped_around_the_bold_words():
    assert (
        emphasised("**a** word_x [y](z)", [(2, 3), (6, 12)], 200) == "\\*\\***a**\\*\\* **word\\_x** \\[y](z)"
    )


def test_a_page_of_long_moments_and_unknown_speakers_fits_discord():
    hits = [hit("word " * 900, 60 * n, speaker=None, person=None, matched=((0, 4),)) for n in range(5)]
    (embed,) = moments_page(SearchTitle("w" * 400), hits, PageInfo(0, 3, 15)).embeds
    assert embed_problems(embed) == []
    assert [field.name for field in embed.fields] == ["Unknown speaker"] * 5
    assert embed.footer.text == "Page 1/3 · 15 moments"


def test_a_chapter_links_its_start_and_an_untitled_one_gets_a_number():
    assert (
        chapter_line(ChapterItem(2, 754, "Sleep", f"{SEED_URL}&t=754s"), 300)
        == f"[▶ 12:34]({SEED_URL}&t=754s) Sleep"
    )
    assert chapter_line(ChapterItem(3, 60, "", None), 300) == "▶ 1:00 Chapter 3"
