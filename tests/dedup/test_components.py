"""Connected components: local reference and the large-star/small-star block functions, run round by
round with groups scattered over several blocks as a shuffle would."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest

from sluiceway.dedup.components import (
    EDGE_SCHEMA,
    both_directions,
    components_local,
    large_star_block,
    small_star_block,
    star_members,
)


def _shuffle(table: pa.Table, key: str, fn, blocks: int, rng: np.random.Generator) -> pa.Table:
    """Hash rows by key into ``blocks`` partitions (random per call) and apply ``fn`` per block."""
    if table.num_rows == 0:
        return fn(table)
    salt = rng.integers(1, 2**31)
    part = (table.column(key).to_numpy() * salt) % blocks
    outs = [fn(table.filter(pa.array(part == p))) for p in range(blocks)]
    return pa.concat_tables([o for o in outs if o.num_rows] or [outs[0]])


def run_stars(u: np.ndarray, v: np.ndarray, blocks: int = 3, seed: int = 0) -> tuple[dict[int, int], int]:
    rng = np.random.default_rng(seed)
    cur = pa.table({"u": u.astype(np.int64), "v": v.astype(np.int64)}, schema=EDGE_SCHEMA)
    for rounds in range(64):
        large = _shuffle(both_directions(cur), "src", large_star_block, blocks, rng)
        small = _shuffle(both_directions(large), "src", small_star_block, blocks, rng)
        if int(np.sum(small.column("dirty").to_numpy())) == 0:
            members = star_members(cur)
            return dict(zip(members.column("node").to_pylist(), members.column("comp").to_pylist(),
                            strict=True)), rounds
        cur = small.select(["u", "v"])
    raise AssertionError("no convergence")


def _reference(u: np.ndarray, v: np.ndarray) -> dict[int, int]:
    nodes, comps = components_local(u, v)
    return dict(zip(nodes.tolist(), comps.tolist(), strict=True))


def _check(u: list[int] | np.ndarray, v: list[int] | np.ndarray) -> int:
    u, v = np.asarray(u, np.int64), np.asarray(v, np.int64)
    got, rounds = run_stars(u, v)
    assert got == _reference(u, v)
    return rounds


def test_chain() -> None:
    n = 200
    order = np.random.default_rng(3).permutation(n) - 100  # negative keys too
    _check(order[:-1], order[1:])


def test_star_and_cycle() -> None:
    _check([5] * 10, list(range(10, 20)))  # star centred on the smallest: already converged
    assert _check([50] * 10, list(range(10, 20))) >= 1  # centre is the largest
    _check(list(range(10)), [*range(1, 10), 0])  # cycle


def test_several_components_and_duplicates() -> None:
    u = [1, 2, 3, 10, 11, 12, 1, 3, 100]
    v = [2, 3, 1, 11, 12, 10, 2, 1, 101]
    got, _ = run_stars(np.array(u), np.array(v))
    assert got == {1: 1, 2: 1, 3: 1, 10: 10, 11: 10, 12: 10, 100: 100, 101: 100}


@pytest.mark.parametrize("seed", range(5))
def test_random_graphs(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = 400
    keys = rng.choice(np.arange(-10**12, 10**12, 7919), n, replace=False)
    m = int(rng.integers(50, 600))
    a, b = rng.integers(0, n, m), rng.integers(0, n, m)
    u, v = keys[a], keys[b]
    keep = u != v
    got, rounds = run_stars(u[keep], v[keep], blocks=int(rng.integers(1, 5)), seed=seed)
    assert got == _reference(u[keep], v[keep])
    assert rounds < 20


def test_empty_graph() -> None:
    got, rounds = run_stars(np.zeros(0, np.int64), np.zeros(0, np.int64))
    assert got == {} and rounds == 0
