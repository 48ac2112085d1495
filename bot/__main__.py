"""Run `python -m bot`: the same as the `episode-bot` console script."""

from bot.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
