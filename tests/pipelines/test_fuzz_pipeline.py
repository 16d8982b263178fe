"""Property-based fuzzing of whole runs (Hypothesis): hostile JSONL and Parquet inputs with repeated ids, through
reading, a batch stage and exact dedup on Ray. Every run must finish, and its written files must account for every
input row by identity, with a stage and a reason on every rejected row."""

from __future__ import annotations

import json
import os
import shutil
import tempfile

import pyarrow as pa
import pyarrow.parquet as pq
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sluiceway.io.read import ReadOptions
from sluiceway.pipelines.pipeline import Pipeline
from sluiceway.stages.registry import build_stage
from sluiceway.testing import assert_output_accounts

EXAMPLES = int(os.environ.get("SLUICEWAY_FUZZ_RUNS", "6"))

texts = st.one_of(st.sampled_from(["same text", "Same  text", "other words here", ""]),
                  st.text(alphabet=st.characters(min_codepoint=0, max_codepoint=0x10FFFF), max_size=30))
ids = st.one_of(st.sampled_from(["0", "1"]), st.integers(0, 2), st.none())


@st.composite
def jsonl_lines(draw) -> bytes:
    lines = []
    for _ in range(draw(st.integers(0, 12))):
        kind = draw(st.sampled_from(["doc", "doc", "doc", "bytes", "mistyped"]))
        if kind == "bytes":
            lines.append(draw(st.binary(min_size=1, max_size=40)).replace(b"\n", b" "))
        else:
            text = draw(texts) if kind == "doc" else draw(st.one_of(st.integers(), st.none()))
            lines.append(json.dumps({"id": draw(ids), "text": text}).encode("utf-8", "surrogatepass"))
    return b"\n".join(lines)


@st.composite
def parquet_file(draw) -> pa.Table:
    n = draw(st.integers(0, 8))
    return pa.table({"id": pa.array([draw(st.sampled_from(["0", "1", None])) for _ in range(n)], pa.string()),
                     "text": pa.array([draw(st.one_of(st.none(), texts)) for _ in range(n)], pa.string()),
                     "when": pa.array([draw(st.dates()) for _ in range(n)], pa.date32())})


@given(st.lists(st.one_of(jsonl_lines(), parquet_file()), min_size=1, max_size=3))
@settings(max_examples=EXAMPLES, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
def test_hostile_runs_account_for_every_row(ray_session, files) -> None:
    tmp = tempfile.mkdtemp()
    try:
        paths = []
        for number, content in enumerate(files):
            if isinstance(content, bytes):
                path = os.path.join(tmp, f"in-{number}.jsonl")
                with open(path, "wb") as fh:
                    fh.write(content)
            else:
                path = os.path.join(tmp, f"in-{number}.parquet")
                pq.write_table(content, path)
            paths.append(path)
        out = os.path.join(tmp, "out")
        opts = ReadOptions(max_doc_bytes=200)
        Pipeline([build_stage("normalize"), build_stage("exact_dedup")], opts).run(paths, out, quiet=True)
        assert_output_accounts(out, paths, ReadOptions(max_doc_bytes=200))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
