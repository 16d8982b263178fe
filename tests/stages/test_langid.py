"""langid: labels, scores, unknown, filtering by language."""

from collections import Counter

import pytest

from sluiceway.pipelines.execute import apply_stage
from sluiceway.stages.langid import LanguageId
from sluiceway.stages.registry import ConfigError, build_stage
from tests.fasttext_models.tiny_models import langid_model, table

TEXTS = ["the dog runs to the garden while children play", "der Hund läuft in den Garten",
         "la maison est grande et le chien court", "房子很大狗跑到花园里", "дом большой и собака бежит в сад",
         "", "   \n  "]


def test_labels_are_normalized_and_empty_text_is_unknown():
    counters = Counter()
    out = apply_stage(LanguageId(model=langid_model()), table(TEXTS), counters).to_pylist()
    assert [r["language"] for r in out] == ["en", "de", "fr", "zh", "ru", "unknown", "unknown"]
    assert all(r["language_score"] > 0.5 for r in out[:5]) and out[5]["language_score"] == 0.0
    assert all(r["reason"] is None for r in out)  # no languages listed: annotate only
    assert counters["lang.en"] == 1 and counters["lang.unknown"] == 2


def test_very_short_text_is_unknown():
    stage = LanguageId(model=langid_model())  # min_chars 10 (non-space characters)
    rows = apply_stage(stage, table(["ok", "der  Hund", "房子很大狗跑到花园里"]), Counter()).to_pylist()
    assert [r["language"] for r in rows] == ["unknown", "unknown", "zh"]
    assert rows[0]["language_score"] == 0.0
    loose = apply_stage(LanguageId(model=langid_model(), min_chars=0, unknown_below=0.0), table(["der  Hund"]),
                        Counter()).to_pylist()
    assert loose[0]["language"] == "de"


def test_unknown_below_confidence_for_mixed_script():
    mixed = "the dog 狗跑 der Hund дом le chien"
    stage = LanguageId(model=langid_model(), unknown_below=0.0)
    rows = apply_stage(stage, table([TEXTS[0], mixed]), Counter()).to_pylist()
    assert rows[1]["language_score"] < rows[0]["language_score"]
    strict = LanguageId(model=langid_model(), unknown_below=max(0.01, rows[1]["language_score"] + 1e-3))
    rows = apply_stage(strict, table([TEXTS[0], mixed]), Counter()).to_pylist()
    assert rows[0]["language"] == "en" and rows[1]["language"] == "unknown"


def test_keep_listed_languages_above_threshold():
    stage = build_stage("langid", {"model": langid_model(), "languages": ["__label__en", "de"], "threshold": 0.5})
    assert stage.languages == ("en", "de")
    out = apply_stage(stage, table(TEXTS, rejected={6}), Counter()).to_pylist()
    assert [r["reason"] for r in out] == [None, None, "language", "language", "language", "language", "malformed"]
    assert out[2]["detail"].startswith("fr ") and "not in en,de" in out[2]["detail"]
    high = LanguageId(model=langid_model(), languages=("en",), threshold=1.0)
    assert apply_stage(high, table(TEXTS[:1]), Counter()).column("reason").to_pylist() == ["language"]


def test_validation(tmp_path):
    with pytest.raises(ConfigError, match="lid176"):
        build_stage("langid", {"model": ""})
    with pytest.raises(ConfigError, match="missing.bin"):
        build_stage("langid", {"model": str(tmp_path / "missing.bin")})
    (tmp_path / "junk.bin").write_bytes(b"junk" * 10)
    with pytest.raises(ConfigError, match="junk.bin is not a fastText model"):
        build_stage("langid", {"model": str(tmp_path / "junk.bin")})
    with pytest.raises(ConfigError, match="unknown_below"):
        build_stage("langid", {"model": "x.bin", "unknown_below": 2})


def test_default_is_the_shipped_lid176():
    stage = build_stage("langid", {"languages": ["__label__en"]})
    assert stage.model == "lid176" and stage.languages == ("en",)
    texts = ["The library opens at nine and the reading room stays quiet all afternoon.",
             "La biblioteca abre a las nueve y la sala de lectura está tranquila toda la tarde."]
    out = apply_stage(stage, table(texts), Counter())
    assert out.column("language").to_pylist() == ["en", "es"]
    assert out.column("reason").to_pylist() == [None, "language"]


def test_languages_the_model_lacks_are_an_error():
    stage = build_stage("langid", {"languages": ["eng_Latn"]})  # a GlotLID label, not a lid.176 one
    with pytest.raises(ValueError, match="eng_Latn are not labels of lid176"):
        stage.setup()
