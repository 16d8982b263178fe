"""Input values (Python or Arrow) as JSON: what goes into ``meta`` and into ``keep_fields`` columns.

One mapping for every input format, so a Parquet corpus and the same corpus as JSONL give the same ``meta``:

- timestamps: ISO-8601 (``2024-01-01T12:00:00.000000``); zone-aware ones in UTC with a ``Z`` suffix
- dates and times of day: ISO-8601 (``2024-01-02``, ``01:02:03.000000``); durations: seconds, a number
- decimals: strings (``"1.50"``), exact
- binary: ``{"$base64": "AAE="}``, an object so it cannot be mistaken for a text value
- NaN and infinite floats: ``null`` (JSON has no spelling for them)
- maps: an object when the key type is a string, else a list of ``[key, value]`` pairs
- dictionary-encoded columns: their values; lists, structs: arrays and objects of the above

Top-level Parquet columns are converted per column with Arrow; values nested in lists, structs and maps go
through Python (``jsonable``), where datetimes print with Python's ``isoformat`` (fraction digits may differ).
"""

from __future__ import annotations

import base64
import datetime
import decimal
import json
import math
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

_COMPACT = (",", ":")
_NEEDS_ESCAPE = '["\\\\\\x00-\\x1f]'  # RE2: a quote, a backslash or a control character


def jsonable(value: Any) -> Any:
    """``value`` made of JSON types only (see the module docstring for the mapping)."""
    if value is None or isinstance(value, (str, bool, int)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, datetime.datetime):
        if value.tzinfo is not None:
            return value.astimezone(datetime.timezone.utc).replace(tzinfo=None).isoformat() + "Z"
        return value.isoformat()
    if isinstance(value, (datetime.date, datetime.time)):
        return value.isoformat()
    if isinstance(value, datetime.timedelta):
        return value.total_seconds()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, (bytes, bytearray, memoryview)):
        return {"$base64": base64.b64encode(bytes(value)).decode("ascii")}
    return str(value)


def arrow_jsonable(value: Any, t: pa.DataType) -> Any:
    """``jsonable`` guided by the Arrow type ``value`` came from (``to_pylist`` gives maps as pairs)."""
    if value is None:
        return None
    if pa.types.is_map(t):
        if is_text_type(t.key_type):
            return {k: arrow_jsonable(v, t.item_type) for k, v in value}
        return [[arrow_jsonable(k, t.key_type), arrow_jsonable(v, t.item_type)] for k, v in value]
    if pa.types.is_struct(t):
        return {f.name: arrow_jsonable(value.get(f.name), f.type) for f in t}
    if pa.types.is_list(t) or pa.types.is_large_list(t) or pa.types.is_fixed_size_list(t):
        return [arrow_jsonable(v, t.value_type) for v in value]
    if pa.types.is_dictionary(t):
        return arrow_jsonable(value, t.value_type)
    return jsonable(value)


def dumps(value: Any) -> str:
    """Compact JSON of an input value; the fast path is plain ``json.dumps``."""
    try:
        return json.dumps(value, ensure_ascii=False, allow_nan=False, separators=_COMPACT)
    except (TypeError, ValueError):
        return json.dumps(jsonable(value), ensure_ascii=False, separators=_COMPACT)


def id_string(value: Any) -> str | None:
    """An id as text: integral floats without ``.0`` (Parquet turns int ids with nulls into floats),
    booleans as ``true``/``false``, objects and lists as JSON; ``None`` stays ``None``."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (int, float)):
        return str(value) if isinstance(value, int) or math.isfinite(value) else None
    j = jsonable(value)
    return j if isinstance(j, str) else dumps(j)


def _is_text(t: pa.DataType) -> bool:
    return pa.types.is_string(t) or pa.types.is_large_string(t) or getattr(pa.types, "is_string_view",
                                                                         lambda _: False)(t)


def is_text_type(t: pa.DataType) -> bool:
    """String columns, also large, view and dictionary-encoded ones."""
    return _is_text(t) or (pa.types.is_dictionary(t) and _is_text(t.value_type))


def _decoded(arr: pa.Array) -> pa.Array:
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    while pa.types.is_dictionary(arr.type):
        arr = arr.dictionary_decode()
    if isinstance(arr.type, pa.ExtensionType):
        arr = arr.storage
    return arr


def column_strings(arr: pa.Array) -> tuple[pa.Array, bool]:
    """``arr`` as a string array (nulls stay null) and whether its values are JSON strings (True) or JSON
    text of numbers, booleans, objects and arrays (False)."""
    arr = _decoded(arr)
    t = arr.type
    if _is_text(t):
        return pc.cast(arr, pa.string()), True
    if pa.types.is_null(t):
        return pa.nulls(len(arr), pa.string()), False
    if pa.types.is_boolean(t) or pa.types.is_integer(t):
        return pc.cast(arr, pa.string()), False
    if pa.types.is_floating(t):
        finite = pc.is_finite(arr)
        return pc.if_else(finite, pc.cast(arr, pa.string()), pa.scalar(None, pa.string())), False
    if pa.types.is_decimal(t) or pa.types.is_date(t) or pa.types.is_time(t):
        return pc.cast(arr, pa.string()), True
    if pa.types.is_timestamp(t):
        naive = pc.cast(arr, pa.timestamp(t.unit)) if t.tz is not None else arr  # zone-aware: UTC
        iso = pc.replace_substring(pc.cast(naive, pa.string()), " ", "T", max_replacements=1)  # 20x strftime
        return (pc.binary_join_element_wise(iso, "Z", "") if t.tz is not None else iso), True
    # binary, durations, lists, structs, maps, unions: through Python, value by value
    return pa.array([None if v is None else dumps(arrow_jsonable(v, t)) for v in arr.to_pylist()],
                    pa.string()), False


def json_fragments(arr: pa.Array) -> pa.Array:
    """Each value of ``arr`` as JSON text, no nulls (a null is ``null``)."""
    strings, quoted = column_strings(arr)
    if quoted:
        if pc.any(pc.match_substring_regex(strings, _NEEDS_ESCAPE)).as_py():
            strings = pa.array([None if s is None else json.dumps(s, ensure_ascii=False)
                                for s in strings.to_pylist()], pa.string())
        else:
            strings = pc.binary_join_element_wise('"', strings, '"', "")
    return pc.fill_null(strings, "null")


def meta_column(columns: dict[str, pa.Array], rows: int) -> pa.Array:
    """One JSON object per row from ``columns`` (null values included, as ``null``)."""
    if not columns:
        return pa.nulls(rows, pa.string())
    parts: list[Any] = []
    for i, (name, arr) in enumerate(columns.items()):
        parts.append(("{" if i == 0 else ",") + json.dumps(name, ensure_ascii=False) + ":")
        parts.append(json_fragments(arr))
    parts.append("}")
    return pc.binary_join_element_wise(*parts, "")
