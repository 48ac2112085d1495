"""Draw real English words with their real frequencies (wordfreq), for corpora that questions can touch."""

from __future__ import annotations

import itertools
import random
from collections.abc import Sequence

from wordfreq import top_n_list, word_frequency

VOCABULARY = 30_000  # the most frequent English words: "the" down to words like "upscale"


class EnglishWords:
    """Sample English words as often as they occur in English text (Zipf's law, the real thing)."""

    def __init__(self, rng: random.Random, size: int = VOCABULARY) -> None:
        self.rng = rng
        self.words = [w for w in top_n_list("en", size) if w.isalpha()]
        self._cum = list(itertools.accumulate(word_frequency(w, "en") for w in self.words))

    def sample(self, count: int) -> list[str]:
        """Return `count` words drawn by frequency (repeats allowed)."""
        return self.rng.choices(self.words, cum_weights=self._cum, k=count)

    def rare(self, count: int, start: int = 2_000) -> list[str]:
        """Return `count` distinct words past the `start` most frequent: topic words, names of things."""
        return self.rng.sample(self.words[start:], count)

    def sentence(self, count: int, topic: Sequence[str] = (), topic_share: float = 0.0) -> str:
        """Return a capitalized sentence of `count` words, a share of them from `topic`."""
        words = [
            self.rng.choice(topic) if topic and self.rng.random() < topic_share else word
            for word in self.sample(count)
        ]
        return " ".join(words).capitalize() + "."
