"""Whole-pipeline resume: the dataset after each dataset stage is checkpointed, and a rerun starts after the
last checkpoint whose key still matches.

Dataset stages (dedup, clustering, selection) are barriers: everything before them has run when they finish.
Their output is written as Parquet under ``_checkpoints/stages/<NN>-<stage>-<key>/`` with a completion marker
written last (the same marker scheme as the MinHash steps, :mod:`sluiceway.dedup.checkpoint`). The key hashes
the input files (path, size, modification time), the read options and every stage up to this one with its
parameters, so a changed input or parameter is never served stale. The marker keeps what the report needs from
the skipped part of the run: the reader's per-file manifest and counters, the stages' timings and counters, and
the dataset stages' report sections.
"""

from __future__ import annotations

import dataclasses
import os
from typing import Any

from sluiceway.dedup.checkpoint import Checkpoints, parquet_files, step_key
from sluiceway.io.read import ReadOptions

STAGE_CHECKPOINTS = os.path.join("_checkpoints", "stages")


def _params(stage: Any) -> dict:
    return {f.name: repr(getattr(stage, f.name)) for f in dataclasses.fields(stage) if f.init}


def input_identity(files: list[str]) -> list[tuple[str, int, int]]:
    """Each input's absolute path, size and modification time: a changed file changes every key."""
    out = []
    for path in files:
        st = os.stat(path)
        out.append((os.path.abspath(path), st.st_size, st.st_mtime_ns))
    return out


@dataclasses.dataclass
class Restored:
    """A checkpoint to start from: the first stage still to run, the data, and the skipped part's records."""

    next_stage: int
    data: str
    info: dict


class StageCheckpoints:
    """Checkpoints of one pipeline's dataset stages in ``output_dir``."""

    def __init__(self, output_dir: str, stages: list, read_options: ReadOptions, files: list[str]):
        self.cp = Checkpoints(os.path.join(output_dir, STAGE_CHECKPOINTS))
        read = {k: v for k, v in dataclasses.asdict(read_options).items() if k != "strict"}
        base = [input_identity(files), read]
        self.keys: list[str] = []
        for stage in stages:
            base = [*base, stage.name, _params(stage)]
            self.keys.append(step_key(*base))
        self.names = [stage.name for stage in stages]

    def _step(self, index: int) -> str:
        return f"{index:02d}-{self.names[index]}"

    def latest(self) -> Restored | None:
        """The last completed checkpoint of this pipeline, if any."""
        for index in range(len(self.keys) - 1, -1, -1):
            step, key = self._step(index), self.keys[index]
            if self.cp.done(step, key) and self.cp.has_files(step, key):
                return Restored(index + 1, self.cp.data(step, key), self.cp.info(step, key))
        return None

    def save(self, index: int, ds: Any, snapshot_fn: Any, sections: dict, dataset_seconds: dict) -> Any:
        """Write ``ds`` (the output of stage ``index``) and return it read back; ``snapshot_fn()`` gives the
        stats collector's state once the write has run everything before it."""
        from sluiceway.io.datasource import read_parquet_folder

        step, key = self._step(index), self.keys[index]
        self.cp.start(step, key)
        data = self.cp.data(step, key)
        ds.write_parquet(data)
        if not parquet_files(data):  # no rows at all: nothing worth resuming from
            return ds
        self.cp.finish(step, key, {"stage": self.names[index], "snapshot": snapshot_fn(), "sections": sections,
                                   "dataset_seconds": dataset_seconds})
        return read_parquet_folder(data)
