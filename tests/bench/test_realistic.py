"""The competing corpus: real English words, the seed's names recurring, pages that load cleanly."""

from bench.realistic import SEED_PEOPLE, Competitors, write_competitors
from bot.knowledge import KnowledgeBase


async def test_competitors_load_and_share_the_seeds_names(db, tmp_path):
    write_competitors(tmp_path / "rivals", episodes=40)
    kb = KnowledgeBase(db)
    report = await kb.ingest([tmp_path / "rivals"])
    assert report.ok
    assert len(report.loaded) == 40
    names = {p.name for p in kb.snapshot.cat.people.values()}
    assert set(SEED_PEOPLE) <= names | {"Sebastian Raschka"}  # a guest may not be drawn in 40 episodes
    assert "Lex Fridman" in names
    assert sum(name.split()[0] in {"Nathan", "Sebastian"} for name in names) >= 3


def test_text_is_real_english_and_the_same_for_the_same_seed():
    first, again = Competitors(7).episode(3, 10), Competitors(7).episode(3, 10)
    assert first == again
    words = first[0].split("Key takeaways")[1].split()
    assert {"the", "of", "and"} & {w.strip(".,•-").lower() for w in words}
    assert Competitors(8).episode(3, 10) != first
