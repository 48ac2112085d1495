"""One emulator and one tiny bot per test module; every test still ends with a clean-records check."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import pytest_asyncio

from tests.emulator import Emulator
from tests.emulator.tinybot import TinyBot, running


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def emu() -> AsyncIterator[Emulator]:
    """Start an emulator with the default guild, channel and members, shared by a module."""
    async with Emulator() as emulator:
        await emulator.setup_world()
        yield emulator


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def tiny(emu: Emulator) -> AsyncIterator[TinyBot]:
    """Run the tiny bot against the module's emulator, commands synced."""
    async with running(emu) as bot:
        yield bot


@pytest.fixture(autouse=True)
def _records_clean(request: pytest.FixtureRequest) -> None:
    """After each test using the shared emulator, fail on violations it did not take itself."""
    yield
    if "emu" in request.fixturenames:
        request.getfixturevalue("emu").assert_clean()
