import json

import pytest

from sluiceway.planning.dataset import tokens_from_report
from sluiceway.planning.errors import PlanError


def test_reads_token_total(tmp_path):
    (tmp_path / "report.json").write_text(json.dumps({"tokens": {"total": 123456789, "tokenizer": "gpt2"}}))
    ds = tokens_from_report(tmp_path)
    assert ds.total == 123456789 and ds.tokenizer == "gpt2"


def test_missing_report_or_key(tmp_path):
    with pytest.raises(PlanError, match="no curation report"):
        tokens_from_report(tmp_path)
    (tmp_path / "report.json").write_text(json.dumps({"stages": {}}))
    with pytest.raises(PlanError, match="tokens.total"):
        tokens_from_report(tmp_path)
    (tmp_path / "report.json").write_text(json.dumps({"tokens": {"total": -3}}))
    with pytest.raises(PlanError, match="positive"):
        tokens_from_report(tmp_path)
    (tmp_path / "report.json").write_text("{broken")
    with pytest.raises(PlanError, match="cannot read"):
        tokens_from_report(tmp_path)
