"""Discord features, one extension per module; the bot loads every name in EXTENSIONS."""

EXTENSIONS: tuple[str, ...] = ()
