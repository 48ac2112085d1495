"""Sentence vectors: the sentence-embedding model's full forward pass in numpy (the optional extra).

all-MiniLM-L6-v2 is a 6-layer BERT encoder (384 wide, 12 heads); a sentence's vector is the mean
of its tokens' last hidden states, normalised to unit length, as the model was trained to be used.
Running it in numpy keeps PyTorch out of the install. Texts are cut at MAX_TOKENS word pieces.
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from typing import Any

MAX_TOKENS = 128  # word pieces read per text: a passage's first hundred words or so
BATCH = 32  # texts encoded together (of similar length, so that little padding is computed)
LAYERS, HEADS, EPS = 6, 12, 1e-12
# Abramowitz and Stegun 7.1.26: erf within 1.5e-7, for the model's exact GELU.
_ERF = (0.254829592, -0.284496736, 1.421413741, -1.453152027, 1.061405429)
_ERF_P = 0.3275911


class SentenceEncoder:
    """Turn texts into unit vectors with the model's weights (numpy arrays)."""

    def __init__(self, weights: dict[str, Any], tokenizer: Any) -> None:
        import numpy as np  # noqa: PLC0415 (optional dependency)

        self._np = np
        self._w = {name: np.ascontiguousarray(value, dtype=np.float32) for name, value in weights.items()}
        for layer in range(LAYERS):  # one matrix for the query, key and value projections
            prefix = f"encoder.layer.{layer}.attention.self."
            self._w[prefix + "qkv.weight"] = np.concatenate(
                [self._w[f"{prefix}{part}.weight"].T for part in ("query", "key", "value")], axis=1
            )
            self._w[prefix + "qkv.bias"] = np.concatenate(
                [self._w[f"{prefix}{part}.bias"] for part in ("query", "key", "value")]
            )
        self._tokenizer = tokenizer
        self.dimensions = int(self._w["embeddings.word_embeddings.weight"].shape[1])

    @classmethod
    def load(cls, package: str) -> SentenceEncoder:
        """Read the weights and the tokenizer from the installed model package."""
        from safetensors.numpy import load_file  # noqa: PLC0415 (optional dependency)
        from tokenizers import Tokenizer  # noqa: PLC0415

        model = importlib.import_module(package).get_model_path()
        tokenizer = Tokenizer.from_file(str(model / "tokenizer.json"))
        tokenizer.no_padding()
        tokenizer.enable_truncation(MAX_TOKENS)
        return cls(load_file(str(model / "model.safetensors")), tokenizer)

    def encode(self, texts: Sequence[str]) -> Any:
        """Return one unit vector per text (rows of a float32 matrix)."""
        np = self._np
        out = np.zeros((len(texts), self.dimensions), dtype=np.float32)
        if not texts:
            return out
        encodings = self._tokenizer.encode_batch(list(texts))
        order = sorted(range(len(texts)), key=lambda i: len(encodings[i].ids))
        for start in range(0, len(order), BATCH):
            chunk = order[start : start + BATCH]
            out[chunk] = self._forward([encodings[i].ids for i in chunk])
        return out

    def _forward(self, batch: Sequence[Sequence[int]]) -> Any:
        np, w = self._np, self._w
        length = max(len(ids) for ids in batch)
        ids = np.zeros((len(batch), length), dtype=np.int64)
        mask = np.zeros((len(batch), length), dtype=np.float32)
        for row, pieces in enumerate(batch):
            ids[row, : len(pieces)] = pieces
            mask[row, : len(pieces)] = 1.0
        hidden = (
            w["embeddings.word_embeddings.weight"][ids]
            + w["embeddings.position_embeddings.weight"][:length]
            + w["embeddings.token_type_embeddings.weight"][0]
        )
        hidden = self._norm(hidden, "embeddings.LayerNorm")
        blocked = (1.0 - mask)[:, None, None, :] * np.float32(-1e9)  # padding gets no attention
        for layer in range(LAYERS):
            hidden = self._layer(hidden, blocked, f"encoder.layer.{layer}.")
        summed = (hidden * mask[:, :, None]).sum(axis=1) / mask.sum(axis=1, keepdims=True)
        return summed / np.maximum(np.linalg.norm(summed, axis=1, keepdims=True), 1e-12)

    def _layer(self, hidden: Any, blocked: Any, prefix: str) -> Any:
        np, w = self._np, self._w
        batch, length, width = hidden.shape
        size = width // HEADS
        qkv = hidden.reshape(-1, width) @ w[prefix + "attention.self.qkv.weight"]
        qkv += w[prefix + "attention.self.qkv.bias"]
        qkv = qkv.reshape(batch, length, 3, HEADS, size).transpose(2, 0, 3, 1, 4)
        query, key, value = qkv[0], qkv[1], qkv[2]
        scores = query @ key.transpose(0, 1, 3, 2) / np.float32(size**0.5) + blocked
        scores = np.exp(scores - scores.max(axis=-1, keepdims=True))
        scores /= scores.sum(axis=-1, keepdims=True)
        context = (scores @ value).transpose(0, 2, 1, 3).reshape(batch, length, width)
        attended = self._dense(context, prefix + "attention.output.dense") + hidden
        attended = self._norm(attended, prefix + "attention.output.LayerNorm")
        inner = _gelu(np, self._dense(attended, prefix + "intermediate.dense"))
        return self._norm(self._dense(inner, prefix + "output.dense") + attended, prefix + "output.LayerNorm")

    def _dense(self, x: Any, name: str) -> Any:
        weight = self._w[name + ".weight"]  # one matrix product over every token of the batch
        flat = x.reshape(-1, x.shape[-1]) @ weight.T
        flat += self._w[name + ".bias"]
        return flat.reshape(*x.shape[:-1], weight.shape[0])

    def _norm(self, x: Any, name: str) -> Any:
        np = self._np
        centred = x - x.mean(axis=-1, keepdims=True)
        scaled = centred / np.sqrt((centred * centred).mean(axis=-1, keepdims=True) + np.float32(EPS))
        return scaled * self._w[name + ".weight"] + self._w[name + ".bias"]


def _gelu(np: Any, x: Any) -> Any:
    """Return GELU(x) = x * (1 + erf(x / sqrt 2)) / 2, as BERT computes it, in place."""
    z = np.abs(x)
    z *= np.float32(0.5**0.5)
    t = z * np.float32(_ERF_P)
    t += 1.0
    np.reciprocal(t, out=t)
    poly = t * np.float32(_ERF[4])
    for coefficient in reversed(_ERF[:4]):
        poly += np.float32(coefficient)
        poly *= t
    z *= z
    np.negative(z, out=z)
    np.exp(z, out=z)
    poly *= z
    np.subtract(np.float32(1.0), poly, out=poly)  # erf(|x| / sqrt 2)
    np.copysign(poly, x, out=poly)
    poly += np.float32(1.0)
    poly *= x
    poly *= np.float32(0.5)
    return poly
