import pytest

from sluiceway.pipelines.config import load_config, parse_config
from sluiceway.pipelines.pipeline import Pipeline, check_columns
from sluiceway.stages.registry import ConfigError, build_stage


def test_unknown_stage_lists_valid_ones():
    with pytest.raises(ConfigError, match="unknown stage 'exact_dedupe'.*valid stages:.*exact_dedup"):
        parse_config({"stages": ["exact_dedupe"]})


def test_misspelled_parameter_lists_valid_keys():
    with pytest.raises(ConfigError, match="no parameter 'lower_case'.*valid: lowercase"):
        parse_config({"stages": [{"exact_dedup": {"lower_case": True}}]})


def test_wrong_parameter_type():
    with pytest.raises(ConfigError, match="lowercase='yes'"):
        build_stage("exact_dedup", {"lowercase": "yes"})


def test_unknown_top_level_and_input_keys():
    with pytest.raises(ConfigError, match="unknown key 'stagez'"):
        parse_config({"stagez": []})
    with pytest.raises(ConfigError, match="input: unknown key 'txt_field'.*text_field"):
        parse_config({"input": {"txt_field": "x"}, "stages": ["exact_dedup"]})
    with pytest.raises(ConfigError, match="output format"):
        parse_config({"output": {"format": "csv"}, "stages": ["exact_dedup"]})


def test_empty_stage_list():
    with pytest.raises(ConfigError, match="non-empty list"):
        parse_config({"stages": []})


def test_yaml_file_errors(tmp_path):
    with pytest.raises(ConfigError, match="not found"):
        load_config(str(tmp_path / "missing.yaml"))
    bad = tmp_path / "bad.yaml"
    bad.write_text("stages: [unclosed\n")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_config(str(bad))


def test_column_chain_check_names_stage_and_column():
    stage = build_stage("exact_dedup")
    with pytest.raises(ConfigError, match="stage #1 'exact_dedup' reads column 'text'"):
        check_columns([stage], ["id"])
    check_columns([stage], ["id", "text"])


def test_duplicate_stage_names_rejected():
    with pytest.raises(ConfigError, match="unique"):
        Pipeline([build_stage("exact_dedup"), build_stage("exact_dedup")])


def test_shipped_configs_validate():
    import glob

    for path in glob.glob("configs/*.yaml"):
        try:
            pipeline = Pipeline.from_config(path)
        except ConfigError as exc:  # models that `make demo` trains are not there in a fresh checkout
            assert "not found" in str(exc), exc
            continue
        if "sft_" in path:  # `sluiceway select` lifts the instruction fields into columns
            pipeline.read_options.keep_fields = ("instruction", "input", "output")
        pipeline.check()
