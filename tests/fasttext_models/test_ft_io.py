"""The fastText wrapper: numpy-2 predict trap, newlines, label names, load errors."""

import numpy as np
import pytest

from sluiceway.fasttext_models import fasttext_io as ft
from tests.fasttext_models.tiny_models import langid_model, quality_docs, quality_model


def test_single_string_predict_is_broken_under_numpy2_but_wrapper_works():
    model = ft.load_model(quality_model())
    if int(np.__version__.split(".")[0]) >= 2:
        with pytest.raises(ValueError):  # the trap the wrapper avoids; if fastText fixes it, drop this check
            model.predict("the study of rivers")
    labels, probs = ft.predict(model, ["the study of rivers"])
    assert labels[0][0] in ("hq", "lq") and 0.0 <= float(probs[0][0]) <= 1.0


def test_wrapper_always_calls_the_batched_api():
    class ListOnly:
        def predict(self, text, k=1):
            if not isinstance(text, list):
                raise ValueError("single-string predict")
            return [["__label__hq"] for _ in text], [np.array([0.9], np.float32) for _ in text]

        def get_labels(self):
            return ["__label__hq", "__label__lq"]

    assert ft.top_label(ListOnly(), ["a", "b\nc"])[0] == ["hq", "hq"]
    assert ft.label_probability(ListOnly(), ["a"], "hq").tolist() == pytest.approx([0.9])


def test_newlines_are_replaced_and_do_not_change_the_score():
    model = ft.load_model(quality_model())
    text = "the study of rivers shows how water shapes valleys"
    with pytest.raises(ValueError):
        model.predict([text.replace(" ", "\n")])  # raw fastText rejects newlines
    with_breaks = text.replace(" ", "\n", 2).replace(" ", "\r\n", 1)
    scores = ft.label_probability(model, [text, with_breaks, None, ""], "hq")
    assert scores[0] == pytest.approx(scores[1])
    assert ft.clean_line("a\nb\r\nc\x00d\u2028e") == "a b c d e"
    assert ft.clean_line(None) == ""


def test_label_normalization_and_probability_of_named_label():
    assert ft.normalize_label("__label__en") == "en"
    assert ft.normalize_label("eng_Latn") == "eng_Latn"
    model = ft.load_model(quality_model())
    assert sorted(ft.model_labels(model)) == ["hq", "lq"]
    good, bad = quality_docs(5, seed=7)
    hq = ft.label_probability(model, good + bad, "__label__hq")
    lq = ft.label_probability(model, good + bad, "lq")
    assert np.allclose(hq + lq, 1.0, atol=1e-3)
    assert hq[:5].min() > 0.9 > 0.1 > hq[5:].max()
    with pytest.raises(ValueError, match="labels are"):
        ft.label_probability(model, ["x"], "cc")


def test_top_label_and_empty_batches():
    model = ft.load_model(langid_model())
    labels, scores = ft.top_label(model, ["der Hund läuft in den Garten", "дом большой и собака"])
    assert labels == ["de", "ru"] and scores.dtype == np.float32
    assert ft.predict(model, []) == ([], [])
    assert len(ft.label_probability(ft.load_model(quality_model()), [], "hq")) == 0


def test_load_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match="not found"):
        ft.load_model(str(tmp_path / "missing.bin"))
    bad = tmp_path / "bad.bin"
    bad.write_bytes(b"not a model")
    with pytest.raises(ValueError, match="not a fastText model"):
        ft.load_model(str(bad))
    with pytest.raises(ValueError):
        ft.load_model("")
