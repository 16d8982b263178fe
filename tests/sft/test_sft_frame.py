"""Whole-set SFT helpers (sft/frame.py)."""

import json

from sluiceway.sft.frame import record_source


def test_record_source_prefers_the_records_own_field():
    assert record_source(json.dumps({"source": "s1"}), "a.json:1") == "s1"
    assert record_source(json.dumps({"other": 1}), "d/a.json:4") == "d/a.json"
    assert record_source(None, None) == ""
