"""Prompt templates of the two methods, and the unescaping the CaR pairs need.

Nuggets (Li et al., ACL 2024) formats an example as ``Instruction:\\n{instruction}\\nInput:\\n{input}\\n
Response:\\n{output}`` (the Input block left out when the input is empty); CaR's IQS (Ge et al., EMNLP 2024)
reads ``Instruction: {instruction} Input: {input} Response: {output}`` on one line.
"""

from __future__ import annotations

import re

from sluiceway.io.instructions import alpaca_prompt

SEPARATOR = "\n\n"  # between the demonstration and the anchor (the reference code has none)

_ESCAPE = re.compile(r"\\(u[0-9a-fA-F]{4}|[ntr\"'\\/])")
_SIMPLE = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "'": "'", "\\": "\\", "/": "/"}


def nuggets_prompt(instruction: str, input: str | None = None) -> str:
    """The part of an example the model is conditioned on (ends right before the answer)."""
    return alpaca_prompt(instruction, input)


def nuggets_example(instruction: str, input: str | None, output: str) -> tuple[str, str]:
    """``(prompt, answer)`` of one example; the answer is what the golden score measures."""
    return nuggets_prompt(instruction, input), output


def nuggets_demonstration(instruction: str, input: str | None, output: str, *, reference: bool = False) -> str:
    """A candidate as a one-shot demonstration: the full example, then the separator (none in reference mode)."""
    prompt, answer = nuggets_example(instruction, input, output)
    return prompt + answer + ("" if reference else SEPARATOR)


def iqs_text(instruction: str, input: str | None, output: str) -> str:
    """The text CaR's instruction-pair quality scorer reads."""
    text = f"Instruction: {instruction.strip()} "
    if input and input.strip():
        text += f"Input: {input.strip()} "
    return text + f"Response: {output.strip()}"


def unescape(text: str) -> str:
    """Turn literal escapes (backslash-n, backslash-t, backslash-quote, backslash-uXXXX) into characters.

    The original responses of the CaR expert-revised pairs carry such escapes while the revised ones do not;
    a scorer trained on raw text learns to spot them instead of quality.
    """
    def sub(m: re.Match) -> str:
        code = m.group(1)
        return chr(int(code[1:], 16)) if code[0] == "u" else _SIMPLE[code]

    out = _ESCAPE.sub(sub, text)
    if any(0xD800 <= ord(c) <= 0xDFFF for c in out):  # \ud83d\ude00-style pairs
        out = out.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    return out
