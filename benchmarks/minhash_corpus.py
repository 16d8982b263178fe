"""Benchmark corpora for MinHash dedup: real web sentences recombined into new documents, with injected
near duplicates whose source is known.

Sentences come from ``<data>/web/cc_main_sample.jsonl.gz`` (raw Common Crawl), ``web/c4_demo.jsonl`` (C4)
and ``web/wiki_demo.txt`` (Wikipedia). A document is a run of consecutive sentences of one real document
(so its style and boilerplate are real) followed by random sentences of the pool, ``words`` long on
average. A share ``near_dup`` of documents are edited copies of an earlier document: each word is, with
probability ``rate`` (uniform in ``rates``), substituted, deleted or preceded by an insertion. Deterministic
for a seed.

    python benchmarks/minhash_corpus.py --docs 100000 --out /tmp/minhash_100k.parquet
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import random
import re

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

_SENTENCE = re.compile(r"(?<=[.!?])\s+")


def load_sentences(data: str) -> list[list[str]]:
    """Per real document, its sentences (paragraph breaks kept inside sentences as newlines)."""
    docs: list[str] = []
    with gzip.open(os.path.join(data, "web", "cc_main_sample.jsonl.gz"), "rt", encoding="utf-8") as fh:
        docs += [json.loads(line)["text"] for line in fh if line.strip()]
    with open(os.path.join(data, "web", "c4_demo.jsonl"), encoding="utf-8") as fh:
        docs += [json.loads(line)["text"] for line in fh if line.strip()]
    with open(os.path.join(data, "web", "wiki_demo.txt"), encoding="utf-8") as fh:
        docs += [line.strip() for line in fh if line.strip()]
    out = []
    for text in docs:
        sentences = [s for s in _SENTENCE.split(text.strip()) if len(s.split()) >= 3]
        if len(sentences) >= 3:
            out.append(sentences)
    return out


def _document(rng: random.Random, source: list[list[str]], pool: list[str], words: int) -> str:
    target = max(20, int(rng.gauss(words, words * 0.3)))
    doc = source[rng.randrange(len(source))]
    start = rng.randrange(len(doc))
    parts: list[str] = []
    count = 0
    for s in doc[start:start + rng.randint(2, 6)]:
        parts.append(s)
        count += len(s.split())
    while count < target:
        s = pool[rng.randrange(len(pool))]
        parts.append(s)
        count += len(s.split())
    return " ".join(parts)


def edit(rng: random.Random, text: str, rate: float, vocab: list[str]) -> str:
    """Substitute, delete or insert before each word with probability ``rate``."""
    out = []
    for word in text.split(" "):
        r = rng.random()
        if r < rate / 3:
            out.append(vocab[rng.randrange(len(vocab))])
        elif r < 2 * rate / 3:
            continue
        elif r < rate:
            out.extend([vocab[rng.randrange(len(vocab))], word])
        else:
            out.append(word)
    return " ".join(out) if out else text


def build(data: str, docs: int, seed: int = 0, words: int = 250, near_dup: float = 0.1,
          rates: tuple[float, float] = (0.0, 0.12)) -> tuple[list[str], list[str], dict[str, str]]:
    """(ids, texts, near-duplicate id -> id of the document it was copied from)."""
    rng = random.Random(seed)
    source = load_sentences(data)
    pool = [s for d in source for s in d]
    vocab = sorted({w for s in pool[:20000] for w in s.split() if w.isalpha()})
    ids, texts, truth = [], [], {}
    for i in range(docs):
        doc_id = f"doc{i:08d}"
        if i > 10 and rng.random() < near_dup:
            src = rng.randrange(i)
            texts.append(edit(rng, texts[src], rng.uniform(*rates), vocab))
            truth[doc_id] = ids[src]
        else:
            texts.append(_document(rng, source, pool, words))
        ids.append(doc_id)
    return ids, texts, truth


def write(path: str, ids: list[str], texts: list[str], files: int = 1) -> list[str]:
    """Write ``{id, text}`` as ``files`` Parquet files (``path`` with a part suffix when several)."""
    paths = []
    bounds = np.linspace(0, len(ids), files + 1).astype(int)
    for k in range(files):
        lo, hi = bounds[k], bounds[k + 1]
        target = path if files == 1 else path.replace(".parquet", f"-{k:03d}.parquet")
        table = pa.table({"id": ids[lo:hi], "text": pa.array(texts[lo:hi], pa.large_string())})
        pq.write_table(table, target, row_group_size=10_000)
        paths.append(target)
    return paths


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default="../shared/data")
    parser.add_argument("--docs", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default="/tmp/minhash_corpus.parquet")
    parser.add_argument("--files", type=int, default=1)
    args = parser.parse_args()
    ids, texts, truth = build(args.data, args.docs, args.seed)
    paths = write(args.out, ids, texts, args.files)
    with open(args.out.replace(".parquet", ".truth.json"), "w", encoding="utf-8") as fh:
        json.dump(truth, fh)
    words = np.mean([len(t.split()) for t in texts[:10000]])
    print(f"wrote {len(ids)} docs ({len(truth)} near duplicates, {words:.0f} words on average) to {paths[0]}...")


if __name__ == "__main__":
    main()
