"""Training the quality and language-ID classifiers on tiny generated data."""

import subprocess
import sys

import pytest

from sluiceway.fasttext_models.langid import evaluate_langid, read_langid_dir, split_data, train_langid
from sluiceway.fasttext_models.params import LangidTrainParams, QualityTrainParams
from sluiceway.fasttext_models.quality import binary_metrics, format_metrics, train_quality
from tests.fasttext_models.tiny_models import langid_dir, quality_docs

SMALL = {"dim": 8, "epoch": 10, "bucket": 2000, "threads": 1}


def test_binary_metrics():
    m = binary_metrics([True, True, False, False], [True, False, True, False])
    assert m == {"precision": 0.5, "recall": 0.5, "f1": 0.5, "accuracy": 0.5}
    assert binary_metrics([False], [False])["f1"] == 0.0


def test_train_quality_reports_held_out_metrics(tmp_path):
    good, bad = quality_docs(100)
    result = train_quality(good, bad + bad[:50], str(tmp_path / "q.bin"),
                           QualityTrainParams(holdout=0.2, min_count=1, lr=0.5, **SMALL))
    assert result["train"] == {"positive": 80, "negative": 80}  # balanced, then split
    assert result["test"] == {"positive": 20, "negative": 20}
    assert result["metrics"]["f1"] >= 0.95
    assert (tmp_path / "q.bin").exists()
    assert "F1" in format_metrics(result)


def test_train_quality_bad_input(tmp_path):
    with pytest.raises(ValueError, match="positive and negative"):
        train_quality(["a b c"], ["", "\n"], str(tmp_path / "q.bin"))
    with pytest.raises(ValueError, match="holdout"):
        train_quality(["a"], ["b"], str(tmp_path / "q.bin"), QualityTrainParams(holdout=1.0))
    with pytest.raises(ValueError, match="differ"):
        QualityTrainParams(positive_label="hq", negative_label="__label__hq").validate()


def test_train_langid_per_language_accuracy(tmp_path):
    data = read_langid_dir(langid_dir())
    assert sorted(data) == ["de", "en", "fr", "ru", "zh"]
    result = train_langid(data, str(tmp_path / "lid.bin"), LangidTrainParams(**SMALL))
    assert set(result["per_language"]) == set(data)
    assert result["macro_accuracy"] >= 0.95
    train, test = split_data(data, 0.2, 0)
    assert all(len(test[k]) == 24 and len(train[k]) == 96 for k in data)


def test_read_langid_dir_errors(tmp_path):
    with pytest.raises(FileNotFoundError):
        read_langid_dir(str(tmp_path / "nope"))
    (tmp_path / "en.txt").write_text("hello there\n")
    with pytest.raises(ValueError, match="at least two"):
        read_langid_dir(str(tmp_path))


def test_evaluate_langid_counts_confusions():
    class Fake:
        def predict(self, texts, k=1):
            return [["__label__en"] for _ in texts], [[0.9] for _ in texts]

    result = evaluate_langid(Fake(), {"en": ["a", "b"], "de": ["c"]})
    assert result["per_language"] == {"de": 0.0, "en": 1.0}
    assert result["macro_accuracy"] == 0.5 and result["top_confusions"] == {"de->en": 1}


def test_input_matrix_fully_initialized_even_on_reused_memory(tmp_path):
    """fastText 0.9.3 leaves (1 - thread/10) of the input matrix uninitialized; MALLOC_PERTURB_ makes
    reused memory garbage, so a regression shows up as huge weights or "Encountered NaN"."""
    code = """
import numpy as np
from sluiceway.fasttext_models.fasttext_io import train_supervised
ex = [("a", "x y z w " * 5), ("b", "p q r s " * 5)] * 50
for _ in range(3):  # later runs reuse memory freed by earlier ones
    m = train_supervised(ex, dim=8, epoch=2, bucket=1000, wordNgrams=2, thread=1)
    assert np.abs(m.get_input_matrix()).max() < 10, np.abs(m.get_input_matrix()).max()
print("ok")
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                         env={"MALLOC_PERTURB_": "165", "PATH": "/usr/bin:/bin"})
    assert out.returncode == 0 and "ok" in out.stdout, out.stderr[-2000:]
