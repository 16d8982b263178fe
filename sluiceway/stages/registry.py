"""Stage registry: YAML names map to stage classes from a fixed list of modules (never a config path)."""

from __future__ import annotations

import dataclasses
import importlib
import types
import typing
from typing import Any

from sluiceway.stages.base import Stage

STAGE_MODULES = (
    "sluiceway.stages.clean",
    "sluiceway.stages.gopher",
    "sluiceway.stages.c4",
    "sluiceway.stages.fineweb",
    "sluiceway.stages.langid",
    "sluiceway.stages.quality",
    "sluiceway.stages.tokens",
    "sluiceway.stages.exact_dedup",
    "sluiceway.stages.minhash_dedup",
    "sluiceway.stages.embed",
    "sluiceway.stages.cluster",
    "sluiceway.stages.balanced_sample",
    "sluiceway.stages.semantic_dedup",
    "sluiceway.stages.nuggets",
    "sluiceway.stages.iqs",
    "sluiceway.stages.car_select",
)

_REGISTRY: dict[str, type[Stage]] = {}


class ConfigError(ValueError):
    """A pipeline or stage configuration that cannot run; the message names the bad part."""


def register(cls: type[Stage]) -> type[Stage]:
    """Class decorator: make a stage available under its ``name``."""
    if not cls.name:
        raise TypeError(f"{cls.__name__} has no stage name")
    _REGISTRY[cls.name] = cls
    return cls


def stage_classes() -> dict[str, type[Stage]]:
    for module in STAGE_MODULES:
        importlib.import_module(module)
    return dict(sorted(_REGISTRY.items()))


def stage_params(cls: type[Stage]) -> dict[str, dataclasses.Field]:
    return {f.name: f for f in dataclasses.fields(cls) if f.init}


def _type_ok(value: Any, hint: Any) -> bool:
    origin = typing.get_origin(hint)
    if hint is Any:
        return True
    if origin in (typing.Union, types.UnionType):
        return any(_type_ok(value, h) for h in typing.get_args(hint))
    if origin is typing.Literal:
        return value in typing.get_args(hint)
    if hint is type(None):
        return value is None
    if hint is float:
        return isinstance(value, int | float) and not isinstance(value, bool)
    if hint is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if origin in (list, tuple):
        args = [a for a in typing.get_args(hint) if a is not Ellipsis]
        return isinstance(value, list | tuple) and all(_type_ok(v, args[0]) for v in value) if args else isinstance(value, list | tuple)
    if origin is dict:
        return isinstance(value, dict)
    if isinstance(hint, type):
        return isinstance(value, hint)
    return True


def build_stage(name: str, params: dict[str, Any] | None = None) -> Stage:
    """Instantiate a registered stage from config, with clear errors for unknown names and keys."""
    classes = stage_classes()
    if name not in classes:
        raise ConfigError(f"unknown stage {name!r}; valid stages: {', '.join(classes)}")
    cls = classes[name]
    params = dict(params or {})
    fields = stage_params(cls)
    unknown = sorted(set(params) - set(fields))
    if unknown:
        raise ConfigError(f"stage {name!r} has no parameter {', '.join(map(repr, unknown))}; valid: {', '.join(fields)}")
    hints = typing.get_type_hints(cls)
    for key, value in params.items():
        if not _type_ok(value, hints.get(key, Any)):
            raise ConfigError(f"stage {name!r}: {key}={value!r} is not of type {hints[key]}")
        if isinstance(value, list) and typing.get_origin(hints.get(key)) is tuple:
            params[key] = tuple(value)
    stage = cls(**params)
    try:
        stage.validate()
    except ValueError as exc:
        raise ConfigError(f"stage {name!r}: {exc}") from exc
    return stage
