"""Hostile JSON/JSONL inputs: byte-order marks, bad bytes, odd records, odd files. None may crash or lose a row."""

import json

import pytest

from tests.io.helpers import assert_accounted, read_rows


def test_utf8_bom_jsonl_first_document_is_good(tmp_path):
    path = tmp_path / "bom.jsonl"
    path.write_bytes(b"\xef\xbb\xbf" + b'{"text": "first"}\n{"text": "second"}\n')
    rows, counters = read_rows(path)
    assert [r["text"] for r in rows] == ["first", "second"] and counters["utf8_bom"] == 1
    assert_accounted(rows, 2)


def test_utf8_bom_json_array_is_three_records(tmp_path):
    path = tmp_path / "bom.json"
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps([{"text": t} for t in "abc"]).encode())
    rows, _ = read_rows(path)
    assert [r["text"] for r in rows] == ["a", "b", "c"]
    assert_accounted(rows, 3)


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be", "utf-32"])
def test_utf16_and_utf32_with_bom_are_decoded(tmp_path, encoding):
    texts = ["héllo wörld", "日本語"]
    lines = "".join(json.dumps({"text": t}, ensure_ascii=False) + "\r\n" for t in texts)
    array = json.dumps([{"text": t} for t in texts], ensure_ascii=False)

    def encode(body: str) -> bytes:  # Python's utf-16 / utf-32 codecs write the byte-order mark
        return b"\xfe\xff" + body.encode(encoding) if encoding == "utf-16-be" else body.encode(encoding)

    for name, payload in (("u.jsonl", encode(lines)), ("u.json", encode(array))):
        path = tmp_path / name
        path.write_bytes(payload)
        rows, counters = read_rows(path)
        assert [r["text"] for r in rows] == texts, name
        assert counters[encoding[:6].replace("-", "") + "_files"] == 1
        assert_accounted(rows, 2)


def test_crlf_line_endings(tmp_path):
    path = tmp_path / "crlf.jsonl"
    path.write_bytes(b'{"text": "a"}\r\n\r\n{"text": "b"}\r\n')
    rows, _ = read_rows(path)
    assert [(r["text"], r["source"]) for r in rows] == [("a", "crlf.jsonl:1"), ("b", "crlf.jsonl:3")]


def test_windows_1252_bytes_replaced_and_counted_or_rejected(tmp_path):
    path = tmp_path / "cp.jsonl"
    path.write_bytes('{"text": "caf\u00e9 \u201cquoted\u201d"}\n'.encode("cp1252") + b'{"text": "fine"}\n')
    rows, counters = read_rows(path)
    assert "\ufffd" in rows[0]["text"] and counters["invalid_utf8"] == 1
    assert_accounted(rows, 2)
    rows, _ = read_rows(path, invalid_utf8="reject")
    assert [r["reason"] for r in rows] == ["invalid_utf8", None]
    assert_accounted(rows, 2, name="cp.jsonl")


def test_nul_bytes_and_control_characters(tmp_path):
    path = tmp_path / "nul.jsonl"
    path.write_bytes(b'{"text": "escaped \\u0000 nul"}\n{"text": "raw \x00 nul and \t tab"}\n\x00\x00\x00\n')
    rows, _ = read_rows(path)
    assert rows[0]["text"] == "escaped \x00 nul" and rows[1]["text"] == "raw \x00 nul and \t tab"
    assert rows[2]["reason"] == "malformed"
    assert_accounted(rows, 3, name="nul.jsonl")


def test_lone_surrogates_in_text_id_meta_and_kept_fields(tmp_path):
    path = tmp_path / "sur.jsonl"
    path.write_bytes(b'{"id": "\\udc80", "text": "a \\ud800 b", "url": "\\ud83d", "m": {"k": "\\udfff"}}\n')
    rows, _ = read_rows(path, keep_fields=["url"])
    assert rows[0]["text"] == "a \ufffd b" and rows[0]["id"] == "\ufffd" and rows[0]["url"] == "\ufffd"
    assert json.loads(rows[0]["meta"]) == {"m": {"k": "\ufffd"}}
    assert_accounted(rows, 1)


def test_huge_line_rejected_without_parsing(tmp_path):
    path = tmp_path / "huge.jsonl"
    with open(path, "wb") as fh:
        fh.write(b'{"text": "small one"}\n{"text": "' + b"x" * 3_000_000 + b'"}\n{"text": "after"}\n')
    rows, _ = read_rows(path, max_doc_bytes=100_000)  # line limit 4 * 100 kB + 1 MiB < 3 MB
    assert [r["reason"] for r in rows] == [None, "too_large", None]
    assert "not parsed" in rows[1]["detail"] and rows[1]["text"] is None and rows[2]["source"] == "huge.jsonl:3"
    assert_accounted(rows, 3, name="huge.jsonl")


def test_huge_last_line_without_newline(tmp_path):
    path = tmp_path / "huge.jsonl"
    path.write_bytes(b'{"text": "ok"}\n{"text": "' + b"y" * 2_000_000)
    rows, _ = read_rows(path, max_doc_bytes=10_000)
    assert [r["reason"] for r in rows] == [None, "too_large"]


def test_records_that_are_not_objects(tmp_path):
    path = tmp_path / "odd.jsonl"
    path.write_bytes(b'[1, 2]\n42\nnull\n"a string"\ntrue\n{"text": "real"}\n' + b"[" * 100_000 + b"\n")
    rows, _ = read_rows(path)
    assert [r["reason"] for r in rows] == ["malformed"] * 5 + [None, "malformed"]
    assert "nested too deeply" in rows[-1]["detail"]
    assert_accounted(rows, 7, name="odd.jsonl")


def test_json_file_that_is_not_an_array(tmp_path):
    for body, records in ((b"42", 1), (b'"just text"', 1), (b'{"text": "one record"}', 1),
                          (b'{"data": [{"text": "a"}, {"text": "b"}]}', 2), (b"[]", 0), (b"  [  ] ", 0)):
        path = tmp_path / "x.json"
        path.write_bytes(body)
        rows, _ = read_rows(path)
        assert_accounted(rows, records, name="x.json")
    assert rows == []


def test_json_array_syntax_error_keeps_records_before_it(tmp_path):
    path = tmp_path / "broken.json"
    path.write_bytes(b'[{"text": "a"}, {"text": "b"}, {"text": oops}, {"text": "d"}]')
    rows, _ = read_rows(path)
    assert [r["reason"] for r in rows] == [None, None, "malformed"]
    assert rows[2]["source"] == "broken.json:3" and "rest of the file" in rows[2]["detail"]
    assert_accounted(rows, 3, name="broken.json")
    path.write_bytes(b'[{"text": "a"} {"text": "b"}]')
    rows, _ = read_rows(path)
    assert [r["reason"] for r in rows] == [None, "malformed"]


@pytest.mark.parametrize("name", ["e.jsonl", "e.json", "e.jsonl.gz"])
def test_empty_and_blank_files(tmp_path, name):
    import gzip

    for body in (b"", b"\n\n  \r\n\t\n"):
        path = tmp_path / name
        path.write_bytes(gzip.compress(body) if name.endswith(".gz") else body)
        rows, counters = read_rows(path)
        assert rows == [] and not counters["damaged_files"]


def test_nan_and_infinity_in_json_meta_are_null(tmp_path):
    path = tmp_path / "nan.jsonl"
    path.write_bytes(b'{"text": "t", "score": NaN, "big": Infinity, "ok": 1.5}\n')
    rows, _ = read_rows(path)
    assert json.loads(rows[0]["meta"]) == {"score": None, "big": None, "ok": 1.5}


def test_null_and_number_ids(tmp_path):
    path = tmp_path / "ids.jsonl"
    path.write_bytes(b'{"id": 7, "text": "a"}\n{"id": 7.0, "text": "b"}\n{"id": 7.5, "text": "c"}\n'
                     b'{"id": null, "text": "d"}\n{"id": true, "text": "e"}\n{"id": [1], "text": "f"}\n')
    rows, _ = read_rows(path)
    assert [r["id"] for r in rows] == ["7", "7", "7.5", "ids.jsonl:4", "true", "[1]"]


def test_seeded_random_lines_are_all_accounted(tmp_path):
    import random

    rng = random.Random(1234)
    parts = [b'{"text": "ok"}', b'{"text": "\\ud800"}', b'{"text": 5}', b"\x00\xff\xfe", b"[", b"null", b'{"a": {',
             b'{"text": "caf\xe9"}', b'{"id": 1, "text": "dup id"}', b"\xef\xbb\xbf{}", b'"\\u0000"', b"\t \r"]
    lines = [b'{"text": "first"}']
    for _ in range(300):
        if rng.random() < 0.3:
            lines.append(bytes(rng.randrange(256) for _ in range(rng.randrange(40))).replace(b"\n", b" "))
        else:
            lines.append(b"".join(rng.choice(parts) for _ in range(rng.randrange(1, 4))))
    path = tmp_path / "fuzz.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n")
    rows, _ = read_rows(path)
    physical = sum(1 for line in lines if line.strip())
    assert_accounted(rows, physical, name="fuzz.jsonl")
    assert {r["source"] for r in rows} == {f"fuzz.jsonl:{i}" for i, line in enumerate(lines, 1) if line.strip()}
