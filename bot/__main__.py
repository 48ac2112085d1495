"""Run `python -m bot`: the same as the `episode-bot` console script."""

if __name__ == "__main__":
    import signal

    def _terminated(signum: int, frame: object) -> None:
        raise SystemExit(0)

    # Until an event loop takes the signals over (bot.shutdown), SIGTERM ends the process with
    # exit code 0 and Ctrl-C with 130, without a traceback, even while the imports below run.
    signal.signal(signal.SIGTERM, _terminated)
    try:
        from bot.cli import main
    except KeyboardInterrupt:
        raise SystemExit(130) from None
    raise SystemExit(main())
