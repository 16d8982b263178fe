"""Train a fastText quality classifier: reference-quality text vs raw crawl.

The recipe of GPT-3 (Brown et al. 2020, appendix A) and DCLM (Li et al. 2024): a linear
fastText classifier (Joulin et al. 2016) on word uni+bigrams separating a high-quality reference
set (positives) from unfiltered web text (negatives). The score of a document is the predicted
probability of the positive label. The DCLM classifier uses the labels ``hq``/``cc``; ours default
to ``hq``/``lq`` and the stage only needs the positive one.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import Any

import numpy as np

from sluiceway.fasttext_models.fasttext_io import clean_line, label_probability, train_supervised
from sluiceway.fasttext_models.params import QualityTrainParams


def binary_metrics(truth: Sequence[bool], predicted: Sequence[bool]) -> dict[str, float]:
    """Precision, recall and F1 of the positive class, and accuracy."""
    t, p = np.asarray(truth, dtype=bool), np.asarray(predicted, dtype=bool)
    tp, fp, fn = int((t & p).sum()), int((~t & p).sum()), int((t & ~p).sum())
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    accuracy = float((t == p).mean()) if len(t) else 0.0
    return {"precision": round(precision, 4), "recall": round(recall, 4), "f1": round(f1, 4),
            "accuracy": round(accuracy, 4)}


def _split(texts: list[str], holdout: float, rng: random.Random) -> tuple[list[str], list[str]]:
    texts = texts[:]
    rng.shuffle(texts)
    n_test = round(len(texts) * holdout)
    return texts[n_test:], texts[:n_test]


def train_quality(positive: list[str], negative: list[str], out: str,
                  params: QualityTrainParams | None = None) -> dict[str, Any]:
    """Train, evaluate on a held-out split at threshold 0.5, save to ``out``; return the metrics.

    The saved model is the one the metrics describe (trained on the training split only).
    """
    params = params or QualityTrainParams()
    params.validate()
    positive = [t for t in (clean_line(x) for x in positive) if t]
    negative = [t for t in (clean_line(x) for x in negative) if t]
    if not positive or not negative:
        raise ValueError(f"need positive and negative documents, got {len(positive)} and {len(negative)}")
    rng = random.Random(params.seed)
    if params.balance:
        n = min(len(positive), len(negative))
        positive, negative = rng.sample(positive, n), rng.sample(negative, n)
    pos_train, pos_test = _split(positive, params.holdout, rng)
    neg_train, neg_test = _split(negative, params.holdout, rng)
    examples = [(params.positive_label, t) for t in pos_train] + [(params.negative_label, t) for t in neg_train]
    rng.shuffle(examples)
    model = train_supervised(examples, **params.fasttext_args())
    model.save_model(out)
    result: dict[str, Any] = {"model": out, "train": {"positive": len(pos_train), "negative": len(neg_train)},
                              "test": {"positive": len(pos_test), "negative": len(neg_test)}}
    if pos_test and neg_test:
        scores = label_probability(model, pos_test + neg_test, params.positive_label)
        truth = [True] * len(pos_test) + [False] * len(neg_test)
        result["metrics"] = binary_metrics(truth, scores >= 0.5)
    return result


def format_metrics(result: dict[str, Any]) -> str:
    tr, te = result["train"], result["test"]
    lines = [f"model: {result['model']}",
             f"train: {tr['positive']} positive, {tr['negative']} negative; "
             f"held out: {te['positive']} positive, {te['negative']} negative"]
    m = result.get("metrics")
    if m:
        lines.append(f"held-out precision {m['precision']:.3f}  recall {m['recall']:.3f}  "
                     f"F1 {m['f1']:.3f}  accuracy {m['accuracy']:.3f}")
    else:
        lines.append("no held-out split (holdout 0 or too few documents): no metrics")
    return "\n".join(lines)
