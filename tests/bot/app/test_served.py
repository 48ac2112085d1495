"""One `served` log line per command, with the command, server, latency and outcome, and nothing typed."""

import dataclasses
import logging
import re

import pytest

from bot.app import served
from bot.runner import running_bot
from tests.cogs.conftest import page
from tests.cogs.test_help import write_files

LINE = re.compile(r"^served command=(?P<command>.+) guild=(?P<guild>\d+|none) latency_ms=(?P<ms>-?[\d.]+) "
                  r"outcome=(?P<outcome>[a-z_]+(?::[0-9a-f]+)?)$")  # fmt: skip


async def settled(emulator, caplog: pytest.LogCaptureFixture, count: int) -> list[dict[str, str]]:
    """Wait for `count` served lines (each is logged just after its answer went out) and return them."""
    await emulator.wait_until(lambda: len(served_lines(caplog)) >= count, what=f"{count} served lines")
    return served_lines(caplog)


def served_lines(caplog: pytest.LogCaptureFixture) -> list[dict[str, str]]:
    lines = [r.getMessage() for r in caplog.records if r.name == "bot.served"]
    matches = [LINE.match(line) for line in lines]
    assert all(matches), lines
    return [m.groupdict() for m in matches if m]


@pytest.fixture(autouse=True)
def info_logs(caplog):
    caplog.set_level(logging.INFO, logger="bot.served")


async def test_a_command_answered_is_one_line_with_its_outcome(emulator, live_bot, caplog):
    await emulator.invoke("/episode", episode="490")
    (line,) = await settled(emulator, caplog, 1)
    assert line["command"] == "/episode"
    assert line["guild"] == str(emulator.guild.id)
    assert line["outcome"] == "ok"
    assert 0 <= float(line["ms"]) < 3000


async def test_outcomes_name_what_went_wrong_without_what_was_typed(emulator, live_bot, caplog):
    await emulator.invoke("/quote speaker", name="Zebulon Secretname")
    await emulator.invoke("/daily set", options={"channel": emulator.channel, "time": "25:99"},
                          member=emulator.admin)  # fmt: skip
    lines = await settled(emulator, caplog, 2)
    assert [(line["command"], line["outcome"]) for line in lines] == [
        ("/quote speaker", "not_found"),
        ("/daily set", "user_error"),
    ]
    assert "Zebulon" not in caplog.text
    assert "Secretname" not in caplog.text
    assert "25:99" not in caplog.text


async def test_a_bug_is_logged_with_the_error_id_the_member_sees(emulator, live_bot, caplog, monkeypatch):
    async def broken(*_args, **_kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(live_bot.kb, "takeaways", broken)
    ix = await emulator.invoke("/takeaways", episode="490")
    error_id = re.search(r"error id ([0-9a-f]+)", ix.message.text)[1]
    (line,) = await settled(emulator, caplog, 1)
    assert line["outcome"] == f"error:{error_id}"


async def test_page_buttons_mentions_and_menus_are_served_lines_too(emulator, bot_settings, tmp_path, caplog):
    quotes = [(f"Point number {n} about scaling.", "Pat Pager", f"{n}:00") for n in range(1, 13)]
    data = write_files(tmp_path / "paging", {"paging.txt": page("Paging Talk | Test Show #3", quotes)})
    async with running_bot(dataclasses.replace(bot_settings, data_dir=data)):
        ix = await emulator.invoke("/quote speaker", name="pat pager")
        await emulator.click(ix.message, label="Next ▶")
        asked = await emulator.post(f"{emulator.bot_mention} what does pat say about scaling?")
        await emulator.wait_for_reply(asked)
        await emulator.invoke_message_command("Find quote", asked)
        lines = await settled(emulator, caplog, 4)
    commands = [(line["command"], line["outcome"]) for line in lines]
    assert commands == [("/quote speaker", "ok"), ("page", "ok"), ("@mention", "ok"), ("Find quote", "ok")]
    assert "pat pager" not in caplog.text
    assert "scaling?" not in caplog.text


def test_a_line_without_a_start_time_says_minus_one(caplog):
    served.record("/help", None, None, "ok")
    assert served_lines(caplog) == [{"command": "/help", "guild": "none", "ms": "-1.0", "outcome": "ok"}]
