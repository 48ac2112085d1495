"""Podcast feeds: the owner's list, fetching, parsing and the cached files ingest reads (no Discord)."""
