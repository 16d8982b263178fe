"""Deterministic demo data: a web-like corpus plus quality, language-ID and SFT training files.

``make_demo_corpus(out_dir, docs, seed)`` writes (stdlib only, same bytes for the same seed)::

    web-0000{0..3}.jsonl.gz     N records {id, text, url}: good English prose on 10 topics, exact and
                                near duplicates, bad pages, other languages, and malformed/edge lines
                                at the end of the last shard
    quality/{positive,negative}.jsonl   {id, text} for a fastText quality classifier
    langid/{en,de,fr,es,zh,ja}.txt      one sentence per line
    sft/alpaca_demo.json                Alpaca records {instruction, input, output}
    manifest.json                       counts, ids per category, duplicate pairs, edge lines

All text comes from the templates and word lists in this package.
"""

from __future__ import annotations

import gzip
import json
import os
import random
from collections.abc import Callable, Iterable

from demo import noise
from demo.languages import LANGUAGES, generator
from demo.prose import Prose, capitalize
from demo.sft import make_sft_examples
from demo.vocab import TOPICS, Topic

SHARDS = 4
MIN_DOCS = 50
SHINGLE = 5
NEAR_DUP_RANGE = (0.85, 0.95)  # documented range; generation aims inside it with a margin
_NEAR_DUP_AIM = (0.86, 0.94)
NEAR_DUP_MIN_WORDS = 150

# Shares of the corpus; "good" takes what is left.
SHARES = {"exact_dup": 0.10, "near_dup": 0.08, "bad": 0.12, "lang": 0.10, "edge": 0.05}
BAD_WEIGHTS = {"boilerplate": 2, "mojibake": 1.5, "control": 1.5, "spam": 2, "repeated": 1.5,
               "lorem": 1, "code": 1, "short": 1.5}
LANG_WEIGHTS = {"de": 2, "fr": 2, "es": 2, "zh": 1.5, "ja": 1.5}
# Edge kinds written once each, then the repeated kinds fill the rest of the edge share.
EDGE_SINGLES = ("malformed_json", "missing_text", "non_string_text", "null_text", "empty_text",
                "whitespace_text", "invalid_utf8", "not_object", "missing_id")
EDGE_WEIGHTS = {"long_word": 3, "lone_surrogate": 1, "odd_fields": 1}
# What the sluiceway reader (sluiceway.io.read) makes of each edge line: a rejection reason or None.
EDGE_READ_REASON = {
    "malformed_json": "malformed", "missing_text": "missing_text", "non_string_text": "non_string_text",
    "null_text": "non_string_text", "empty_text": "empty_text", "whitespace_text": "empty_text",
    "invalid_utf8": None, "not_object": "malformed", "missing_id": None, "long_word": None,
    "lone_surrogate": None, "odd_fields": None,
}
# What a full English pretraining pipeline should do with each category.
EXPECTED = {
    "good": "keep", "exact_dup": "drop", "near_dup": "drop",
    "bad/boilerplate": "clean", "bad/mojibake": "clean", "bad/control": "clean", "bad/spam": "drop",
    "bad/repeated": "drop", "bad/lorem": "drop", "bad/code": "drop", "bad/short": "drop",
    **{f"lang/{k}": "drop" for k in LANG_WEIGHTS},
    **{f"edge/{k}": ("reject" if EDGE_READ_REASON[k] else "keep") for k in EDGE_SINGLES},
    "edge/invalid_utf8": "clean", "edge/long_word": "drop", "edge/lone_surrogate": "clean",
    "edge/odd_fields": "keep",
}
LANG_DOMAINS = {"de": "mein-tagebuch.example", "fr": "mon-carnet.example", "es": "mi-cuaderno.example",
                "zh": "wode-riji.example", "ja": "watashi-no-nikki.example"}
QUALITY_NEG_WEIGHTS = {"spam": 0.35, "keyword_stuffed": 0.25, "boilerplate_page": 0.25, "link_farm": 0.15}


def rng_for(seed: int, stream: str) -> random.Random:
    """An independent, reproducible random stream (string seeds hash with SHA-512, not hash())."""
    return random.Random(f"sluiceway-demo:{seed}:{stream}")


def allocate(total: int, weights: dict[str, float]) -> dict[str, int]:
    """Split ``total`` in proportion to ``weights`` (largest remainder, ties in key order)."""
    s = sum(weights.values())
    exact = {k: total * w / s for k, w in weights.items()}
    counts = {k: int(v) for k, v in exact.items()}
    order = sorted(weights, key=lambda k: -(exact[k] - counts[k]))
    for k in order[: total - sum(counts.values())]:
        counts[k] += 1
    return counts


def shingles(text: str, n: int = SHINGLE) -> set[tuple[str, ...]]:
    words = text.split()
    return {tuple(words[i:i + n]) for i in range(max(1, len(words) - n + 1))}


def jaccard(a: str, b: str, n: int = SHINGLE) -> float:
    sa, sb = shingles(a, n), shingles(b, n)
    return len(sa & sb) / len(sa | sb) if sa or sb else 1.0


def near_duplicate(rng: random.Random, text: str, topic: Topic,
                   lo: float = _NEAR_DUP_AIM[0], hi: float = _NEAR_DUP_AIM[1]) -> tuple[str, float] | None:
    """Edit words (substitute, insert, delete) until 5-gram Jaccard to ``text`` lands in [lo, hi]."""
    pool = topic.objects + topic.adjs + topic.verbs
    fillers = ("really", "also", "quite", "very", "just", "still", "even", "often")
    for _ in range(20):
        target = rng.uniform(lo + 0.01, hi - 0.01)
        tokens = text.split(" ")
        prev = None
        for _ in range(200):
            i = rng.randrange(len(tokens))
            word = tokens[i]
            op = rng.random()
            if op < 0.5 and word.isalpha() and word.islower():
                new = rng.choice(pool)
                if new == word:
                    continue
                tokens[i] = new
            elif op < 0.8:
                tokens.insert(i, rng.choice(fillers))
            elif word.isalpha() and "\n" not in word:
                del tokens[i]
            else:
                continue
            candidate = " ".join(tokens)
            score = jaccard(text, candidate)
            if score <= target:
                if score >= lo:
                    return candidate, score
                if prev is not None and prev[1] <= hi:
                    return prev
                break
            prev = (candidate, score)
    return None


def _url(rng: random.Random, domain: str, text: str, section: str = "posts") -> str:
    words = [w.lower() for w in text.split()[:8] if w.isascii() and w.isalpha()][:6]
    slug = "-".join(words) or "page"
    year, month, n = rng.randint(2012, 2024), rng.randint(1, 12), rng.randint(1, 9999)
    return f"https://www.{domain}/{section}/{year}/{month:02d}/{slug}-{n}"


def _mirror_url(rng: random.Random, url: str) -> str:
    r = rng.random()
    if r < 0.4:
        return url + rng.choice(("?utm_source=feed", "?ref=homepage", "?page=1", "#comments"))
    if r < 0.7:
        return url.replace("https://www.", f"http://mirror{rng.randint(1, 9)}.", 1)
    return url.replace("https://www.", "https://archive.", 1) + f"?copy={rng.randint(1, 99)}"


class _Doc(dict):
    """A document under construction: kind, sub, topic, text, url; copies add source and jaccard."""


def _good(rng: random.Random, writer: Prose, topic: Topic, min_words: int = 0) -> _Doc:
    writer.topic = topic
    while True:
        text = writer.document(4 if min_words else 3, 6)
        if len(text.split()) >= min_words:
            break
    return _Doc(kind="good", sub=None, topic=topic.name, text=text,
                url=_url(rng, rng.choice(topic.domains), text))


def _bad(rng: random.Random, writer: Prose, sub: str) -> _Doc:
    topic = rng.choice(TOPICS)
    writer.topic = topic
    domain = rng.choice(topic.domains)
    keeps_topic = sub in ("boilerplate", "mojibake", "control")
    if sub == "boilerplate":
        text = noise.boilerplate(rng, writer.document(), domain, topic.name)
    elif sub == "mojibake":
        text = noise.mojibake(rng, writer)
    elif sub == "control":
        text = noise.control_chars(rng, writer.document())
    elif sub == "spam":
        text = noise.spam(rng) if rng.random() < 0.6 else noise.keyword_stuffed(rng)
        url = noise.spam_url(rng)
        return _Doc(kind="bad", sub=sub, topic=None, text=text, url=url)
    else:
        make: Callable[[random.Random, Prose], str] = getattr(noise, sub)
        text = make(rng, writer)
    if not text.strip():  # never emit an empty page here; empty text is an edge case
        text = rng.choice(noise.SHORT_PAGES)
    return _Doc(kind="bad", sub=sub, topic=topic.name if keeps_topic else None, text=text,
                url=_url(rng, domain, text))


def _lang(rng: random.Random, lang: str, cache: dict) -> _Doc:
    if lang not in cache:
        cache[lang] = generator(lang, rng)
    text = cache[lang].document()
    url = f"https://www.{LANG_DOMAINS[lang]}/{rng.randint(2012, 2024)}/{rng.randint(1, 99999)}.html"
    return _Doc(kind="lang", sub=lang, topic=None, text=text, url=url)


def _json_line(record: object, ensure_ascii: bool = False) -> bytes:
    line = json.dumps(record, ensure_ascii=ensure_ascii)
    # keep every record on one physical line for str.splitlines() users too
    line = line.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029").replace("\x85", "\\u0085")
    return line.encode("utf-8")


def _edge_line(rng: random.Random, writer: Prose, kind: str, doc_id: str) -> bytes:
    writer.topic = rng.choice(TOPICS)
    url = f"https://edge-cases.example/{kind.replace('_', '-')}/{rng.randint(1, 99999)}"
    if kind == "malformed_json":
        return _json_line({"id": doc_id, "text": writer.sentence(), "url": url})[:-30]
    if kind == "missing_text":
        return _json_line({"id": doc_id, "body": writer.document(), "url": url})
    if kind == "non_string_text":
        return _json_line({"id": doc_id, "text": rng.randint(1, 10**6), "url": url})
    if kind == "null_text":
        return _json_line({"id": doc_id, "text": None, "url": url})
    if kind == "empty_text":
        return _json_line({"id": doc_id, "text": "", "url": url})
    if kind == "whitespace_text":
        return _json_line({"id": doc_id, "text": " \n\t \u3000 \n", "url": url})
    if kind == "invalid_utf8":
        words = writer.document().split(" ")
        words.insert(len(words) // 2, "@@BAD@@")
        line = _json_line({"id": doc_id, "text": " ".join(words), "url": url})
        return line.replace(b"@@BAD@@", b"caf\xe9 \xff\xfe \xe2\x82")
    if kind == "not_object":
        return _json_line(["this", "line", "is", "a", "list", doc_id])
    if kind == "missing_id":
        return _json_line({"text": writer.document(), "url": url})
    if kind == "long_word":
        return _json_line({"id": doc_id, "text": noise.long_word(rng, writer), "url": url})
    if kind == "lone_surrogate":
        paras = writer.paragraphs(2)
        text = f"{paras[0]} Broken emoji: \ud83d here.\n\n{paras[1]}"
        return _json_line({"id": doc_id, "text": text, "url": url}, ensure_ascii=True)
    if kind == "odd_fields":
        record = {"id": rng.randint(1, 10**9), "text": writer.document(), "url": url,
                  "meta": {"crawl": rng.randint(1, 50), "tags": ["demo", writer.topic.name]},
                  "score": round(rng.random(), 3), "lang": None}
        return _json_line(record)
    raise ValueError(kind)


def _unique_ids(rng: random.Random, n: int) -> list[str]:
    seen: set[str] = set()
    out = []
    while len(out) < n:
        candidate = f"{rng.getrandbits(48):012x}"
        if candidate not in seen:
            seen.add(candidate)
            out.append(candidate)
    return out


def _arrange(rng: random.Random, regular: list[_Doc], ids: list[str]
             ) -> tuple[list[_Doc], dict[int, str], dict[int, str]]:
    """Shuffle documents, then move each source before its copies and give it the smallest id of
    its group (so keep-first and keep-smallest-id dedup both keep the source).

    Returns the documents in corpus order, position -> id, and document index -> id.
    """
    order = list(range(len(regular)))
    rng.shuffle(order)
    position = {doc_index: pos for pos, doc_index in enumerate(order)}
    groups: dict[int, list[int]] = {}
    for k, d in enumerate(regular):
        if "source" in d:
            groups.setdefault(d["source"], []).append(k)
    for src, members in groups.items():
        group = [src, *members]
        for k, pos in zip(group, sorted(position[k] for k in group), strict=True):
            position[k] = pos
    placed = [regular[k] for k, _ in sorted(position.items(), key=lambda kv: kv[1])]
    id_of = dict(enumerate(ids))  # position -> id
    for src, members in groups.items():
        group_pos = sorted(position[k] for k in [src, *members])
        for p, i in zip(group_pos, sorted(id_of[p] for p in group_pos), strict=True):
            id_of[p] = i
    return placed, id_of, {k: id_of[position[k]] for k in range(len(regular))}


def _web(rng: random.Random, docs: int) -> tuple[list[list[bytes]], dict]:
    """Build the shards (lists of raw lines) and the corpus part of the manifest."""
    counts = {k: round(docs * share) for k, share in SHARES.items()}
    counts["edge"] = max(len(EDGE_SINGLES) + 1, counts["edge"])
    counts["good"] = docs - sum(counts.values())
    writer = Prose(rng)

    # good documents, topics balanced; near-dup sources first (they need enough words)
    topics = [TOPICS[i % len(TOPICS)] for i in range(counts["good"])]
    rng.shuffle(topics)
    n_near = counts["near_dup"]
    good = [_good(rng, writer, t, NEAR_DUP_MIN_WORDS if i < n_near else 0) for i, t in enumerate(topics)]

    derived: list[_Doc] = []
    near_sources = list(range(n_near))
    for i in near_sources:
        src = good[i]
        topic = next(t for t in TOPICS if t.name == src["topic"])
        made = near_duplicate(rng, src["text"], topic)
        while made is None:  # a very unlucky source: regenerate it and try again
            good[i] = src = _good(rng, writer, topic, NEAR_DUP_MIN_WORDS)
            made = near_duplicate(rng, src["text"], topic)
        text, score = made
        derived.append(_Doc(kind="near_dup", sub=None, topic=src["topic"], text=text,
                            url=_mirror_url(rng, src["url"]), source=i, jaccard=round(score, 4)))

    remaining, next_src = counts["exact_dup"], n_near
    while remaining:
        copies = min(remaining, rng.choice((1, 1, 1, 1, 2, 2, 3)))
        src = good[next_src]
        for _ in range(copies):
            derived.append(_Doc(kind="exact_dup", sub=None, topic=src["topic"], text=src["text"],
                                url=_mirror_url(rng, src["url"]), source=next_src))
        remaining -= copies
        next_src += 1

    # bad and foreign pages: no accidental exact duplicates (only the planned ones above)
    seen = {d["text"] for d in good}
    gens: dict = {}

    def unique(make: Callable[[], _Doc]) -> _Doc:
        for _ in range(100):
            doc = make()
            if doc["text"] not in seen:
                break
        seen.add(doc["text"])
        return doc

    bad = [unique(lambda sub=sub: _bad(rng, writer, sub))
           for sub, n in allocate(counts["bad"], BAD_WEIGHTS).items() for _ in range(n)]
    lang = [unique(lambda code=code: _lang(rng, code, gens))
            for code, n in allocate(counts["lang"], LANG_WEIGHTS).items() for _ in range(n)]

    regular: list[_Doc] = good + derived + bad + lang
    ids = _unique_ids(rng, docs)
    placed, id_of, doc_id = _arrange(rng, regular, ids[: len(regular)])

    # shards: equal sizes; the edge lines close the last shard
    base, extra = divmod(docs, SHARDS)
    sizes = [base + (1 if s < extra else 0) for s in range(SHARDS)]
    names = [f"web-{s:05d}.jsonl.gz" for s in range(SHARDS)]
    shards: list[list[bytes]] = [[] for _ in range(SHARDS)]
    by_kind: dict[str, list[str]] = {}
    topics_map: dict[str, list[str]] = {t.name: [] for t in TOPICS}
    cursor = 0
    for s in range(SHARDS):
        n_regular = sizes[s] - (counts["edge"] if s == SHARDS - 1 else 0)
        for d in placed[cursor:cursor + n_regular]:
            did = id_of[cursor]
            shards[s].append(_json_line({"id": did, "text": d["text"], "url": d["url"]}))
            key = d["kind"] if d["sub"] is None else f"{d['kind']}/{d['sub']}"
            by_kind.setdefault(key, []).append(did)
            if d["topic"]:
                topics_map[d["topic"]].append(did)
            cursor += 1

    edge_kinds = list(EDGE_SINGLES)
    for kind, n in allocate(counts["edge"] - len(EDGE_SINGLES), EDGE_WEIGHTS).items():
        edge_kinds += [kind] * n
    edge_ids = ids[len(regular):]
    edge_lines = []
    last = shards[-1]
    for kind, eid in zip(edge_kinds, edge_ids, strict=True):
        line = _edge_line(rng, writer, kind, eid)
        last.append(line)
        lineno = len(last)
        record_id: str | None = eid
        if kind in ("malformed_json", "not_object", "missing_id"):
            record_id = None  # the reader names such rows "<file>:<line>"
        elif kind == "odd_fields":
            record_id = str(json.loads(line)["id"])
        edge_lines.append({"kind": kind, "file": names[-1], "line": lineno, "id": record_id,
                           "read_reason": EDGE_READ_REASON[kind]})
        by_kind.setdefault(f"edge/{kind}", [])
        if record_id is not None:
            by_kind[f"edge/{kind}"].append(record_id)

    subcounts = {
        "bad": allocate(counts["bad"], BAD_WEIGHTS),
        "lang": allocate(counts["lang"], LANG_WEIGHTS),
        "edge": {k: edge_kinds.count(k) for k in dict.fromkeys(edge_kinds)},
    }
    exact = [{"id": doc_id[k], "source": doc_id[d["source"]]}
             for k, d in enumerate(regular) if d["kind"] == "exact_dup"]
    near = [{"id": doc_id[k], "source": doc_id[d["source"]], "jaccard": d["jaccard"]}
            for k, d in enumerate(regular) if d["kind"] == "near_dup"]
    key_order = ["good", "exact_dup", "near_dup",
                 *(f"bad/{k}" for k in BAD_WEIGHTS), *(f"lang/{k}" for k in LANG_WEIGHTS),
                 *(f"edge/{k}" for k in (*EDGE_SINGLES, *EDGE_WEIGHTS))]
    manifest = {
        "docs": docs,
        "shards": dict(zip(names, sizes, strict=True)),
        "counts": {k: counts[k] for k in ("good", "exact_dup", "near_dup", "bad", "lang", "edge")},
        "subcounts": subcounts,
        "expected": {k: EXPECTED[k] for k in key_order},
        "ids": {k: by_kind.get(k, []) for k in key_order},
        "topics": topics_map,
        "exact_dups": sorted(exact, key=lambda e: e["id"]),
        "near_dups": sorted(near, key=lambda e: e["id"]),
        "near_dup_jaccard": {"shingles": f"word {SHINGLE}-grams of text.split()",
                             "min": NEAR_DUP_RANGE[0], "max": NEAR_DUP_RANGE[1]},
        "edge_lines": edge_lines,
    }
    return shards, manifest


def _quality(rng: random.Random, count: int) -> tuple[list[str], list[str], dict[str, int]]:
    writer = Prose(rng)
    positives = []
    for _ in range(count):
        writer.topic = rng.choice(TOPICS)
        positives.append(writer.document(2, 5))
    kinds = allocate(count, QUALITY_NEG_WEIGHTS)
    negatives = []
    for kind, n in kinds.items():
        for _ in range(n):
            negatives.append(_negative(rng, writer, kind))
    rng.shuffle(negatives)
    return positives, negatives, kinds


def _negative(rng: random.Random, writer: Prose, kind: str) -> str:
    if kind == "spam":
        return noise.spam(rng)
    if kind == "keyword_stuffed":
        return noise.keyword_stuffed(rng)
    topic = rng.choice(TOPICS)
    writer.topic = topic
    if kind == "boilerplate_page":
        lines = rng.sample(noise.NAV_LINES, rng.randint(2, 5))
        if rng.random() < 0.6:
            lines.append(writer.sentence())
        fill = {"year": str(rng.randint(2009, 2024)), "site": noise.site_name(topic.domains[0]),
                "topic": capitalize(topic.name)}
        lines += [x.format(**fill) for x in rng.sample(noise.FOOTER_LINES, rng.randint(3, 8))]
        return "\n".join(lines)
    lines = [f"» {writer.title()}" for _ in range(rng.randint(6, 25))]
    return "\n".join([rng.choice(("Popular posts", "Links", "Archives", "See also")), *lines])


def _langid(seed: int, per_language: int) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for lang in ("en", *LANGUAGES):
        rng = rng_for(seed, f"langid:{lang}")
        if lang == "en":
            writer = Prose(rng)

            def make(w: Prose = writer, r: random.Random = rng) -> str:
                w.topic = r.choice(TOPICS)
                return w.sentence()
        else:
            make = generator(lang, rng).sentence
        seen: dict[str, None] = {}
        for _ in range(per_language * 20):
            seen[make()] = None
            if len(seen) == per_language:
                break
        out[lang] = list(seen)
    return out


def _write_bytes(path: str, data: bytes) -> None:
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    tmp = path + ".tmp"
    with open(tmp, "wb") as fh:
        fh.write(data)
    os.replace(tmp, path)


def _jsonl(records: Iterable[object]) -> bytes:
    return b"".join(_json_line(r) + b"\n" for r in records)


def make_demo_corpus(out_dir: str, docs: int = 3000, seed: int = 0, *, quality_docs: int = 1000,
                     langid_sentences: int = 1500, sft_examples: int = 400) -> dict:
    """Write the demo data set under ``out_dir`` and return its manifest (also in manifest.json).

    The output is byte-identical for the same arguments. ``docs`` (at least 50) is the number of
    lines in the web shards, edge-case lines included.
    """
    if docs < MIN_DOCS:
        raise ValueError(f"docs must be at least {MIN_DOCS}, got {docs}")
    shards, web = _web(rng_for(seed, "web"), docs)
    for name, lines in zip(web["shards"], shards, strict=True):
        _write_bytes(os.path.join(out_dir, name), gzip.compress(b"\n".join(lines) + b"\n", 6, mtime=0))

    positives, negatives, neg_kinds = _quality(rng_for(seed, "quality"), quality_docs)
    _write_bytes(os.path.join(out_dir, "quality", "positive.jsonl"),
                 _jsonl({"id": f"pos-{i:05d}", "text": t} for i, t in enumerate(positives)))
    _write_bytes(os.path.join(out_dir, "quality", "negative.jsonl"),
                 _jsonl({"id": f"neg-{i:05d}", "text": t} for i, t in enumerate(negatives)))

    sentences = _langid(seed, langid_sentences)
    for lang, lines in sentences.items():
        text = "\n".join(lines) + "\n"
        _write_bytes(os.path.join(out_dir, "langid", f"{lang}.txt"), text.encode("utf-8"))

    records, sft_meta = make_sft_examples(rng_for(seed, "sft"), sft_examples)
    _write_bytes(os.path.join(out_dir, "sft", "alpaca_demo.json"),
                 (json.dumps(records, ensure_ascii=False, indent=1) + "\n").encode("utf-8"))

    manifest = {
        "generator": "demo.make_demo_corpus",
        "version": 1,
        "seed": seed,
        "files": {
            "web": list(web["shards"]),
            "quality": {"positive": "quality/positive.jsonl", "negative": "quality/negative.jsonl"},
            "langid": {lang: f"langid/{lang}.txt" for lang in sentences},
            "sft": "sft/alpaca_demo.json",
        },
        **web,
        "quality": {"positive": len(positives), "negative": len(negatives), "negative_kinds": neg_kinds},
        "langid": {lang: len(lines) for lang, lines in sentences.items()},
        "sft": sft_meta,
    }
    _write_bytes(os.path.join(out_dir, "manifest.json"),
                 (json.dumps(manifest, ensure_ascii=False, indent=1) + "\n").encode("utf-8"))
    return manifest
