"""Text cleaning stages: Unicode normalization and mojibake repair, control characters, whitespace, and
boilerplate lines (navigation menus, cookie and javascript notices, copyright lines).

Each stage replaces ``text``, counts what it changed in the run's counters (``changed`` documents plus a
stage-specific count) and rejects a document that it left empty (``empty_after_cleaning``). Fast paths
skip documents with nothing to do, so clean text costs one regex scan per stage.
"""

from __future__ import annotations

import dataclasses
import functools
import re
import unicodedata
from collections import Counter
from typing import ClassVar, Literal

import pyarrow as pa
import pyarrow.compute as pc

from sluiceway.stages.base import BatchStage
from sluiceway.stages.registry import register
from sluiceway.text.lines import split_lines

EMPTY = "empty_after_cleaning"
_TEXT = {"text": pa.large_string()}

# UTF-8 read as Windows-1252/Latin-1: a lead byte shown as Â..ô followed by as many continuation bytes
# as it announces, each shown as a Latin-1 sign or a Windows-1252 mark ("â€™", "Ã©"); or a bare C1
# control. Requiring every continuation byte keeps Czech "stížnost" or French "à\xa0" from matching.
_CONT = ("[\u0080-\u00bf\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192\u02c6\u02dc\u2013\u2014"
         "\u2018-\u201a\u201c-\u201e\u2020-\u2022\u2026\u2030\u2039\u203a\u20ac\u2122]")
# One leading character class lets Python's re skip ahead fast; the lookbehinds then ask for the right
# number of continuation bytes. "Â " is a no-break space whose second byte became a plain space.
_MOJIBAKE_HINT = re.compile(
    f"[\u0080-\u009f\u00c2-\u00f4](?:(?<=[\u0080-\u009f])|(?<=\u00c2) |(?<=[\u00c2-\u00df]){_CONT}"
    f"|(?<=[\u00e0-\u00ef]){_CONT}{{2}}|(?<=[\u00f0-\u00f4]){_CONT}{{3}})")


def _texts(batch: pa.Table) -> list[str]:
    return [t or "" for t in batch.column("text").to_pylist()]


def _blank(batch: pa.Table) -> list[bool]:
    """Per row: is the text null, empty or whitespace only (vectorized, no Python strings)."""
    text = pc.utf8_trim_whitespace(batch.column("text"))
    return pc.fill_null(pc.equal(pc.utf8_length(text), 0), True).to_pylist()


def _reject_empty(stage: BatchStage, batch: pa.Table, why: str) -> list[tuple[str, str] | None]:
    return [(EMPTY, f"{stage.name}: {why}") if blank else None for blank in _blank(batch)]


def fix_mojibake(text: str) -> str:
    """Repair mojibake with ftfy, line by line and only on lines that show a mojibake pattern."""
    import ftfy

    out, pos = [], 0
    for m in _MOJIBAKE_HINT.finditer(text):
        if m.start() < pos:
            continue
        start = text.rfind("\n", 0, m.start()) + 1
        end = text.find("\n", m.end())
        end = len(text) if end < 0 else end
        out.append(text[pos:start])
        out.append(ftfy.fix_encoding(text[start:end]))
        pos = end
    out.append(text[pos:])
    return "".join(out)


@register
@dataclasses.dataclass
class Normalize(BatchStage):
    """Unicode normalization (NFC by default; NFKC also folds compatibility forms such as full-width
    letters and ligatures) after repairing mojibake ("doesnâ€™t" -> "doesn’t") with ftfy's
    ``fix_encoding``. Counters: ``changed``, ``mojibake_fixed``, ``unicode_normalized``."""

    name: ClassVar[str] = "normalize"
    writes: ClassVar[dict[str, pa.DataType]] = _TEXT

    form: Literal["NFC", "NFKC", "NFD", "NFKD"] | None = "NFC"
    fix_mojibake: bool = True

    def validate(self) -> None:
        if self.form not in (None, "NFC", "NFKC", "NFD", "NFKD"):
            raise ValueError(f"form must be NFC, NFKC, NFD, NFKD or null, not {self.form!r}")

    def compute(self, batch: pa.Table, counters: Counter) -> dict[str, pa.Array | list]:
        out = []
        for text in _texts(batch):
            new = text
            if self.fix_mojibake and not new.isascii() and _MOJIBAKE_HINT.search(new):
                new = fix_mojibake(new)
                counters["mojibake_fixed"] += new != text
            if self.form and not unicodedata.is_normalized(self.form, new):
                new = unicodedata.normalize(self.form, new)
                counters["unicode_normalized"] += 1
            counters["changed"] += new != text
            out.append(new)
        return {"text": pa.array(out, pa.large_string())}

    def decide(self, batch: pa.Table) -> list[tuple[str, str] | None]:
        return _reject_empty(self, batch, "no text left")


# Control characters (Unicode Cc) except tab and line breaks; invisible format characters that carry no
# meaning in running text (soft hyphen, zero-width space, word joiner, BOM, Mongolian vowel separator).
# Zero-width (non-)joiners are kept: Persian, Indic scripts and emoji need them.
_INVISIBLE = "\u00ad\u180e\u200b\u2060\ufeff\ufffe\uffff"


@register
@dataclasses.dataclass
class CleanControl(BatchStage):
    """Remove control characters (vertical tab and form feed become line breaks) and invisible format
    characters. Counters: ``changed``, ``chars_removed``."""

    name: ClassVar[str] = "clean_control"
    writes: ClassVar[dict[str, pa.DataType]] = _TEXT

    keep: str = "\t\n\r"  # control characters to keep
    remove_invisible: bool = True

    @functools.cached_property
    def _pattern(self) -> re.Pattern | None:
        controls = [chr(c) for c in (*range(0x20), *range(0x7F, 0xA0)) if chr(c) not in self.keep]
        if self.remove_invisible:
            controls += [c for c in _INVISIBLE if c not in self.keep]
        return re.compile(f"[{re.escape(''.join(controls))}]") if controls else None

    def compute(self, batch: pa.Table, counters: Counter) -> dict[str, pa.Array | list]:
        pattern = self._pattern
        out = []
        for text in _texts(batch):
            if pattern is not None and pattern.search(text):
                for c in "\x0b\x0c":  # vertical tab and form feed separate lines
                    if c not in self.keep:
                        text = text.replace(c, "\n")
                new = pattern.sub("", text)
                counters["chars_removed"] += len(text) - len(new)
                counters["changed"] += 1
                text = new
            out.append(text)
        return {"text": pa.array(out, pa.large_string())}

    def decide(self, batch: pa.Table) -> list[tuple[str, str] | None]:
        return _reject_empty(self, batch, "only control characters")


_BREAK_CHARS = ("\r", "\x0b", "\x0c", "\x85", "\u2028", "\u2029")
_LINE_BREAKS = re.compile("\r\n?|[\x0b\x0c\x85\u2028\u2029]")
_ODD_SPACES = ("\t", "\u00a0", "\u1680", *map(chr, range(0x2000, 0x200B)), "\u202f", "\u205f", "\u3000")
_SPACES = re.compile("  +")  # a literal prefix: Python's re jumps from one "  " to the next


@register
@dataclasses.dataclass
class CleanWhitespace(BatchStage):
    """Normalize whitespace: every line break becomes ``\\n``, runs of spaces/tabs/Unicode spaces one
    space, lines are stripped, blank lines are limited to ``max_blank_lines`` in a row, the document is
    stripped. Counters: ``changed``."""

    name: ClassVar[str] = "clean_whitespace"
    writes: ClassVar[dict[str, pa.DataType]] = _TEXT

    collapse_spaces: bool = True
    strip_lines: bool = True
    max_blank_lines: int | None = 1

    def validate(self) -> None:
        if self.max_blank_lines is not None and self.max_blank_lines < 0:
            raise ValueError(f"max_blank_lines must be >= 0 or null, got {self.max_blank_lines}")

    @functools.cached_property
    def _blank_re(self) -> re.Pattern | None:
        n = self.max_blank_lines
        return re.compile(f"\n{{{n + 2},}}") if n is not None else None

    def clean(self, text: str) -> str:
        """Cheap substring tests first: most web text needs few of the rewrites."""
        if any(c in text for c in _BREAK_CHARS):
            text = _LINE_BREAKS.sub("\n", text)
        if self.collapse_spaces:
            for c in _ODD_SPACES:  # str.replace per character: str.translate is slow on non-ASCII text
                if c in text:
                    text = text.replace(c, " ")
            if "  " in text:
                text = _SPACES.sub(" ", text)
        if self.strip_lines and (" \n" in text or "\n " in text or "\t" in text):
            text = "\n".join(line.strip(" \t") for line in text.split("\n"))
        if self._blank_re is not None and "\n" * (self.max_blank_lines + 2) in text:
            text = self._blank_re.sub("\n" * (self.max_blank_lines + 1), text)
        return text.strip()

    def compute(self, batch: pa.Table, counters: Counter) -> dict[str, pa.Array | list]:
        out = []
        for text in _texts(batch):
            new = self.clean(text)
            counters["changed"] += new != text
            out.append(new)
        return {"text": pa.array(out, pa.large_string())}

    def decide(self, batch: pa.Table) -> list[tuple[str, str] | None]:
        return _reject_empty(self, batch, "only whitespace")


_MENU_SEPARATOR = re.compile(r"\s*[|•·»›]\s*|\s+>\s+")
_MENU_CHAR = re.compile(r"[|•·»›]| > ")
BOILERPLATE_PATTERNS = (
    r"^(?:skip|jump) to (?:main )?(?:content|navigation|search|menu)",
    r"^jump to:? navigation,? (?:jump to )?search",
    r"\b(?:this|our) (?:web ?)?site uses cookies\b",
    r"\bwe use cookies\b",
    r"\buses? cookies to\b",
    r"\baccept (?:all )?cookies\b",
    r"\bcookie (?:policy|settings|preferences|consent)\b",
    r"\b(?:please )?enable javascript\b",
    r"\bjavascript (?:is|must be) (?:disabled|required|enabled|turned off)\b",
    r"\byour browser does not support\b",
    r"\ball rights reserved\b",
    r"^(?:©|\(c\)|copyright)\s*(?:©\s*)?\d{4}",
    r"^(?:open main menu|site tools|user tools|advertisements?|%d bloggers like this:?|related (?:posts|articles)"
    r"|continue reading(?: below)?|search this site|subscribe to (?:our|the) newsletter)$",
    r"^(?:home|menu|search|log ?in|log ?out|sign ?in|sign ?up|register|subscribe|print|email|share|tweet"
    r"|read more|back to top|reply|permalink|next|previous)\W*$",
    r"^(?:log ?in|sign ?in) ?[|/] ?(?:register|sign ?up)$",
    r"^share (?:this|on \w+)\b",
    r"^follow us\b",
    r"^click here\b",
    r"^(?:tags|categories|filed under): ",
    r"\bleave a (?:comment|reply)$",
    r"^powered by \S+(?: \S+){0,4}$",
    r"^from wikipedia, the free encyclopedia\.?$",
)


@register
@dataclasses.dataclass
class RemoveBoilerplate(BatchStage):
    """Drop boilerplate lines: lines of at most ``max_line_chars`` that match one of ``patterns`` (regexes,
    case-insensitive, searched in the stripped line), and navigation menus (``min_menu_items`` or more short
    items separated by ``|``, ``•``, ``·``, ``»``, ``›`` or `` > ``, e.g. "Edit | Files | Tags | Source | Print").
    Writes ``boilerplate_lines_removed``; counters: ``changed``, ``lines_removed``."""

    name: ClassVar[str] = "remove_boilerplate"
    writes: ClassVar[dict[str, pa.DataType]] = {**_TEXT, "boilerplate_lines_removed": pa.int32()}

    patterns: tuple[str, ...] = BOILERPLATE_PATTERNS
    extra_patterns: tuple[str, ...] = ()
    max_line_chars: int | None = 200
    min_menu_items: int | None = 3
    max_menu_item_words: int = 4

    def validate(self) -> None:
        for p in (*self.patterns, *self.extra_patterns):
            try:
                re.compile(p)
            except re.error as exc:
                raise ValueError(f"bad boilerplate pattern {p!r}: {exc}") from exc
        if self.min_menu_items is not None and self.min_menu_items < 2:
            raise ValueError(f"min_menu_items must be >= 2 or null, got {self.min_menu_items}")

    @functools.cached_property
    def _res(self) -> tuple[re.Pattern | None, re.Pattern | None]:
        """Anchored patterns are tried at the line start only: one ``match`` instead of a ``search``
        through the line (five times faster on web text)."""
        pats = [*self.patterns, *self.extra_patterns]
        starts = [p[1:] for p in pats if p.startswith("^")]
        anywhere = [p for p in pats if not p.startswith("^")]

        def join(group: list[str]) -> re.Pattern | None:
            return re.compile("|".join(f"(?:{p})" for p in group), re.IGNORECASE) if group else None

        return join(starts), join(anywhere)

    def is_boilerplate(self, line: str) -> bool:
        line = line.strip()
        if not line or (self.max_line_chars is not None and len(line) > self.max_line_chars):
            return False
        at_start, anywhere = self._res
        if (at_start is not None and at_start.match(line)) or (anywhere is not None and anywhere.search(line)):
            return True
        if self.min_menu_items is None or not _MENU_CHAR.search(line):
            return False
        items = [i for i in _MENU_SEPARATOR.split(line) if i]
        return len(items) >= self.min_menu_items and all(len(i.split()) <= self.max_menu_item_words for i in items)

    def compute(self, batch: pa.Table, counters: Counter) -> dict[str, pa.Array | list]:
        texts, removed = [], []
        for text in _texts(batch):
            lines = split_lines(text)
            kept = [line for line in lines if not self.is_boilerplate(line)]
            n = len(lines) - len(kept)
            if n:
                text = "\n".join(kept).strip()
                counters["changed"] += 1
                counters["lines_removed"] += n
            texts.append(text)
            removed.append(n)
        return {"text": pa.array(texts, pa.large_string()), "boilerplate_lines_removed": pa.array(removed, pa.int32())}

    def decide(self, batch: pa.Table) -> list[tuple[str, str] | None]:
        counts = batch.column("boilerplate_lines_removed").to_pylist()
        return [(EMPTY, f"{self.name}: all {n} lines were boilerplate") if blank else None
                for blank, n in zip(_blank(batch), counts, strict=True)]
