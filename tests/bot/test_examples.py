"""Examples for /help and prompts: taken from the loaded data, and each one finds what it names."""

from pathlib import Path

import pytest

from bot.examples import Examples
from bot.knowledge import KnowledgeBase
from bot.storage import Database
from tests.bot.kb_pages import write
from tests.bot.transcript_files import write_green_hour
from tests.cogs.conftest import page

MARSH = page(
    "Salt Marsh Mornings | The Tidal Hour #14",
    [
        ("Cordgrass holds the whole marsh together when storms arrive.", "Mara Quill", "3:10"),
        ("Herons wait longer than any photographer I know.", "Mara Quill", "7:45"),
        ("Oysters filter fifty gallons of estuary water every day.", "Tobias Wren", "12:02"),
    ],
    takeaways=("Marshes protect coasts from storms.",),
)
OLDER = page(
    "Estuary Basics | The Tidal Hour #13",
    [("Brackish water is neither sea nor river.", "Ines Ferreira", "1:00")],
)
SAMPLE_NAMES = ("490", "nathan", "lambert", "raschka", "sebastian", "lex", "fridman", "state of ai")


@pytest.fixture
async def tidal_kb(tmp_path: Path):
    """Return a knowledge base over another show: two episodes, the newer one with two speakers."""
    data = tmp_path / "data"
    write(data / "marsh.txt", MARSH)
    write(data / "marsh.toml", "published = 2025-03-02\n")
    write(data / "basics.txt", OLDER)
    write(data / "basics.toml", "published = 2025-01-05\n")
    db = await Database.open(tmp_path / "tidal.db")
    knowledge = KnowledgeBase(db)
    assert (await knowledge.ingest([data])).ok
    yield knowledge
    await db.close()


async def test_examples_come_from_the_latest_episode_of_the_loaded_show(tidal_kb):
    ex = await tidal_kb.examples()
    assert (ex.episode, ex.numbered, ex.title_words) == ("14", True, "salt marsh mornings")
    assert (ex.speaker, ex.other_speaker) == ("mara", "wren")  # the most quoted first
    text = repr(ex).casefold()
    assert not [name for name in SAMPLE_NAMES if name in text]


async def test_every_example_finds_what_it_names(tidal_kb):
    ex = await tidal_kb.examples()
    latest = await tidal_kb.resolve_episode(ex.episode)
    assert latest.title == "Salt Marsh Mornings"
    assert (await tidal_kb.resolve_episode(ex.title_words)).id == latest.id
    assert tidal_kb.resolve_speaker(ex.speaker).name == "Mara Quill"
    assert tidal_kb.resolve_speaker(ex.other_speaker).name == "Tobias Wren"
    (hit,) = await tidal_kb.search_quotes(ex.quote_words, limit=1)
    assert hit.speaker.name == "Mara Quill"
    assert ex.question is not None
    assert ex.question.startswith("what does mara say about ")
    answers = await tidal_kb.ask(ex.question, limit=3)
    assert any(p.kind == "quote" and p.speaker and p.speaker.name == "Mara Quill" for p in answers)


async def test_examples_on_the_seed_name_its_people(kb):
    ex = await kb.examples()
    assert (ex.episode, ex.title_words) == ("490", "state of ai")
    assert {ex.speaker, ex.other_speaker} <= {"sebastian", "nathan", "lambert", "raschka", "lex", "fridman"}
    assert ex.quote_words
    assert ex.question


async def test_no_episodes_means_no_examples(db):
    ex = await KnowledgeBase(db).examples()
    assert ex == Examples()
    assert ex.empty


async def test_an_episode_without_number_or_quotes_is_named_by_its_key(tmp_path, db):
    write(tmp_path / "d" / "deep-listening.toml", 'title = "Deep Listening"\n')
    knowledge = KnowledgeBase(db)
    await knowledge.ingest([tmp_path / "d"])
    ex = await knowledge.examples()
    assert (ex.episode, ex.numbered, ex.title_words) == ("deep-listening", False, "deep listening")
    assert (ex.speaker, ex.quote_words, ex.question) == (None, None, None)


async def test_examples_are_rebuilt_after_a_reload(tidal_kb, tmp_path):
    first = await tidal_kb.examples()
    assert await tidal_kb.examples() is first  # built once per loaded catalogue
    newer = MARSH.replace("Salt Marsh Mornings", "Kelp Forests").replace("#14", "#15")
    write(tmp_path / "data" / "kelp.txt", newer)
    write(tmp_path / "data" / "kelp.toml", "published = 2025-04-01\n")
    await tidal_kb.ingest([tmp_path / "data"])
    assert (await tidal_kb.examples()).episode == "15"


async def test_transcripts_and_chapters_give_search_and_chapters_examples(tmp_path, db):
    knowledge = KnowledgeBase(db)
    assert (await knowledge.ingest([write_green_hour(tmp_path / "green")])).ok
    ex = await knowledge.examples()
    assert ex.episode == "13"
    assert ex.chapters_episode == "13"
    assert await knowledge.chapters(await knowledge.resolve_episode(ex.chapters_episode))
    assert ex.transcript_words is not None
    (hit,) = await knowledge.search_moments(ex.transcript_words, limit=1)
    assert hit.episode.number == 13


async def test_without_transcripts_there_are_no_search_or_chapters_examples(tidal_kb):
    ex = await tidal_kb.examples()
    assert (ex.transcript_words, ex.chapters_episode) == (None, None)
