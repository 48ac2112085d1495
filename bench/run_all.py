"""Run every benchmark script in this folder and print their Markdown tables."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ORDER = (
    "bench_kb.py", "bench_bot.py", "bench_daily.py", "bench_hostile.py", "transcripts.py",
    "bench_transcripts.py", "bench_live.py", "bench_feeds.py", "bench_scale.py",
)  # fmt: skip


def main() -> int:
    """Run the benchmarks one after another; stop with the first one that fails."""
    scripts = [HERE / name for name in ORDER if (HERE / name).exists()]
    for script in scripts:
        print(f"\n## {script.stem}\n", flush=True)
        result = subprocess.run([sys.executable, str(script)], cwd=HERE.parent, check=False)
        if result.returncode != 0:
            print(f"{script.name} failed with exit code {result.returncode}", file=sys.stderr)
            return result.returncode
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
