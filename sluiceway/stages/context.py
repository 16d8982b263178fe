"""What a dataset stage gets from the run (``DatasetStage.apply(ds, ctx)``): the output folder, the shuffle
width, the stats actor and its own report section."""

from __future__ import annotations

import dataclasses
import os
from typing import Any


@dataclasses.dataclass
class RunContext:
    """What a dataset stage may need from the run: where to checkpoint, how wide to shuffle, its report section."""

    output_dir: str
    num_partitions: int
    stats: Any = None  # handle of the run's StatsCollector actor
    sections: dict[str, dict] = dataclasses.field(default_factory=dict)
    resumed_after: str | None = None  # the stage whose checkpoint this run resumed from

    def report(self, stage: str) -> dict:
        """The report section of ``stage`` (fill it in place; report.json nests it under the stage's entry)."""
        return self.sections.setdefault(stage, {})

    def path(self, *parts: str) -> str:
        """``output_dir/parts...``, refusing absolute parts and ``..`` so a configured name cannot escape it."""
        for part in parts:
            if not part or os.path.isabs(part) or ".." in part.replace("\\", "/").split("/"):
                raise ValueError(f"path {part!r} must be a relative path inside the output directory {self.output_dir}")
        return os.path.join(self.output_dir, *parts)
