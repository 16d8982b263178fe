"""A small templated English prose generator (sentences, paragraphs, titled documents).

Every sentence draws its content words from one topic, so documents are recoverable by topic
clustering. Within a document no template is used twice, which keeps repeated word n-grams low
enough for Gopher-style repetition filters to pass clean documents.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable

from demo import vocab
from demo.vocab import TOPICS, Topic

SENTENCES = (
    "{the_agent} {adv} {verbs} {the_adj_obj} {place}.",
    "{conn} {the_agent} {verbs} {a_adj_obj} {time}.",
    "{the_agent} should {verb} the {obj} {place}, {reason}.",
    "Many {agents} {verb} their {objs} {time}, {reason}.",
    "If the {obj} looks {adj}, {the_agent} will {verb} it {time}.",
    "When {agents} {verb} {adj} {objs}, they {adv} {verb} the {obj} as well.",
    "{source} found that about {pct} percent of {agents} {verb} {objs} {time}.",
    "It usually takes {num} {unit} to {verb} {a_obj} properly.",
    "{a_adj_obj} is often more {opinion} than {a_obj}.",
    "{the_agent} {verbs} {objs}, {objs} and {objs} {place}.",
    "Last year, {the_agent} decided to {verb} {a_adj_obj} {place}.",
    "Years ago, {person} taught me how to {verb} {a_obj}.",
    "I usually {verb} the {obj} {time}, and it works well for {adj} {objs}.",
    "In my experience, {adj} {objs} are easier to {verb} than most people think.",
    "We tried to {verb} {a_adj_obj} {place}, and the result was {opinion}.",
    "{activity} is one of the most {opinion} things you can learn.",
    "Anyone interested in {activity} should know how to {verb} {a_obj}.",
    "There are many ways to approach {activity}, but most of them start with the {obj}.",
    "Why do so many {agents} {verb} their {objs} {time}?",
    "What makes {a_adj_obj} so {opinion} for {agents}?",
    "It doesn{'}t take long to {verb} {a_obj}, but it isn{'}t always {opinion}.",
    "You{'}ll want to {verb} the {adj} {obj} {time}.",
    "{the_agent} can{'}t {verb} every {obj} {place}, so it{'}s {opinion} to plan ahead.",
    "{lq}The {adj} {obj} is the part everyone remembers,{rq} says {person}.",
    "{lq}Never {verb} {a_obj} in a hurry,{rq} {the_agent} told me {time}.",
    "{person} was {feeling} to see how {adj} the {obj} had become.",
    "The {obj} and the {obj} are {adv} {adj} {place}.",
    "A good {agent} knows when to {verb} the {obj} and when to leave it alone.",
    "By {year}, most {agents} had learned to {verb} {objs} {place}.",
    "{num} {adj} {objs} were enough for {the_agent} {time}.",
    "Not every {agent} agrees, and some prefer to {verb} {objs} {place} instead.",
    "The difference between {a_adj_obj} and {a_adj_obj} is easy to miss {place}.",
    "{conn} {agents} who {verb} {objs} tend to be {attitude} about the {obj}.",
    "Nobody expected the {obj} to be so {adj}, least of all {the_agent}.",
    "Keep the {obj} {place} and {verb} it {time}.",
    "Before you {verb} the {obj}, make sure the {obj} is {adj}.",
    "One {agent} I spoke to {verbs} {objs} only {time}.",
    "{conn} it helps to {verb} the {obj} {adv} rather than {adv}.",
    "This is why the {obj} matters so much to {agents} {place}.",
    "Even {a_adj_agent} will sometimes {verb} the wrong {obj}.",
    "My advice is simple: {verb} the {obj}, then {verb} the {obj}.",
    "{conn} {the_agent} and {person} {verb} {objs} together {time}.",
)

TITLES = (
    "A Beginner{'}s Guide to {activity}",
    "{num} Things I Learned From {activity}",
    "Notes on {activity}",
    "Why Every {agent} Should Care About {objs}",
    "How to {verb} {a_adj_obj} Without the Stress",
    "The {adj} {obj}: A Short Field Report",
    "What {agents} Get Wrong About {objs}",
    "{activity}: Lessons From {num} Years",
    "On {adj} {objs} and {adj} {objs}",
    "{activity} for Busy People",
)

_SMALL = frozenset("a an the of and to for on in from about with at by without".split())
_SLOT = re.compile(r"\{([^}]*)\}")


def parse_template(template: str) -> tuple[str, ...]:
    """Split a template into alternating literal text and slot names (odd positions)."""
    return tuple(_SLOT.split(template))


_SENTENCE_PARTS = tuple(parse_template(t) for t in SENTENCES)
_TITLE_PARTS = tuple(parse_template(t) for t in TITLES)


def third_person(verb: str) -> str:
    head, _, rest = verb.partition(" ")
    if head.endswith(("s", "sh", "ch", "x", "z", "o")):
        head += "es"
    elif head.endswith("y") and head[-2:-1] not in "aeiou":
        head = head[:-1] + "ies"
    else:
        head += "s"
    return f"{head} {rest}" if rest else head


def plural(noun: str, irregular: dict[str, str]) -> str:
    if noun in irregular:
        return irregular[noun]
    if noun.endswith(("s", "sh", "ch", "x", "z")):
        return noun + "es"
    if noun.endswith("y") and noun[-2:-1] not in "aeiou":
        return noun[:-1] + "ies"
    return noun + "s"


def article(phrase: str) -> str:
    low = phrase.lower()
    if low.startswith(("uni", "use", "usu", "eu", "one", "ur")):
        return "a"
    return "an" if low[:1] in "aeiouéè" or low.startswith("x-") else "a"


def capitalize(text: str) -> str:
    return text[:1].upper() + text[1:]


def title_case(text: str) -> str:
    words = text.split(" ")
    return " ".join(w if i and w in _SMALL else capitalize(w) for i, w in enumerate(words))


class Prose:
    """Fills sentence templates for one topic; ``apostrophe`` and ``quotes`` set the typography."""

    def __init__(self, rng: random.Random, topic: Topic = TOPICS[0], apostrophe: str = "'",
                 quotes: tuple[str, str] = ('"', '"')):
        self.rng = rng
        self.topic = topic
        self.apostrophe = apostrophe
        self.quotes = quotes
        c = rng.choice
        t = self  # slots read self.topic at call time, so switching topics needs no rebuild
        self.slots: dict[str, Callable[[], str]] = {
            "agent": lambda: c(t.topic.agents),
            "agents": lambda: plural(c(t.topic.agents), t.topic.plurals),
            "the_agent": lambda: "the " + self._maybe_adj() + c(t.topic.agents),
            "a_adj_agent": lambda: self.with_article(c(vocab.AGENT_ADJS) + " " + c(t.topic.agents)),
            "obj": lambda: c(t.topic.objects),
            "objs": lambda: plural(c(t.topic.objects), t.topic.plurals),
            "a_obj": lambda: self.with_article(c(t.topic.objects)),
            "the_adj_obj": lambda: "the " + c(t.topic.adjs) + " " + c(t.topic.objects),
            "a_adj_obj": lambda: self.with_article(c(t.topic.adjs) + " " + c(t.topic.objects)),
            "verb": lambda: c(t.topic.verbs),
            "verbs": lambda: third_person(c(t.topic.verbs)),
            "adj": lambda: c(t.topic.adjs),
            "place": lambda: c(t.topic.places),
            "activity": lambda: c(t.topic.activities),
            "adv": lambda: c(vocab.ADVERBS),
            "time": lambda: c(vocab.TIMES),
            "conn": lambda: c(vocab.CONNECTIVES),
            "person": lambda: c(vocab.PEOPLE),
            "opinion": lambda: c(vocab.OPINIONS),
            "num": lambda: c(vocab.NUMBERS),
            "unit": lambda: c(vocab.UNITS),
            "source": lambda: c(vocab.SOURCES),
            "reason": lambda: c(vocab.REASONS),
            "feeling": lambda: c(vocab.FEELINGS),
            "attitude": lambda: c(vocab.ATTITUDES),
            "pct": lambda: str(rng.randint(5, 95)),
            "year": lambda: str(rng.randint(1850, 2022)),
            "'": lambda: t.apostrophe,
            "lq": lambda: t.quotes[0],
            "rq": lambda: t.quotes[1],
        }

    def _maybe_adj(self) -> str:
        return self.rng.choice(vocab.AGENT_ADJS) + " " if self.rng.random() < 0.3 else ""

    @staticmethod
    def with_article(phrase: str) -> str:
        return f"{article(phrase)} {phrase}"

    def fill(self, parts: tuple[str, ...]) -> str:
        """Fill a template split by :func:`parse_template`; each slot is drawn afresh."""
        slots = self.slots
        return "".join(p if i % 2 == 0 else slots[p]() for i, p in enumerate(parts))

    def sentence(self, index: int | None = None) -> str:
        """One sentence; ``index`` picks the template (random when None)."""
        if index is None:
            index = self.rng.randrange(len(_SENTENCE_PARTS))
        return capitalize(self.fill(_SENTENCE_PARTS[index]))

    def title(self) -> str:
        return title_case(self.fill(self.rng.choice(_TITLE_PARTS)))

    def paragraphs(self, count: int, min_sentences: int = 3, max_sentences: int = 6) -> list[str]:
        """``count`` paragraphs; templates are drawn without replacement across all of them."""
        order = list(range(len(_SENTENCE_PARTS)))
        self.rng.shuffle(order)
        out, k = [], 0
        for _ in range(count):
            n = self.rng.randint(min_sentences, max_sentences)
            sentences = []
            for _ in range(n):
                if k == len(order):
                    self.rng.shuffle(order)
                    k = 0
                sentences.append(self.sentence(order[k]))
                k += 1
            out.append(" ".join(sentences))
        return out

    def document(self, min_paragraphs: int = 3, max_paragraphs: int = 6, title: bool | None = None) -> str:
        """A clean multi-paragraph document, with a title line about half the time."""
        rng = self.rng
        paras = self.paragraphs(rng.randint(min_paragraphs, max_paragraphs))
        if title if title is not None else rng.random() < 0.5:
            paras.insert(0, self.title())
        return ("\n\n" if rng.random() < 0.75 else "\n").join(paras)


def random_topic(rng: random.Random) -> Topic:
    return rng.choice(TOPICS)
