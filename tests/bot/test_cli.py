"""The command-line entry point: how it ends when its reader goes away or a setting is wrong."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bot import cli
from tests.fixtures import SEED_DIR

REPO = Path(__file__).resolve().parents[2]


def write_long_episode(data_dir, quotes=800):
    """Write one standalone episode whose quote list prints far more than a pipe buffer holds."""
    lines = ['title = "A long talk"', 'hosts = ["Ana Host"]']
    for n in range(quotes):
        lines += [
            "[[quotes]]",
            f'text = "Quote number {n} goes on for a while so the listing is long enough to fill pipes."',
            'speaker = "Ana Host"',
            f'time = "{n // 60}:{n % 60:02d}"',
        ]
    data_dir.mkdir()
    (data_dir / "long-talk.toml").write_text("\n".join(lines) + "\n", encoding="utf-8")


def test_a_closed_pipe_ends_quietly_without_a_traceback(tmp_path):
    write_long_episode(tmp_path / "data")
    env = {**os.environ, "DATABASE_PATH": str(tmp_path / "kb.db"), "DATA_DIR": str(tmp_path / "data")}
    env.pop("DISCORD_TOKEN", None)
    with subprocess.Popen(
        [sys.executable, "-m", "bot", "quote", "ana host"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    ) as proc:
        assert proc.stdout.read(1)  # the reader takes a byte, then leaves like `| head -c1`
        proc.stdout.close()
        stderr = proc.stderr.read().decode()
        code = proc.wait(timeout=60)
    assert "Traceback" not in stderr
    assert code == 1


OFFLINE_COMMANDS = (["ingest"], ["stats"], ["ask", "coding"], ["quote", "nathan"], ["takeaways"], ["related"])


def run_cli(args, cwd, env, *, unprivileged=False):
    """Run `python -m bot ARGS` with only `env`; as root, drop the right to ignore file permissions."""
    prefix = []
    if unprivileged and os.geteuid() == 0:
        setpriv = shutil.which("setpriv")
        if setpriv is None:
            pytest.skip("running as root without setpriv: permissions cannot be tested")
        prefix = [setpriv, "--bounding-set=-dac_override,-dac_read_search"]
    clean = {"PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(REPO), **env}
    return subprocess.run(  # noqa: S603 (the arguments are the test's own)
        [*prefix, sys.executable, "-m", "bot", *args],
        cwd=cwd,
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize("args", OFFLINE_COMMANDS, ids=lambda args: args[0])
def test_every_command_names_database_path_when_it_is_a_directory(tmp_path, args, capsys, monkeypatch):
    (tmp_path / "db").mkdir()
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_PATH", "db")
    monkeypatch.setenv("DATA_DIR", str(SEED_DIR))
    assert cli.main(args) == 2
    expected = "DATABASE_PATH db is a directory; point it at a file such as db/episode-bot.db."
    assert capsys.readouterr().err == f"episode-bot: {expected}\n"


def test_an_unwritable_database_path_is_one_line_and_exit_code_2(tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o555)
    try:
        done = run_cli(
            ["stats"],
            tmp_path,
            {"DATABASE_PATH": "locked/bot.db", "DATA_DIR": str(SEED_DIR)},
            unprivileged=True,
        )
    finally:
        locked.chmod(0o755)
    assert done.returncode == 2
    assert done.stderr.startswith("episode-bot: DATABASE_PATH locked/bot.db cannot be created")
    assert done.stderr.count("\n") == 1


def test_a_read_only_database_is_one_line_and_exit_code_2(tmp_path):
    env = {"DATABASE_PATH": "bot.db", "DATA_DIR": str(SEED_DIR)}
    assert run_cli(["ingest"], tmp_path, env).returncode == 0
    (tmp_path / "bot.db").chmod(0o400)
    done = run_cli(["stats"], tmp_path, env, unprivileged=True)
    assert done.returncode == 2
    assert done.stderr.startswith("episode-bot: DATABASE_PATH bot.db is read-only")
    assert done.stderr.count("\n") == 1


@pytest.mark.parametrize("args", [["run"], ["sync"], ["stats"]], ids=lambda args: args[0])
def test_a_bad_shard_setting_is_one_line_and_exit_code_2_before_anything_starts(tmp_path, args):
    env = {"SHARD_COUNT": "4", "SHARD_IDS": "3-5", "DATABASE_PATH": str(tmp_path / "bot.db")}
    done = run_cli(args, tmp_path, env)
    assert done.returncode == 2
    expected = "episode-bot: SHARD_IDS names shard 5, but SHARD_COUNT=4 numbers the shards 0 to 3.\n"
    assert done.stderr == expected
    assert not (tmp_path / "bot.db").exists()
