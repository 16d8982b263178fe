"""Property-based fuzzing of the reader (Hypothesis): hostile JSONL and Parquet files, every row accounted for.

For each generated file the reader must not raise, must give one row per non-blank physical line (JSONL) or
record (Parquet), plus one row per damaged file, with unique ``source`` keys, and every rejected row must carry
the ``read`` stage, a reason and a detail naming the file.
"""

from __future__ import annotations

import datetime
import decimal
import gzip
import json
import os
import tempfile

import pyarrow as pa
import pyarrow.parquet as pq
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.io.helpers import assert_accounted, read_rows

EXAMPLES = int(os.environ.get("SLUICEWAY_FUZZ_EXAMPLES", "60"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

# Any code point, surrogates and NUL included: the reader must survive what json.dumps can escape.
hostile_text = st.text(alphabet=st.characters(min_codepoint=0, max_codepoint=0x10FFFF), max_size=60)
ids = st.one_of(st.sampled_from(["0", "1", "dup"]), st.integers(-3, 3), st.none(), st.floats(allow_nan=True),
                st.lists(st.integers(), max_size=2))
field_values = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), hostile_text,
                         st.lists(st.integers(), max_size=3), st.dictionaries(st.text(max_size=3), st.integers(),
                                                                             max_size=2))


@st.composite
def record_line(draw) -> bytes:
    kind = draw(st.sampled_from(["record", "record", "record", "bytes", "huge", "scalar", "mistyped", "nested"]))
    if kind == "bytes":
        return draw(st.binary(min_size=1, max_size=80)).replace(b"\n", b" ")
    if kind == "huge":
        return json.dumps({"id": "big", "text": "x" * draw(st.integers(300, 3000))}).encode()
    if kind == "scalar":
        return json.dumps(draw(st.one_of(st.integers(), st.none(), st.lists(st.integers(), max_size=3),
                                         hostile_text))).encode("utf-8", "surrogatepass")
    record: dict = {}
    if draw(st.booleans()):
        record["id"] = draw(ids)
    if kind == "mistyped":
        record["text"] = draw(field_values)
    elif kind == "nested":
        record["metadata"] = {"text": draw(hostile_text), "url": draw(hostile_text)}
    elif draw(st.integers(0, 9)):
        record["text"] = draw(hostile_text)
    for key in draw(st.lists(st.sampled_from(["url", "lang", "score", "meta", "source", "stage"]), max_size=3)):
        record[key] = draw(field_values)
    return json.dumps(record, ensure_ascii=draw(st.booleans())).encode("utf-8", "surrogatepass")


@st.composite
def jsonl_file(draw) -> tuple[bytes, int, str]:
    """(file bytes, expected rows, compression)."""
    first = json.dumps({"id": "first", "text": "a first record"}).encode()  # no byte-order-mark lookalike
    lines = [first] + draw(st.lists(st.one_of(record_line(), st.sampled_from([b"", b"   ", b"\r"])), max_size=25))
    ending = draw(st.sampled_from([b"\n", b"\r\n"]))
    body = ending.join(lines) + (ending if draw(st.booleans()) else b"")
    expected = sum(1 for line in lines if line.strip())
    return body, expected, draw(st.sampled_from(["", ".gz"]))


@given(jsonl_file(), st.sampled_from(["text", "metadata.text"]))
@FUZZ
def test_hostile_jsonl_is_accounted_for(case, text_field) -> None:
    body, expected, compression = case
    with tempfile.TemporaryDirectory() as tmp:
        from pathlib import Path

        path = Path(tmp) / f"fuzz.jsonl{compression}"
        path.write_bytes(gzip.compress(body) if compression else body)
        rows, counters = read_rows(path, text_field=text_field, max_doc_bytes=1000)
    assert_accounted(rows, expected, name="fuzz.jsonl")
    assert counters["damaged_files"] == 0


@given(jsonl_file(), st.floats(0.05, 0.95))
@FUZZ
def test_truncated_gzip_keeps_what_it_can_and_names_the_damage(case, fraction) -> None:
    body, expected, _ = case
    packed = gzip.compress(body)
    with tempfile.TemporaryDirectory() as tmp:
        from pathlib import Path

        path = Path(tmp) / "cut.jsonl.gz"
        path.write_bytes(packed[: max(1, int(len(packed) * fraction))])
        rows, counters = read_rows(path, max_doc_bytes=1000)
    damaged = counters["damaged_files"]
    assert damaged == 1
    good = [r for r in rows if r["reason"] != "damaged_file"]
    assert len(good) <= expected
    assert_accounted(rows, len(good), damaged=1, name="cut.jsonl.gz")


PARQUET_TYPES = {
    "ts": (pa.timestamp("us"), st.datetimes(min_value=datetime.datetime(1900, 1, 1))),
    "tz": (pa.timestamp("ms", tz="Europe/Paris"), st.datetimes(min_value=datetime.datetime(1970, 1, 2),
                                                               timezones=st.just(datetime.timezone.utc))),
    "day": (pa.date32(), st.dates()),
    "price": (pa.decimal128(12, 3), st.decimals(min_value=-10**6, max_value=10**6, places=3, allow_nan=False,
                                               allow_infinity=False)),
    "blob": (pa.binary(), st.binary(max_size=12)),
    "tags": (pa.list_(pa.string()), st.lists(hostile_text, max_size=3)),
    "info": (pa.struct([("a", pa.int64()), ("b", pa.string())]),
             st.fixed_dictionaries({"a": st.integers(-2**40, 2**40), "b": hostile_text})),
    "kv": (pa.map_(pa.string(), pa.float64()), st.dictionaries(st.text(max_size=4), st.floats(), max_size=3)
           .map(lambda d: list(d.items()))),
    "score": (pa.float64(), st.floats()),
}


@st.composite
def parquet_table(draw) -> pa.Table:
    n = draw(st.integers(0, 12))
    columns = {"id": pa.array([draw(st.sampled_from(["a", "b", None])) for _ in range(n)], pa.string())}
    text_type = draw(st.sampled_from(["string", "large_string", "dictionary", "int"]))
    if text_type == "int":
        columns["text"] = pa.array([draw(st.integers(-2**63, 2**63 - 1)) for _ in range(n)], pa.int64())
    else:
        texts = pa.array([draw(st.one_of(st.none(), st.text(max_size=40))) for _ in range(n)],
                         pa.large_string() if text_type == "large_string" else pa.string())
        columns["text"] = texts.dictionary_encode() if text_type == "dictionary" else texts
    for name in draw(st.lists(st.sampled_from(sorted(PARQUET_TYPES)), unique=True, max_size=5)):
        dtype, values = PARQUET_TYPES[name]
        columns[name] = pa.array([draw(st.one_of(st.none(), values)) for _ in range(n)], dtype)
    return pa.table(columns)


@given(parquet_table(), st.lists(st.sampled_from(sorted(PARQUET_TYPES)), unique=True, max_size=2))
@FUZZ
def test_typed_parquet_is_accounted_for(table, keep) -> None:
    keep = [k for k in keep if k in table.column_names]
    with tempfile.TemporaryDirectory() as tmp:
        from pathlib import Path

        path = Path(tmp) / "typed.parquet"
        pq.write_table(table, path, row_group_size=5)
        rows, counters = read_rows(path, keep_fields=keep)
    assert_accounted(rows, table.num_rows, name="typed.parquet")
    for row in rows:
        if row["meta"] is not None:
            json.loads(row["meta"])  # meta is always valid JSON
        for k in keep:
            assert row[k] is None or isinstance(row[k], str)


def test_generated_values_cover_decimals_and_dates() -> None:
    """Guard the strategies above: the typed values they draw are the Python types Arrow expects."""
    assert pa.array([decimal.Decimal("1.500")], pa.decimal128(12, 3)).to_pylist()[0] == decimal.Decimal("1.500")
    assert pa.array([datetime.date(2024, 1, 1)], pa.date32()).type == pa.date32()
