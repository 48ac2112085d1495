"""Fixtures for the core's tests: a knowledge base over the seed plus a second episode."""

import pytest

from bot.knowledge import KnowledgeBase
from bot.storage import Database
from tests.bot.kb_pages import GUEST_PAGE, copy_seed, write


@pytest.fixture
async def kb(tmp_path):
    """Return a KnowledgeBase that loaded the seed episode and GUEST_PAGE."""
    data = copy_seed(tmp_path / "data")
    write(data / "guest.txt", GUEST_PAGE)
    write(data / "guest.toml", "published = 2025-12-01\n")  # older than the seed's 2026-01-31
    db = await Database.open(tmp_path / "kb.db")
    knowledge = KnowledgeBase(db)
    assert (await knowledge.ingest([data])).ok
    yield knowledge
    await db.close()
