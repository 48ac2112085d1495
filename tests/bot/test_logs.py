import io
import logging

import pytest

from bot import logs

TOKEN = "MTIzNDU2Nzg5MDEyMzQ1Njc4.GabcDE.abcdefghijklmnopqrstuvwxyz0123"


@pytest.fixture
def captured():
    stream = io.StringIO()
    root = logging.getLogger()
    held_back = {name: logging.getLogger(name).level for name in ("discord", "aiosqlite")}
    saved = (root.handlers[:], root.level)
    handler = logs.configure("DEBUG", secrets=[TOKEN], stream=stream)
    yield stream
    root.removeHandler(handler)
    for old in saved[0]:
        root.addHandler(old)
    root.setLevel(saved[1])
    for name, level in held_back.items():
        logging.getLogger(name).setLevel(level)


def test_token_in_message_and_args_is_redacted(captured):
    logging.getLogger("bot.test").warning("token is %s", TOKEN)
    logging.getLogger("bot.test").warning(f"Authorization: Bot {TOKEN}")
    out = captured.getvalue()
    assert TOKEN not in out
    assert out.count(logs.REDACTED) == 2


def test_token_in_a_traceback_is_redacted(captured):
    try:
        raise RuntimeError(f"bad header {TOKEN}")
    except RuntimeError:
        logging.getLogger("bot.test").exception("failed")
    out = captured.getvalue()
    assert "RuntimeError: bad header [token redacted]" in out
    assert TOKEN not in out


def test_discord_debug_lines_are_held_back(captured):
    logging.getLogger("discord.webhook.async_").debug("POST https://discord.com/api/webhooks/1/secret")
    logging.getLogger("discord.client").info("logging in using static token")
    logging.getLogger("bot.test").debug("our own debug line")
    out = captured.getvalue()
    assert "webhooks/1/secret" not in out
    assert "logging in using static token" in out
    assert "our own debug line" in out


def test_redactor_ignores_empty_secrets():
    assert logs.RedactSecrets(["", TOKEN]).redact("x") == "x"


async def test_debug_logs_never_show_what_members_typed(emulator, live_bot, captured):
    secret = "zebracorn"
    await emulator.invoke("/ask", question=f"what about {secret} marmalade")
    await emulator.invoke("/quote search", text=f"{secret} tangerine")
    await emulator.invoke("/takeaways", episode=f"{secret} 490")
    message = await emulator.post(f"{emulator.bot_mention} is {secret} a coding tool?")
    await emulator.wait_for_reply(message)
    assert logging.getLogger().getEffectiveLevel() == logging.DEBUG
    assert secret not in captured.getvalue()


def test_a_newline_or_a_terminal_escape_in_a_message_cannot_forge_a_log_line(captured):
    forged = "ep.txt\n2026-01-01 00:00:00,000 INFO    bot.runner: Stopped cleanly\x1b[2J"
    logging.getLogger("bot.test").warning("Not loaded: %s", forged)
    out = captured.getvalue()
    assert out.count("\n") == 1
    assert "\x1b" not in out
    assert out.rstrip("\n").endswith(
        "Not loaded: ep.txt\\n2026-01-01 00:00:00,000 INFO    bot.runner: Stopped cleanly\\x1b[2J"
    )


def test_a_traceback_keeps_its_lines(captured):
    try:
        raise RuntimeError("boom")
    except RuntimeError:
        logging.getLogger("bot.test").exception("failed")
    assert captured.getvalue().splitlines()[1] == "Traceback (most recent call last):"


def test_the_offline_commands_log_warnings_as_escaped_lines(monkeypatch):
    stream = io.StringIO()
    monkeypatch.setattr(logging, "lastResort", logging.lastResort)  # put back afterwards
    logs.configure_offline(stream)
    unconfigured = logging.getLogger("offline.test")  # no handler anywhere: the last resort writes
    monkeypatch.setattr(unconfigured, "propagate", False)
    unconfigured.warning("unexpected error reading %s", "ep\n\x1b[2J.txt")
    unconfigured.info("not shown")
    assert stream.getvalue() == "episode-bot: unexpected error reading ep\\n\\x1b[2J.txt\n"
