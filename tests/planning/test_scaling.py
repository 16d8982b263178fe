import math

import pytest

from sluiceway.planning.errors import PlanError
from sluiceway.planning.scaling import (
    CHINCHILLA_TABLE3,
    FITS,
    chinchilla_loss,
    chinchilla_optimal,
    chinchilla_summary,
    chinchilla_tokens_for_params,
    data_advice,
    data_constrained_loss,
    data_constrained_optimum,
    effective_data,
    kaplan_optimal,
    rule_of_thumb,
)


@pytest.mark.parametrize("params,flops,tokens", CHINCHILLA_TABLE3)
def test_table3_rows_satisfy_6nd(params, flops, tokens):
    assert 6 * params * tokens == pytest.approx(flops, rel=0.05)


def test_unrounded_fit_gives_40b_for_gopher_budget():
    n, d = chinchilla_optimal(5.76e23, "hoffmann2022")
    assert 39e9 < n < 41.5e9
    assert 6 * n * d == pytest.approx(5.76e23)


def test_rounded_fit_gives_32b():
    n, _ = chinchilla_optimal(5.76e23, "hoffmann2022-rounded")
    assert 31e9 < n < 33.5e9


def test_closed_form_is_the_minimum_along_isoflop():
    c = 1e22
    for fit in FITS:
        n, d = chinchilla_optimal(c, fit)
        best = chinchilla_loss(n, d, fit)
        for k in (0.8, 1.25):
            assert chinchilla_loss(n * k, c / (6 * n * k), fit) > best


def test_tokens_for_params_inverts_optimum():
    n, d = chinchilla_optimal(3e23)
    assert chinchilla_tokens_for_params(n) == pytest.approx(d, rel=1e-9)


def test_rule_of_thumb_and_kaplan():
    n, d = rule_of_thumb(5.76e23)
    assert d == pytest.approx(20 * n) and 6 * n * d == pytest.approx(5.76e23)
    kn, kd = kaplan_optimal(8.64e19)  # one PF-day
    assert kn == pytest.approx(1.3e9)
    k2, _ = kaplan_optimal(8.64e20)
    assert k2 / kn == pytest.approx(10**0.73)


def test_loss_decreases_with_scale():
    assert chinchilla_loss(7e9, 2e12) < chinchilla_loss(7e9, 1e12) < chinchilla_loss(1e9, 1e12)
    assert chinchilla_loss(1e30, 1e30) == pytest.approx(FITS["hoffmann2022"].E, abs=1e-4)


def test_effective_data():
    assert effective_data(1e11, 1e11) == 1e11
    assert effective_data(1e11, 4e11) > 0.9 * 4e11  # 4 epochs: nearly as good as unique
    big = effective_data(1e11, 1e14)
    assert big == pytest.approx(1e11 * (1 + 15.4), rel=1e-3)


def test_data_constrained_optimum_beats_naive_plan():
    c, unique = 6 * 7e9 * 2e12, 1e11
    n, d = data_constrained_optimum(c, unique)
    assert data_constrained_loss(n, d, unique) <= data_constrained_loss(7e9, 2e12, unique) + 1e-12
    assert 6 * n * d == pytest.approx(c)


def test_data_advice():
    ok = data_advice(7e9, 1e11, 2e11)
    assert ok["epochs"] == 0.5 and "single pass" in ok["verdict"]
    few = data_advice(7e9, 3e11, 1e11)
    assert math.isclose(few["epochs"], 3) and "4 epochs" in few["verdict"]
    many = data_advice(7e9, 2e12, 5e10)
    assert many["epochs"] == 40 and many["effective_tokens"] < many["planned_tokens"]
    assert many["dataset_smaller_than_optimal"]
    assert many["loss_with_repetition"] > many["loss_if_unique"]


def test_summary_keys_and_errors():
    s = chinchilla_summary(5.76e23)
    assert {"params", "tokens", "loss", "constants", "fits"} <= set(s)
    assert set(s["fits"]) == set(FITS)
    with pytest.raises(PlanError):
        chinchilla_optimal(-1)
    with pytest.raises(PlanError):
        chinchilla_summary(1e20, "nope")
