"""Assemble README.md and BENCHMARKS.md from docs/*.md and benchmarks/results/*.md (headings shifted to fit).

Run after editing a topic page: `python scripts/build_docs.py`.
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


def build_readme() -> None:
    parts = [open("docs/README_core.md").read().rstrip() + "\n"]
    parts.append(
        "\n## Stages and commands\n\nEvery stage below is in the registry (`sluiceway stages -v`) and works from YAML, the CLI and Python.\n"
    )
    for name in ["stages_clean_filters", "minhash", "fasttext_stages", "diversity", "sft", "planning"]:
        try:
            text = open(f"docs/{name}.md").read().strip()
        except FileNotFoundError:
            continue
        text = demote(text)
        parts.append("\n" + text + "\n")
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
