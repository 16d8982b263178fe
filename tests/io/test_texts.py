"""Training texts from JSONL and plain-text files (io/texts.py)."""

import gzip
import json

import pytest

from sluiceway.io.texts import iter_texts, read_texts


def test_jsonl_and_txt(tmp_path):
    (tmp_path / "a.jsonl").write_text(json.dumps({"body": "one"}) + "\n{bad\n" + json.dumps({"body": "  "}) + "\n")
    with gzip.open(tmp_path / "b.txt.gz", "wt") as fh:
        fh.write("two\n\nthree\n")
    assert list(iter_texts(str(tmp_path / "a.jsonl"), "body")) == ["one"]  # malformed and empty skipped
    assert list(iter_texts(str(tmp_path / "*.txt.gz"))) == ["two", "three"]


def test_reservoir_sample_is_seeded(tmp_path):
    (tmp_path / "c.txt").write_text("\n".join(f"doc {i}" for i in range(500)) + "\n")
    a = read_texts(str(tmp_path / "c.txt"), limit=50, seed=1)
    assert len(a) == 50 == len(set(a)) and a == read_texts(str(tmp_path / "c.txt"), limit=50, seed=1)
    assert a != read_texts(str(tmp_path / "c.txt"), limit=50, seed=2)
    assert len(read_texts(str(tmp_path / "c.txt"))) == 500


def test_limit_and_missing_file(tmp_path):
    (tmp_path / "c.txt").write_text("a\nb\nc\n")
    assert list(iter_texts([str(tmp_path / "c.txt")], limit=2)) == ["a", "b"]
    with pytest.raises(FileNotFoundError, match="missing.txt"):
        list(iter_texts(str(tmp_path / "missing.txt")))
