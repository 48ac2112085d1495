"""Which changed paths can matter to ingest."""

from pathlib import Path

import pytest

from bot.live.watch import relevant

ROOT = Path("/data")


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/data/lex-490.txt", True),
        ("/data/shows/lex-490.TOML", True),
        ("/data/shows", True),  # a folder moved in or out
        ("/data/lex-490.vtt", True),  # transcripts and chapters beside a page
        ("/data/transcripts/490.SRT", True),
        ("/data/lex-490.json", True),
        ("/data/lex-490.chapters.json", True),
        ("/data/.lex-490.txt.swp", False),
        ("/data/.git/index", False),
        ("/data/#lex-490.txt#", False),
        ("/data/lex-490.txt~", False),
        ("/data/episode-bot.db-wal", False),
        ("/data/cover.jpg", False),
    ],
)
def test_relevant(path, expected):
    assert relevant(path, ROOT) is expected
