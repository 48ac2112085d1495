"""The command-line entry point: how it ends when its reader goes away."""

import os
import subprocess
import sys


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
