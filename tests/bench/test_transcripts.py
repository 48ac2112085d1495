from collections import Counter

from bench.transcripts import write_archive
from bot.ingest.chapters import description_chapters, read_chapters
from bot.ingest.page import parse_page
from bot.ingest.transcript import read_transcript


def test_the_generated_archive_reads_cleanly(tmp_path):
    summary = write_archive(tmp_path, episodes=4, hours=1.0, seed=7)
    assert summary.episodes == 4
    assert 0.95 < summary.hours < 1.05
    cues = [read_transcript(path, path.read_bytes()) for path in summary.files]
    assert sum(len(c) for c in cues) == summary.cues
    # Each episode labels its speakers one way: voice spans, `Name:`, `[Name]:`, `SPEAKER_00:`.
    speakers = [Counter(cue.speaker for cue in episode) for episode in cues]
    assert all(None not in counts and len(counts) >= 2 for counts in speakers)
    assert any(label.startswith("SPEAKER_") for counts in speakers for label in counts)
    pages = sorted(tmp_path.rglob("*.txt"))
    assert len(pages) == 4
    assert all(parse_page(page.read_text(encoding="utf-8"), page).quotes for page in pages)
    chapter_files = sorted(tmp_path.rglob("*.chapters.json"))
    assert chapter_files
    assert all(read_chapters(path, path.read_bytes())[0].start == 0 for path in chapter_files)
    described = [parse_page(page.read_text(encoding="utf-8"), page).description for page in pages]
    assert any(len(description_chapters(text)) >= 3 for text in described)


def test_the_archive_is_the_same_for_the_same_seed(tmp_path):
    first = write_archive(tmp_path / "a", episodes=2, hours=0.5, seed=3)
    second = write_archive(tmp_path / "b", episodes=2, hours=0.5, seed=3)
    assert [p.read_bytes() for p in first.files] == [p.read_bytes() for p in second.files]
