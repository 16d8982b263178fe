"""Load and validate a YAML pipeline before anything runs.

```yaml
input:  {text_field: text, id_field: id, format: auto}
output: {format: parquet}          # parquet | jsonl | jsonl.gz
stages:
  - normalize: {form: NFC}
  - gopher_quality: {}
  - exact_dedup                    # a bare name takes the defaults
```
"""

from __future__ import annotations

import dataclasses
from typing import Any

import yaml

from sluiceway.io.read import ReadOptions
from sluiceway.io.write import FORMATS
from sluiceway.stages.base import Stage
from sluiceway.stages.registry import ConfigError, build_stage, check_types

TOP_KEYS = ("name", "description", "input", "output", "stages")
INPUT_KEYS = tuple(f.name for f in dataclasses.fields(ReadOptions))
OUTPUT_KEYS = ("format", "checkpoints")


@dataclasses.dataclass
class PipelineConfig:
    stages: list[Stage]
    read_options: ReadOptions
    output_format: str = "parquet"
    name: str = ""
    checkpoints: bool = True  # the dataset after each dataset stage, so --resume starts there


def _check_keys(where: str, given: dict, valid: tuple[str, ...]) -> None:
    unknown = sorted(set(given) - set(valid))
    if unknown:
        raise ConfigError(f"{where}: unknown key {', '.join(map(repr, unknown))}; valid: {', '.join(valid)}")


def parse_stage_list(items: Any, lines: list[int] | None = None) -> list[Stage]:
    """Build the stages; ``lines`` (1-based, one per item) lets an error name its line in the YAML."""
    if not isinstance(items, list) or not items:
        raise ConfigError("'stages' must be a non-empty list")
    stages = []
    for position, item in enumerate(items, start=1):
        line = lines[position - 1] if lines and position <= len(lines) else None
        try:
            stages.append(_parse_stage(position, item))
        except ConfigError as exc:
            raise ConfigError(str(exc), line) from exc
    return stages


def _parse_stage(position: int, item: Any) -> Stage:
    if isinstance(item, str):
        name, params = item, {}
    elif isinstance(item, dict) and len(item) == 1:
        name, params = next(iter(item.items()))
        params = params or {}
    else:
        raise ConfigError(f"stage #{position} must be a name or a one-key mapping {{name: {{params}}}}, got {item!r}")
    if not isinstance(params, dict):
        raise ConfigError(f"stage #{position} ({name}): parameters must be a mapping, got {params!r}")
    return build_stage(name, params)


def parse_config(doc: Any, lines: dict[str, Any] | None = None) -> PipelineConfig:
    """Validate a loaded YAML document; ``lines`` maps top-level keys (and ``stages`` items) to YAML lines."""
    lines = lines or {}
    if not isinstance(doc, dict):
        raise ConfigError("a pipeline config must be a mapping with a 'stages' list")
    _check_keys("pipeline config", doc, TOP_KEYS)
    read = doc.get("input") or {}
    out = doc.get("output") or {}
    for key, value in (("input", read), ("output", out)):
        if not isinstance(value, dict):
            raise ConfigError(f"{key}: must be a mapping, got {value!r}", lines.get(key))
    try:
        _check_keys("input", read, INPUT_KEYS)
        read = check_types("input", ReadOptions, read)
        read_options = ReadOptions(**read)
    except ConfigError as exc:
        raise ConfigError(str(exc), lines.get("input")) from exc
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"input: {exc}", lines.get("input")) from exc
    _check_keys("output", out, OUTPUT_KEYS)
    fmt = out.get("format", "parquet")
    if fmt not in FORMATS:
        raise ConfigError(f"output format {fmt!r} is not one of {', '.join(FORMATS)}", lines.get("output"))
    checkpoints = out.get("checkpoints", True)
    if not isinstance(checkpoints, bool):
        raise ConfigError(f"output: checkpoints must be true or false, not {checkpoints!r}", lines.get("output"))
    return PipelineConfig(parse_stage_list(doc.get("stages"), lines.get("stages")), read_options, fmt,
                          doc.get("name", ""), checkpoints)


def _lines(text: str) -> dict[str, Any]:
    """1-based YAML lines of the top-level keys, and of each item under ``stages``."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return {}
    found: dict[str, Any] = {}
    if isinstance(root, yaml.MappingNode):
        for key, value in root.value:
            if isinstance(key, yaml.ScalarNode):
                found[key.value] = key.start_mark.line + 1
                if key.value == "stages" and isinstance(value, yaml.SequenceNode):
                    found["stages"] = [item.start_mark.line + 1 for item in value.value]
    return found


def _yaml_error(path: str, exc: yaml.YAMLError) -> ConfigError:
    mark = getattr(exc, "problem_mark", None)
    where = f"{path}:{mark.line + 1}" if mark is not None else path
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    if isinstance(exc, yaml.constructor.ConstructorError) and "tag" in problem:
        return ConfigError(f"{where}: {problem.replace('could not determine a constructor for the tag', 'YAML tag')}"
                           " is not allowed: configs are loaded with yaml.safe_load (plain values only)")
    return ConfigError(f"{where}: not valid YAML: {problem}")


def load_config(path: str) -> PipelineConfig:
    try:
        with open(path, encoding="utf-8") as fh:
            text = fh.read()
    except FileNotFoundError as exc:
        raise ConfigError(f"config file not found: {path}") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read config {path}: {exc}") from exc
    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise _yaml_error(path, exc) from exc
    try:
        return parse_config(doc, _lines(text))
    except ConfigError as exc:
        where = f"{path}:{exc.line}" if exc.line else path
        raise ConfigError(f"{where}: {exc}", exc.line) from exc
