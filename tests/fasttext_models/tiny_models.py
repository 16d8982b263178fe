"""Tiny generated corpora and models shared by the fastText/tokenizer tests (cached per test run)."""

from __future__ import annotations

import atexit
import functools
import json
import random
import shutil
import tempfile
from pathlib import Path

GOOD = ("the study of rivers shows how water shapes valleys over many centuries . researchers measured the "
        "flow of sediment and described the history of the region in careful detail . the museum holds "
        "manuscripts written by scholars who explained physics chemistry and mathematics to students").split()
BAD = ("click here buy now cheap deals login cart cookie policy free shipping subscribe newsletter best price "
       "limited offer sign up casino bonus win prize home menu share tweet").split()
LANG_WORDS = {
    "en": "the house is big and the dog runs to the garden while children play with a red ball".split(),
    "de": "das Haus ist groß und der Hund läuft in den Garten während die Kinder mit einem Ball spielen".split(),
    "fr": "la maison est grande et le chien court dans le jardin pendant que les enfants jouent avec une balle".split(),
    "ru": "дом большой и собака бежит в сад пока дети играют с красным мячом".split(),
    "zh": list("房子很大狗跑到花园里孩子们在玩红色的球我们今天去学校学习中文"),
}
ROOT = Path(tempfile.mkdtemp(prefix="sluiceway-tiny-"))
atexit.register(shutil.rmtree, ROOT, ignore_errors=True)


def sentence(words: list[str], rng: random.Random, n: int = 12, sep: str = " ") -> str:
    return sep.join(rng.choice(words) for _ in range(n))


def quality_docs(n: int = 150, seed: int = 0) -> tuple[list[str], list[str]]:
    rng = random.Random(seed)
    return ([sentence(GOOD, rng, 30) for _ in range(n)], [sentence(BAD, rng, 30) for _ in range(n)])


def langid_sentences(n: int = 120, seed: int = 0) -> dict[str, list[str]]:
    rng = random.Random(seed)
    return {lang: [sentence(w, rng, 10, "" if lang == "zh" else " ") for _ in range(n)]
            for lang, w in LANG_WORDS.items()}


@functools.cache
def quality_model() -> str:
    from sluiceway.fasttext_models.params import QualityTrainParams
    from sluiceway.fasttext_models.quality import train_quality

    pos, neg = quality_docs()
    path = str(ROOT / "quality.bin")
    train_quality(pos, neg, path, QualityTrainParams(dim=8, epoch=20, lr=0.5, bucket=2000, min_count=1, threads=1))
    return path


@functools.cache
def langid_dir() -> str:
    d = ROOT / "langid"
    d.mkdir(exist_ok=True)
    for lang, lines in langid_sentences().items():
        (d / f"{lang}.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return str(d)


@functools.cache
def langid_model() -> str:
    from sluiceway.fasttext_models.langid import read_langid_dir, train_langid
    from sluiceway.fasttext_models.params import LangidTrainParams

    path = str(ROOT / "lid.bin")
    train_langid(read_langid_dir(langid_dir()), path,
                 LangidTrainParams(dim=8, epoch=10, bucket=5000, threads=1, holdout=0.2))
    return path


@functools.cache
def tokenizer_path() -> str:
    from sluiceway.text.tokenizer import train_bpe

    pos, neg = quality_docs(60)
    path = str(ROOT / "tokenizer.json")
    train_bpe(pos + neg + [s for v in langid_sentences(20).values() for s in v], 400, path)
    return path


def write_corpus(directory: Path, n: int = 40, seed: int = 1) -> str:
    """A JSONL corpus with good, bad and non-English documents; returns its glob."""
    pos, neg = quality_docs(n, seed)
    langs = langid_sentences(n // 4, seed)
    rows = [{"id": f"g{i}", "text": t} for i, t in enumerate(pos)] + [{"id": f"b{i}", "text": t} for i, t in enumerate(neg)]
    rows += [{"id": f"{lang}{i}", "text": t} for lang in ("de", "zh") for i, t in enumerate(langs[lang])]
    directory.mkdir(parents=True, exist_ok=True)
    half = len(rows) // 2
    for name, part in (("a", rows[:half]), ("b", rows[half:])):
        (directory / f"{name}.jsonl").write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in part),
                                                 encoding="utf-8")
    return str(directory / "*.jsonl")


def table(texts: list[str | None], ids: list[str] | None = None, rejected: set[int] = frozenset()):
    """A batch in the reader's schema; rows in ``rejected`` are already rejected by ``read``."""
    import pyarrow as pa

    n = len(texts)
    ids = ids or [f"r{i}" for i in range(n)]
    dead = [i in rejected for i in range(n)]
    return pa.table({
        "id": pa.array(ids, pa.string()), "text": pa.array(texts, pa.large_string()),
        "meta": pa.nulls(n, pa.string()), "source": pa.array([f"t.jsonl:{i + 1}" for i in range(n)], pa.string()),
        "stage": pa.array(["read" if d else None for d in dead], pa.string()),
        "reason": pa.array(["malformed" if d else None for d in dead], pa.string()),
        "detail": pa.array(["x" if d else None for d in dead], pa.string())})
