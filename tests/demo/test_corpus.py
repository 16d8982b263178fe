"""Tests for the deterministic demo-data generator (demo/, outside the installed package)."""

from __future__ import annotations

import collections
import gzip
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from demo import make_demo_corpus

REPO = Path(__file__).resolve().parents[2]
DOCS = 200


def _files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def _lines(root: Path, name: str) -> list[bytes]:
    data = gzip.decompress((root / name).read_bytes())
    assert data.endswith(b"\n")
    return data[:-1].split(b"\n")


def _word_shingles(text: str) -> set[tuple[str, ...]]:
    words = text.split()
    return {tuple(words[i:i + 5]) for i in range(len(words) - 4)}


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict, dict[str, dict]]:
    root = tmp_path_factory.mktemp("demo")
    manifest = make_demo_corpus(str(root), docs=DOCS, seed=0)
    records = {}
    for name in manifest["files"]["web"]:
        for line in _lines(root, name):
            try:
                rec = json.loads(line.decode("utf-8", "replace"))
            except ValueError:
                continue
            if isinstance(rec, dict) and "id" in rec:
                records[str(rec["id"])] = rec
    return root, manifest, records


def test_same_seed_same_bytes(tmp_path: Path, demo: tuple) -> None:
    root, manifest, _ = demo
    again = make_demo_corpus(str(tmp_path / "again"), docs=DOCS, seed=0)
    assert again == manifest
    assert _files(tmp_path / "again") == _files(root)
    other = make_demo_corpus(str(tmp_path / "other"), docs=DOCS, seed=1)
    assert other["ids"]["good"] != manifest["ids"]["good"]


def test_cli_bytes_do_not_depend_on_hash_seed(tmp_path: Path) -> None:
    """The CLI in a fresh process with another PYTHONHASHSEED writes the same bytes."""
    args = ["--docs", "60", "--seed", "3", "--quality-docs", "20", "--langid-sentences", "20",
            "--sft-examples", "20"]
    make_demo_corpus(str(tmp_path / "here"), docs=60, seed=3, quality_docs=20, langid_sentences=20,
                     sft_examples=20)
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    subprocess.run([sys.executable, str(REPO / "scripts" / "make_demo_corpus.py"), "--out",
                    str(tmp_path / "there"), *args], check=True, env=env, capture_output=True)
    assert _files(tmp_path / "there") == _files(tmp_path / "here")


def test_counts_match_manifest(demo: tuple) -> None:
    root, manifest, records = demo
    counts = manifest["counts"]
    assert sum(counts.values()) == manifest["docs"] == DOCS
    assert counts["good"] > 0.5 * DOCS and counts["edge"] >= 10
    total = 0
    for name, size in manifest["shards"].items():
        assert len(_lines(root, name)) == size
        total += size
    assert total == DOCS and list(manifest["shards"]) == manifest["files"]["web"]
    for group in ("bad", "lang", "edge"):
        assert sum(manifest["subcounts"][group].values()) == counts[group]
    ids = manifest["ids"]
    assert set(ids) == set(manifest["expected"])
    for key, values in ids.items():
        assert all(v in records for v in values), key
        if not key.startswith("edge/"):
            kind, _, sub = key.partition("/")
            assert len(values) == (manifest["subcounts"][kind][sub] if sub else counts[kind]), key
    regular = [v for k, vs in ids.items() if not k.startswith("edge/") for v in vs]
    assert len(regular) == len(set(regular)) == DOCS - counts["edge"]
    lang = manifest["subcounts"]["lang"]
    assert 0.2 < (lang["zh"] + lang["ja"]) / counts["lang"] < 0.45
    topical = [i for vs in manifest["topics"].values() for i in vs]
    assert set(ids["good"]) <= set(topical) and len(topical) == len(set(topical))


def test_edge_lines_close_the_last_shard(demo: tuple) -> None:
    root, manifest, records = demo
    names = manifest["files"]["web"]
    for name in names[:-1]:
        for line in _lines(root, name):
            rec = json.loads(line.decode("utf-8"))
            assert isinstance(rec["id"], str) and isinstance(rec["text"], str) and rec["text"].strip()
            assert set(rec) == {"id", "text", "url"}
    last = _lines(root, names[-1])
    edges = manifest["edge_lines"]
    assert [e["line"] for e in edges] == list(range(len(last) - len(edges) + 1, len(last) + 1))
    assert {e["file"] for e in edges} == {names[-1]}
    by_kind = {e["kind"]: last[e["line"] - 1] for e in edges}
    with pytest.raises(ValueError):
        json.loads(by_kind["malformed_json"])
    with pytest.raises(UnicodeDecodeError):
        by_kind["invalid_utf8"].decode("utf-8")
    assert "\ufffd" in json.loads(by_kind["invalid_utf8"].decode("utf-8", "replace"))["text"]
    assert "text" not in json.loads(by_kind["missing_text"])
    assert isinstance(json.loads(by_kind["non_string_text"])["text"], int)
    assert json.loads(by_kind["null_text"])["text"] is None
    assert json.loads(by_kind["empty_text"])["text"] == ""
    assert json.loads(by_kind["whitespace_text"])["text"].strip() == ""
    assert isinstance(json.loads(by_kind["not_object"]), list)
    assert "id" not in json.loads(by_kind["missing_id"])
    long_ids = manifest["ids"]["edge/long_word"]
    assert long_ids and all(max(len(w) for w in records[i]["text"].split()) >= 64 for i in long_ids)


def test_reader_reasons_match_manifest(demo: tuple) -> None:
    """sluiceway's reader rejects exactly the edge lines the manifest says it will."""
    pytest.importorskip("pyarrow")
    from sluiceway.io.read import ReadOptions, read_file

    root, manifest, _ = demo
    name = manifest["files"]["web"][-1]
    reasons = {}
    for table in read_file(str(root / name), ReadOptions(), source=name):
        reasons.update(zip(table.column("id").to_pylist(), table.column("reason").to_pylist(), strict=True))
    for edge in manifest["edge_lines"]:
        key = edge["id"] if edge["id"] is not None else f"{name}:{edge['line']}"
        assert reasons[key] == edge["read_reason"], edge


def test_duplicates(demo: tuple) -> None:
    _, manifest, records = demo
    order = {i: k for k, i in enumerate(records)}
    assert len(manifest["exact_dups"]) == manifest["counts"]["exact_dup"]
    for pair in manifest["exact_dups"]:
        dup, src = records[pair["id"]], records[pair["source"]]
        assert dup["text"] == src["text"] and dup["url"] != src["url"]
        assert pair["source"] < pair["id"] and order[pair["source"]] < order[pair["id"]]
    assert len(manifest["near_dups"]) == manifest["counts"]["near_dup"]
    lo, hi = manifest["near_dup_jaccard"]["min"], manifest["near_dup_jaccard"]["max"]
    for pair in manifest["near_dups"]:
        a = _word_shingles(records[pair["id"]]["text"])
        b = _word_shingles(records[pair["source"]]["text"])
        j = len(a & b) / len(a | b)
        assert lo <= j <= hi and abs(j - pair["jaccard"]) < 1e-3, pair
        assert pair["source"] < pair["id"] and order[pair["source"]] < order[pair["id"]]
    texts = collections.Counter(r.get("text") for r in records.values() if isinstance(r.get("text"), str))
    dup_texts = {records[p["id"]]["text"] for p in manifest["exact_dups"]}
    assert {t for t, n in texts.items() if n > 1} == dup_texts  # no accidental duplicates


def test_good_documents_are_clean_prose(demo: tuple) -> None:
    _, manifest, records = demo
    for doc_id in manifest["ids"]["good"]:
        text = records[doc_id]["text"]
        lower = text.lower()
        assert not any(w in lower for w in ("lorem", "{", "javascript", "cookie", "|", "\ufffd"))
        lines = [line for line in text.split("\n") if line]
        assert len(lines) == len(set(lines))
        words = lower.split()
        assert len(words) >= 100 and 3 <= sum(map(len, words)) / len(words) <= 10
        grams = collections.Counter(tuple(words[i:i + 5]) for i in range(len(words) - 4))
        repeated = sum(n for n in grams.values() if n > 1)
        assert repeated / max(1, sum(grams.values())) < 0.15, doc_id


def test_language_files(demo: tuple) -> None:
    root, manifest, _ = demo
    assert set(manifest["langid"]) == {"en", "de", "fr", "es", "zh", "ja"}
    for lang, rel in manifest["files"]["langid"].items():
        lines = (root / rel).read_text("utf-8").splitlines()
        assert len(lines) == manifest["langid"][lang] == 1500
        assert all(line.strip() for line in lines) and len(set(lines)) == len(lines)
        if lang in ("zh", "ja"):
            assert not any(" " in line for line in lines)
    ja = (root / "langid" / "ja.txt").read_text("utf-8")
    assert any("\u3040" <= ch <= "\u309f" for ch in ja)  # hiragana tells Japanese from Chinese


def test_quality_and_sft_files(demo: tuple) -> None:
    root, manifest, _ = demo
    pos = [json.loads(x) for x in (root / "quality" / "positive.jsonl").read_text("utf-8").splitlines()]
    neg = [json.loads(x) for x in (root / "quality" / "negative.jsonl").read_text("utf-8").splitlines()]
    assert len(pos) == manifest["quality"]["positive"] == 1000
    assert len(neg) == manifest["quality"]["negative"] == 1000
    assert all(r["text"].strip() for r in pos + neg)
    assert not {r["text"] for r in pos} & {r["text"] for r in neg}
    sft = json.loads((root / "sft" / "alpaca_demo.json").read_text("utf-8"))
    meta = manifest["sft"]
    assert isinstance(sft, list) and len(sft) == meta["examples"] == len(meta["labels"]) == 400
    assert all(set(r) == {"instruction", "input", "output"} for r in sft)
    assert 0 < meta["with_input"] < len(sft) and meta["quality"]["good"] > len(sft) / 2
    assert meta["duplicates"] and all(sft[d["index"]] == sft[d["source"]] for d in meta["duplicates"])


def test_too_few_docs(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        make_demo_corpus(str(tmp_path), docs=10)
