"""A reload that applies one ingest's changes ends with exactly the view a full rebuild makes."""

from __future__ import annotations

import functools
from pathlib import Path
from unittest import mock

import pytest

from bot.ingest.run import ingest
from bot.knowledge import KnowledgeBase, Snapshot
from bot.slices import drain
from bot.storage import Database
from bot.storage.catalogue import CatalogueDelta, read_catalogue, read_changes
from tests.bot.kb_pages import GUEST_PAGE, ROSOLIE_PAGE, write
from tests.bot.transcript_files import FUNGI_META, GREEN_HOUR, SOIL_VTT, write_green_hour

NEW_PAGE = """Quokkas and Quasars | Lex Fridman Podcast #901
Lex Fridman talks with Imogen Vasquez-Thornbury about zephyrine telescopes.
Key takeaways
- • Zephyrine telescopes catch quasars nobody else sees.
Recommendations (2)
"Quokkas never look at quasars, but I do."
Imogen Vasquez-Thornbury · ▶ 3:00
"Every telescope is a time machine."
Nathan Lambert · ▶ 9:00
"""
EDITED_PAGE = """Quokkas and Pulsars | Lex Fridman Podcast #901
Lex Fridman talks with Imogen Vasquez-Thornbury about pulsar timing.
Key takeaways
- • Pulsar timing arrays hear gravitational waves.
Recommendations (1)
"Pulsars are the most precise clocks we have."
Imogen Vasquez-Thornbury · ▶ 4:00
"""
NEW_META = 'published = 2030-01-10\n\n[people]\n"Imogen Vasquez-Thornbury" = ["Immy"]\n'


def state(snapshot: Snapshot) -> dict[str, object]:
    """Return everything a snapshot answers from, in a form that does not depend on build order."""
    cat, vocab = snapshot.cat, snapshot.vocab
    return {
        "generation": snapshot.generation,
        "episodes": cat.episodes,
        "rows": cat.rows,
        "people": cat.people,
        "alias_rows": cat.alias_rows,
        "appearances": cat.appearances,
        "quote_counts": cat.quote_counts,
        "episode_quotes": cat.episode_quotes,
        "episode_people": cat.episode_people,
        "latest": cat.latest,
        "recency": cat.recency,
        "most_quoted": cat.most_quoted,
        "prominence": cat.prominence,
        "by_key": cat.by_key,
        "by_number": {n: sorted(ids) for n, ids in cat.by_number.items()},
        "name_words": cat.name_words,
        "titles": cat.titles.contents(),
        "title_typos": cat.titles._typos.terms(),
        "title_vocab": cat.titles._vocab,
        "names": cat.names.contents(),
        "name_typos": cat.names._typos.terms(),
        "name_priority": dict(cat.names._priority),
        "docs": vocab.docs,
        "total": vocab.total,
        "common_docs": vocab.common_docs,
        "typos": vocab.typos.terms(),
        "typo_count": len(vocab.typos),
    }


async def rebuilt(kb: KnowledgeBase) -> Snapshot:
    """Return the snapshot a full read of the database builds now."""
    return drain(Snapshot.built(await kb.db.read_in_thread(read_catalogue)))


@pytest.fixture
async def live(tmp_path):
    """Return a KnowledgeBase over the seed, GUEST_PAGE and two episodes with transcripts."""
    from tests.bot.kb_pages import copy_seed

    data = copy_seed(tmp_path / "data")
    write(data / "guest.txt", GUEST_PAGE)
    write_green_hour(data)
    db = await Database.open(tmp_path / "kb.db")
    kb = KnowledgeBase(db, semantic=False)
    assert (await kb.ingest([data])).ok
    yield kb, data
    await db.close()


async def step(kb: KnowledgeBase, data: Path) -> None:
    """Ingest `data`, check that the changes were applied in place, and that they equal a rebuild."""
    with mock.patch.object(Snapshot, "built", wraps=Snapshot.built) as full:
        report = await kb.ingest([data])
    assert report.ok
    assert report.changes is not None
    assert report.changes.generation == kb.snapshot.generation
    assert full.call_count == 0  # updated, not rebuilt
    assert state(kb.snapshot) == state(await rebuilt(kb))


async def test_add_edit_remove_and_add_again_equal_a_rebuild(live):
    kb, data = live
    write(data / "new.txt", NEW_PAGE)
    await step(kb, data)
    assert kb.resolve_speaker("Imogen Vasquez-Thornbury").name == "Imogen Vasquez-Thornbury"
    assert (await kb.resolve_episode("quokkas quasars")).key == "new"
    write(data / "new.toml", NEW_META)
    await step(kb, data)
    assert kb.resolve_speaker("Immy").name == "Imogen Vasquez-Thornbury"
    assert (await kb.resolve_episode(None)).key == "new"  # dated after every other: the latest
    write(data / "new.txt", EDITED_PAGE)
    await step(kb, data)
    assert kb.snapshot.vocab.knows("pulsar")
    assert not kb.snapshot.vocab.knows("quasars")  # the edit took its last use away
    assert kb.suggest_episodes("quokkas pulsars", 1)[0].title == "Quokkas and Pulsars"
    (data / "new.txt").unlink()
    (data / "new.toml").unlink()
    await step(kb, data)
    assert not kb.suggest_episodes("quokkas pulsars", 5)
    assert not kb.snapshot.vocab.knows("pulsar")
    with pytest.raises(Exception, match="Imogen"):
        kb.resolve_speaker("Imogen Vasquez-Thornbury")
    write(data / "new.txt", NEW_PAGE)
    await step(kb, data)
    assert (await kb.resolve_episode("quokkas quasars")).key == "new"


async def test_transcripts_and_people_changes_equal_a_rebuild(live):
    kb, data = live
    write(data / "green-12.vtt", SOIL_VTT.replace("soil", "mycorrhizal loam"))
    await step(kb, data)
    assert kb.snapshot.vocab.knows("mycorrhizal")
    write(
        data / "green-13.toml",
        FUNGI_META.replace('SPEAKER_00 = "Dana Whitfield"', 'SPEAKER_01 = "Ines Okoro"'),
    )
    await step(kb, data)  # a speaker mapped anew: a new person, and Dana's moments no longer hers
    assert kb.resolve_speaker("Ines Okoro").name == "Ines Okoro"
    for name in GREEN_HOUR:
        (data / name).unlink()
    await step(kb, data)
    assert not kb.snapshot.vocab.knows("mycorrhizal")
    write(data / "rosolie.txt", ROSOLIE_PAGE)
    write(data / "guest.txt", GUEST_PAGE.replace("Nathan Lambert", "Nathan Lamberts"))
    await step(kb, data)
    write_green_hour(data)
    await step(kb, data)


async def test_many_steps_keep_equal_and_shed_removed_titles(live, monkeypatch):
    kb, data = live
    monkeypatch.setattr("bot.knowledge.WORN_TITLES", 2)  # a rebuild once the titles index wears out
    for n in range(4):
        write(data / "new.txt", NEW_PAGE.replace("#901", f"#{950 + n}"))
        with mock.patch.object(Snapshot, "built", wraps=Snapshot.built) as full:
            assert (await kb.ingest([data])).changes is not None
        assert state(kb.snapshot) == state(await rebuilt(kb))
        if full.call_count:
            assert kb.snapshot.cat.titles.dead == 0
    assert kb.snapshot.cat.titles.dead <= 3


async def test_another_writer_in_between_means_a_full_read(live, tmp_path):
    kb, data = live
    other = await Database.open(tmp_path / "kb.db")  # `python -m bot ingest` while the bot runs
    try:
        write(data / "new.txt", NEW_PAGE)
        outsider = KnowledgeBase(other, semantic=False)
        first = await outsider.ingest([data])
        (data / "guest.txt").unlink()
        second = await KnowledgeBase(kb.db, semantic=False).ingest([data])
    finally:
        await other.close()
    assert first.changes is not None
    assert second.changes is not None
    # The bot heard only of the second ingest: it cannot apply it on top of what it holds.
    with mock.patch.object(Snapshot, "built", wraps=Snapshot.built) as full:
        assert await kb.sync(second.changes)
    assert full.call_count == 1
    assert state(kb.snapshot) == state(await rebuilt(kb))
    assert (await kb.resolve_episode("quokkas quasars")).key == "new"


async def test_a_run_that_died_before_its_end_makes_changes_unknown(live):
    kb, data = live
    async with kb.db.transaction() as conn:  # a run that wrote and was killed before relinking
        await conn.execute("INSERT INTO bot_state(key, value) VALUES ('ingest:relink', 'dead')")
    write(data / "new.txt", NEW_PAGE)
    report = await kb.ingest([data])
    assert report.changes is None
    assert state(kb.snapshot) == state(await rebuilt(kb))


async def test_the_report_says_which_terms_changed_by_how_much(live):
    kb, data = live
    write(data / "new.txt", NEW_PAGE)
    added = (await kb.ingest([data])).changes
    assert added is not None
    assert added.keys == ("new",)
    assert dict(added.terms)["quasar"] == 2  # the takeaway and the quote
    (data / "new.txt").unlink()
    removed = (await kb.ingest([data])).changes
    assert removed is not None
    assert removed.keys == ("new",)
    assert dict(removed.terms)["quasar"] == -2
    assert removed.generation == added.generation + 1
    assert not (await kb.ingest([data])).changes  # nothing changed: nothing to apply


async def test_a_first_load_and_a_large_change_are_read_whole(tmp_path, monkeypatch):
    data = write_green_hour(tmp_path / "data")
    db = await Database.open(tmp_path / "kb.db")
    try:
        kb = KnowledgeBase(db, semantic=False)
        assert (await kb.ingest([data])).changes is None  # a first load: nothing to update
        monkeypatch.setattr("bot.ingest.run.MAX_EPISODES", 1)
        write(data / "new.txt", NEW_PAGE)
        write(data / "other.txt", ROSOLIE_PAGE)
        report = await kb.ingest([data])
        assert report.changes is None
        assert len(report.loaded) == 2
        assert state(kb.snapshot) == state(await rebuilt(kb))
    finally:
        await db.close()


async def test_people_gone_whom_the_changed_episodes_did_not_name_are_still_found(live):
    """Check that a reader told of no one leaving still learns of every person gone."""
    kb, data = live
    before = kb.snapshot.cat
    (data / "guest.txt").unlink()
    report = await ingest(kb.db, [data])  # stored, not yet swapped in
    assert report.changes is not None
    read = functools.partial(read_changes, changes=report.changes, people=before.people, leaving=())
    delta = await kb.db.read_in_thread(read)
    stored = {row[0] for row in (await kb.db.read_in_thread(read_catalogue)).person_rows}
    gone = set(before.people) - stored
    assert gone  # the guest page's guest named no one else
    assert isinstance(delta, CatalogueDelta)
    assert sorted(delta.people_removed) == sorted(gone)
    assert not delta.people_added
