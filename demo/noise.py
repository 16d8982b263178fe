"""Generators for bad web documents: boilerplate, mojibake, control characters, spam, repetition,
lorem ipsum, code, very short pages, and very long words. All strings are written for sluiceway.
"""

from __future__ import annotations

import random
import string

from demo.prose import Prose, capitalize
from demo.vocab import TOPICS

NAV_LINES = (
    "Skip to content",
    "Home | About | Contact | Blog",
    "Edit | Files | Tags | Source",
    "Menu",
    "Search this site",
    "Home > Articles > Latest",
    "Log in | Register",
    "News | Reviews | Guides | Shop",
)
FOOTER_LINES = (
    "This site uses cookies to improve your experience. By continuing to browse you accept our cookie policy.",
    "This site uses javascript. Please enable javascript in your browser to see all content.",
    "Privacy Policy | Terms of Use | Cookie Settings",
    "© {year} {site}. All rights reserved.",
    "Share this: Facebook | Twitter | Email | Print",
    "Posted in {topic} | Leave a comment",
    "Subscribe to our newsletter",
    "Read more",
    "Back to top",
    "Related posts",
    "Powered by a content management system",
    "Tags: {topic}, tips, guide",
)
MIDDLE_LINES = ("Advertisement", "Continue reading below", "Read more", "Click here to subscribe")

SPAM_KEYWORDS = (
    "cheap sneakers", "free shipping", "best price", "discount code", "payday loans", "limited offer",
    "top rated", "hot deals", "cheap flights", "lowest price guaranteed", "order today", "fast delivery",
    "miracle diet", "lose weight fast", "work from home", "earn money online", "free trial",
    "no credit check", "100% original", "wholesale phone cases", "replica handbags", "casino bonus",
    "instant approval", "best seo service", "buy followers", "cheap watches", "gift cards",
)
SPAM_SHOUTS = (
    "BUY NOW!!! cheap cheap {kw} {kw}",
    "CLICK HERE >>> {url}",
    "### HOT DEALS ### {kw} ###",
    "!!! LIMITED OFFER !!! {kw}",
    "$$$ make money fast $$$",
    "★★★★★ 5 stars {kw}",
    "BEST {KW} ONLINE!!!!",
    "{kw}... {kw}... {kw}...",
    "FREE FREE FREE {kw}",
    ">>> {kw} <<<",
)
SPAM_SHORT = ("Sale", "Deals", "Top 10", "New!", "Hot", "Buy", "Order", "Cheap", "...", "#1", "Shop now")
SHORT_PAGES = (
    "Page not found.", "Coming soon!", "Thanks for reading.", "Loading...", "Subscribe", "Log in to continue.",
    "Under construction", "Error 404", "Access denied.", "No results.", "Redirecting...", "Hello world",
)
LOREM = (
    "lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor incididunt ut labore et "
    "dolore magna aliqua enim ad minim veniam quis nostrud exercitation ullamco laboris nisi aliquip ex ea "
    "commodo consequat duis aute irure in reprehenderit voluptate velit esse cillum fugiat nulla pariatur"
).split()
REPEATED_LINES = (
    "Click here to read the full article.",
    "Please like and share this post with your friends.",
    "Sign up now to get the latest updates.",
    "Thank you for visiting our website.",
)
CONTROL_CHARS = ("\x00", "\x07", "\x08", "\x0b", "\x0c", "\x1b[0m", "\x7f", "\x1f")
ODD_SPACES = ("\u00a0", "\u200b", "\u2009", "\u3000", "\u00ad", "\u2028", "\t", "   ")
CODE_NAMES = ("total", "items", "count", "index", "result", "value", "buffer", "config", "user", "cart",
              "price", "queue", "node", "offset", "limit", "cache", "token", "row")
CODE_VERBS = ("update", "compute", "load", "parse", "render", "save", "fetch", "merge", "sort", "check")


def site_name(domain: str) -> str:
    return capitalize(domain.split(".")[0])


def boilerplate(rng: random.Random, body: str, domain: str, topic: str) -> str:
    """Wrap clean text in navigation, footer and mid-page lines (a line-cleaning target)."""
    fill = {"year": str(rng.randint(2009, 2024)), "site": site_name(domain), "topic": capitalize(topic)}
    head = rng.sample(NAV_LINES, rng.randint(1, 3))
    foot = [line.format(**fill) for line in rng.sample(FOOTER_LINES, rng.randint(2, 5))]
    paras = body.split("\n\n") if "\n\n" in body else body.split("\n")
    if len(paras) > 2 and rng.random() < 0.5:
        paras.insert(rng.randint(1, len(paras) - 1), rng.choice(MIDDLE_LINES))
    return "\n".join(head + paras + foot)


def sloppy_mojibake(text: str) -> str:
    """UTF-8 bytes read as Windows-1252 (undefined bytes kept as Latin-1), e.g. ’ -> â€™."""
    out = []
    for byte in text.encode("utf-8"):
        try:
            out.append(bytes([byte]).decode("cp1252"))
        except UnicodeDecodeError:
            out.append(chr(byte))
    return "".join(out)


def mojibake(rng: random.Random, writer: Prose) -> str:
    """Prose with curly quotes and accents, mis-decoded in one paragraph or throughout."""
    writer.apostrophe, writer.quotes = "’", ("“", "”")
    try:
        paras = writer.paragraphs(rng.randint(3, 5))
    finally:
        writer.apostrophe, writer.quotes = "'", ('"', '"')
    paras[0] = f"It doesn’t matter how {rng.choice(writer.topic.adjs)} it looks. " + paras[0]
    if rng.random() < 0.5:
        paras = [sloppy_mojibake(p) for p in paras]
    else:
        i = rng.randrange(len(paras))
        paras[i] = sloppy_mojibake(paras[i])
    return "\n\n".join(paras)


def control_chars(rng: random.Random, body: str) -> str:
    """Sprinkle control characters, odd Unicode spaces, CRLF and trailing whitespace into text."""
    words = body.split(" ")
    for _ in range(rng.randint(4, 12)):
        i = rng.randrange(len(words))
        pool = CONTROL_CHARS if rng.random() < 0.5 else ODD_SPACES
        words[i] = words[i] + rng.choice(pool)
    text = " ".join(words)
    if rng.random() < 0.5:
        text = text.replace("\n", " \r\n")
    if rng.random() < 0.3:
        text = "\ufeff" + text
    return text + rng.choice(("", "  ", "\t", "\n\n\n"))


def spam(rng: random.Random) -> str:
    """Keyword lists, shouting, symbols and very short lines."""
    lines = []
    for _ in range(rng.randint(8, 30)):
        r = rng.random()
        kw = rng.choice(SPAM_KEYWORDS)
        if r < 0.35:
            line = rng.choice(SPAM_SHOUTS).format(kw=kw, KW=kw.upper(), url=spam_url(rng))
        elif r < 0.6:
            line = ", ".join(rng.sample(SPAM_KEYWORDS, rng.randint(4, 12)))
        elif r < 0.8:
            line = rng.choice(SPAM_SHORT)
        elif r < 0.9:
            line = rng.choice(("#", "*", "=", ".", "-", "$")) * rng.randint(3, 40)
        else:
            line = f"• {kw} ..."
        lines.append(line)
    return "\n".join(lines)


def keyword_stuffed(rng: random.Random) -> str:
    """Pseudo-sentences that repeat one keyword phrase over and over (SEO spam)."""
    kw = rng.choice(SPAM_KEYWORDS)
    other = rng.choice(SPAM_KEYWORDS)
    frames = (
        "Best {kw} online, buy {kw} today because {kw} is the best {kw}.",
        "Looking for {kw}? Our {kw} store has {kw} and {o} for you.",
        "{KW} {kw} {kw} {o} {kw}.",
        "We sell {kw} and {kw} deals with {o}, {kw} for everyone.",
        "Top {kw} reviews: {kw}, {kw}, {kw}.",
        "Get {kw} now, {kw} fast, cheap {kw}!",
    )
    n = rng.randint(4, 14)
    body = " ".join(rng.choice(frames).format(kw=kw, KW=capitalize(kw), o=other) for _ in range(n))
    return body if rng.random() < 0.5 else capitalize(kw) + "\n" + body


def spam_url(rng: random.Random) -> str:
    word = rng.choice(("best-deals", "cheap-stuff", "win-big", "free-offers", "top-shop", "promo-hub"))
    return f"http://{word}-{rng.randint(1, 999)}.example/{rng.choice(('buy', 'go', 'click', 'offer'))}"


def repeated(rng: random.Random, writer: Prose) -> str:
    """A paragraph repeated many times, a line repeated many times, or one sentence on a loop."""
    r = rng.random()
    if r < 0.4:
        para = writer.paragraphs(1)[0]
        others = writer.paragraphs(rng.randint(0, 2))
        return "\n\n".join(others + [para] * rng.randint(4, 10))
    if r < 0.75:
        line = rng.choice(REPEATED_LINES)
        paras = writer.paragraphs(rng.randint(1, 2))
        lines = [line] * rng.randint(10, 30)
        lines[rng.randrange(len(lines))] = paras[0]
        return "\n".join(lines + paras[1:])
    sentence = writer.sentence()
    return " ".join([sentence] * rng.randint(15, 40))


def lorem(rng: random.Random, writer: Prose) -> str:
    """Placeholder text, alone or left inside an otherwise finished page."""
    def para() -> str:
        words = [rng.choice(LOREM) for _ in range(rng.randint(25, 70))]
        sentences, i = [], 0
        while i < len(words):
            k = rng.randint(6, 14)
            sentences.append(capitalize(" ".join(words[i:i + k])) + ".")
            i += k
        return " ".join(sentences)

    paras = [para() for _ in range(rng.randint(1, 4))]
    paras[0] = "Lorem ipsum dolor sit amet, " + paras[0][0].lower() + paras[0][1:]
    if rng.random() < 0.4:
        return "\n\n".join(writer.paragraphs(2) + paras)
    return "\n\n".join(paras)


def code(rng: random.Random, writer: Prose) -> str:
    """C-like source with curly braces, optionally introduced by a sentence of prose."""
    def function() -> str:
        a, b, c = rng.sample(CODE_NAMES, 3)
        name = rng.choice(CODE_VERBS) + capitalize(a)
        body = rng.choice((
            f"  var {b} = 0;\n  for (var i = 0; i < {a}.length; i++) {{\n    {b} += {a}[i].{c};\n  }}\n  return {b};",
            f"  if ({a} == null) {{\n    return -1;\n  }}\n  {b} = {a}.{c} * 2;\n  return {b};",
            f"  while ({a}.{c} > 0) {{\n    {a}.{c}--;\n    {b}++;\n  }}",
            f"  switch ({a}) {{\n    case 0: return {b};\n    default: return {c};\n  }}",
        ))
        return f"function {name}({a}) {{\n{body}\n}}"

    blocks = [function() for _ in range(rng.randint(1, 4))]
    if rng.random() < 0.3:
        blocks.append(f".{rng.choice(CODE_NAMES)} {{ margin: 0; padding: {rng.randint(1, 20)}px; }}")
    if rng.random() < 0.5:
        writer.topic = next(t for t in TOPICS if t.name == "programming")
        blocks.insert(0, writer.sentence())
    return "\n\n".join(blocks)


def short(rng: random.Random, writer: Prose) -> str:
    """A page with almost no text."""
    r = rng.random()
    if r < 0.3:
        return rng.choice(SHORT_PAGES)
    if r < 0.6:
        site = site_name(rng.choice(writer.topic.domains))
        return rng.choice((f"{site} | Log in", f"Welcome to {site}", f"{site} - page {rng.randint(2, 90)}",
                           f"Error {rng.choice((403, 404, 500, 503))}", f"{rng.randint(2, 99)} comments"))
    words = writer.sentence().rstrip(".?!").split()
    return " ".join(words[: rng.randint(1, 5)])


def long_word(rng: random.Random, writer: Prose) -> str:
    """Text with very long tokens: blobs, runs of one letter, glued words, giant URLs, hashes."""
    r = rng.random()
    if r < 0.2:
        alphabet = string.ascii_letters + string.digits + "+/"
        return "\n".join("".join(rng.choice(alphabet) for _ in range(76)) for _ in range(rng.randint(5, 40)))
    if r < 0.35:
        return rng.choice("aoxz") * rng.randint(2000, 20000)
    if r < 0.55:
        words = " ".join(writer.paragraphs(1)[0].split()[:60]).lower()
        return "".join(ch for ch in words if ch.isalpha())
    if r < 0.8:
        blob = "".join(rng.choice("0123456789abcdef") for _ in range(rng.randint(500, 3000)))
        url = f"https://tracker.example/r?session={blob}"
        paras = writer.paragraphs(2)
        return f"{paras[0]} {url}\n\n{paras[1]}"
    hexdigits = "0123456789abcdef"
    hashes = " ".join("".join(rng.choice(hexdigits) for _ in range(64)) for _ in range(rng.randint(5, 30)))
    return f"Checksums: {hashes}"


def random_writer(rng: random.Random) -> Prose:
    return Prose(rng, rng.choice(TOPICS))
