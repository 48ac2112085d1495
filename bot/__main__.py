"""Run `python -m bot` or the `episode-bot` console script: both start here."""

import signal


def main() -> int:
    """Install the early signal handlers, then run the command line."""
    # Until an event loop takes the signals over (bot.shutdown), SIGTERM ends the process with
    # exit code 0 and Ctrl-C with 130, without a traceback, even while the imports below run.
    signal.signal(signal.SIGTERM, _terminated)
    try:
        # Imported here, not at the top: a spawned worker process imports the starting script's
        # module again, and this one must stay cheap (the command line pulls in aiohttp).
        from bot.cli import main as cli_main  # noqa: PLC0415
    except KeyboardInterrupt:
        raise SystemExit(130) from None
    return cli_main()


def _terminated(signum: int, frame: object) -> None:
    raise SystemExit(0)


if __name__ == "__main__":
    raise SystemExit(main())
