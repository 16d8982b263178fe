"""The ``minhash_dedup`` stage: configuration, a Ray pipeline run equal to the single-process reference,
resume without recomputation, and resume after a failure in a later step."""

from __future__ import annotations

import glob
import json
import os
import random

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from sluiceway.dedup.local import dedup_local
from sluiceway.stages import minhash_dedup as mod
from sluiceway.stages.minhash_dedup import MinHashDedup
from sluiceway.stages.registry import ConfigError, build_stage


def write_corpus(path: str, seed: int = 0) -> None:
    """Random-word documents, edited copies (one or two words changed), CJK near duplicates, short and
    empty documents, and a malformed line (rejected by the reader, must pass through)."""
    rng = random.Random(seed)
    vocab = [f"w{i}" for i in range(4000)]
    docs = [" ".join(rng.choice(vocab) for _ in range(rng.randint(60, 140))) for _ in range(150)]
    for _ in range(60):
        words = rng.choice(docs).split()
        for _ in range(rng.randint(1, 2)):
            words[rng.randrange(len(words))] = "edited"
        docs.append(" ".join(words))
    zh = "这是一个中文句子没有空格的文本也应该能正常处理并且按字符切分成片段用于去重" * 2
    docs += [zh, zh + "！", "short", "two words", "a"]
    lines = [json.dumps({"id": f"d{i:04d}", "text": t}, ensure_ascii=False) for i, t in enumerate(docs)]
    lines.insert(7, "{not json")
    with open(path, "w", encoding="utf-8") as fh:
        fh.write("\n".join(lines) + "\n")


def read_rows(out: str) -> list[dict]:
    files = glob.glob(os.path.join(out, "kept", "**", "*.parquet"), recursive=True)
    files += glob.glob(os.path.join(out, "rejected", "**", "*.parquet"), recursive=True)
    return [r for f in files for r in pq.read_table(f).to_pylist()]


def reference(rows: list[dict], stage: MinHashDedup) -> dict[str, tuple]:
    """Rerun the dedup in one process on the same rows (this stage's marks removed)."""
    cols = ["id", "text", "source", "stage", "reason", "detail"]
    clean = [{c: (None if r.get("stage") == stage.name else r.get(c)) if c in ("stage", "reason", "detail")
              else r[c] for c in cols} for r in rows]
    schema = pa.schema([("id", pa.string()), ("text", pa.large_string()), ("source", pa.string()),
                        ("stage", pa.string()), ("reason", pa.string()), ("detail", pa.string())])
    out, _ = dedup_local(pa.Table.from_pylist(clean, schema=schema), stage.plan())
    return {r["source"]: (r["reason"], r["duplicate_of"], r["minhash_component"]) for r in out.to_pylist()}


def results(rows: list[dict]) -> dict[str, tuple]:
    return {r["source"]: (r.get("reason"), r.get("duplicate_of"), r.get("minhash_component")) for r in rows}


def test_registered_and_validated() -> None:
    stage = build_stage("minhash_dedup", {"threshold": 0.7, "num_perm": 64, "weights": [0.3, 0.7],
                                          "keep": "score", "score_column": "quality"})
    assert isinstance(stage, MinHashDedup) and stage.weights == (0.3, 0.7)
    assert stage.columns_read() == ("id", "text", "quality")
    assert MinHashDedup().band_shape() == (14, 9) and MinHashDedup(verify=False).band_shape() == (9, 13)
    assert MinHashDedup(bands=16, rows=8).band_shape() == (16, 8)
    for bad in ({"threshold": 1.5}, {"bands": 4}, {"bands": 20, "rows": 10}, {"keep": "score"},
                {"keep": "random"}, {"weights": [0.9, 0.9]}, {"shingles": 3}, {"hash_function": "md5"}):
        with pytest.raises(ConfigError):
            build_stage("minhash_dedup", bad)


def test_pipeline_resumes_after_failure_and_equals_reference(ray_session, tmp_path, monkeypatch) -> None:
    """One Ray pipeline, three runs: a failure injected in the components step; a resumed run that reuses
    the finished steps and equals the single-process reference; a third run that recomputes nothing."""
    from sluiceway.pipelines.pipeline import Pipeline

    src, out = str(tmp_path / "in.jsonl"), str(tmp_path / "out")
    write_corpus(src)
    stage = MinHashDedup(verify=True, retries=0)

    def boom(*args, **kwargs):
        raise RuntimeError("injected failure in components")

    with monkeypatch.context() as patch:
        patch.setattr(mod._Run, "components", boom)
        with pytest.raises(RuntimeError, match="injected"):
            Pipeline([stage]).run(src, out, quiet=True)
    report = Pipeline([stage]).run(src, out, resume=True, quiet=True)
    assert report["rows"]["accounted"]
    assert report["stages"][-1]["report"]["steps"] == {"signatures": "reused", "candidates": "reused",
                                                 "verified": "reused", "components": "computed",
                                                 "representatives": "computed"}
    rows = read_rows(out)
    got = results(rows)
    assert got == reference(rows, stage)
    removed = [r for r in rows if r.get("reason") == "near_duplicate"]
    assert len(removed) >= 45 and report["rows"]["rejected"] == len(removed) + 1  # + the malformed line
    assert any("这是" in r["text"] for r in removed)
    assert all(r["stage"] == "minhash_dedup" and r["duplicate_of"] in r["detail"] for r in removed)
    markers = sorted(glob.glob(os.path.join(out, "_checkpoints", "minhash", "*", "_COMPLETE.json")))
    assert {os.path.basename(os.path.dirname(m)).split("-")[0] for m in markers} == {
        "signatures", "candidates", "verified", "components", "representatives"}
    mtimes = {m: os.path.getmtime(m) for m in markers}

    again = Pipeline([stage]).run(src, out, resume=True, quiet=True)
    assert again["resumed_after"] == "minhash_dedup"  # the stage's own checkpoint serves: no step reruns
    assert {m: os.path.getmtime(m) for m in markers} == mtimes
    assert results(read_rows(out)) == got
