"""Safe fastText I/O (Joulin et al. 2016, "Bag of Tricks for Efficient Text Classification").

Three traps in fastText 0.9.3 are handled here, in one place:

* With numpy 2, ``model.predict("one string")`` raises ``ValueError`` (it calls
  ``np.array(..., copy=False)``); the list form ``model.predict([...])`` works, so every call
  goes through :func:`predict`, which always passes a list.
* fastText rejects text containing ``\\n``; :func:`clean_line` turns every line break into a space.
* fastText 0.9.3 randomly initializes only the first ``thread/10`` of the input matrix and leaves
  the rest as uninitialized memory (zeros when the allocation is fresh, garbage or NaN when the
  process reuses freed memory: "Encountered NaN." or a silently broken model).
  :func:`train_supervised` therefore always trains with at least :data:`MIN_TRAIN_THREADS` threads.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

LABEL_PREFIX = "__label__"
MIN_TRAIN_THREADS = 11  # blocks 0..10 cover the whole input matrix, remainder included


def training_threads(requested: int | None) -> int:
    """Threads to train with: at least :data:`MIN_TRAIN_THREADS`, so the whole input matrix is initialized."""
    return max(int(requested or 1), MIN_TRAIN_THREADS)


_BREAKS = re.compile(r"[\n\r\v\f\x00\x85\u2028\u2029]+")


def clean_line(text: str | None) -> str:
    """One line fastText accepts: line breaks (and NUL) become spaces; ``None`` becomes ``""``."""
    if not text:
        return ""
    return _BREAKS.sub(" ", text).strip()


def normalize_label(label: str) -> str:
    """``__label__en`` → ``en``; a label without the prefix is returned unchanged."""
    return label[len(LABEL_PREFIX):] if label.startswith(LABEL_PREFIX) else label


FASTTEXT_MAGIC = 793712314  # first int32 of every fastText .bin/.ftz (version 12 follows)


def check_model_file(path: str) -> str:
    """``path`` (a shipped name such as ``lid176`` resolved to its file) once it exists and starts like a fastText
    model; cheap enough for config validation. Errors name the path, and the package when the file is shipped."""
    from sluiceway.shipped.models import name_provider, resolve

    if not path:
        raise ValueError("no fastText model path given")
    path = resolve(path)
    if not os.path.isfile(path):
        raise FileNotFoundError(f"fastText model not found: {path}")
    with open(path, "rb") as fh:
        head = fh.read(4)
    if len(head) < 4 or int.from_bytes(head, "little", signed=True) != FASTTEXT_MAGIC:
        raise ValueError(name_provider(path, f"{path} is not a fastText model (bad header)"))
    return path


def load_model(path: str) -> Any:
    """Load a supervised fastText model (``.bin`` or quantized ``.ftz``, or a shipped name) with clear errors."""
    from sluiceway.shipped.models import name_provider

    path = check_model_file(path)
    import fasttext

    try:
        model = fasttext.load_model(path)
    except (ValueError, RuntimeError, MemoryError) as exc:
        raise ValueError(name_provider(path, f"{path} is not a readable fastText model: {exc}")) from exc
    if not model.get_labels():
        raise ValueError(f"{path} is not a supervised fastText model (it has no labels)")
    return model


def model_labels(model: Any) -> list[str]:
    return [normalize_label(x) for x in model.get_labels()]


def predict(model: Any, texts: Sequence[str | None], k: int = 1) -> tuple[list[list[str]], list[np.ndarray]]:
    """Top-``k`` labels (normalized) and probabilities per text; ``k=-1`` returns all labels.

    Always uses fastText's batched list API (the single-string API fails under numpy 2).
    """
    if not texts:
        return [], []
    labels, probs = model.predict([clean_line(t) for t in texts], k=k)
    return [[normalize_label(x) for x in row] for row in labels], list(probs)


def label_probability(model: Any, texts: Sequence[str | None], label: str) -> np.ndarray:
    """Probability of ``label`` (with or without ``__label__``) per text, clipped to [0, 1]."""
    label = normalize_label(label)
    known = model_labels(model)
    if label not in known:
        raise ValueError(f"label {label!r} is not in the model; its labels are {', '.join(known)}")
    labels, probs = predict(model, texts, k=-1)
    out = np.zeros(len(texts), dtype=np.float32)
    for i, (row_labels, row_probs) in enumerate(zip(labels, probs, strict=True)):
        for name, p in zip(row_labels, row_probs, strict=True):
            if name == label:
                out[i] = p
                break
    return np.clip(out, 0.0, 1.0)


def top_label(model: Any, texts: Sequence[str | None]) -> tuple[list[str], np.ndarray]:
    """Most probable label and its probability per text (``""`` and 0 when fastText returns none)."""
    labels, probs = predict(model, texts, k=1)
    names = [row[0] if row else "" for row in labels]
    scores = np.array([float(p[0]) if len(p) else 0.0 for p in probs], dtype=np.float32)
    return names, np.clip(scores, 0.0, 1.0)


def train_supervised(examples: Iterable[tuple[str, str]], **params: Any) -> Any:
    """Train a fastText classifier on ``(label, text)`` pairs; ``params`` go to ``train_supervised``.

    ``thread`` is raised to :data:`MIN_TRAIN_THREADS` so the whole input matrix is initialized.
    """
    import fasttext

    with tempfile.TemporaryDirectory(prefix="sluiceway-ft-") as tmp:
        path = os.path.join(tmp, "train.txt")
        n = 0
        with open(path, "w", encoding="utf-8") as fh:
            for label, text in examples:
                line = clean_line(text)
                if line:
                    fh.write(f"{LABEL_PREFIX}{normalize_label(label)} {line}\n")
                    n += 1
        if n == 0:
            raise ValueError("no non-empty training examples")
        params.setdefault("verbose", 0)
        params["thread"] = training_threads(params.get("thread"))
        return fasttext.train_supervised(input=path, **params)
