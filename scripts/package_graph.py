"""Measure the package layout of sluiceway: lines per package, the package-level import graph, its cycles,
and upward imports from lower packages into ``stages/`` or ``pipelines/``.

Run: ``python scripts/package_graph.py [PACKAGE_DIR]`` (default: this checkout's ``sluiceway/``). Reads source only
(ast), imports nothing.
"""

from __future__ import annotations

import ast
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent / "sluiceway"
UPPER = {"stages", "pipelines", "cli"}
LOWER = {"io", "models", "sft", "dedup", "diversity", "text", "planning", "fasttext_models", "rows", "topk", "shipped"}


def package_of(module: str) -> str | None:
    """``sluiceway.io.read`` -> ``io``; ``sluiceway.rows`` -> ``rows``; other modules -> None."""
    parts = module.split(".")
    if parts[0] != "sluiceway":
        return None
    return parts[1] if len(parts) > 1 else "__init__"


def module_name(path: Path) -> str:
    rel = path.relative_to(ROOT.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def imports_of(path: Path) -> list[str]:
    """Absolute sluiceway modules imported by ``path`` (relative imports resolved)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    mod = module_name(path)
    pkg = mod if path.name == "__init__.py" else mod.rsplit(".", 1)[0]
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = pkg.split(".")
                base = base[: len(base) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            found.append(target)
            found += [f"{target}.{a.name}" for a in node.names]
    return [m for m in found if m.startswith("sluiceway")]


def package_key(path: Path) -> str:
    rel = path.relative_to(ROOT)
    return rel.parts[0] if len(rel.parts) > 1 else rel.stem


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one package (Tarjan)."""
    index, low, stack, on, out = {}, {}, [], set(), []
    counter = [0]

    def visit(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def main() -> int:
    global ROOT
    if len(sys.argv) > 1:
        ROOT = Path(sys.argv[1]).resolve()
    lines: dict[str, int] = defaultdict(int)
    graph: dict[str, set[str]] = defaultdict(set)
    upward: list[str] = []
    for path in sorted(ROOT.rglob("*.py")):
        key = package_key(path)
        lines[key] += len(path.read_text(encoding="utf-8").splitlines())
        graph.setdefault(key, set())
        for target in imports_of(path):
            dest = package_of(target)
            if dest and dest not in (key, "__init__"):
                graph[key].add(dest)
                if key in LOWER and dest in {"stages", "pipelines"}:
                    upward.append(f"{path.relative_to(ROOT.parent)} -> sluiceway.{dest}")
    print("lines per package:")
    for key in sorted(lines, key=lambda k: -lines[k]):
        print(f"  {key:18s} {lines[key]:6d}")
    print(f"  {'total':18s} {sum(lines.values()):6d}")
    print("package imports:")
    for key in sorted(graph):
        print(f"  {key:18s} -> {', '.join(sorted(graph[key])) or '-'}")
    found = cycles(graph)
    print(f"package cycles: {len(found)}")
    for comp in found:
        print("  " + " <-> ".join(comp))
    print(f"upward imports (file -> package) from lower packages into stages/pipelines: {len(set(upward))}")
    for line in sorted(set(upward)):
        print("  " + line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
