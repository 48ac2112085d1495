"""Fixtures for the command tests: a bot over custom data, restartable on the same database."""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

from bot.app.client import EpisodeBot
from bot.config import Settings
from bot.runner import running_bot
from tests.fixtures import SEED_PAGE

StartBot = Callable[..., contextlib.AbstractAsyncContextManager[EpisodeBot]]


@pytest.fixture
def start_bot(bot_settings: Settings, tmp_path: Path) -> StartBot:
    """Return `start_bot(pages=..., meta=..., files={path: text})`: a live bot over those and the seed."""

    @contextlib.asynccontextmanager
    async def start(
        pages: dict[str, str] | None = None,
        meta: dict[str, str] | None = None,
        files: dict[str, str] | None = None,
        **changes: object,
    ) -> AsyncIterator[EpisodeBot]:
        data = tmp_path / "data"
        data.mkdir(exist_ok=True)
        (data / SEED_PAGE.name).write_bytes(SEED_PAGE.read_bytes())
        for name, text in (pages or {}).items():
            (data / f"{name}.txt").write_text(text, encoding="utf-8")
        for name, text in (meta or {}).items():
            (data / f"{name}.toml").write_text(text, encoding="utf-8")
        for name, text in (files or {}).items():
            (data / name).parent.mkdir(parents=True, exist_ok=True)
            (data / name).write_text(text, encoding="utf-8")
        settings = dataclasses.replace(bot_settings, data_dir=data, **changes)  # type: ignore[arg-type]
        async with running_bot(settings) as bot:
            yield bot

    return start


def page(title: str, quotes: list[tuple[str, str, str]], takeaways: tuple[str, ...] = ()) -> str:
    """Return an episode page with these (text, speaker, timestamp) quotes."""
    lines = [title, "An episode made up for a test.", "Key takeaways"]
    lines += [f"- • {t}" for t in takeaways]
    lines.append(f"Recommendations ({len(quotes)})")
    for text, speaker, stamp in quotes:
        lines += [f'"{text}"', f"{speaker} · ▶ {stamp}"]
    return "\n".join(lines) + "\n"
