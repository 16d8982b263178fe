"""sluiceway: curate LLM training data on Ray Data, and plan the training run it feeds."""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"
__all__ = ["Pipeline", "ReadOptions", "build_stage", "__version__"]


def __getattr__(name: str) -> Any:  # lazy, so `sluiceway plan` does not import Arrow or Ray
    if name == "Pipeline":
        from sluiceway.pipelines.pipeline import Pipeline

        return Pipeline
    if name == "ReadOptions":
        from sluiceway.io.read import ReadOptions

        return ReadOptions
    if name == "build_stage":
        from sluiceway.stages.registry import build_stage

        return build_stage
    raise AttributeError(name)
