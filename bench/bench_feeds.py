"""Benchmark feeds: a 1,000-item feed read and imported, an unchanged poll, one new item (bench/feeds.py).

The work is in bench/feeds.py, imported only when this runs as a script: the worker processes the
bot starts ("spawn") import the main script again, and a heavy one would be timed as the bot's
work, which `python -m bot` does not cost them.
"""

import sys
from pathlib import Path

if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from bench.feeds import main

    raise SystemExit(main())
