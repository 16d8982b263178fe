"""Stage registry: YAML names map to stage classes from a fixed list of modules (never a config path)."""

from __future__ import annotations

import dataclasses
import importlib
import os
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
    """A pipeline or stage configuration that cannot run; the message names the bad part (``line``: in the YAML)."""

    def __init__(self, message: str, line: int | None = None):
        super().__init__(message)
        self.line = line


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


def type_name(hint: Any) -> str:
    """A YAML user's name for a type hint: ``float``, ``list of str``, ``int or null``, ``one of 'a', 'b'``."""
    origin = typing.get_origin(hint)
    if hint is type(None):
        return "null"
    if origin in (typing.Union, types.UnionType):
        return " or ".join(type_name(h) for h in typing.get_args(hint))
    if origin is typing.Literal:
        return "one of " + ", ".join(map(repr, typing.get_args(hint)))
    if origin in (list, tuple):
        args = [a for a in typing.get_args(hint) if a is not Ellipsis]
        return f"list of {type_name(args[0])}" if args else "list"
    if origin is dict:
        return "mapping"
    return getattr(hint, "__name__", str(hint))


def _yaml_kind(value: Any) -> str:
    kinds = {bool: "bool", int: "int", float: "float", str: "string", list: "list", dict: "mapping",
             type(None): "null"}
    return kinds.get(type(value), type(value).__name__)


def check_types(where: str, cls: type, params: dict[str, Any]) -> dict[str, Any]:
    """Check ``params`` against ``cls``'s dataclass type hints; lists become tuples where a tuple is declared.

    ``where`` names the owner in the message (``stage 'langid'``, ``input``)."""
    hints = typing.get_type_hints(cls)
    out = dict(params)
    for key, value in params.items():
        hint = hints.get(key, Any)
        if not _type_ok(value, hint):
            note = ""
            if isinstance(value, str) and _looks_numeric(value) and (_type_ok(1.5, hint) or _type_ok(1, hint)):
                note = f" (write {value} without quotes)"
            raise ConfigError(f"{where}: parameter {key!r} must be {type_name(hint)}, got {_yaml_kind(value)} "
                              f"{value!r}{note}")
        if isinstance(value, list) and typing.get_origin(hint) is tuple:
            out[key] = tuple(value)
    return out


def _looks_numeric(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def check_model_paths(stage: Stage) -> None:
    """Every model path the stage declares (``Stage.model_paths``) must exist before anything runs."""
    from sluiceway.shipped.models import ShippedModelMissing, resolve

    for param, ref in stage.model_paths().items():
        try:
            path = resolve(ref)
        except ShippedModelMissing as exc:
            raise ConfigError(f"stage {stage.name!r}: {param}: {exc}") from None
        if path and not os.path.exists(path):
            where = "" if os.path.isabs(path) else f" (relative to the working directory {os.getcwd()})"
            raise ConfigError(f"stage {stage.name!r}: {param}: model not found: {path}{where}")


def build_stage(name: str, params: dict[str, Any] | None = None) -> Stage:
    """Instantiate a registered stage from config, with clear errors for unknown names, keys, types and models."""
    classes = stage_classes()
    if name not in classes:
        raise ConfigError(f"unknown stage {name!r}; valid stages: {', '.join(classes)}")
    cls = classes[name]
    params = dict(params or {})
    fields = stage_params(cls)
    unknown = sorted(set(params) - set(fields))
    if unknown:
        raise ConfigError(f"stage {name!r} has no parameter {', '.join(map(repr, unknown))}; valid: {', '.join(fields)}")
    params = check_types(f"stage {name!r}", cls, params)
    stage = cls(**params)
    try:
        stage.validate()
    except ValueError as exc:
        raise ConfigError(f"stage {name!r}: {exc}") from exc
    check_model_paths(stage)
    return stage
