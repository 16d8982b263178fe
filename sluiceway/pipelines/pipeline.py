"""A pipeline: read → stages → kept/rejected → write → report, on Ray Data."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from typing import Any

from sluiceway.io.read import InputError, ReadOptions, expand_inputs, peek_columns, source_names
from sluiceway.io.write import FORMATS, write_batch
from sluiceway.pipelines.config import PipelineConfig, load_config
from sluiceway.pipelines.outdir import CHECKPOINTS, OutputExistsError, prepare_output
from sluiceway.pipelines.report import AccountingError, build_report, format_summary
from sluiceway.pipelines.resume import StageCheckpoints
from sluiceway.pipelines.verify import duplicate_ids_in_inputs, manifest_of, scan_output, verify_against
from sluiceway.rows import REASON, STAGE, alive_rows
from sluiceway.stages.base import DatasetStage, ModelStage, RunContext, Stage
from sluiceway.stages.registry import ConfigError, check_model_paths

__all__ = ["CHECKPOINTS", "OutputExistsError", "Pipeline", "RunInterrupted", "check_columns"]

PostStep = Callable[[dict], dict]  # the finished report -> top-level entries to add before it is written


class RunInterrupted(KeyboardInterrupt):
    """Ctrl-C (or SIGTERM) stopped a run; Ray is shut down and ``output``'s marker says interrupted."""

    def __init__(self, output: str):
        super().__init__(output)
        self.output = output


def check_columns(stages: list[Stage], available: list[str]) -> None:
    """Fail before running if a stage reads a column that nothing before it provides."""
    have = set(available)
    for position, stage in enumerate(stages, start=1):
        missing = [c for c in stage.columns_read() if c not in have]
        if missing:
            raise ConfigError(
                f"stage #{position} {stage.name!r} reads column {missing[0]!r}, which neither the input nor an "
                f"earlier stage provides; available: {', '.join(sorted(have))}")
        have.update(stage.columns_written())


def model_actor_cpus(stages: list[Stage], cluster_cpus: int) -> float:
    """CPUs reserved per model actor. Each model stage holds its actors for the whole streaming run, so on a
    small machine full-CPU actors would starve the tasks and shuffles between them; they share half the CPUs."""
    actors = sum(max(1, s.concurrency) for s in stages if isinstance(s, ModelStage))
    if not actors:
        return 1.0
    return round(max(0.1, min(1.0, cluster_cpus / (2 * actors))), 3)


class Pipeline:
    """Stages in order. ``Pipeline([...]).run("data/*.jsonl.gz", "out/")`` returns the report dict."""

    def __init__(self, stages: list[Stage], read_options: ReadOptions | None = None,
                 output_format: str = "parquet", batch_size: int = 1000, checkpoints: bool = True):
        if output_format not in FORMATS:
            raise ConfigError(f"output format {output_format!r} is not one of {', '.join(FORMATS)}")
        self.stages = list(stages)
        self.read_options = read_options or ReadOptions()
        self.output_format = output_format
        self.batch_size = batch_size
        self.checkpoints = checkpoints  # the dataset after each dataset stage, for --resume
        names = [s.name for s in self.stages]
        dupes = {n for n in names if names.count(n) > 1}
        if dupes:
            raise ConfigError(f"stage names must be unique in a pipeline (report keys): {', '.join(sorted(dupes))}")

    @classmethod
    def from_config(cls, config: PipelineConfig | str) -> Pipeline:
        if isinstance(config, str):
            config = load_config(config)
        return cls(config.stages, config.read_options, config.output_format, checkpoints=config.checkpoints)

    def check(self) -> None:
        """Everything that can be known before running: model paths, then the column chain."""
        for stage in self.stages:
            check_model_paths(stage)
        check_columns(self.stages, peek_columns("", self.read_options))

    def build(self, files: list[str], ctx: RunContext, dataset_seconds: dict[str, float]) -> Any:
        """The lazy Ray Dataset of all rows after every stage (dataset stages may execute early)."""
        import ray.data

        from sluiceway.io.datasource import InputFiles, read_parquet_folder
        from sluiceway.pipelines.execute import ModelActor, run_batch

        actor_cpus = model_actor_cpus(self.stages, ctx.num_partitions // 2)
        checkpoints = StageCheckpoints(ctx.output_dir, self.stages, self.read_options, files)
        restored = checkpoints.latest() if self.checkpoints else None
        if restored is not None:
            ray.get(ctx.stats.restore.remote(restored.info["snapshot"]))
            ctx.sections.update(restored.info.get("sections", {}))
            dataset_seconds.update(restored.info["dataset_seconds"])
            ctx.resumed_after = restored.info["stage"]
            ds = read_parquet_folder(restored.data)
        else:
            source = InputFiles(files, self.read_options, source_names(files), ctx.stats)
            ds = ray.data.read_datasource(source, override_num_blocks=len(files))
        first = restored.next_stage if restored is not None else 0
        for index, stage in enumerate(self.stages[first:], start=first):
            if isinstance(stage, DatasetStage):
                start = time.perf_counter()
                ds = stage.apply(ds, ctx)
                if self.checkpoints:
                    ds = checkpoints.save(index, ds, lambda: ray.get(ctx.stats.snapshot.remote()), ctx.sections,
                                          {**dataset_seconds, stage.name: time.perf_counter() - start})
                dataset_seconds[stage.name] = time.perf_counter() - start
            elif isinstance(stage, ModelStage):
                ds = ds.map_batches(ModelActor, fn_constructor_args=(stage, ctx.stats), batch_format="pyarrow",
                                    batch_size=self.batch_size, num_cpus=actor_cpus,
                                    compute=ray.data.ActorPoolStrategy(size=max(1, stage.concurrency)))
            else:
                ds = ds.map_batches(run_batch, fn_args=(stage, ctx.stats), batch_format="pyarrow",
                                    batch_size=self.batch_size)
        return ds

    def run(self, input: str | list[str], output: str, *, overwrite: bool = False, resume: bool = False,
            ray_address: str | None = None, num_cpus: int | None = None, strict: bool | None = None,
            quiet: bool = False, post_step: PostStep | None = None) -> dict:
        """Run on local Ray (or the cluster at ``ray_address``); write kept/, rejected/ and report.json.

        Everything is checked before the output directory is touched; the directory is locked for the run
        and its marker ends as complete, failed or interrupted (then ``RunInterrupted``, Ray shut down).
        ``post_step(report)`` runs on the verified output before report.json is written, once; its dict
        adds top-level report entries (``sluiceway select`` writes the selected records there)."""
        from sluiceway.pipelines.runtime import (
            check_address,
            interrupt_on_sigterm,
            object_store_bytes,
            shutdown_ray,
        )

        if strict is not None:
            self.read_options.strict = strict
        self.check()
        files = expand_inputs(input)
        if self.read_options.strict:
            refuse_duplicate_ids(files, self.read_options)
        object_store_bytes()  # a bad SLUICEWAY_OBJECT_STORE_MB fails here, before the output is touched
        if ray_address:
            check_address(ray_address)
        out = prepare_output(output, overwrite, resume, stages=self.stages, read_options=self.read_options,
                             output_format=self.output_format, inputs=files)
        status = "failed"
        try:
            with interrupt_on_sigterm():
                report = self._execute(files, output, ray_address, num_cpus, quiet, post_step)
            status = "complete"
            return report
        except KeyboardInterrupt:
            status = "interrupted"
            shutdown_ray()
            raise RunInterrupted(output) from None
        finally:
            out.finish(status)

    def _execute(self, files: list[str], output: str, ray_address: str | None, num_cpus: int | None,
                 quiet: bool, post_step: PostStep | None = None) -> dict:
        import ray
        from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

        from sluiceway.pipelines.runtime import init_ray
        from sluiceway.pipelines.stats import StatsCollector

        init_ray(ray_address, num_cpus)
        start = time.perf_counter()
        # on the driver's node: a worker node that dies must not take the run's counters with it
        stats = StatsCollector.options(scheduling_strategy=NodeAffinitySchedulingStrategy(
            ray.get_runtime_context().get_node_id(), soft=False)).remote()
        ctx = RunContext(output_dir=output, num_partitions=max(2, int(ray.cluster_resources().get("CPU", 2)) * 2),
                         stats=stats)
        dataset_seconds: dict[str, float] = {}
        ds = self.build(files, ctx, dataset_seconds)
        sums = tuple(c for s in self.stages for c in s.report_sums)
        # batch_size=None: a write fused after the stages must not raise the rows bundled per task
        summary_ds = ds.map_batches(_write_fn, batch_format="pyarrow", batch_size=None,
                                    fn_args=(output, self.output_format, sums))
        try:
            summary = summary_ds.take_all()
        except Exception as exc:  # Ray wraps worker errors; surface our own input errors plainly
            cause = _find_cause(exc, InputError)
            if cause is not None:
                raise InputError(str(cause).splitlines()[-1]) from None
            raise
        snapshot = ray.get(stats.snapshot.remote())
        verification = verify_against(manifest_of(snapshot.get("manifest", {}), source_names(files)),
                                      scan_output(output))
        report = build_report(self.stages, summary, snapshot, time.perf_counter() - start, dataset_seconds,
                              ctx.sections, verification)
        report.update({"input": files, "output": os.path.abspath(output), "format": self.output_format})
        if ctx.resumed_after is not None:
            report["resumed_after"] = ctx.resumed_after
        if post_step is not None and verification.ok:
            report.update(post_step(report))
        with open(os.path.join(output, "report.json"), "w", encoding="utf-8") as fh:
            json.dump(report, fh, indent=2, ensure_ascii=False)
        if not quiet:
            print(format_summary(report))
        if not verification.ok:
            shown = "\n  ".join(verification.problems[:20])
            more = f"\n  ... {len(verification.problems) - 20} more" if len(verification.problems) > 20 else ""
            raise AccountingError(f"rows lost or duplicated in {output} (see its report.json):\n  {shown}{more}")
        return report


def refuse_duplicate_ids(files: list[str], opts: ReadOptions) -> None:
    """``--strict``: an id-only pass over the inputs, before any output is written."""
    ids, rows, examples = duplicate_ids_in_inputs(files, opts, source_names(files))
    if ids:
        raise InputError(f"--strict: {ids} ids are shared by {rows} rows, e.g. {'; '.join(examples[:3])}; "
                         f"make ids unique (or name another --id-field), or rerun without --strict: rows are keyed "
                         f"by file and line, so repeated ids lose nothing")


def _find_cause(exc: BaseException, kind: type[BaseException]) -> BaseException | None:
    from sluiceway.pipelines.runtime import find_cause

    return find_cause(exc, kind)


def _write_fn(table: Any, output: str, fmt: str, sums: tuple[str, ...]) -> Any:
    """Write a batch and append ``__sum__`` rows for the columns stages asked to total."""
    import pyarrow as pa
    import pyarrow.compute as pc

    summary = write_batch(table, output, fmt)
    if not sums or table.num_rows == 0:
        return summary
    kept = alive_rows(table)
    totals = [int(pc.sum(kept.column(c)).as_py() or 0) if c in kept.column_names else 0 for c in sums]
    extra = pa.table({STAGE: ["__sum__"] * len(sums), REASON: list(sums), "rows": totals},
                     schema=summary.schema)
    return pa.concat_tables([summary, extra])
