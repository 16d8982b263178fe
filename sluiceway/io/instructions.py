"""Instruction records as a reader format (``input: {records: instructions}``): Alpaca (``instruction``/``input``/
``output``) and ShareGPT conversations become ``instruction``, ``input`` and ``output`` columns, and ``text`` the
whole example in the Alpaca prompt format (what Nuggets scores, Li et al. 2024).

ShareGPT (``conversations`` with ``from``/``value`` or ``messages`` with ``role``/``content``): the first user
turn is the instruction and the first assistant turn after it the output. A system prompt and any later
turns are not scored but stay in ``meta``. A record that is neither is rejected as ``malformed``.
"""

from __future__ import annotations

from typing import Any

SFT_FIELDS = ("instruction", "input", "output")
USER_ROLES = frozenset({"human", "user"})
ASSISTANT_ROLES = frozenset({"gpt", "assistant", "model", "chatgpt", "bard", "bing"})


def _text(value: Any) -> str | None:
    if isinstance(value, str):
        return value
    if isinstance(value, list):  # OpenAI-style content parts
        parts = [p.get("text", "") for p in value if isinstance(p, dict)]
        return "".join(parts) if parts else None
    return None


def parse_sharegpt(record: dict) -> tuple[dict[str, str], int]:
    """``({instruction, input, output}, turns)`` from the first user turn and the assistant turn after it."""
    turns = record.get("conversations", record.get("messages"))
    if not isinstance(turns, list):
        raise ValueError("'conversations'/'messages' is not a list")
    roles = []
    for turn in turns:
        if not isinstance(turn, dict):
            raise ValueError("a conversation turn is not an object")
        role = str(turn.get("from", turn.get("role", ""))).lower()
        roles.append((role, _text(turn.get("value", turn.get("content")))))
    user = next((i for i, (r, _) in enumerate(roles) if r in USER_ROLES), None)
    if user is None:
        raise ValueError("conversation has no user turn")
    reply = next((i for i in range(user + 1, len(roles)) if roles[i][0] in ASSISTANT_ROLES), None)
    if reply is None:
        raise ValueError("conversation has no assistant turn after the first user turn")
    if not roles[user][1] or not roles[reply][1]:
        raise ValueError("first user or assistant turn is empty or not text")
    n = sum(r in USER_ROLES or r in ASSISTANT_ROLES for r, _ in roles)
    return {"instruction": roles[user][1], "input": "", "output": roles[reply][1]}, n


def parse_alpaca(record: dict) -> dict[str, str]:
    fields = {}
    for name in SFT_FIELDS:
        value = record.get(name, "")
        if value is None:
            value = ""
        if not isinstance(value, str):
            raise ValueError(f"field {name!r} is {type(value).__name__}, not a string")
        fields[name] = value
    if not fields["instruction"].strip():
        raise ValueError("empty or missing 'instruction'")
    if not fields["output"].strip():
        raise ValueError("empty or missing 'output'")
    return fields


def layout_of(record: Any) -> str | None:
    if not isinstance(record, dict):
        return None
    if isinstance(record.get("conversations"), list) or isinstance(record.get("messages"), list):
        return "sharegpt"
    return "alpaca" if "instruction" in record else None


def parse_record(record: Any) -> tuple[str, dict[str, str], int]:
    """``(layout, fields, turns)``; ``ValueError`` says why a record is unusable."""
    layout = layout_of(record)
    if layout == "sharegpt":
        fields, turns = parse_sharegpt(record)
        return layout, fields, turns
    if layout == "alpaca":
        return layout, parse_alpaca(record), 1
    if not isinstance(record, dict):
        raise ValueError(f"record is {type(record).__name__}, not an object")
    raise ValueError("record has neither 'instruction' (Alpaca) nor 'conversations'/'messages' (ShareGPT)")


def alpaca_prompt(instruction: str, input: str | None = None) -> str:
    """The prompt part of an example (ends right before the answer); the Input block only when non-empty."""
    prompt = f"Instruction:\n{instruction}\n"
    if input and input.strip():
        prompt += f"Input:\n{input}\n"
    return prompt + "Response:\n"


def instruction_record(record: Any, text_field: str) -> dict:
    """The record with the parsed ``instruction``/``input``/``output`` and ``text_field`` set (the reader then
    lifts them into columns; every other field goes to ``meta``). ``ValueError`` says why it is unusable."""
    _, fields, _ = parse_record(record)
    return {**record, **fields, text_field: alpaca_prompt(fields["instruction"], fields["input"]) + fields["output"]}
