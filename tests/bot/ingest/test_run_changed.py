"""Ingest given the changed files: only their episodes, stored as a full walk would, else a full walk."""

from pathlib import Path

import pytest

from bot.ingest.run import ingest
from bot.storage import Database, episodes
from tests.bot.ingest.test_run import fail_listing, small_pages, snapshot, stored_keys
from tests.bot.kb_pages import GUEST_PAGE, ROSOLIE_PAGE, copy_seed, write
from tests.bot.transcript_files import FUNGI_SRT, write_green_hour


@pytest.fixture
async def twin(tmp_path):
    """Return a second database, loaded by full walks only, to compare with."""
    other = await Database.open(tmp_path / "twin.db")
    yield other
    await other.close()


async def both(db, twin, data: Path, changed: set[Path]):
    """Ingest the changed files into `db` and walk everything into `twin`; return db's report."""
    report = await ingest(db, [data], changed={str(path) for path in changed})
    await ingest(twin, [data])
    assert await snapshot(db) == await snapshot(twin)
    return report


def names(lines) -> list[str]:
    return sorted(line.rsplit("/", 1)[-1] for line in lines)


async def test_added_edited_renamed_moved_and_removed_files_end_as_a_full_walk_would(db, twin, tmp_path):
    data = copy_seed(tmp_path / "data")
    small_pages(data / "show", 6)
    await ingest(db, [data])
    await ingest(twin, [data])

    guest = write(data / "guest.txt", GUEST_PAGE)
    report = await both(db, twin, data, {guest})
    assert (names(report.loaded), report.unchanged) == (["guest.txt"], ())

    write(data / "show" / "ep1.txt", "Episode 1, edited | Test Show #1\nKey takeaways\n- edited\n")
    meta = write(data / "show" / "ep2.toml", "published = 2025-01-02\n")  # a metadata file beside a page
    report = await both(db, twin, data, {data / "show" / "ep1.txt", meta})
    assert names(report.loaded) == ["ep1.txt", "ep2.txt"]

    (data / "show" / "ep3.txt").rename(data / "show" / "ep30.txt")  # renamed: one goes, one comes
    report = await both(db, twin, data, {data / "show" / "ep3.txt", data / "show" / "ep30.txt"})
    assert (names(report.removed), names(report.loaded)) == (["ep3.txt"], ["ep30.txt"])

    (data / "other").mkdir()
    (data / "show" / "ep4.txt").rename(data / "other" / "ep4.txt")  # moved: the same episode
    report = await both(db, twin, data, {data / "show" / "ep4.txt", data / "other" / "ep4.txt"})
    assert (report.removed, report.loaded, names(report.unchanged)) == ((), (), ["ep4.txt"])  # same bytes
    source = await db.conn.execute_fetchall("SELECT source FROM episodes WHERE key = 'ep4'")
    assert source == [(str(data / "other" / "ep4.txt"),)]

    meta.unlink()  # the page stays: the episode is read again without its metadata
    (data / "show" / "ep5.txt").unlink()
    guest.unlink()
    report = await both(db, twin, data, {meta, data / "show" / "ep5.txt", guest})
    assert (names(report.removed), names(report.loaded)) == (["ep5.txt", "guest.txt"], ["ep2.txt"])
    assert "ep5" not in await stored_keys(db)


async def test_only_the_changed_files_episodes_are_looked_at(db, tmp_path):
    data = copy_seed(tmp_path / "data")
    small_pages(data, 3)
    await ingest(db, [data])
    write(data / "ep0.txt", "Episode 0, edited | Test Show #0\nKey takeaways\n- zero\n")
    (data / "ep1.txt").unlink()
    write(data / "rosolie.txt", ROSOLIE_PAGE)
    report = await ingest(db, [data], changed=[str(data / "rosolie.txt")])
    assert (names(report.loaded), report.unchanged, report.removed) == (["rosolie.txt"], (), ())
    assert await stored_keys(db) == {"lex-fridman-490", "ep0", "ep1", "ep2", "rosolie"}
    report = await ingest(db, [data])  # a full walk finds the rest
    assert (names(report.loaded), names(report.removed)) == (["ep0.txt"], ["ep1.txt"])


@pytest.mark.parametrize("where", ["outside", "folder", "feed list", "hidden folder"])
async def test_a_change_only_a_full_walk_can_tell_walks_everything(db, tmp_path, where):
    data = copy_seed(tmp_path / "data")
    small_pages(data / "season-1", 2)
    await ingest(db, [data])
    outside = write(tmp_path / "elsewhere" / "rosolie.txt", ROSOLIE_PAGE)
    write(data / "guest.txt", GUEST_PAGE)  # unseen by the watcher
    changed = {
        "outside": outside,  # never read: it is not in DATA_DIR
        "folder": data / "season-1",  # a folder moved in or out
        "feed list": data / "feeds.toml",
        "hidden folder": data / ".git" / "x.txt",
    }[where]
    report = await ingest(db, [data], changed=[str(changed)])
    assert names(report.loaded) == ["guest.txt"]
    assert len(report.unchanged) == 3
    assert await stored_keys(db) == {"lex-fridman-490", "ep0", "ep1", "guest"}


async def test_a_folder_moved_away_is_walked_and_its_episodes_removed(db, tmp_path):
    data = copy_seed(tmp_path / "data")
    small_pages(data / "season-1", 2)
    await ingest(db, [data])
    (data / "season-1").rename(tmp_path / "season-1")
    report = await ingest(db, [data], changed=[str(data / "season-1")])
    assert names(report.removed) == ["ep0.txt", "ep1.txt"]
    assert await stored_keys(db) == {"lex-fridman-490"}


async def test_a_burst_of_changes_in_many_folders_is_all_loaded(db, twin, tmp_path):
    data = copy_seed(tmp_path / "data")
    for n in range(4):
        small_pages(data / f"s{n}", 5, start=10 * n)
    await ingest(db, [data])
    await ingest(twin, [data])
    changed = set()
    for n in range(4):
        small_pages(data / f"s{n}", 3, start=10 * n + 5)  # new
        changed |= {data / f"s{n}" / f"ep{10 * n + k}.txt" for k in range(5, 8)}
        (data / f"s{n}" / f"ep{10 * n}.txt").unlink()  # removed
        changed.add(data / f"s{n}" / f"ep{10 * n}.txt")
        changed.add(data / f"s{n}" / f".ep{10 * n}.txt.swp")  # an editor's leftover: not read
    report = await both(db, twin, data, changed)
    assert (len(report.loaded), len(report.removed), report.failed) == (12, 4, ())


async def test_a_removed_file_in_a_folder_that_cannot_be_listed_keeps_its_episode(db, tmp_path, monkeypatch):
    data = copy_seed(tmp_path / "data")
    guest = write(data / "season-2" / "guest.txt", GUEST_PAGE)
    await ingest(db, [data])
    guest.unlink()
    fail_listing(monkeypatch, data / "season-2")
    report = await ingest(db, [data], changed=[str(guest)])
    assert report.removed == ()
    assert names(report.failed) == ["season-2:1: expected a readable folder, got Permission denied"]
    assert await stored_keys(db) == {"lex-fridman-490", "guest"}


async def test_a_same_named_file_in_another_folder_is_still_refused(db, tmp_path):
    data = copy_seed(tmp_path / "data" / "episodes")
    await ingest(db, [data.parent])
    before = await snapshot(db)
    impostor = write(data.parent / "a" / "lex-fridman-490.txt", ROSOLIE_PAGE)
    report = await ingest(db, [data.parent], changed=[str(impostor)])
    (line,) = report.failed
    assert line.startswith(f"{impostor}:1: expected a file name no other episode uses")
    assert await snapshot(db) == before


def episode(path: Path, title: str, number: int, related: list[str]) -> Path:
    listed = ", ".join(f'"{line}"' for line in related)
    return write(path, f'title = "{title}"\nshow = "Link Show"\nnumber = {number}\nrelated = [{listed}]\n')


async def test_related_titles_are_linked_after_each_change_as_linking_everything_would(db, tmp_path):
    data = tmp_path / "data"
    episode(data / "a.toml", "Alpha", 1, ["Beta", "Any | Link Show #3", "Delta"])
    episode(data / "b.toml", "Beta", 2, ["Alpha | Link Show #1", "Gamma"])
    episode(data / "c.toml", "Gamma", 3, ["Beta", "Any | Link Show #4"])
    await ingest(db, [data])

    def removed(*names: str) -> list[Path]:
        for name in names:
            (data / name).unlink()
        return [data / name for name in names]

    steps = [
        lambda: [episode(data / "d.toml", "Delta", 4, ["Gamma"])],  # new: what names it links to it
        lambda: [episode(data / "e.toml", "Beta", 9, [])],  # a second "Beta": the first keeps its links
        lambda: [episode(data / "b.toml", "Beta Renamed", 2, ["Gamma"])],  # they move to the other Beta
        lambda: [episode(data / "c.toml", "Omega", 4, ["Alpha"])],  # a second #4, and Gamma is gone
        lambda: [*removed("d.toml"), episode(data / "f.toml", "Delta", 5, [])],  # gone, and its title again
        lambda: removed("a.toml", "e.toml"),
    ]
    linked = []
    for step in steps:
        await ingest(db, [data], changed=[str(path) for path in step()])
        query = "SELECT episode_id, position, target_id FROM related ORDER BY 1, 2"
        links = await db.conn.execute_fetchall(query)
        linked.append(sum(target is not None for *_, target in links))
        await db.conn.execute(f"UPDATE related SET target_id = {episodes._RELATED_TARGET}")  # noqa: S608
        assert await db.conn.execute_fetchall(query) == links
        await db.conn.rollback()
    assert linked == [8, 8, 7, 3, 3, 0]


async def test_a_transcript_named_by_metadata_elsewhere_is_reloaded_when_it_changes(db, twin, tmp_path):
    data = write_green_hour(tmp_path / "data")
    await ingest(db, [data])
    await ingest(twin, [data])
    named = data / "transcripts" / "13.srt"  # green-13.toml names it; no page or metadata beside it

    named.write_text(FUNGI_SRT.replace("a jar of forest soil", "a bucket of river mud"), encoding="utf-8")
    report = await both(db, twin, data, {named})
    assert names(report.loaded) == ["green-13.txt"]
    said = "SELECT count(*) FROM segments WHERE text LIKE '%river mud%'"
    assert await db.conn.execute_fetchall(said) == [(1,)]

    named.unlink()  # what the metadata names is missing: as after a full walk
    await both(db, twin, data, {named})


async def links(db) -> list[tuple[int, int, int | None]]:
    return await db.conn.execute_fetchall("SELECT episode_id, position, target_id FROM related ORDER BY 1, 2")


async def test_a_removed_episodes_titles_link_to_the_next_episode_they_name_as_a_full_relink_would(
    db, tmp_path
):
    data = copy_seed(tmp_path / "data")  # the seed page lists "... | Lex Fridman Podcast #489"
    first = write(data / "rosolie.txt", ROSOLIE_PAGE)
    await ingest(db, [data])
    write(data / "rosolie-again.txt", ROSOLIE_PAGE.replace("on the rainforest", "again, on the rainforest"))
    await ingest(db, [data])
    (again,) = await db.conn.execute_fetchall("SELECT id FROM episodes WHERE key = 'rosolie-again'")
    assert again[0] not in {target for _, _, target in await links(db)}  # the first #489 is linked
    first.unlink()
    report = await ingest(db, [data], changed=[str(first)])
    assert names(report.removed) == ["rosolie.txt"]
    linked = await links(db)
    assert again[0] in {target for _, _, target in linked}
    async with db.bulk() as session:  # every title linked again, from scratch
        await session.write(lambda conn: episodes.relink(conn, 0, 2**62))
    assert await links(db) == linked
