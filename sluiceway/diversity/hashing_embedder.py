"""A model-free embedder: L2-normalized bag of word 1-2-grams hashed into ``dim`` buckets (scikit-learn's
``HashingVectorizer``). Needs no training or download, so it suits tests and quick runs; it sees word
overlap only, not meaning."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

DIM = 1024


class HashingEmbedder:
    backend = "hashing"

    def __init__(self, dim: int = DIM):
        self.dim = dim

    def encode(self, texts: Sequence[str], batch_size: int = 64) -> np.ndarray:
        from sklearn.feature_extraction.text import HashingVectorizer

        vec = HashingVectorizer(n_features=self.dim, ngram_range=(1, 2), alternate_sign=False, norm="l2")
        return vec.transform(list(texts)).toarray().astype(np.float32)
