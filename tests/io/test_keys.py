"""Row-key hashes and digests: independent of chunking and order, sensitive to any change."""

import numpy as np
import pyarrow as pa

from sluiceway.io.keys import add_digests, digest, key_hashes, source_files


def test_hashes_do_not_depend_on_chunks_offsets_or_length_class():
    values = pa.array(["a.jsonl:1", "a.jsonl:2", "x" * 1000, "", "é:3", "a.jsonl:10"])
    h = key_hashes(values)
    assert len(set(h.tolist())) == len(values)
    assert (key_hashes(pa.chunked_array([values[:2], values[2:]])) == h).all()
    assert (key_hashes(values.slice(2)) == h[2:]).all()
    assert (key_hashes(values.cast(pa.large_string())) == h).all()


def test_digest_is_order_independent_and_catches_swaps():
    keys = pa.array([f"f.jsonl:{i}" for i in range(1, 1001)])
    h = key_hashes(keys)
    assert digest(h) == digest(h[::-1]) == add_digests(digest(h[:400]), digest(h[400:]))
    # one row replaced by a duplicate of another: same count, different digest
    assert digest(np.concatenate([h[:-1], h[:1]])) != digest(h)


def test_source_files_split_at_the_last_colon():
    assert source_files(pa.array(["c:/x/a.jsonl:7", "b.json:1"])).to_pylist() == ["c:/x/a.jsonl", "b.json"]
