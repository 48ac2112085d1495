"""The offline CLI, run as `python -m bot` in a subprocess against a temporary database."""

import os
import shutil
import signal
import subprocess
import sys
from importlib import metadata

import pytest

import bot
from tests.bot.kb_pages import GUEST_PAGE, copy_seed, write
from tests.bot.processes import check_database, signal_bot, small_pages
from tests.bot.transcript_files import write_green_hour
from tests.fixtures import SEED_DIR


def cli_env(tmp_path, data=None):
    env = {
        **os.environ,
        "DATABASE_PATH": str(tmp_path / "kb.db"),
        "DATA_DIR": str(data if data is not None else SEED_DIR),
        "COLUMNS": "100",
    }
    env.pop("DISCORD_TOKEN", None)
    return env


def run_cli(tmp_path, *args, data=None, prefix=()):
    env = cli_env(tmp_path, data)
    return subprocess.run(  # noqa: S603 (this interpreter, fixed arguments)
        [*prefix, sys.executable, "-m", "bot", *args],
        cwd=tmp_path,  # no .env from the repository is read
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_quote_acceptance_on_a_fresh_database(tmp_path):
    result = run_cli(tmp_path, "quote", "nathan lamber")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert out.startswith("Nathan Lambert: 3 quotes")
    positions = [out.index(stamp) for stamp in ("15:32", "17:05", "2:28:05")]
    assert positions == sorted(positions)
    for seconds in (932, 1025, 8885):
        assert f"https://www.youtube.com/watch?v=EV7WhVT270Q&t={seconds}s" in out
    assert "Traceback" not in result.stderr


def test_ingest_reports_then_skips_unchanged(tmp_path):
    first = run_cli(tmp_path, "ingest")
    assert first.returncode == 0, first.stderr
    assert "1 loaded, 0 unchanged, 0 removed, 0 failed" in first.stdout
    again = run_cli(tmp_path, "ingest")
    assert "0 loaded, 1 unchanged" in again.stdout


def test_ingest_failure_exits_one_with_file_and_line(tmp_path):
    data = copy_seed(tmp_path / "data")
    write(data / "broken.txt", GUEST_PAGE.replace("▶ 12:01", "▶ 61:99:xx"))
    result = run_cli(tmp_path, "ingest", data=data)
    assert result.returncode == 1
    assert "1 loaded" in result.stdout
    assert (
        "data/broken.txt:8: expected a timestamp like 0:53, 15:32 or 2:46:45, got '61:99:xx'" in result.stdout
    )


def test_a_query_answers_but_exits_one_when_a_file_failed(tmp_path):
    data = copy_seed(tmp_path / "data")
    write(data / "broken.txt", GUEST_PAGE.replace("▶ 12:01", "▶ 61:99:xx"))
    result = run_cli(tmp_path, "takeaways", "490", data=data)
    assert result.returncode == 1
    assert "State of AI in 2026" in result.stdout  # the answer is still printed
    assert "1 file(s) in" in result.stderr
    assert "`episode-bot ingest` for the reasons" in result.stderr
    fixed = write(data / "broken.txt", GUEST_PAGE)
    assert run_cli(tmp_path, "takeaways", "490", data=fixed.parent).returncode == 0


def test_version_is_the_package_s(tmp_path):
    result = run_cli(tmp_path, "--version")
    assert result.returncode == 0
    assert result.stdout.strip() == f"episode-bot {metadata.version('episode-bot')}"
    assert metadata.version("episode-bot") == bot.__version__


def test_not_found_prints_suggestions_and_exits_one(tmp_path):
    result = run_cli(tmp_path, "quote", "nate lambert")
    assert result.returncode == 1
    assert "No speaker matches 'nate lambert'." in result.stderr
    assert "Did you mean: Nathan Lambert" in result.stderr
    assert "Traceback" not in result.stderr
    assert run_cli(tmp_path, "takeaways", "#12345").returncode == 1


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("takeaways", "state of ai 2026"), "  6. Mixture of Experts (MoE)"),
        (("related",), "why: listed on the episode page"),
        (("ask", "what does nathan use for coding"), "1. quote: Nathan Lambert"),
        (("stats",), "quotes"),
        (("quote", "raschka", "--episode", "490"), "Sebastian Raschka: 4 quotes"),
    ],
)
def test_query_commands_print_readable_answers(tmp_path, args, expected):
    result = run_cli(tmp_path, *args)
    assert result.returncode == 0, result.stderr
    assert expected in result.stdout


def test_ask_with_no_answer_says_so(tmp_path):
    result = run_cli(tmp_path, "ask", "how do I bake banana bread")
    assert result.returncode == 1
    assert "Nothing in the episodes answers that" in result.stdout


def without_root_powers() -> list[str]:
    """Return a command prefix that makes this process unable to read others' folders, as root too."""
    if os.geteuid() != 0:
        return []
    if shutil.which("setpriv") is None:
        pytest.skip("running as root without setpriv: cannot make a folder unreadable")
    return ["setpriv", "--bounding-set", "-dac_override,-dac_read_search"]


def test_a_folder_the_process_cannot_read_is_reported_and_removes_nothing(tmp_path):
    data = copy_seed(tmp_path / "data")
    assert run_cli(tmp_path, "ingest", data=data).returncode == 0
    lost = data / "lost+found"
    lost.mkdir()
    if os.geteuid() == 0:
        os.chown(lost, 12345, -1)
    lost.chmod(0o700)
    write(data / "guest.txt", GUEST_PAGE)
    result = run_cli(tmp_path, "ingest", data=data, prefix=without_root_powers())
    assert result.returncode == 1
    assert "1 loaded, 1 unchanged, 0 removed, 1 failed" in result.stdout
    assert "data/lost+found:1: expected a readable folder, got Permission denied" in result.stdout
    stats = run_cli(tmp_path, "stats", data=data, prefix=without_root_powers())
    assert "episodes                 2" in stats.stdout


def test_concurrent_ingests_store_each_takeaway_once(tmp_path):
    data = tmp_path / "data"
    for n in range(400):
        write(
            data / f"ep{n}.txt", f"Episode {n} | Test Show #{n}\nKey takeaways\n- one of {n}\n- two of {n}\n"
        )
    ingests = [
        subprocess.Popen(
            [sys.executable, "-m", "bot", "ingest"],
            cwd=tmp_path,
            env=cli_env(tmp_path, data),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(3)
    ]
    outputs = [process.communicate(timeout=60) for process in ingests]
    assert [process.returncode for process in ingests] == [0, 0, 0], outputs
    result = run_cli(tmp_path, "takeaways", "ep7", data=data)
    assert result.stdout.count("one of 7") == 1
    assert "takeaways              800" in run_cli(tmp_path, "stats", data=data).stdout


def test_search_and_chapters_read_the_transcripts(tmp_path):
    data = write_green_hour(tmp_path / "data")
    found = run_cli(tmp_path, "search", "earthwroms hard work", data=data)
    assert found.returncode == 0, found.stderr
    first = found.stdout.splitlines()[0]
    assert first == "1. Priya Raman at 0:24: Soil and Sleep | Green Hour #12 · Welcome"
    assert "https://www.youtube.com/watch?v=greenhour12&t=24s" in found.stdout
    narrowed = run_cli(tmp_path, "search", "sleep", "--speaker", "dana", "--episode", "12", data=data)
    assert narrowed.returncode == 0, narrowed.stderr
    assert "Priya" not in narrowed.stdout
    chapters = run_cli(tmp_path, "chapters", "13", data=data)
    assert chapters.stdout.splitlines()[1:] == [
        "      0:00  Introductions",
        "            https://www.youtube.com/watch?v=greenhour13&t=0s",
        "     12:00  Under the forest floor",
        "            https://www.youtube.com/watch?v=greenhour13&t=720s",
    ]


def test_search_finding_nothing_exits_one(tmp_path):
    data = write_green_hour(tmp_path / "data")
    result = run_cli(tmp_path, "search", "xylophone quasar", "--speaker", "priya", data=data)
    assert result.returncode == 1
    assert result.stderr.startswith("episode-bot: No moment by Priya Raman matches 'xylophone quasar'.")


# 600 pages once took longer than the latest signal (0.8 s after the database appears); on a
# quiet machine a faster ingest now finishes them first.
PAGES = 2000


@pytest.mark.parametrize(
    ("sig", "delay"),
    [(signal.SIGINT, 0.0), (signal.SIGINT, 0.4), (signal.SIGTERM, 0.1), (signal.SIGTERM, 0.8)],
)
def test_a_signal_during_an_ingest_stops_it_cleanly_within_five_seconds(tmp_path, sig, delay):
    data = tmp_path / "data"
    small_pages(data, PAGES)  # enough for worker processes, and still loading at the latest signal
    db = tmp_path / "kb.db"
    env = cli_env(tmp_path, data)
    stopped = signal_bot(["ingest"], env, tmp_path, sig=sig, ready=lambda _: db.exists(), delay=delay)
    assert stopped.seconds < 5
    assert stopped.left == []  # no worker process or resource tracker outlives it
    assert "Traceback" not in stopped.stderr
    if stopped.code == 0 and f"{PAGES} loaded" in stopped.stdout:
        pytest.fail("the ingest finished before the signal: this test needs a slower load")
    assert stopped.code == {signal.SIGINT: 130, signal.SIGTERM: 0}[sig], stopped.stderr
    assert f"stopped by {sig.name}" in stopped.stderr
    assert "loaded" not in stopped.stdout  # no report of success after an interruption
    check_database(db)
    again = run_cli(tmp_path, "ingest", data=data)
    assert again.returncode == 0, again.stdout
    assert check_database(db) == (PAGES, 2 * PAGES)


def test_ingest_lists_each_file_of_an_unknown_type_once(tmp_path):
    data = copy_seed(tmp_path / "data")
    write(data / "notes.md", "to do: more episodes")
    write(data / "art" / "cover.jpg", "not really a picture")
    result = run_cli(tmp_path, "ingest", data=data)
    assert result.returncode == 0, result.stdout
    assert "1 loaded, 0 unchanged, 0 removed, 0 failed, 2 ignored" in result.stdout
    assert result.stdout.count("notes.md") == result.stdout.count("cover.jpg") == 1
    assert "  ignored   data/notes.md\n" in result.stdout


def test_backup_from_the_command_line(tmp_path):
    assert run_cli(tmp_path, "ingest").returncode == 0
    refused = run_cli(tmp_path, "backup", "backups/")
    assert refused.returncode == 2
    assert "backups is not a folder; create it first" in refused.stderr
    (tmp_path / "backups").mkdir()
    done = run_cli(tmp_path, "backup", "backups/")
    assert done.returncode == 0, done.stderr
    (copy,) = (tmp_path / "backups").iterdir()
    assert done.stdout.startswith(f"Backed up {tmp_path / 'kb.db'} to backups/{copy.name} (")
    assert "It holds 1 episode and what the data files cannot give back: 0 daily schedules" in done.stdout


def test_names_and_data_are_escaped_in_every_line_of_the_ingest_report(tmp_path):
    data = copy_seed(tmp_path / "da\nta")  # a newline in DATA_DIR itself
    show = "Pod\x1b[2Jcast #7"  # a terminal escape in the data, quoted by a warning
    write(data / "fake\n  FAILED    forged.txt", GUEST_PAGE.replace("Lex Fridman Podcast #900", show))
    write(data / "twin.txt", GUEST_PAGE.replace("Lex Fridman Podcast #900", show))
    result = run_cli(tmp_path, "ingest", data=data)
    assert result.returncode == 0, result.stdout
    assert "\x1b" not in result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == f"{tmp_path}/da\\nta: 3 loaded, 0 unchanged, 0 removed, 0 failed"
    assert [line.split()[0] for line in lines[1:]] == ["loaded"] * 3 + ["warning"]
    assert lines[1].endswith("/fake\\n  FAILED    forged.txt")
    assert lines[4].startswith(
        "  warning   da\\nta/twin.txt:1: claims Pod\\x1b[2Jcast #7, "
        "as da\\nta/fake\\n  FAILED    forged.txt does"
    )


def test_answers_and_errors_escape_terminal_control_characters_from_the_data_and_the_arguments(tmp_path):
    data = copy_seed(tmp_path / "data")
    page = GUEST_PAGE.replace("Lex Fridman Podcast #900", "Pod\x1b[2Jcast #7")
    write(data / "guest.txt", page)
    answered = run_cli(tmp_path, "takeaways", "Pod", data=data)
    missing = run_cli(tmp_path, "takeaways", "nothing\x1b]0;owned\x07", data=data)
    assert answered.returncode == 0, answered.stderr
    assert "Pod\\x1b[2Jcast #7" in answered.stdout
    assert "nothing\\x1b]0;owned\\x07" in missing.stderr
    assert "\x1b" not in answered.stdout + answered.stderr + missing.stdout + missing.stderr
