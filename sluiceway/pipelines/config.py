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
from sluiceway.stages.registry import ConfigError, build_stage

TOP_KEYS = ("name", "description", "input", "output", "stages")
INPUT_KEYS = tuple(f.name for f in dataclasses.fields(ReadOptions))
OUTPUT_KEYS = ("format",)


@dataclasses.dataclass
class PipelineConfig:
    stages: list[Stage]
    read_options: ReadOptions
    output_format: str = "parquet"
    name: str = ""


def _check_keys(where: str, given: dict, valid: tuple[str, ...]) -> None:
    unknown = sorted(set(given) - set(valid))
    if unknown:
        raise ConfigError(f"{where}: unknown key {', '.join(map(repr, unknown))}; valid: {', '.join(valid)}")


def parse_stage_list(items: Any) -> list[Stage]:
    if not isinstance(items, list) or not items:
        raise ConfigError("'stages' must be a non-empty list")
    stages = []
    for position, item in enumerate(items, start=1):
        if isinstance(item, str):
            name, params = item, {}
        elif isinstance(item, dict) and len(item) == 1:
            name, params = next(iter(item.items()))
            params = params or {}
        else:
            raise ConfigError(f"stage #{position} must be a name or a one-key mapping {{name: {{params}}}}, got {item!r}")
        if not isinstance(params, dict):
            raise ConfigError(f"stage #{position} ({name}): parameters must be a mapping, got {params!r}")
        stages.append(build_stage(name, params))
    return stages


def parse_config(doc: Any) -> PipelineConfig:
    if not isinstance(doc, dict):
        raise ConfigError("a pipeline config must be a mapping with a 'stages' list")
    _check_keys("pipeline config", doc, TOP_KEYS)
    read = doc.get("input") or {}
    _check_keys("input", read, INPUT_KEYS)
    out = doc.get("output") or {}
    _check_keys("output", out, OUTPUT_KEYS)
    fmt = out.get("format", "parquet")
    if fmt not in FORMATS:
        raise ConfigError(f"output format {fmt!r} is not one of {', '.join(FORMATS)}")
    try:
        read_options = ReadOptions(**read)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"input: {exc}") from exc
    return PipelineConfig(parse_stage_list(doc.get("stages")), read_options, fmt, doc.get("name", ""))


def load_config(path: str) -> PipelineConfig:
    try:
        with open(path, encoding="utf-8") as fh:
            doc = yaml.safe_load(fh)
    except FileNotFoundError as exc:
        raise ConfigError(f"config file not found: {path}") from exc
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path} is not valid YAML: {exc}") from exc
    try:
        return parse_config(doc)
    except ConfigError as exc:
        raise ConfigError(f"{path}: {exc}") from exc
