"""End-to-end near-duplicate removal in one process (the reference the Ray stage is tested against)."""

from __future__ import annotations

import random

import pyarrow as pa
import pyarrow.compute as pc

from sluiceway.dedup.local import dedup_local
from sluiceway.dedup.minhash import MinHasher
from sluiceway.dedup.tables import DedupPlan

VOCAB = [f"w{i}" for i in range(5000)]


def corpus(n_base: int = 120, n_near: int = 60, seed: int = 0) -> tuple[pa.Table, dict[str, str]]:
    """Random documents plus near duplicates (one word changed) of some; returns (table, dup -> source)."""
    rng = random.Random(seed)
    docs = [" ".join(rng.choice(VOCAB) for _ in range(rng.randint(60, 150))) for _ in range(n_base)]
    truth = {}
    for _ in range(n_near):
        src = rng.randrange(n_base)
        words = docs[src].split()
        words[rng.randrange(len(words))] = "edited"
        truth[f"d{len(docs):04d}"] = f"d{src:04d}"
        docs.append(" ".join(words))
    docs += ["", "short", "二三", "这是一个中文句子没有空格的文本也应该能正常处理这是一个中文句子",
             "这是一个中文句子没有空格的文本也应该能正常处理这是一个中文句子！"]
    n = len(docs)
    reason = [None] * n
    reason[3] = "too_short"  # an already rejected row passes through untouched
    table = pa.table({"id": [f"d{i:04d}" for i in range(n)], "text": pa.array(docs, pa.large_string()),
                      "source": [f"f.jsonl:{i + 1}" for i in range(n)],
                      "stage": pa.array(["x" if r else None for r in reason], pa.string()),
                      "reason": pa.array(reason, pa.string()),
                      "detail": pa.array(["d" if r else None for r in reason], pa.string())})
    return table, truth


def plan(verify: bool = False, keep: str = "first", score_column: str | None = None) -> DedupPlan:
    from sluiceway.stages.minhash_dedup import MinHashDedup

    return MinHashDedup(verify=verify, keep=keep, score_column=score_column).plan()  # type: ignore[arg-type]


def test_finds_injected_near_duplicates() -> None:
    table, truth = corpus()
    out, counts = dedup_local(table, plan(verify=True))
    assert out.num_rows == table.num_rows
    removed = out.filter(pc.equal(out.column("reason"), "near_duplicate"))
    ids = set(removed.column("id").to_pylist())
    found = sum(1 for dup in truth if dup in ids or truth[dup] in ids)
    assert found >= 0.95 * len(truth)
    rows = {r["id"]: r for r in out.to_pylist()}
    assert rows["d0003"]["reason"] == "too_short" and rows["d0003"]["minhash_component"] is None
    cjk = [rows[f"d{i:04d}"] for i in range(table.num_rows - 2, table.num_rows)]
    assert cjk[1]["reason"] == "near_duplicate" and cjk[1]["duplicate_of"] == cjk[0]["id"]
    for r in removed.to_pylist():
        assert r["stage"] == "minhash_dedup" and r["duplicate_of"] < r["id"]
        assert str(r["minhash_component"]) in r["detail"] and r["duplicate_of"] in r["detail"]
        assert rows[r["duplicate_of"]]["reason"] is None  # the representative is kept
        assert rows[r["duplicate_of"]]["minhash_component"] == r["minhash_component"]
    assert counts["duplicates"] == removed.num_rows


def test_verification_removes_false_positives() -> None:
    a = " ".join(f"t{i}" for i in range(100))
    b = " ".join(f"t{i}" for i in range(50)) + " " + " ".join(f"u{i}" for i in range(50))  # J ~ 0.32
    table = pa.table({"id": ["a", "b"], "text": [a, b], "source": ["s:1", "s:2"], "reason": [None, None],
                      "stage": [None, None], "detail": [None, None]},
                     schema=pa.schema([("id", pa.string()), ("text", pa.large_string()), ("source", pa.string()),
                                       ("reason", pa.string()), ("stage", pa.string()), ("detail", pa.string())]))
    loose = DedupPlan(MinHasher(64), 64, 1, 0.8, False)  # one row per band: nearly everything collides
    assert dedup_local(table, loose)[1]["duplicates"] == 1
    strict = DedupPlan(MinHasher(64), 64, 1, 0.8, True)
    out, counts = dedup_local(table, strict)
    assert counts["verified_pairs"] == 0 and counts["duplicates"] == 0
    assert out.column("reason").null_count == 2


def test_keep_longest_and_score() -> None:
    base = " ".join(f"k{i}" for i in range(200))
    longer = base + " tail"
    table = pa.table({"id": ["a", "b"], "text": [base, longer], "source": ["s:1", "s:2"], "q": [0.9, 0.1],
                      "reason": pa.nulls(2, pa.string()), "stage": pa.nulls(2, pa.string()),
                      "detail": pa.nulls(2, pa.string())})
    by_len, _ = dedup_local(table, plan(keep="longest"))
    assert dict(zip(*by_len.select(["id", "duplicate_of"]).to_pydict().values(), strict=True)) == {"a": "b", "b": None}
    by_score, _ = dedup_local(table, plan(keep="score", score_column="q"))
    assert dict(zip(*by_score.select(["id", "duplicate_of"]).to_pydict().values(), strict=True)) == {"a": None, "b": "a"}


def test_existing_duplicate_of_column_is_kept() -> None:
    table, _ = corpus(20, 5)
    table = table.append_column("duplicate_of", pa.array(["exact" if i == 3 else None for i in range(table.num_rows)],
                                                         pa.string()))
    out, _ = dedup_local(table, plan())
    rows = {r["id"]: r for r in out.to_pylist()}
    assert rows["d0003"]["duplicate_of"] == "exact"
    assert out.schema.field("duplicate_of").type == pa.string()
