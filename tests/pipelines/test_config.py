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
    with pytest.raises(ConfigError, match="stage 'exact_dedup': parameter 'lowercase' must be bool, got string 'yes'"):
        build_stage("exact_dedup", {"lowercase": "yes"})
    with pytest.raises(ConfigError, match="'threshold' must be float, got string '0.5' .write 0.5 without quotes"):
        build_stage("langid", {"model": "lid176", "threshold": "0.5"})
    with pytest.raises(ConfigError, match="'min_chars' must be int, got float 2.5"):
        build_stage("langid", {"model": "lid176", "min_chars": 2.5})
    with pytest.raises(ConfigError, match="'languages' must be list of str, got string 'en'"):
        build_stage("langid", {"model": "lid176", "languages": "en"})
    with pytest.raises(ConfigError, match="'min_score' must be float or null, got bool True"):
        build_stage("iqs_score", {"model": __file__, "min_score": True})
    assert build_stage("iqs_score", {"model": __file__, "min_score": None}).min_score is None
    assert build_stage("langid", {"model": "lid176", "threshold": 1}).threshold == 1


def test_wrong_input_option_type_names_line(tmp_path):
    cfg = tmp_path / "p.yaml"
    cfg.write_text("name: x\ninput: {keep_fields: url}\nstages: [normalize]\n")
    with pytest.raises(ConfigError, match=r"p.yaml:2: input: parameter 'keep_fields' must be list of str"):
        load_config(str(cfg))
    cfg.write_text("input: {max_doc_bytes: big}\nstages: [normalize]\n")
    with pytest.raises(ConfigError, match="'max_doc_bytes' must be int, got string 'big'"):
        load_config(str(cfg))


def test_missing_model_path_names_stage_parameter_and_line(tmp_path):
    cfg = tmp_path / "p.yaml"
    cfg.write_text("stages:\n  - normalize\n  - fasttext_quality: {model: nowhere/quality.bin}\n")
    with pytest.raises(ConfigError, match="p.yaml:3: stage 'fasttext_quality': model: model not found: nowhere"):
        load_config(str(cfg))
    stage = build_stage("fasttext_quality", {"model": str(cfg)})
    stage.model = str(tmp_path / "gone.bin")  # a stage built in Python is checked again before running
    with pytest.raises(ConfigError, match="gone.bin"):
        Pipeline([stage]).check()


def test_python_yaml_tag_is_refused(tmp_path):
    cfg = tmp_path / "evil.yaml"
    cfg.write_text("stages:\n  - normalize: !!python/object/apply:os.system ['touch pwned']\n")
    with pytest.raises(ConfigError, match="evil.yaml:2: YAML tag .*python/object/apply:os.system.* is not allowed"):
        load_config(str(cfg))
    assert not (tmp_path / "pwned").exists()


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


def _models_for_shipped_configs(root) -> None:
    """Real tiny models at the paths the shipped configs name (`make demo` trains bigger ones there)."""
    import random

    from sluiceway.diversity.fasttext_embedder import train_fasttext_embedder
    from sluiceway.fasttext_models.langid import train_langid
    from sluiceway.fasttext_models.params import LangidTrainParams, QualityTrainParams
    from sluiceway.fasttext_models.quality import train_quality
    from sluiceway.sft.iqs import IQSPair, train_iqs
    from sluiceway.text.tokenizer import train_bpe

    rng = random.Random(0)
    good = "rivers shape valleys and scholars measured the flow of water over centuries".split()
    bad = "click here buy now cheap deals free shipping casino bonus win prize".split()
    words = {"en": good, "de": "das Haus ist groß und der Hund läuft in den Garten".split()}

    def text(vocab, n=20):
        return " ".join(rng.choice(vocab) for _ in range(n))

    models = root / "data" / "demo" / "models"
    models.mkdir(parents=True)
    train_quality([text(good) for _ in range(60)], [text(bad) for _ in range(60)], str(models / "quality.bin"),
                  QualityTrainParams(dim=4, epoch=2, bucket=1000, min_count=1, threads=1))
    train_langid({k: [text(v, 8) for _ in range(60)] for k, v in words.items()}, str(models / "lid.bin"),
                 LangidTrainParams(dim=4, epoch=2, bucket=1000, threads=1, holdout=0.2))
    train_bpe([text(good) for _ in range(50)], 300, str(models / "tokenizer.json"))
    train_fasttext_embedder([text(good + bad) for _ in range(200)], str(models / "embedder"), dim=8, epoch=1,
                            min_count=1, bucket=1000)
    pairs = [IQSPair(text(good, 6), "", text(good), text(bad)) for _ in range(20)]
    train_iqs(pairs, str(root / "out" / "models" / "iqs-cheap"), embedder="hashing")
    lm = root / "out" / "models" / "nuggets-lm"  # only its presence is checked before a run (loaded by the actors)
    lm.mkdir(parents=True)
    (lm / "config.json").write_text("{}")


def test_every_shipped_config_passes_check(tmp_path, monkeypatch):
    import glob
    import os
    import shutil

    from sluiceway.cli import main

    repo = os.getcwd()
    configs = sorted(glob.glob(os.path.join(repo, "configs", "*.yaml")))
    assert len(configs) >= 3
    for path in configs:  # a config needing a model that is not there names it instead of failing later in Ray
        try:
            load_config(path)
        except ConfigError as exc:
            assert "model not found" in str(exc), exc
    load_config(os.path.join(repo, "configs", "pretrain_web.yaml"))  # the default needs only shipped models
    _models_for_shipped_configs(tmp_path)
    shutil.copytree(os.path.join(repo, "configs"), tmp_path / "configs")
    monkeypatch.chdir(tmp_path)
    for path in sorted(glob.glob("configs/*.yaml")):
        assert main(["check", path]) == 0, path
