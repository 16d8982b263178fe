"""CaR's instruction-pair quality scorer (IQS; Ge et al., EMNLP 2024), two backends.

* ``cheap`` — sentence-embedding features of the response and of its fit to the instruction, plus a few
  surface features (length, structure, overlap), scored by a linear model trained on the pairs as a
  Bradley-Terry/pairwise logistic regression (``w . (phi(better) - phi(worse))``). Minutes on a CPU.
* ``encoder`` — as in the paper: a transformer encoder fine-tuned with a regression head on
  ``Instruction: .. Input: .. Response: ..`` texts, MSE against revised = 1, original = 0. The paper used
  xlm-roberta-large; the offline all-MiniLM-L6-v2 stands in by default.

Training data: (instruction, input, better, worse) pairs, e.g. CaR's expert-revised Alpaca pairs. Every
text is unescaped first (their original responses carry literal backslash escapes; see ``template.unescape``).
"""

from __future__ import annotations

import csv
import dataclasses
import json
import math
import os
import re
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from sluiceway.diversity.st_embedder import bundled_model_path
from sluiceway.sft.template import iqs_text, unescape

BACKENDS = ("cheap", "encoder")
CONFIG = "iqs.json"
_WORD = re.compile(r"\w+")
_SENT = re.compile(r"[.!?]+(?:\s|$)")


@dataclasses.dataclass
class IQSPair:
    instruction: str
    input: str
    better: str
    worse: str


def _split_src(src: str) -> tuple[str, str]:
    src = src.strip()
    src = src.removeprefix("Instruction:").strip()
    instruction, _, input = src.partition(" Input:")
    return instruction.strip(), input.strip()


def load_pairs(path: str, split: str = "train", *, do_unescape: bool = True) -> list[IQSPair]:
    """Pairs from CaR's ``pairs_{split}.csv`` (``src``/``pos``/``neg``) or a JSONL with ``instruction``,
    ``input``, ``better``/``chosen`` and ``worse``/``rejected``; ``path`` may be the folder holding them."""
    if os.path.isdir(path):
        path = os.path.join(path, f"pairs_{split}.csv")
    if not os.path.exists(path):
        raise ValueError(f"no pairs file at {path}")
    fix = unescape if do_unescape else (lambda s: s)
    pairs = []
    if path.endswith(".csv"):
        with open(path, encoding="utf-8", newline="") as fh:
            for row in csv.DictReader(fh):
                if not {"src", "pos", "neg"} <= set(row):
                    raise ValueError(f"{path}: expected columns src, pos, neg")
                instruction, input = _split_src(fix(row["src"]))
                pairs.append(IQSPair(instruction, input, fix(row["pos"]).strip().removeprefix("Response:").strip(),
                                     fix(row["neg"]).strip().removeprefix("Response:").strip()))
        return pairs
    with open(path, encoding="utf-8") as fh:
        for n, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            rec = json.loads(line)
            better, worse = rec.get("better", rec.get("chosen")), rec.get("worse", rec.get("rejected"))
            if not isinstance(rec.get("instruction"), str) or not isinstance(better, str) or not isinstance(worse, str):
                raise ValueError(f"{path}:{n}: need string instruction, better/chosen, worse/rejected")
            pairs.append(IQSPair(fix(rec["instruction"]), fix(rec.get("input") or ""), fix(better), fix(worse)))
    return pairs


# -- surface features -------------------------------------------------------------------------------
SURFACE = ("log_chars", "log_words", "log_lines", "log_paragraphs", "bullet_frac", "log_numbered", "log_bold",
           "log_headings", "code_fences", "mean_sentence_words", "type_token", "ends_terminal", "log_len_ratio",
           "instruction_overlap", "log_colons")


def surface_features(prompt: str, response: str) -> list[float]:
    words = _WORD.findall(response.lower())
    lines = [ln for ln in response.splitlines() if ln.strip()]
    paragraphs = [p for p in re.split(r"\n\s*\n", response) if p.strip()]
    sentences = max(1, len(_SENT.findall(response)))
    prompt_words = set(_WORD.findall(prompt.lower()))
    content = {w for w in prompt_words if len(w) > 3}
    return [math.log1p(len(response)), math.log1p(len(words)), math.log1p(len(lines)), math.log1p(len(paragraphs)),
            sum(bool(re.match(r"\s*[-*\u2022]\s", ln)) for ln in lines) / max(1, len(lines)),
            math.log1p(sum(bool(re.match(r"\s*\d+[.)]\s", ln)) for ln in lines)),
            math.log1p(response.count("**") // 2), math.log1p(sum(ln.lstrip().startswith("#") for ln in lines)),
            float(response.count("```") // 2), min(60.0, len(words) / sentences),
            len(set(words)) / max(1, len(words)), float(response.rstrip()[-1:] in ".!?)\"'`"),
            math.log((1 + len(words)) / (1 + len(prompt_words))),
            len(content & set(words)) / max(1, len(content)), math.log1p(response.count(":"))]


# -- the cheap backend ------------------------------------------------------------------------------
class CheapIQS:
    """Linear pairwise model over [surface features, E(response), E(prompt) * E(response), cos]."""

    backend = "cheap"

    def __init__(self, embedder: str = "auto", embedder_path: str | None = None, use_embeddings: bool = True):
        self.embedder, self.embedder_path, self.use_embeddings = embedder, embedder_path, use_embeddings
        self.mean: np.ndarray | None = None
        self.scale: np.ndarray | None = None
        self.weights: np.ndarray | None = None
        self.C: float | None = None
        self._encoder: Any = None

    def _embed(self, texts: list[str]) -> np.ndarray:
        if self._encoder is None:
            from sluiceway.diversity.embedders import load_embedder

            self._encoder = load_embedder(self.embedder, self.embedder_path)
        return np.asarray(self._encoder.encode(texts, batch_size=64), dtype=np.float32)

    def features(self, instructions: Sequence[str], inputs: Sequence[str], outputs: Sequence[str]) -> np.ndarray:
        prompts = [f"{i}\n{x}".strip() for i, x in zip(instructions, inputs, strict=True)]
        surface = np.asarray([surface_features(p, o) for p, o in zip(prompts, outputs, strict=True)], dtype=np.float64)
        if not self.use_embeddings:
            return surface
        unique = sorted(set(prompts))
        where = {p: i for i, p in enumerate(unique)}
        pe = self._embed(unique)[[where[p] for p in prompts]]
        re_ = self._embed(list(outputs))
        cos = (pe * re_).sum(axis=1, keepdims=True)
        return np.hstack([surface, cos, re_, pe * re_]).astype(np.float64)

    def fit_features(self, better: np.ndarray, worse: np.ndarray, seed: int = 0) -> CheapIQS:
        """Pairwise logistic regression on standardized feature differences; C by 5-fold CV accuracy."""
        from sklearn.linear_model import LogisticRegression
        from sklearn.model_selection import cross_val_score

        both = np.vstack([better, worse])
        self.mean, self.scale = both.mean(axis=0), both.std(axis=0) + 1e-6
        diff = (better - worse) / self.scale
        flip = np.random.default_rng(seed).random(len(diff)) < 0.5  # one orientation per pair: CV folds stay clean
        x = np.where(flip[:, None], -diff, diff)
        y = (~flip).astype(int)
        folds = min(5, int(min(y.sum(), len(y) - y.sum())))
        best = (-1.0, 1.0)
        for c in np.logspace(-3, 1, 5) if folds >= 2 else [1.0]:
            model = LogisticRegression(C=c, fit_intercept=False, max_iter=5000)
            acc = cross_val_score(model, x, y, cv=folds).mean() if folds >= 2 else 0.0
            best = max(best, (acc, c), key=lambda t: t[0])
        self.C = float(best[1])
        model = LogisticRegression(C=self.C, fit_intercept=False, max_iter=5000).fit(x, y)
        self.weights = model.coef_[0]
        return self

    def fit(self, pairs: Sequence[IQSPair], seed: int = 0) -> CheapIQS:
        instr, inp = [p.instruction for p in pairs], [p.input for p in pairs]
        return self.fit_features(self.features(instr, inp, [p.better for p in pairs]),
                                 self.features(instr, inp, [p.worse for p in pairs]), seed)

    def score_features(self, feats: np.ndarray) -> np.ndarray:
        if self.weights is None:
            raise ValueError("IQS model is not trained")
        return ((feats - self.mean) / self.scale) @ self.weights

    def score(self, instructions: Sequence[str], inputs: Sequence[str], outputs: Sequence[str]) -> np.ndarray:
        return self.score_features(self.features(instructions, inputs, outputs))

    def save(self, path: str) -> None:
        os.makedirs(path, exist_ok=True)
        np.savez(os.path.join(path, "weights.npz"), mean=self.mean, scale=self.scale, weights=self.weights)
        _write_config(path, {"backend": self.backend, "embedder": self.embedder, "embedder_path": self.embedder_path,
                             "use_embeddings": self.use_embeddings, "C": self.C, "surface": list(SURFACE)})

    @classmethod
    def load(cls, path: str, config: dict) -> CheapIQS:
        model = cls(config["embedder"], config.get("embedder_path"), config.get("use_embeddings", True))
        with np.load(os.path.join(path, "weights.npz")) as data:
            model.mean, model.scale, model.weights = data["mean"], data["scale"], data["weights"]
        model.C = config.get("C")
        return model


# -- the encoder backend ----------------------------------------------------------------------------
class EncoderIQS:
    """A fine-tuned encoder with a one-output regression head (``AutoModelForSequenceClassification``)."""

    backend = "encoder"

    def __init__(self, path: str, device: str = "auto", max_length: int = 256, batch_size: int = 32):
        import torch
        from transformers import AutoModelForSequenceClassification, AutoTokenizer

        from sluiceway.sft.lm import resolve_device

        self.device = resolve_device(device)
        self.tokenizer = AutoTokenizer.from_pretrained(path)
        self.model = AutoModelForSequenceClassification.from_pretrained(path, num_labels=1)
        self.model.to(self.device).eval()
        self.max_length, self.batch_size, self._torch = max_length, batch_size, torch

    def score(self, instructions: Sequence[str], inputs: Sequence[str], outputs: Sequence[str]) -> np.ndarray:
        texts = [iqs_text(i, x, o) for i, x, o in zip(instructions, inputs, outputs, strict=True)]
        order = np.argsort([len(t) for t in texts])
        out = np.empty(len(texts))
        torch = self._torch
        with torch.inference_mode():
            for start in range(0, len(texts), self.batch_size):
                idx = order[start:start + self.batch_size]
                enc = self.tokenizer([texts[i] for i in idx], truncation=True, max_length=self.max_length,
                                     padding=True, return_tensors="pt").to(self.device)
                out[idx] = self.model(**enc).logits[:, 0].float().cpu().numpy()
        return out

    @staticmethod
    def train(pairs: Sequence[IQSPair], output: str, *, base_model: str | None = None, epochs: int = 2,
              lr: float = 5e-5, batch_size: int = 16, max_length: int = 256, seed: int = 0, device: str = "auto",
              max_minutes: float | None = None, train_layers: int | None = None,
              log: Callable[[str], None] | None = print) -> dict:
        """Fine-tune with MSE, revised (better) = 1 and original (worse) = 0, as in the paper.

        ``train_layers`` trains only the top N encoder layers and the head (cheaper on a CPU); None trains all.
        """
        import time

        import torch
        from transformers import AutoModelForSequenceClassification, AutoTokenizer

        from sluiceway.sft.lm import resolve_device

        torch.manual_seed(seed)
        base = base_model or bundled_model_path()
        dev = resolve_device(device)
        tokenizer = AutoTokenizer.from_pretrained(base)
        model = AutoModelForSequenceClassification.from_pretrained(base, num_labels=1, problem_type="regression")
        model.to(dev).train()
        if train_layers is not None:
            _freeze_below(model, train_layers)
        texts = [iqs_text(p.instruction, p.input, p.better) for p in pairs]
        texts += [iqs_text(p.instruction, p.input, p.worse) for p in pairs]
        labels = [1.0] * len(pairs) + [0.0] * len(pairs)
        steps_per_epoch = math.ceil(len(texts) / batch_size)
        total = steps_per_epoch * epochs
        opt = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=lr, weight_decay=0.01)
        sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: min(1.0, (s + 1) / max(1, total // 10))
                                                  * max(0.0, (total - s) / total))
        rng, step, start = np.random.default_rng(seed), 0, time.monotonic()
        for epoch in range(epochs):
            losses = []
            for idx in np.array_split(rng.permutation(len(texts)), steps_per_epoch):
                enc = tokenizer([texts[i] for i in idx], truncation=True, max_length=max_length, padding=True,
                                return_tensors="pt").to(dev)
                target = torch.tensor([labels[i] for i in idx], device=dev)
                loss = torch.nn.functional.mse_loss(model(**enc).logits[:, 0].float(), target)
                opt.zero_grad()
                loss.backward()
                torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
                opt.step()
                sched.step()
                losses.append(loss.item())
                step += 1
                if log and step % 20 == 0:
                    log(f"epoch {epoch + 1} step {step}/{total}: mse {np.mean(losses[-20:]):.4f}")
                if max_minutes and time.monotonic() - start > max_minutes * 60:
                    break
            if max_minutes and time.monotonic() - start > max_minutes * 60:
                break
        model.eval()
        os.makedirs(output, exist_ok=True)
        model.save_pretrained(output)
        tokenizer.save_pretrained(output)
        info = {"backend": "encoder", "base_model": base, "epochs": epochs, "steps": step, "planned_steps": total,
                "lr": lr, "max_length": max_length, "train_layers": train_layers, "seconds": round(time.monotonic() - start, 1)}
        _write_config(output, info)
        return info

    @classmethod
    def load(cls, path: str, config: dict, device: str = "auto") -> EncoderIQS:
        return cls(path, device=device, max_length=config.get("max_length", 256))


def _freeze_below(model: Any, train_layers: int) -> None:
    """Freeze embeddings and all but the top ``train_layers`` encoder layers."""
    layers = None
    for module in model.modules():
        if hasattr(module, "layer") and hasattr(module.layer, "__len__"):
            layers = module.layer
            break
    if layers is None:
        raise ValueError("train_layers: cannot find the encoder layers of this model")
    base = getattr(model, model.base_model_prefix, model)
    for p in base.parameters():
        p.requires_grad = False
    for layer in list(layers)[len(layers) - train_layers:] if train_layers else []:
        for p in layer.parameters():
            p.requires_grad = True
    for name, p in model.named_parameters():
        if not name.startswith(model.base_model_prefix + ".") or ".pooler." in name:
            p.requires_grad = True


# -- shared -----------------------------------------------------------------------------------------
def _write_config(path: str, config: dict) -> None:
    with open(os.path.join(path, CONFIG), "w", encoding="utf-8") as fh:
        json.dump(config, fh, indent=2)


def load_iqs(path: str, device: str = "auto") -> CheapIQS | EncoderIQS:
    """Load a model written by ``train_iqs`` (``iqs.json`` says which backend)."""
    cfg_path = os.path.join(path, CONFIG)
    if not os.path.exists(cfg_path):
        raise ValueError(f"{path} is not an IQS model (no {CONFIG}); train one with `sluiceway iqs train`")
    with open(cfg_path, encoding="utf-8") as fh:
        config = json.load(fh)
    if config.get("backend") == "cheap":
        return CheapIQS.load(path, config)
    if config.get("backend") == "encoder":
        return EncoderIQS.load(path, config, device)
    raise ValueError(f"{cfg_path}: unknown backend {config.get('backend')!r}")


def train_iqs(pairs: Sequence[IQSPair], output: str, backend: str = "cheap", **options: Any) -> dict:
    """Train and save an IQS model; returns what was done."""
    if backend not in BACKENDS:
        raise ValueError(f"IQS backend {backend!r} is not one of {', '.join(BACKENDS)}")
    if len(pairs) < 10:
        raise ValueError(f"need at least 10 training pairs, got {len(pairs)}")
    if backend == "encoder":
        return EncoderIQS.train(pairs, output, **options)
    seed = options.pop("seed", 0)
    model = CheapIQS(**options).fit(pairs, seed=seed)
    model.save(output)
    return {"backend": "cheap", "pairs": len(pairs), "C": model.C, "features": int(len(model.weights))}


def pairwise_accuracy(better: np.ndarray, worse: np.ndarray) -> dict:
    """Share of pairs where the better response scores strictly higher (``ties_half`` counts ties 0.5)."""
    better, worse = np.asarray(better, dtype=np.float64), np.asarray(worse, dtype=np.float64)
    wins, ties = float((better > worse).sum()), float((better == worse).sum())
    n = max(1, len(better))
    return {"pairs": int(len(better)), "accuracy": round(wins / n, 4), "ties_half": round((wins + ties / 2) / n, 4),
            "ties": int(ties)}


def evaluate(model: CheapIQS | EncoderIQS, pairs: Sequence[IQSPair]) -> dict:
    instr, inp = [p.instruction for p in pairs], [p.input for p in pairs]
    return pairwise_accuracy(model.score(instr, inp, [p.better for p in pairs]),
                             model.score(instr, inp, [p.worse for p in pairs]))


def length_baseline(pairs: Sequence[IQSPair]) -> dict:
    """"The longer response wins" (characters)."""
    return pairwise_accuracy(np.array([len(p.better) for p in pairs]), np.array([len(p.worse) for p in pairs]))
