"""Assemble README.md (docs/README_core.md plus a stage reference generated from the registry) and BENCHMARKS.md
(benchmarks/results/*.md, headings shifted to fit).

Run after editing the front page or a results page: `PYTHONPATH=$PWD python scripts/build_docs.py`.
"""

import os


def demote(text: str) -> str:
    """Shift headings (outside code fences) so the page's top heading is level 2."""
    lines, fence, levels = text.splitlines(), False, []
    for line in lines:
        if line.startswith("```"):
            fence = not fence
        elif not fence and line.startswith("#"):
            levels.append(len(line) - len(line.lstrip("#")))
    shift = 2 - min(levels) if levels else 0
    out, fence = [], False
    for line in lines:
        if line.startswith("```"):
            fence = not fence
        elif not fence and line.startswith("#"):
            line = "#" * shift + line if shift >= 0 else line[-shift:]
        out.append(line)
    return "\n".join(out)


def stage_reference() -> str:
    """A table of every registered stage: name, module file, first docstring line (from the registry)."""
    from sluiceway.stages.registry import stage_classes

    rows = ["| stage | file | what it does |", "| --- | --- | --- |"]
    for name, cls in stage_classes().items():
        doc = " ".join((cls.__doc__ or "").strip().split("\n\n")[0].split())
        doc = doc if len(doc) <= 120 else doc[:doc.rfind(" ", 0, 117)] + " ..."
        path = cls.__module__.replace(".", "/") + ".py"
        rows.append(f"| `{name}` | [`{path}`]({path}) | {doc.replace('|', '/')} |")
    return "\n".join(rows)


def build_readme() -> None:
    """README.md: the front page (docs/README_core.md) and the generated stage reference."""
    parts = [open("docs/README_core.md").read().rstrip() + "\n"]
    parts.append("\n## Stage reference (generated)\n\nEvery stage is in the registry (`sluiceway stages -v`) and works "
                 "from YAML, the CLI and Python; the topic pages in `docs/` describe each in full.\n")
    parts.append(stage_reference() + "\n")
    open("README.md", "w").write("\n".join(parts))


def build_benchmarks() -> None:
    head = """# Benchmarks and evaluations

    Every figure below was measured on this project's development machine: 2 CPU cores, 24 GiB RAM, no GPU, shared
    with other jobs while it ran (load averages of 10-40 are noted where they applied). Absolute rates are therefore
    noisy; comparisons with a reference tool were measured side by side in the same run and are reported as ratios.
    Each section gives the command that reproduces it; data paths default to `../shared/data` and are flags.
    Per-topic pages with the same content live in `benchmarks/results/`.
    """
    parts = ["\n".join(line.strip() for line in head.splitlines()).strip()]  # indented lines would be code
    for name in ["filters_vs_datatrove", "minhash", "fasttext", "default_models", "diversity", "sft", "plan", "reader",
                 "reliability"]:
        path = f"benchmarks/results/{name}.md"
        if not os.path.exists(path):
            continue
        text = open(path).read().strip()
        text = demote(text)
        parts.append(text)
    open("BENCHMARKS.md", "w").write("\n\n".join(parts) + "\n")


if __name__ == "__main__":
    build_readme()
    build_benchmarks()
