"""`/help` end to end through the emulator: every command, with examples from the loaded data."""

from __future__ import annotations

import contextlib
import dataclasses
import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.app.client import EpisodeBot
from bot.config import Settings
from bot.runner import running_bot
from tests.bot.test_examples import MARSH, OLDER, SAMPLE_NAMES
from tests.bot.transcript_files import GREEN_HOUR
from tests.emulator import Emulator

EXAMPLE = re.compile(r"Example: `(/[a-z ]+?) ([a-z]+):([^`]*)`")
NOT_FOUND = ("No episode matches", "No speaker matches", "No quote matches", "I found nothing",
             "in the transcripts. Try", "has no chapters", "has no key takeaways")  # fmt: skip


def write_files(data: Path, files: dict[str, str]) -> Path:
    """Write `files` (name: text) into a new folder `data`."""
    data.mkdir()
    for name, text in files.items():
        (data / name).parent.mkdir(parents=True, exist_ok=True)
        (data / name).write_text(text, encoding="utf-8")
    return data


@contextlib.asynccontextmanager
async def bot_over(settings: Settings, data: Path, files: dict[str, str]) -> AsyncIterator[EpisodeBot]:
    """Run the bot over only `files` (name: text), without the sample episode."""
    async with running_bot(dataclasses.replace(settings, data_dir=write_files(data, files))) as bot:
        yield bot


async def run_examples(emulator: Emulator, text: str) -> list[str]:
    """Run every data example /help shows; return them, each checked to find what it names."""
    ran = []
    for path, option, value in EXAMPLE.findall(text):
        if path.startswith(("/daily", "/announce")):
            continue
        ix = await emulator.invoke(path, options={option: value})
        answer = ix.message.text
        assert not any(note in answer for note in NOT_FOUND), f"{path} {option}:{value} -> {answer}"
        ran.append(f"{path} {option}:{value}")
    return ran


async def test_help_lists_every_command_with_an_example(emulator, live_bot):
    ix = await emulator.invoke("/help")
    assert ix.ephemeral
    text = ix.message.text
    for command in ("/episode", "/takeaways", "/quote speaker", "/quote search", "/quote random", "/related",
                    "/search text:", "/chapters episode:"):  # fmt: skip
        assert command in text
    assert "/ask question:" in text
    assert "Find quote" in text
    assert text.count("Example: `") == 10  # no transcripts in the seed: /search and /chapters have none
    assert len(await run_examples(emulator, text)) == 7


async def test_help_names_every_registered_command(emulator, live_bot):
    registered = [cmd for scope in emulator.commands.values() for cmd in scope if cmd["name"] != "help"]
    text = (await emulator.invoke("/help")).message.text
    for cmd in registered:
        shown = cmd["name"] if cmd.get("type", 1) != 1 else f"/{cmd['name']}"
        assert shown in text, f"/help does not mention {shown}"


async def test_help_of_another_show_names_its_episodes_and_people(emulator, bot_settings, tmp_path):
    files = {"marsh.txt": MARSH, "marsh.toml": "published = 2025-03-02\n", "basics.txt": OLDER,
             "basics.toml": "published = 2025-01-05\n"}  # fmt: skip
    async with bot_over(bot_settings, tmp_path / "tidal", files):
        text = (await emulator.invoke("/help")).message.text
        assert "`/episode episode:14`" in text
        assert "`/quote speaker name:mara`" in text
        assert f"`@{emulator.bot_user['username']} what does mara say about " in text
        assert "Episodes can be typed as 14, #14" in text
        assert not [name for name in SAMPLE_NAMES if re.search(rf"\b{name}\b", text, re.IGNORECASE)]
        assert len(await run_examples(emulator, text)) == 7

        asked = await emulator.post(emulator.bot_mention)
        reply = await emulator.wait_for_reply(asked)
        assert reply.content.startswith("Ask me something after the mention, for example: what does mara say")
        blank = await emulator.invoke("/ask", question="   ")
        assert blank.message.text.startswith("Ask a question, for example: what does mara say about ")


@pytest.mark.parametrize("files", [{}, {"notes.txt": ""}], ids=["empty", "only a broken file"])
async def test_help_without_episodes_says_none_are_loaded(emulator, bot_settings, tmp_path, files):
    async with bot_over(bot_settings, tmp_path / "empty", files):
        text = (await emulator.invoke("/help")).message.text
        assert "No episodes are loaded yet" in text
        assert text.count("Example: `") == 2  # the managers' commands, which name no data


async def test_help_of_a_show_with_transcripts_shows_search_and_chapters(emulator, bot_settings, tmp_path):
    async with bot_over(bot_settings, tmp_path / "green", GREEN_HOUR):
        text = (await emulator.invoke("/help")).message.text
        assert "`/chapters episode:13`" in text
        assert "Example: `/search text:" in text
        ran = await run_examples(emulator, text)
        assert {"/search", "/chapters"} <= {example.split(" ")[0] for example in ran}
