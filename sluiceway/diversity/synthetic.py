"""Tiny generated corpora with known topics, for tests and demos (no downloads, no shared data)."""

from __future__ import annotations

import random

TOPICS = {
    "pets": "cat kitten dog puppy meow purr bark whiskers fur paw leash vet".split(),
    "cars": "car engine wheel road drive fuel motor brake tire garage highway clutch".split(),
    "food": "bread cheese soup bake oven recipe flour sugar salt butter pasta sauce".split(),
    "中文": list("我们今天天气很好中国北京学习喜欢朋友"),
}


def topic_corpus(n: int, seed: int = 0, words: int = 12) -> tuple[list[str], list[str]]:
    """``n`` texts drawn round-robin from ``TOPICS`` (Chinese without spaces) and their topic labels."""
    rng = random.Random(seed)
    names = list(TOPICS)
    texts, labels = [], []
    for i in range(n):
        topic = names[i % len(names)]
        tokens = rng.choices(TOPICS[topic], k=words)
        texts.append("".join(tokens) if topic == "中文" else " ".join(tokens))
        labels.append(topic)
    return texts, labels
