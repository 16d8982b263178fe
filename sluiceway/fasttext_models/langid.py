"""Train and evaluate a fastText language identifier from one-sentence-per-line files.

Like fastText's own ``lid.176`` (Joulin et al. 2016): a linear classifier over character n-grams,
so it works on scripts without spaces (Chinese, Japanese) and on words it never saw.
"""

from __future__ import annotations

import glob
import os
import random
from collections import Counter
from typing import Any

from sluiceway.fasttext_models.fasttext_io import clean_line, top_label, train_supervised
from sluiceway.fasttext_models.params import LangidTrainParams


def read_langid_dir(directory: str) -> dict[str, list[str]]:
    """``{language: sentences}`` from ``DIR/<language>.txt`` (or ``.txt.gz``), one sentence per line."""
    from sluiceway.io.texts import iter_lines

    if not os.path.isdir(directory):
        raise FileNotFoundError(f"language-ID data directory not found: {directory}")
    data: dict[str, list[str]] = {}
    for path in sorted(glob.glob(os.path.join(directory, "*.txt")) + glob.glob(os.path.join(directory, "*.txt.gz"))):
        lang = os.path.basename(path).split(".")[0]
        if lang.startswith("__label__") or " " in lang or not lang:
            raise ValueError(f"{path}: file names must be the language label, e.g. en.txt")
        lines = [t for t in (clean_line(x) for x in iter_lines(path)) if t]
        if lines:
            data.setdefault(lang, []).extend(lines)
    if len(data) < 2:
        raise ValueError(f"{directory} needs at least two non-empty <language>.txt files, found {sorted(data)}")
    return data


def split_data(data: dict[str, list[str]], holdout: float, seed: int) -> tuple[dict, dict]:
    """Per-language shuffle and split: ``(train, test)``."""
    rng = random.Random(seed)
    train, test = {}, {}
    for lang, lines in sorted(data.items()):
        lines = lines[:]
        rng.shuffle(lines)
        n_test = round(len(lines) * holdout)
        train[lang], test[lang] = lines[n_test:], lines[:n_test]
    return train, test


def evaluate_langid(model: Any, test: dict[str, list[str]]) -> dict[str, Any]:
    """Per-language accuracy (recall), macro and micro accuracy, and the top confusions."""
    per_lang, confusions, right, total = {}, Counter(), 0, 0
    for lang, lines in sorted(test.items()):
        if not lines:
            continue
        predicted, _ = top_label(model, lines)
        ok = sum(p == lang for p in predicted)
        per_lang[lang] = round(ok / len(lines), 4)
        confusions.update(f"{lang}->{p}" for p in predicted if p != lang)
        right, total = right + ok, total + len(lines)
    macro = round(sum(per_lang.values()) / len(per_lang), 4) if per_lang else 0.0
    return {"per_language": per_lang, "macro_accuracy": macro,
            "micro_accuracy": round(right / total, 4) if total else 0.0,
            "top_confusions": dict(confusions.most_common(5)), "test_sentences": total}


def train_langid(data: dict[str, list[str]], out: str, params: LangidTrainParams | None = None) -> dict[str, Any]:
    """Train on the training split of every language, evaluate on the rest, save to ``out``."""
    params = params or LangidTrainParams()
    params.validate()
    train, test = split_data(data, params.holdout, params.seed)
    examples = [(lang, line) for lang, lines in train.items() for line in lines]
    random.Random(params.seed).shuffle(examples)
    model = train_supervised(examples, **params.fasttext_args())
    model.save_model(out)
    result: dict[str, Any] = {"model": out, "languages": sorted(data),
                              "train_sentences": len(examples)}
    if any(test.values()):
        result.update(evaluate_langid(model, test))
    return result


def format_langid(result: dict[str, Any]) -> str:
    lines = [f"model: {result['model']}  languages: {' '.join(result['languages'])}  "
             f"train sentences: {result['train_sentences']}"]
    if "per_language" in result:
        lines.append("held-out accuracy: " + "  ".join(f"{k} {v:.3f}" for k, v in result["per_language"].items()))
        lines.append(f"macro {result['macro_accuracy']:.4f}  micro {result['micro_accuracy']:.4f}  "
                     f"({result['test_sentences']} sentences)")
        if result["top_confusions"]:
            lines.append("top confusions: " + ", ".join(f"{k} {v}" for k, v in result["top_confusions"].items()))
    return "\n".join(lines)
