"""Instruction record parsing (io/instructions.py): ShareGPT and Alpaca into instruction/input/output."""

import pytest

from sluiceway.io.instructions import instruction_record, parse_record, parse_sharegpt


def test_sharegpt_first_exchange_and_turn_count():
    rec = {"conversations": [{"from": "system", "value": "be nice"}, {"from": "human", "value": "Hi?"},
                             {"from": "gpt", "value": "Hello."}, {"from": "human", "value": "More"},
                             {"from": "gpt", "value": "Sure."}]}
    fields, turns = parse_sharegpt(rec)
    assert fields == {"instruction": "Hi?", "input": "", "output": "Hello."}
    assert turns == 4


def test_openai_messages_and_content_parts():
    rec = {"messages": [{"role": "user", "content": [{"type": "text", "text": "Q"}]},
                        {"role": "assistant", "content": "A"}]}
    assert parse_record(rec)[:2] == ("sharegpt", {"instruction": "Q", "input": "", "output": "A"})


@pytest.mark.parametrize("rec, message", [
    ({"conversations": [{"from": "human", "value": "Q"}]}, "no assistant"),
    ({"conversations": [{"from": "gpt", "value": "A"}]}, "no user"),
    ({"instruction": "", "output": "x"}, "instruction"),
    ({"instruction": "x", "output": 3}, "output"),
    ({"text": "x"}, "neither"),
])
def test_unusable_records_say_why(rec, message):
    with pytest.raises(ValueError, match=message):
        parse_record(rec)


def test_alpaca_input_optional_and_prompt_text():
    assert parse_record({"instruction": "I", "output": "O"})[1] == {"instruction": "I", "input": "", "output": "O"}
    rec = instruction_record({"instruction": "I1", "input": "x", "output": "O1", "source": "s1"}, "text")
    assert rec["text"] == "Instruction:\nI1\nInput:\nx\nResponse:\nO1" and rec["source"] == "s1"
