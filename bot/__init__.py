"""episode-bot: answers questions about a podcast's episodes, linked to the exact moment."""

__version__ = "0.1.0"
