"""Speakers one typo apart in one show are warned about once; other shows and real names are not."""

import logging

from bot.config import Settings
from bot.knowledge import KnowledgeBase
from bot.runner import load_data
from tests.bot.kb_pages import write
from tests.cogs.conftest import page


def episode(number: int, speaker: str, show: str = "Deep Maths") -> str:
    return page(f"Episode {number} | {show} #{number}", [(f"Numbers are a kind of music, part {number}.",
                                                           speaker, "1:00")])  # fmt: skip


async def test_a_name_one_letter_from_another_in_the_same_show_is_a_warning(db, tmp_path):
    data = tmp_path / "data"
    write(data / "ep1.txt", episode(1, "Priya Subramanium"))
    write(data / "ep2.txt", episode(2, "Priya Subramaniam"))
    kb = KnowledgeBase(db)
    report = await kb.ingest([data])
    assert report.ok
    (warning,) = [w for w in report.warnings if "differ by one letter" in w]
    assert warning.startswith("Deep Maths: speakers “Priya Subramaniam” and “Priya Subramanium”")
    assert "differ by one letter" not in " ".join((await kb.ingest([data])).warnings)  # said once

    write(data / "ep3.txt", episode(3, "Priya Subramaniem"))  # a new spelling: a new pair
    again = [w for w in (await kb.ingest([data])).warnings if "differ by one letter" in w]
    assert len(again) == 2
    assert all("Subramaniem" in w for w in again)


async def test_other_shows_short_names_and_accents_are_no_warning(db, tmp_path):
    data = tmp_path / "data"
    write(data / "a.txt", episode(1, "Jon Karlsson", show="Show A"))
    write(data / "b.txt", episode(2, "Jan Karlsson", show="Show B"))  # another show: no warning
    write(data / "c.txt", episode(3, "Jo Li", show="Show C"))
    write(data / "d.txt", episode(4, "Jo Lu", show="Show C"))  # too short to tell a typo from a name
    write(data / "e.txt", episode(5, "Zoë Ångström", show="Show D"))
    write(data / "f.txt", episode(6, "Zoe Angstrom", show="Show D"))  # stored as one person already
    report = await KnowledgeBase(db).ingest([data])
    lookalike = [w for w in report.warnings if "differ by one letter" in w]
    assert lookalike == []


async def test_the_bot_logs_data_warnings_at_warning_level(db, tmp_path, caplog):
    data = tmp_path / "data"
    write(data / "ep1.txt", episode(1, "Priya Subramanium"))
    write(data / "ep2.txt", episode(2, "Priya Subramaniam"))
    with caplog.at_level(logging.WARNING):
        await load_data(KnowledgeBase(db), Settings(data_dir=data, database_path=tmp_path / "x.db"))
    warned = [r for r in caplog.records if "differ by one letter" in r.getMessage()]
    assert [r.levelno for r in warned] == [logging.WARNING]


async def test_the_warning_shows_a_terminal_escape_in_a_name_escaped(db, tmp_path):
    data = tmp_path / "data"
    write(data / "ep1.txt", episode(1, "Priya Subramanium", show="Deep\x1b[2J Maths"))
    write(data / "ep2.txt", episode(2, "Priya Subramaniam", show="Deep\x1b[2J Maths"))
    report = await KnowledgeBase(db).ingest([data])
    (warning,) = [w for w in report.warnings if "differ by one letter" in w]
    assert warning.startswith("Deep\\x1b[2J Maths: speakers “Priya Subramaniam”")
