"""Fields named by a dotted path (``metadata.text``) in JSON records and Arrow struct columns.

The literal key is tried first at every level, so a key that itself contains a dot (``"meta.text"``) is still
found; otherwise the path is split at the longest prefix naming an object (a struct column in Arrow).
"""

from __future__ import annotations

from typing import Any

import pyarrow as pa

MISSING = object()


def find(record: dict, path: str) -> tuple[Any, tuple[str, ...]]:
    """``(value, keys)`` for ``path`` in ``record``; ``(MISSING, ())`` when absent."""
    if path in record:
        return record[path], (path,)
    if "." not in path:
        return MISSING, ()
    parts = path.split(".")
    for cut in range(len(parts) - 1, 0, -1):
        head = ".".join(parts[:cut])
        inner = record.get(head)
        if isinstance(inner, dict):
            value, keys = find(inner, ".".join(parts[cut:]))
            if keys:
                return value, (head, *keys)
    return MISSING, ()


def without(record: dict, chains: list[tuple[str, ...]]) -> dict:
    """``record`` minus the fields at ``chains`` (copies only what it changes; emptied objects go too)."""
    out = dict(record)
    for chain in chains:
        if not chain:
            continue
        if len(chain) == 1:
            out.pop(chain[0], None)
            continue
        inner = out.get(chain[0])
        if isinstance(inner, dict):
            rest = without(inner, [chain[1:]])
            if rest:
                out[chain[0]] = rest
            else:
                out.pop(chain[0])
    return out


def resolve(schema: pa.Schema | pa.StructType, path: str) -> tuple[str, ...]:
    """The field names leading to ``path`` through struct columns; ``()`` when absent."""
    names = schema.names if isinstance(schema, pa.Schema) else [f.name for f in schema]
    if path in names:
        return (path,)
    parts = path.split(".")
    for cut in range(len(parts) - 1, 0, -1):
        head = ".".join(parts[:cut])
        if head in names:
            t = schema.field(head).type
            if pa.types.is_struct(t):
                keys = resolve(t, ".".join(parts[cut:]))
                if keys:
                    return (head, *keys)
    return ()


def column(batch: pa.RecordBatch, chain: tuple[str, ...]) -> pa.Array:
    """The array at ``chain`` (a null parent struct makes the value null)."""
    arr = batch.column(chain[0])
    for name in chain[1:]:
        arr = _children(arr)[name]
    return arr


def _children(arr: pa.StructArray) -> dict[str, pa.Array]:
    return {arr.type.field(i).name: child for i, child in enumerate(arr.flatten())}


def drop(arr: pa.StructArray, chain: tuple[str, ...]) -> pa.Array | None:
    """``arr`` without the field at ``chain``; None when nothing is left."""
    children = _children(arr)
    if len(chain) == 1:
        children.pop(chain[0], None)
    elif chain[0] in children and pa.types.is_struct(children[chain[0]].type):
        rest = drop(children[chain[0]], chain[1:])
        if rest is None:
            children.pop(chain[0])
        else:
            children[chain[0]] = rest
    if not children:
        return None
    return pa.StructArray.from_arrays(list(children.values()), names=list(children), mask=arr.is_null())
