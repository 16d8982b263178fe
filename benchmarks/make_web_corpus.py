"""Build a web-like benchmark corpus by recombining paragraphs of real samples.

Sources (under ``--data-dir``): ``web/cc_main_sample.jsonl.gz`` (raw Common Crawl text with menus and
boilerplate), ``web/c4_demo.jsonl`` (C4, already cleaned) and ``web/wiki_demo.txt`` (Wikipedia). Each
output document takes a real document of one source (60% CC, 30% C4, 10% Wikipedia) as a template and
swaps about half of its distinct paragraphs for random paragraphs of the same source. Sizes, structure,
noise, language mix and within-document repetition follow the samples, while the documents are new.
Deterministic for a seed.

    python benchmarks/make_web_corpus.py --docs 50000 --out bench_out/web_corpus.jsonl.gz
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import random
import re

_SENTENCE_END = re.compile(r"(?<=[.!?])(?=[A-Z])|(?<=[.!?])\s+")


def _cc(path: str) -> list[list[str]]:
    with gzip.open(path, "rt", encoding="utf-8") as f:
        texts = [json.loads(line)["text"] for line in f]
    return [[p for p in re.split(r"\n\n+", t.strip()) if p.strip()] for t in texts if t.strip()]


def _c4(path: str) -> list[list[str]]:
    with open(path, encoding="utf-8") as f:
        texts = [json.loads(line)["text"] for line in f if line.strip()]
    return [[p for p in t.split("\n") if p.strip()] for t in texts]


def _wiki(path: str) -> list[list[str]]:
    """Articles are one line each with paragraphs run together: cut them into 5-sentence paragraphs."""
    docs = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            sentences = [s for s in _SENTENCE_END.split(line.strip()) if s]
            docs.append([" ".join(sentences[i:i + 5]) for i in range(0, len(sentences), 5)])
    return [d for d in docs if d]


def build(data_dir: str, n_docs: int, seed: int) -> list[dict]:
    sources = {
        "cc": (_cc(os.path.join(data_dir, "web", "cc_main_sample.jsonl.gz")), "\n\n", 0.6),
        "c4": (_c4(os.path.join(data_dir, "web", "c4_demo.jsonl")), "\n", 0.3),
        "wiki": (_wiki(os.path.join(data_dir, "web", "wiki_demo.txt")), "\n\n", 0.1),
    }
    rng = random.Random(seed)
    names = list(sources)
    weights = [sources[s][2] for s in names]
    pools = {s: [p for doc in sources[s][0] for p in doc] for s in names}
    out = []
    for i in range(n_docs):
        src = rng.choices(names, weights)[0]
        docs, sep, _ = sources[src]
        template = rng.choice(docs)
        if src == "wiki":
            start = rng.randrange(len(template))
            template = template[start:start + rng.randint(1, 40)]
        # Swap about half of the distinct paragraphs for random ones of the same source; repeated
        # paragraphs map to the same replacement, so within-document repetition is kept.
        swap = {p: (rng.choice(pools[src]) if rng.random() < 0.5 else p) for p in dict.fromkeys(template)}
        out.append({"id": f"web-{i:07d}", "text": sep.join(swap[p] for p in template), "source": src})
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data-dir", default=os.path.join("..", "shared", "data"))
    ap.add_argument("--docs", type=int, default=50_000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", default=os.path.join("bench_out", "web_corpus.jsonl.gz"))
    args = ap.parse_args()
    docs = build(args.data_dir, args.docs, args.seed)
    os.makedirs(os.path.dirname(args.out) or ".", exist_ok=True)
    with gzip.open(args.out, "wt", encoding="utf-8") as f:
        for d in docs:
            f.write(json.dumps(d, ensure_ascii=False) + "\n")
    chars = sum(len(d["text"]) for d in docs)
    print(f"wrote {len(docs)} documents, {chars / 1e6:.1f} M characters, to {args.out}")


if __name__ == "__main__":
    main()
