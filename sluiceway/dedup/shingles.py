"""Shingling (Broder 1997): documents as sets of word or character n-grams, hashed to 32 bits.

``normalize`` lowercases the text and deletes punctuation and symbols (Unicode P and S); tokens are the
whitespace-separated pieces of the result (:mod:`.tokens`, the whitespace of Python's ``str.split()``).
Word shingles are ``ngram`` consecutive tokens joined by one space; character shingles are ``char_ngram``
consecutive characters with whitespace removed. ``mode="auto"`` picks characters for text written without
spaces (at least ``CHAR_MODE_CHARS_PER_TOKEN`` characters per token, or a text of one or two tokens in
Han, Kana, Thai, Lao, Khmer or Myanmar script), words otherwise. A document with fewer tokens than one
shingle gets a single shingle of all its tokens; an empty one gets none.

Two hash functions give each shingle a 32-bit value:

* ``sha1`` — ``datasketch.hashfunc.sha1_hash32`` of the shingle's UTF-8 bytes (datasketch's default), so
  signatures are bit-identical to ``datasketch.MinHash`` fed with :func:`shingle_texts`.
* ``fast`` (default) — every token is hashed from its bytes in one vectorized pass over the batch's
  UTF-8 buffer (a multilinear hash with fixed random 64-bit keys, then ``fmix64``; a character: ``fmix64``
  of its code point) and a shingle is ``fmix64(sum_j K_j * t_j) >> 32``: no per-token or per-shingle Python. Its values differ from sha1's; :func:`datasketch_hashfunc`
  gives datasketch the same function, so bit-identity holds for the same hash function.
"""

from __future__ import annotations

import dataclasses
import hashlib
import struct
from collections.abc import Callable, Sequence
from typing import Literal

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from sluiceway.dedup import tokens

CHAR_MODE_CHARS_PER_TOKEN = 20
_PUNCT = r"[\p{P}\p{S}]"
_UNSPACED = r"[\p{Han}\p{Hiragana}\p{Katakana}\p{Thai}\p{Lao}\p{Khmer}\p{Myanmar}]"
_M64 = (1 << 64) - 1
_CHAR_SALT = 0x9E3779B97F4A7C15
_LEN_KEY = 0xD6E8FEB86659FD93


@dataclasses.dataclass(frozen=True)
class ShingleConfig:
    ngram: int = 5
    char_ngram: int = 5
    mode: Literal["auto", "word", "char"] = "auto"
    hash_function: Literal["fast", "sha1"] = "fast"
    normalize: bool = True


def _splitmix64(x: int) -> int:
    x = (x + 0x9E3779B97F4A7C15) & _M64
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & _M64
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & _M64
    return x ^ (x >> 31)


_K = np.array([_splitmix64(j + 1) | 1 for j in range(64)], dtype=np.uint64)  # shingle position keys
_R = np.array([_splitmix64(j + 1_000_003) for j in range(4096)], dtype=np.uint64)  # token byte keys


def fmix64(h: np.ndarray) -> np.ndarray:
    """MurmurHash3's 64-bit finalizer (a bijection), element-wise on uint64 with wraparound."""
    h = h ^ (h >> np.uint64(33))
    h = h * np.uint64(0xFF51AFD7ED558CCD)
    h = h ^ (h >> np.uint64(33))
    h = h * np.uint64(0xC4CEB9FE1A85EC53)
    return h ^ (h >> np.uint64(33))


def _fmix64_int(h: int) -> int:
    h ^= h >> 33
    h = (h * 0xFF51AFD7ED558CCD) & _M64
    h ^= h >> 33
    h = (h * 0xC4CEB9FE1A85EC53) & _M64
    return h ^ (h >> 33)


def _token_hash_int(token: bytes) -> int:
    """Reference (one token) of :func:`_token_hashes`."""
    h = sum((byte + 1) * int(_R[i & 4095]) for i, byte in enumerate(token)) & _M64
    return _fmix64_int(h ^ ((len(token) * _LEN_KEY) & _M64))


def _char_token_hashes(codepoints: np.ndarray) -> np.ndarray:
    return fmix64(codepoints.astype(np.uint64) ^ np.uint64(_CHAR_SALT))


def sha1_hash32(data: bytes) -> int:
    """``datasketch.hashfunc.sha1_hash32``: the first 4 bytes of SHA-1, little-endian."""
    return struct.unpack("<I", hashlib.sha1(data).digest()[:4])[0]


def datasketch_hashfunc(cfg: ShingleConfig, char: bool) -> Callable[[bytes], int]:
    """The ``hashfunc`` to give ``datasketch.MinHash`` so it reproduces our signatures exactly
    (``char`` says whether the document was shingled by characters)."""
    if cfg.hash_function == "sha1":
        return sha1_hash32

    def fast_hash32(shingle: bytes) -> int:
        if char:
            cps = np.frombuffer(shingle.decode("utf-8").encode("utf-32-le"), "<u4")
            tokens = [int(x) for x in _char_token_hashes(cps)]
        else:
            tokens = [_token_hash_int(tok) for tok in shingle.split(b" ")]
        h = sum(int(_K[j]) * t for j, t in enumerate(tokens)) & _M64
        return _fmix64_int(h) >> 32

    return fast_hash32


def _as_array(texts: pa.Array | pa.ChunkedArray | list) -> pa.Array:
    if isinstance(texts, list):
        texts = pa.array(texts, pa.large_string())
    if isinstance(texts, pa.ChunkedArray):
        texts = texts.combine_chunks() if texts.num_chunks != 1 else texts.chunk(0)
    return pc.fill_null(texts, "")


def normalize(texts: pa.Array, cfg: ShingleConfig) -> pa.Array:
    if not cfg.normalize:
        return texts
    return pc.replace_substring_regex(pc.utf8_lower(texts), _PUNCT, "")


@dataclasses.dataclass
class _Tokens:
    """The normalized batch split into tokens (byte ranges of ``data``)."""

    norm: pa.Array
    data: np.ndarray
    starts: np.ndarray
    ends: np.ndarray
    counts: np.ndarray  # tokens per document
    body: np.ndarray  # non-whitespace bytes


def _tokenize(texts: pa.Array, cfg: ShingleConfig) -> _Tokens:
    norm = normalize(texts, cfg)
    offsets, data = tokens.buffers(norm)
    return _Tokens(norm, data, *tokens.split(offsets, data))


def uses_chars(texts: pa.Array | pa.ChunkedArray | list, cfg: ShingleConfig = ShingleConfig()) -> np.ndarray:
    """Per document of a batch: is it shingled by characters?"""
    return char_mode(_tokenize(_as_array(texts), cfg), cfg)


def char_mode(tok: _Tokens, cfg: ShingleConfig) -> np.ndarray:
    """Per document: shingle by characters?"""
    n = len(tok.counts)
    if cfg.mode != "auto":
        return np.full(n, cfg.mode == "char")
    chars = pc.utf8_length(tok.norm).to_numpy(zero_copy_only=False).astype(np.int64)
    out = (tok.counts > 0) & (chars >= CHAR_MODE_CHARS_PER_TOKEN * tok.counts)
    few = np.flatnonzero(~out & (tok.counts > 0) & (tok.counts <= 2))
    if len(few):
        out[few] = pc.match_substring_regex(tok.norm.take(pa.array(few)), _UNSPACED).to_numpy(zero_copy_only=False)
    return out


def _gather(starts: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Concatenated ``arange(s, s + c)`` for each (s, c), vectorized."""
    counts = counts.astype(np.int64)
    total = int(counts.sum())
    if total == 0:
        return np.zeros(0, np.int64)
    offsets = np.cumsum(counts) - counts
    return np.repeat(starts.astype(np.int64) - offsets, counts) + np.arange(total, dtype=np.int64)


def _window_hashes(t: np.ndarray, lengths: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Shingle hashes of every run of ``n`` token hashes inside each document (one shingle of all
    tokens when a document is shorter than ``n``); documents' tokens are consecutive in ``t``.
    Returns (uint32 hashes, per-document shingle counts)."""
    starts = np.cumsum(lengths) - lengths
    full = np.maximum(lengths - n + 1, 0)
    short = (lengths > 0) & (lengths < n)
    counts = full + short
    m = len(t) - n + 1
    windows = np.zeros(max(m, 0), np.uint64)
    for j in range(n if m > 0 else 0):
        windows += t[j:j + m] * _K[j]
    short_h = np.zeros(int(short.sum()), np.uint64)
    s_starts, s_len = starts[short], lengths[short]
    for j in range(n - 1):
        sel = s_len > j
        short_h[sel] += t[s_starts[sel] + j] * _K[j]
    out = np.empty(int(counts.sum()), np.uint64)
    doc_off = np.cumsum(counts) - counts
    out[_gather(doc_off, full)] = windows[_gather(starts, full)]
    out[doc_off[short]] = short_h
    return (fmix64(out) >> np.uint64(32)).astype(np.uint32), counts


def _doc_slices(counts: np.ndarray, docs: np.ndarray) -> np.ndarray:
    """Indices of the tokens of ``docs`` (in document order) given tokens per document."""
    first = np.cumsum(counts) - counts
    return _gather(first[docs], counts[docs])


def _word_part(tok: _Tokens, docs: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    t = fmix64(tokens.hash_tokens(tok.data, tok.body, tok.ends - tok.starts, _R, _LEN_KEY))
    if len(docs) != len(tok.counts):
        t = t[_doc_slices(tok.counts, docs)]
    return _window_hashes(t, tok.counts[docs], n)


def _char_strings(tok: _Tokens, docs: np.ndarray) -> list[str]:
    """Normalized text of ``docs`` with whitespace removed."""
    texts = tok.norm.take(pa.array(docs)).to_pylist()
    return ["".join(ch for ch in s if ord(ch) not in tokens.WHITESPACE) for s in texts]


def _char_part(tok: _Tokens, docs: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    cps = [np.frombuffer(s.encode("utf-32-le"), "<u4") for s in _char_strings(tok, docs)]
    lengths = np.array([len(c) for c in cps], np.int64)
    t = _char_token_hashes(np.concatenate(cps) if cps else np.zeros(0, np.uint32))
    return _window_hashes(t, lengths, n)


def _doc_shingles(parts: list[str], n: int, sep: str) -> list[str]:
    if not parts:
        return []
    if len(parts) < n:
        return [sep.join(parts)]
    return [sep.join(parts[i:i + n]) for i in range(len(parts) - n + 1)]


def _shingle_lists(tok: _Tokens, char: np.ndarray, cfg: ShingleConfig) -> list[list[str]]:
    words = tokens.token_strings(tok.data, tok.starts, tok.ends)
    ends = np.cumsum(tok.counts).tolist()
    char_docs = np.flatnonzero(char)
    chars = dict(zip(char_docs.tolist(), _char_strings(tok, char_docs), strict=True)) if len(char_docs) else {}
    out: list[list[str]] = []
    for i, is_char in enumerate(char):
        if is_char:
            out.append(_doc_shingles(list(chars[i]), cfg.char_ngram, ""))
        else:
            out.append(_doc_shingles(words[ends[i - 1] if i else 0:ends[i]], cfg.ngram, " "))
    return out


def shingle_texts(text: str, cfg: ShingleConfig = ShingleConfig()) -> list[str]:
    """The canonical shingle strings of one document (what datasketch should be fed, as UTF-8)."""
    return shingle_text_lists([text], cfg)[0]


def shingle_text_lists(texts: Sequence[str], cfg: ShingleConfig = ShingleConfig()) -> list[list[str]]:
    """:func:`shingle_texts` for many documents at once (one vectorized tokenization of the batch)."""
    tok = _tokenize(_as_array(list(texts)), cfg)
    return _shingle_lists(tok, char_mode(tok, cfg), cfg)


def _merge(parts: list[tuple[np.ndarray, np.ndarray, np.ndarray]], n: int) -> tuple[np.ndarray, np.ndarray]:
    """Reassemble (doc_index, hashes, counts) parts into document order."""
    counts = np.zeros(n, np.int64)
    for docs, _, c in parts:
        counts[docs] = c
    offsets = np.zeros(n + 1, np.int64)
    np.cumsum(counts, out=offsets[1:])
    if len(parts) == 1 and len(parts[0][0]) == n:
        return parts[0][1], offsets
    out = np.empty(int(offsets[-1]), np.uint32)
    for docs, h, c in parts:
        out[_gather(offsets[docs], c)] = h
    return out, offsets


def shingle_hashes(texts: pa.Array | pa.ChunkedArray | list, cfg: ShingleConfig = ShingleConfig()
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Hash every shingle of a batch. Returns (uint32 hashes, int64 offsets of length n+1, char-mode mask);
    document ``i``'s shingles are ``hashes[offsets[i]:offsets[i+1]]`` (duplicates kept, order of occurrence)."""
    arr = _as_array(texts)
    n = len(arr)
    tok = _tokenize(arr, cfg)
    char = char_mode(tok, cfg)
    if cfg.hash_function == "sha1":
        shingles = _shingle_lists(tok, char, cfg)
        counts = np.array([len(s) for s in shingles], np.int64)
        offsets = np.zeros(n + 1, np.int64)
        np.cumsum(counts, out=offsets[1:])
        hashes = np.fromiter((sha1_hash32(s.encode("utf-8")) for doc in shingles for s in doc), np.uint32,
                             int(offsets[-1]))
        return hashes, offsets, char
    parts = []
    word_idx, char_idx = np.flatnonzero(~char), np.flatnonzero(char)
    if len(word_idx):
        parts.append((word_idx, *_word_part(tok, word_idx, cfg.ngram)))
    if len(char_idx):
        parts.append((char_idx, *_char_part(tok, char_idx, cfg.char_ngram)))
    hashes, offsets = _merge(parts, n)
    return hashes, offsets, char
