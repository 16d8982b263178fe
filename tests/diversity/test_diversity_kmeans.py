"""k-means: recovery of separated clusters, seeds, PCA variance fraction, sampling, save/load."""

from __future__ import annotations

import json

import numpy as np
import pytest

from sluiceway.diversity.kmeans import KMeansModel, default_k, fit_kmeans


def blobs(n_per=150, k=4, dim=24, seed=0):
    rng = np.random.default_rng(seed)
    centers = rng.normal(size=(k, dim)) * 6
    X = np.concatenate([c + rng.normal(size=(n_per, dim)) for c in centers]).astype(np.float32)
    return X, np.repeat(np.arange(k), n_per)


def same_partition(a, b) -> bool:
    pairs = set(zip(a.tolist(), b.tolist(), strict=True))
    return len(pairs) == len(set(a.tolist())) == len(set(b.tolist()))


def test_default_k():
    assert [default_k(n) for n in (0, 1, 2, 200, 500_000)] == [1, 1, 1, 10, 500]
    assert default_k(52002) == 161  # CaR's k for Alpaca


@pytest.mark.parametrize("algorithm", ["lloyd", "minibatch"])
def test_recovers_separated_clusters(algorithm):
    X, y = blobs()
    model = fit_kmeans(X, 4, seed=3, algorithm=algorithm, batch_size=256)
    labels, dist = model.assign(X)
    assert same_partition(labels, y)
    assert labels.dtype == np.int32 and dist.dtype == np.float32
    ref = np.linalg.norm(X - model.centroids[labels], axis=1)
    np.testing.assert_allclose(dist, ref, rtol=1e-3, atol=1e-3)


def test_reproducible_for_a_seed():
    X, _ = blobs(k=6, seed=1)
    a = fit_kmeans(X, 6, seed=5, sample_size=400)
    b = fit_kmeans(X, 6, seed=5, sample_size=400)
    np.testing.assert_array_equal(a.centroids, b.centroids)
    assert a.info["n_fit"] == 400 and a.info["n_input"] == len(X)


def test_pca_keeps_the_variance_fraction():
    X, y = blobs(dim=40)
    model = fit_kmeans(X, 4, pca_variance=0.9)
    assert model.info["explained_variance"] >= 0.9
    assert model.centroids.shape[1] == model.info["pca_dim"] < 40
    assert model.input_dim == 40
    assert same_partition(model.assign(X)[0], y)
    assert model.centroids_input_space().shape == (4, 40)


def test_save_load_round_trip_without_pickle(tmp_path):
    X, _ = blobs()
    model = fit_kmeans(X, 4, pca_variance=0.95, seed=2)
    model.save(str(tmp_path / "km"))
    loaded = KMeansModel.load(str(tmp_path / "km"))
    np.testing.assert_array_equal(loaded.assign(X)[0], model.assign(X)[0])
    assert loaded.info["seed"] == 2
    assert json.loads((tmp_path / "km" / "kmeans.json").read_text())["k"] == 4
    with np.load(tmp_path / "km" / "kmeans.npz", allow_pickle=False) as data:
        assert set(data.files) == {"centroids", "pca_mean", "pca_components"}


def test_k_default_and_cap_and_errors():
    X, _ = blobs(n_per=10, k=2)
    assert fit_kmeans(X).k == default_k(20)
    assert fit_kmeans(X[:3], 10).k == 3
    with pytest.raises(ValueError, match="NaN"):
        fit_kmeans(np.array([[np.nan, 1.0]]), 1)
    with pytest.raises(ValueError, match="zero vectors"):
        fit_kmeans(np.zeros((0, 3)), 1)
    with pytest.raises(ValueError, match="dimensions"):
        fit_kmeans(X, 2).assign(np.zeros((1, 5)))
    with pytest.raises(FileNotFoundError):
        KMeansModel.load("/nonexistent/km")


def test_assignment_does_not_depend_on_how_rows_are_batched():
    """A rerun or --resume splits rows into other blocks: labels and distances must be the same bytes."""
    X, _ = blobs(k=5, dim=64, seed=3)
    model = fit_kmeans(X, 5, seed=0, pca_variance=0.95)
    labels, dists = model.assign(X)
    parts = [model.assign(X[i:i + 37]) for i in range(0, len(X), 37)]
    np.testing.assert_array_equal(labels, np.concatenate([p[0] for p in parts]))
    assert dists.tobytes() == np.concatenate([p[1] for p in parts]).tobytes()
    lone = np.concatenate([model.assign(X[i:i + 1])[1] for i in range(40)])
    assert dists[:40].tobytes() == lone.tobytes()
