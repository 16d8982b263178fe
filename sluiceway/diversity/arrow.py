"""Arrow ↔ numpy helpers for vector columns."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc


def vector_type(dim: int) -> pa.DataType:
    return pa.list_(pa.float32(), dim)


def to_vector_array(X: np.ndarray) -> pa.FixedSizeListArray:
    """``(n, dim)`` float matrix → fixed-size-list<float32, dim> array."""
    X = np.ascontiguousarray(X, dtype=np.float32)
    return pa.FixedSizeListArray.from_arrays(pa.array(X.reshape(-1), pa.float32()), X.shape[1])


def to_matrix(arr: pa.Array | pa.ChunkedArray, dim: int | None = None) -> np.ndarray:
    """A list column without nulls → ``(n, dim)`` float32 matrix."""
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks() if arr.num_chunks else pa.array([], arr.type)
    if arr.null_count:
        raise ValueError("vector column has nulls; filter them first")
    n = len(arr)
    if dim is None:
        dim = arr.type.list_size if pa.types.is_fixed_size_list(arr.type) else (
            len(arr[0].as_py()) if n else 0)
    values = pc.list_flatten(arr).to_numpy(zero_copy_only=False).astype(np.float32, copy=False)
    if values.size != n * dim:
        raise ValueError(f"vector column rows are not all of length {dim}")
    return values.reshape(n, dim)


def l2_normalize(X: np.ndarray) -> np.ndarray:
    """Rows scaled to unit length; all-zero rows stay zero."""
    norms = np.linalg.norm(X, axis=1, keepdims=True)
    return (X / np.where(norms > 0, norms, 1.0)).astype(np.float32, copy=False)
