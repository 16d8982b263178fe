"""A zero-CPU Ray actor that gathers per-stage timings and counters from the workers."""

from __future__ import annotations

from collections import Counter, defaultdict

import ray


@ray.remote(num_cpus=0)
class StatsCollector:
    """Workers report (stage, seconds, rows, counters) per batch; the driver reads a snapshot."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)
        self.rows: dict[str, int] = defaultdict(int)
        self.counters: dict[str, Counter] = defaultdict(Counter)
        self.files: dict[str, dict] = {}
        self.manifest: dict[str, dict] = {}

    def add(self, stage: str, seconds: float, rows: int, counters: dict | None = None) -> None:
        self.seconds[stage] += seconds
        self.rows[stage] += rows
        if counters:
            self.counters[stage].update(counters)

    def file_done(self, path: str, counters: dict, manifest: dict | None = None) -> None:
        # keyed by path so a retried read task does not count its file twice
        self.files[path] = counters
        if manifest is not None:  # rows and key digest the output must reproduce
            self.manifest[path] = manifest

    def restore(self, snapshot: dict) -> None:
        """Start from a checkpoint's snapshot: a resumed run skips the read and the stages before it."""
        for name, values in snapshot.get("seconds", {}).items():
            self.seconds[name] += values
        for name, values in snapshot.get("rows", {}).items():
            self.rows[name] += values
        for name, values in snapshot.get("counters", {}).items():
            self.counters[name].update(values)
        self.files.update(snapshot.get("files", {}))
        self.manifest.update(snapshot.get("manifest", {}))

    def snapshot(self) -> dict:
        return {
            "seconds": dict(self.seconds),
            "rows": dict(self.rows),
            "counters": {k: dict(v) for k, v in self.counters.items()},
            "files": dict(self.files),
            "manifest": dict(self.manifest),
        }
