"""Damaged archives: rows before the damage stay, the damage is one rejected row naming the file."""

import gzip
import io
import json

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import zstandard

from sluiceway.io.read import InputError
from tests.io.helpers import assert_accounted, read_rows

N = 3000


def _payload(n: int = N) -> bytes:
    return b"".join(json.dumps({"id": str(i), "text": f"document {i} " * 8}).encode() + b"\n" for i in range(n))


def _damaged(rows: list[dict]) -> dict:
    (row,) = [r for r in rows if r["reason"] == "damaged_file"]
    return row


def _check_prefix(rows: list[dict], name: str) -> int:
    """Good rows are the file's first lines, in order; the damaged row comes right after them."""
    good = [r for r in rows if r["reason"] is None]
    assert [r["id"] for r in good] == [str(i) for i in range(len(good))]
    bad = _damaged(rows)
    assert bad["source"] == f"{name}:{len(good) + 1}" and rows[-1] is not None
    assert f"last good line {len(good)}" in bad["detail"] or f"line {len(good) + 1} is cut off" in bad["detail"]
    return len(good)


def test_truncated_gzip_keeps_rows_before_the_damage(tmp_path):
    data = gzip.compress(_payload())
    path = tmp_path / "cut.jsonl.gz"
    path.write_bytes(data[: len(data) // 2])
    rows, counters = read_rows(path)
    good = _check_prefix(rows, "cut.jsonl.gz")
    assert 0 < good < N and counters["damaged_files"] == 1
    assert_accounted(rows, good, damaged=1, name="cut.jsonl.gz")
    assert "EOFError" in _damaged(rows)["detail"] or "cut off" in _damaged(rows)["detail"]


def test_truncated_gzip_strict_raises_naming_the_file(tmp_path):
    data = gzip.compress(_payload())
    path = tmp_path / "cut.jsonl.gz"
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(InputError, match=r"cut\.jsonl\.gz: damaged file"):
        read_rows(path, strict=True)


def _garbled(data: bytes, count: int, mask: int) -> bytes:
    """``data`` with ``count`` bytes from the middle on XORed with ``mask``."""
    out = bytearray(data)
    for i in range(len(out) // 2, len(out) // 2 + count):
        out[i] ^= mask
    return bytes(out)


def test_corrupt_gzip_mid_stream(tmp_path):
    path = tmp_path / "bad.jsonl.gz"
    path.write_bytes(_garbled(gzip.compress(_payload()), 64, 0x5A))
    rows, counters = read_rows(path)
    assert counters["damaged_files"] == 1
    good = sum(r["reason"] is None for r in rows)
    assert 0 < good < N
    # lines decoded from the garbled bytes before zlib noticed are rejected rows of their own
    assert_accounted(rows, len(rows) - 1, damaged=1, name="bad.jsonl.gz")


def test_truncated_zstd_is_noticed(tmp_path):
    data = zstandard.ZstdCompressor().compress(_payload())
    path = tmp_path / "cut.jsonl.zst"
    path.write_bytes(data[: len(data) * 2 // 3])
    rows, counters = read_rows(path)
    good = _check_prefix(rows, "cut.jsonl.zst")
    assert 0 < good < N and counters["damaged_files"] == 1
    assert_accounted(rows, good, damaged=1, name="cut.jsonl.zst")


def test_corrupt_zstd_with_checksum(tmp_path):
    path = tmp_path / "bad.jsonl.zst"
    path.write_bytes(_garbled(zstandard.ZstdCompressor(write_checksum=True).compress(_payload()), 32, 0xFF))
    rows, counters = read_rows(path)
    assert counters["damaged_files"] == 1
    assert_accounted(rows, len(rows) - 1, damaged=1, name="bad.jsonl.zst")


def test_multi_frame_zstd_and_multi_member_gzip_read_whole(tmp_path):
    a, b = _payload(10), _payload(20)[len(_payload(10)):]
    (tmp_path / "m.jsonl.zst").write_bytes(zstandard.ZstdCompressor().compress(a) +
                                           zstandard.ZstdCompressor().compress(b))
    (tmp_path / "m.jsonl.gz").write_bytes(gzip.compress(a) + gzip.compress(b))
    for name in ("m.jsonl.zst", "m.jsonl.gz"):
        rows, counters = read_rows(tmp_path / name)
        assert [r["id"] for r in rows] == [str(i) for i in range(20)] and not counters["damaged_files"]


def test_truncated_gzip_json_array_keeps_whole_records(tmp_path):
    records = [{"id": str(i), "text": f"record {i} " * 20} for i in range(500)]
    data = gzip.compress(json.dumps(records).encode())
    path = tmp_path / "cut.json.gz"
    path.write_bytes(data[: len(data) // 2])
    rows, counters = read_rows(path)
    good = [r for r in rows if r["reason"] is None]
    assert counters["damaged_files"] == 1 and 0 < len(good) < 500
    assert [r["id"] for r in good] == [str(i) for i in range(len(good))]
    assert rows[-1]["source"] == f"cut.json.gz:{len(good) + 1}" and "last good record" in rows[-1]["detail"]
    assert_accounted(rows, len(good), damaged=1, name="cut.json.gz")


def test_corrupt_parquet_footer_is_one_rejected_row(tmp_path):
    path = tmp_path / "broken.parquet"
    buf = io.BytesIO()
    pq.write_table(pa.table({"text": [f"t{i}" for i in range(100)]}), buf)
    data = bytearray(buf.getvalue())
    data[-12:-4] = b"\x00" * 8  # footer length and metadata garbled, magic kept
    path.write_bytes(bytes(data))
    rows, counters = read_rows(path)
    assert_accounted(rows, 0, damaged=1, name="broken.parquet")
    assert rows[0]["source"] == "broken.parquet:1" and "no record readable" in rows[0]["detail"]
    assert counters["damaged_files"] == 1


def test_truncated_parquet_is_one_rejected_row(tmp_path):
    buf = io.BytesIO()
    pq.write_table(pa.table({"text": [f"doc {i}" for i in range(10_000)]}), buf, row_group_size=2000)
    path = tmp_path / "cut.parquet"
    path.write_bytes(buf.getvalue()[: len(buf.getvalue()) // 2])  # the footer is gone with the tail
    rows, _ = read_rows(path)
    assert_accounted(rows, 0, damaged=1, name="cut.parquet")


def test_parquet_corrupt_row_group_keeps_earlier_row_groups(tmp_path):
    buf = io.BytesIO()
    texts = [f"document number {i} with some words" for i in range(8000)]
    pq.write_table(pa.table({"text": texts}), buf, row_group_size=2000, compression="snappy")
    meta = pq.ParquetFile(pa.BufferReader(buf.getvalue())).metadata
    data = bytearray(buf.getvalue())
    col = meta.row_group(2).column(0)
    start = col.data_page_offset
    for i in range(start + 20, start + col.total_compressed_size - 20):
        data[i] = 0xAB
    path = tmp_path / "rg.parquet"
    path.write_bytes(bytes(data))
    rows, counters = read_rows(path, batch_rows=1000)
    good = [r for r in rows if r["reason"] is None]
    assert counters["damaged_files"] == 1
    assert [r["text"] for r in good] == texts[: len(good)] and 4000 <= len(good) < 8000
    assert _damaged(rows)["source"] == f"rg.parquet:{len(good) + 1}"
    assert_accounted(rows, len(good), damaged=1, name="rg.parquet")


def test_compressed_name_on_plain_text_is_read(tmp_path):
    path = tmp_path / "plain.jsonl.gz"
    path.write_bytes(_payload(5))
    rows, counters = read_rows(path)
    assert_accounted(rows, 5)
    assert counters["compression_mismatch"] == 1 and not counters["damaged_files"]


def test_compressed_name_on_binary_garbage_is_damaged(tmp_path):
    path = tmp_path / "junk.jsonl.zst"
    path.write_bytes(bytes(range(256)) * 4)
    rows, _ = read_rows(path)
    assert_accounted(rows, 0, damaged=1, name="junk.jsonl.zst")
    assert "named as zstd" in rows[0]["detail"]


def test_parquet_name_on_jsonl_is_damaged(tmp_path):
    path = tmp_path / "fake.parquet"
    path.write_bytes(_payload(5))
    rows, _ = read_rows(path)
    assert_accounted(rows, 0, damaged=1, name="fake.parquet")


def test_unreadable_file_is_damaged(tmp_path):
    path = tmp_path / "gone.jsonl"
    rows, _ = read_rows(path)
    assert_accounted(rows, 0, damaged=1, name="gone.jsonl")
