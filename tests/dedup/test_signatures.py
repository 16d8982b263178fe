"""MinHash signatures: bit-identical to datasketch.MinHash for the same seed, num_perm, scheme and hash."""

from __future__ import annotations

import numpy as np
import pytest
from datasketch import MinHash, MinHashLSH

from sluiceway.dedup.minhash import MinHasher, permutations
from sluiceway.dedup.shingles import ShingleConfig, datasketch_hashfunc, shingle_texts, uses_chars

DOCS = [
    "The quick brown fox jumps over the lazy dog, again and again, until the dog wakes up.",
    "",
    "   ",
    "word",
    "two words",
    "Punctuation!!! should; vanish -- mostly: yes?",
    "这是一个中文句子，没有空格的文本也应该能正常处理，并且使用字符级别的shingle。",
    "東京は日本の首都です。人口はとても多いです。",
    "Ünïcödé wörds ÀND CASE mixed with ß and emoji 🙂 here in a longer sentence of several words.",
    "a b c d e f g h i j k l m n o p",
]


def _datasketch(text: str, cfg: ShingleConfig, num_perm: int, seed: int, scheme: str) -> np.ndarray:
    is_char = bool(uses_chars([text], cfg)[0])
    m = MinHash(num_perm=num_perm, seed=seed, scheme=scheme, hashfunc=datasketch_hashfunc(cfg, is_char))
    m.update_batch([s.encode("utf-8") for s in shingle_texts(text, cfg)])
    return m.hashvalues.astype(np.uint64)


@pytest.mark.parametrize("hash_function", ["sha1", "fast"])
@pytest.mark.parametrize("scheme", ["affine32", "legacy"])
@pytest.mark.parametrize(("seed", "num_perm"), [(1, 128), (7, 64), (12345, 5)])
def test_bit_identical_to_datasketch(hash_function: str, scheme: str, seed: int, num_perm: int) -> None:
    cfg = ShingleConfig(hash_function=hash_function)
    sig, _, _ = MinHasher(num_perm, seed, scheme, cfg).signatures(DOCS)
    assert sig.dtype == np.uint32 and sig.shape == (len(DOCS), num_perm)
    for i, text in enumerate(DOCS):
        np.testing.assert_array_equal(sig[i].astype(np.uint64), _datasketch(text, cfg, num_perm, seed, scheme))


def test_sha1_default_datasketch_call() -> None:
    """With sha1, plain ``MinHash(num_perm, seed)`` (default hashfunc) over our shingles matches."""
    cfg = ShingleConfig(hash_function="sha1", ngram=3)
    text = "one two three four five six"
    sig, _, _ = MinHasher(128, 3, "affine32", cfg).signatures([text])
    m = MinHash(num_perm=128, seed=3)
    m.update_batch([s.encode() for s in shingle_texts(text, cfg)])
    np.testing.assert_array_equal(sig[0], m.hashvalues)
    assert shingle_texts(text, cfg) == ["one two three", "two three four", "three four five", "four five six"]


def test_empty_and_short_documents() -> None:
    sig, hashes, offsets = MinHasher(16).signatures(["", "one", "one two", None])  # type: ignore[list-item]
    assert (sig[0] == 0xFFFFFFFF).all() and (sig[3] == 0xFFFFFFFF).all()
    assert list(np.diff(offsets)) == [0, 1, 1, 0]  # shorter than one shingle: one shingle of all tokens
    assert not (sig[1] == sig[2]).all()


def test_batching_does_not_change_signatures() -> None:
    hasher = MinHasher(32, 5)
    whole, _, _ = hasher.signatures(DOCS)
    parts = np.vstack([hasher.signatures(DOCS[i:i + 3])[0] for i in range(0, len(DOCS), 3)])
    np.testing.assert_array_equal(whole, parts)


def test_chunking_over_many_shingles(monkeypatch: pytest.MonkeyPatch) -> None:
    import sluiceway.dedup.minhash as mh

    docs = [" ".join(f"w{(i * 7 + j) % 97}" for j in range(40 + i)) for i in range(30)]
    full, _, _ = MinHasher(64).signatures(docs)
    monkeypatch.setattr(mh, "_CHUNK_CELLS", 64 * 50)  # force many chunks
    np.testing.assert_array_equal(MinHasher(64).signatures(docs)[0], full)


def test_permutations_match_datasketch() -> None:
    for scheme in ("affine32", "legacy"):
        a, b = permutations(64, 11, scheme)
        ref = MinHash(num_perm=64, seed=11, scheme=scheme).permutations
        np.testing.assert_array_equal(a, np.asarray(ref[0]))
        np.testing.assert_array_equal(b, np.asarray(ref[1]))


def test_signatures_usable_in_datasketch_lsh() -> None:
    base = " ".join(f"token{i}" for i in range(200))
    near = base.replace("token50 ", "changed ")
    other = " ".join(f"other{i}" for i in range(200))
    sig, _, _ = MinHasher(128, 1).signatures([base, near, other])
    lsh = MinHashLSH(threshold=0.8, num_perm=128)
    for key, row in zip(("base", "near", "other"), sig, strict=True):
        lsh.insert(key, MinHash(num_perm=128, seed=1, hashvalues=row, scheme="affine32"))
    assert set(lsh.query(MinHash(num_perm=128, seed=1, hashvalues=sig[0], scheme="affine32"))) == {"base", "near"}
