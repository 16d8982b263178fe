"""Alpaca-style instruction examples of mixed quality, for SFT selection demos."""

from __future__ import annotations

import random
import re

from demo.prose import Prose, capitalize, parse_template, plural
from demo.vocab import TOPICS, Topic

# Label shares of the generated (non-duplicate) examples.
QUALITY_WEIGHTS = {
    "good": 0.62, "terse": 0.10, "irrelevant": 0.10, "refusal": 0.05,
    "repetitive": 0.05, "truncated": 0.05, "empty": 0.03,
}
TERSE = ("Yes.", "It depends.", "Good question.", "See above.", "N/A", "Not sure.", "Maybe.",
         "Do it carefully.", "Just try it.", "Ok")
REFUSALS = (
    "I'm sorry, but I can't help with that request.",
    "As a language model, I am unable to answer this question.",
    "I cannot provide that information.",
)
_CONTRACTIONS = {"doesn't": "does not", "isn't": "is not", "can't": "cannot", "it's": "it is",
                 "You'll": "You will", "won't": "will not"}
_CONTRACTION_RE = re.compile("|".join(re.escape(k) for k in _CONTRACTIONS))


def _with_contraction(writer: Prose) -> str:
    for _ in range(200):
        s = writer.sentence()
        if _CONTRACTION_RE.search(s):
            return s
    return "It doesn't take long, but it isn't always easy."


TIPS = (
    "{verb} the {obj} {time}.",
    "Never {verb} {a_obj} in a hurry.",
    "Keep {a_adj_obj} {place}.",
    "Ask {a_adj_agent} how they {verb} their {objs}.",
    "Start with {a_adj_obj} before you {verb} anything else.",
    "Write down how long it takes to {verb} the {obj}.",
    "Do not {verb} {objs} {place} unless you have to.",
    "Check the {obj} {time} and {verb} it if it looks {adj}.",
)


TIP_PARTS = tuple(parse_template(t) for t in TIPS)


def _tips(writer: Prose, n: int) -> str:
    """A numbered list of ``n`` distinct tip templates."""
    picks = writer.rng.sample(TIP_PARTS, n)
    return "\n".join(f"{i}. {capitalize(writer.fill(p))}" for i, p in enumerate(picks, 1))


def _example(rng: random.Random, writer: Prose, topic: Topic) -> tuple[str, str, str]:
    """(instruction, input, good output) for one topic; good outputs restate the request."""
    writer.topic = topic
    slots = writer.slots
    kind = rng.randrange(10)
    if kind == 0:
        verb, obj, activity = slots["verb"](), slots["a_obj"](), slots["activity"]()
        steps = _tips(writer, rng.randint(3, 5))
        return (f"Explain how to {verb} {obj} when {activity}.", "",
                f"To {verb} {obj} when {activity}, work in small steps.\n{steps}\n"
                + " ".join(writer.paragraphs(1, 2, 3)))
    if kind == 1:
        n = rng.randint(3, 5)
        tips = _tips(writer, n)
        activity = slots["activity"]()
        return f"Give {n} tips for {activity}.", "", f"Here are {n} tips for {activity}:\n{tips}"
    if kind == 2:
        agents, verb, objs = slots["agents"](), slots["verb"](), slots["objs"]()
        return (f"Why do {agents} {verb} their {objs}?", "",
                f"{capitalize(agents)} {verb} their {objs} {slots['reason']()}. "
                + " ".join(writer.paragraphs(1, 3, 5)))
    if kind == 3:
        activity = slots["activity"]()
        return (f"Write a short paragraph about {activity}.", "",
                f"{capitalize(activity)} is {slots['opinion']()} once you know the basics. "
                + writer.paragraphs(1, 3, 5)[0])
    if kind == 4:
        n = rng.randint(4, 8)
        words = rng.sample(topic.objects, n)
        return f"List {n} words related to {topic.name}.", "", ", ".join(words) + "."
    if kind == 5:
        a, b = (writer.with_article(x) for x in rng.sample(topic.objects, 2))
        return (f"What is the difference between {a} and {b}?", "",
                f"{capitalize(a)} and {b} differ mainly in how {slots['agents']()} {slots['verb']()} them. "
                + " ".join(writer.paragraphs(1, 2, 4)))
    text = writer.paragraphs(1, 4, 6)[0]
    if kind == 6:
        summary = (f"The text explains how {plural(rng.choice(topic.agents), topic.plurals)} "
                   f"{slots['verb']()} {slots['objs']()} and why it is {slots['opinion']()}.")
        return "Summarize the following text in one sentence.", text, summary
    if kind == 7:
        return ("What is the main topic of the following text?", text,
                f"The text is about {topic.name}, in particular {slots['activity']()}.")
    if kind == 8:
        return "Write a short title for the following text.", text, writer.title()
    sentence = _with_contraction(writer)
    formal = _CONTRACTION_RE.sub(lambda m: _CONTRACTIONS[m.group(0)], sentence)
    return "Rewrite the following sentence so that it sounds more formal.", sentence, formal


def _degrade(rng: random.Random, writer: Prose, label: str, topic: Topic, good: str) -> str:
    if label == "good":
        return good
    if label == "terse":
        return rng.choice(TERSE)
    if label == "irrelevant":
        writer.topic = rng.choice([t for t in TOPICS if t is not topic])
        return " ".join(writer.paragraphs(1, 2, 4))
    if label == "refusal":
        return rng.choice(REFUSALS)
    if label == "repetitive":
        unit = rng.choice((writer.sentence(), rng.choice(topic.objects)))
        return " ".join([unit] * rng.randint(5, 15))
    if label == "truncated":
        words = good.split()
        return " ".join(words[: max(1, len(words) * 2 // 5)])
    return ""


def make_sft_examples(rng: random.Random, count: int = 400) -> tuple[list[dict], dict]:
    """``count`` Alpaca records and their metadata (labels, topics, duplicate pairs)."""
    writer = Prose(rng)
    n_dup = max(1, round(count * 0.03)) if count >= 10 else 0
    labels_pool = list(QUALITY_WEIGHTS)
    weights = list(QUALITY_WEIGHTS.values())
    rows: list[tuple[dict, str, str]] = []
    for _ in range(count - n_dup):
        topic = rng.choice(TOPICS)
        instruction, inp, good = _example(rng, writer, topic)
        label = rng.choices(labels_pool, weights)[0]
        output = _degrade(rng, writer, label, topic, good)
        rows.append(({"instruction": instruction, "input": inp, "output": output}, label, topic.name))
    # (record, label, topic, uid); duplicates are inserted after their source
    keyed = [(rec, label, topic, i) for i, (rec, label, topic) in enumerate(rows)]
    sources: dict[int, int] = {}
    for _ in range(n_dup):
        src = rng.choice([i for i, k in enumerate(keyed) if k[1] != "duplicate"])
        rec, _, topic, uid = keyed[src]
        pos = rng.randint(src + 1, len(keyed))
        new_uid = len(rows) + len(sources)
        sources[new_uid] = uid
        keyed.insert(pos, (dict(rec), "duplicate", topic, new_uid))
    index_of = {k[3]: i for i, k in enumerate(keyed)}
    duplicates = [{"index": index_of[d], "source": index_of[s]} for d, s in sources.items()]
    duplicates.sort(key=lambda d: d["index"])
    rows = [k[:3] for k in keyed]
    records = [r[0] for r in rows]
    labels = [r[1] for r in rows]
    meta = {
        "examples": len(records),
        "with_input": sum(1 for r in records if r["input"]),
        "quality": {k: labels.count(k) for k in [*QUALITY_WEIGHTS, "duplicate"]},
        "labels": labels,
        "topics": [r[2] for r in rows],
        "duplicates": duplicates,
    }
    return records, meta
