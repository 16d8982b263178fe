from sluiceway.sft.template import (
    SEPARATOR,
    iqs_text,
    nuggets_demonstration,
    nuggets_example,
    nuggets_prompt,
    unescape,
)


def test_nuggets_prompt_leaves_out_empty_input():
    assert nuggets_prompt("Do it", "") == "Instruction:\nDo it\nResponse:\n"
    assert nuggets_prompt("Do it", "x") == "Instruction:\nDo it\nInput:\nx\nResponse:\n"
    assert nuggets_example("I", None, "O") == ("Instruction:\nI\nResponse:\n", "O")


def test_demonstration_separator_fixed_and_reference():
    assert nuggets_demonstration("I", "", "O").endswith("O" + SEPARATOR)
    assert nuggets_demonstration("I", "", "O", reference=True).endswith("Response:\nO")


def test_iqs_text():
    assert iqs_text("I", "", "O") == "Instruction: I Response: O"
    assert iqs_text("I ", "x", "O") == "Instruction: I Input: x Response: O"


def test_unescape_literal_sequences():
    assert unescape(r"a\nb\tc \"q\" it\u2019s \\ ok") == 'a\nb\tc "q" it\u2019s \\ ok'
    assert unescape(r"\ud83d\ude00") == "\U0001F600"
    assert unescape("real\nnewline") == "real\nnewline"
