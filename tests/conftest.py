"""Fixtures for every test: the emulator's (`emulator`, `bot_settings`, `live_bot`) and a real database."""

import pytest

from bot.storage import Database

pytest_plugins = ["tests.emulator.fixtures"]


@pytest.fixture
async def db(tmp_path):
    """Open a fresh SQLite database with every migration applied; close it afterwards."""
    database = await Database.open(tmp_path / "test.db")
    yield database
    await database.close()
