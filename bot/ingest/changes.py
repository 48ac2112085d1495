"""What one ingest changed in the catalogue, told to readers so they update rather than rebuild.

Each writing transaction notes the episodes it wrote or removed, with the texts it added to and
dropped from the full-text indexes; the run keeps a transaction's notes once it has committed.
The change in each term's passage count is the passages adding it minus those dropping it,
counted with the index's own tokenizer, so a reader's vocabulary ends exactly as a full read.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from bot.model import CatalogueChanges
from bot.search.fulltext import term_docs

# Past these a reader's full rebuild is about as quick as applying the changes, and the texts
# need not be kept (a first load, a changed parser, a folder copied in).
MAX_EPISODES = 500
MAX_CHARS = 32_000_000


@dataclass
class EpisodeChange:
    """One episode written or removed: its key, the texts it indexed and those it dropped."""

    key: str
    added: list[str] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)


@dataclass
class ChangeLog:
    """Collect a run's committed changes; give them up (unknown) when too many or not all ours."""

    known: bool = True
    keys: set[str] = field(default_factory=set)
    added: list[str] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)
    chars: int = 0
    token: str | None = None  # the relink note this run wrote last (bot.storage.episodes.mark_relink)

    def unknown(self) -> None:
        """Note that some change of the data is not in this log: readers must read everything."""
        self.known = False
        self.keys.clear()
        self.added.clear()
        self.dropped.clear()

    def committed(self, changes: Iterable[EpisodeChange], token: str | None) -> None:
        """Keep the changes of a transaction that committed, and the relink note it wrote."""
        if token is not None:
            self.token = token
        if not self.known:
            return
        for change in changes:
            self.keys.add(change.key)
            self.added += change.added
            self.dropped += change.dropped
            self.chars += sum(map(len, change.added)) + sum(map(len, change.dropped))
        if len(self.keys) > MAX_EPISODES or self.chars > MAX_CHARS:
            self.unknown()

    def changes(self, generation: int | None) -> CatalogueChanges | None:
        """Return what changed for readers, or None when unknown (or nothing was finished)."""
        if not self.known or generation is None:
            return None
        counts = term_docs(self.added)
        for term, docs in term_docs(self.dropped).items():
            counts[term] = counts.get(term, 0) - docs
        terms = tuple(sorted((term, delta) for term, delta in counts.items() if delta))
        return CatalogueChanges(generation, tuple(sorted(self.keys)), terms)
