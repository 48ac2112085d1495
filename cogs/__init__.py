"""Discord features, one extension per module; the bot loads every name in EXTENSIONS."""

EXTENSIONS: tuple[str, ...] = (
    "cogs.episode",
    "cogs.takeaways",
    "cogs.quotes",
    "cogs.related",
    "cogs.search",
    "cogs.chapters",
    "cogs.ask",
    "cogs.help",
    "cogs.daily",
    "cogs.announce",
)
