"""The statistics of the experiment readout (models/intermediate/experiments/
int_experiment_statistics.py) on groups with known answers, no dbt: the two-proportion z-test
and Welch's t-test computed by hand from the written definitions
(models/marts/experiments/_experiments__docs.md) and by scipy.stats by other routes (the
chi-square test of the 2 x 2 table, ttest_ind), an A/A comparison with no effect, and the
calibration of both tests over many simulated A/A experiments. The readout mart itself is
compared with scipy on generated data in test_marts_match_oracle.py."""

from __future__ import annotations

import importlib.util
import math
from pathlib import Path

import numpy as np
import pytest
from scipy import stats

MODEL = (
    Path(__file__).resolve().parents[2]
    / "models/intermediate/experiments/int_experiment_statistics.py"
)


def _load_model():
    spec = importlib.util.spec_from_file_location("int_experiment_statistics", MODEL)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


statistics = _load_model()


def revenue(treated: list[float], control: list[float]) -> dict:
    """The model's revenue statistics from the summaries the SQL gives it (n, mean, sample
    variance)."""
    return statistics.revenue_statistics(
        len(treated), float(np.mean(treated)), float(np.var(treated, ddof=1)),
        len(control), float(np.mean(control)), float(np.var(control, ddof=1)),
    )  # fmt: skip


def test_conversion_known_answer():
    """x1 = 50 of 200 against x0 = 30 of 200: uplift 0.10; pooled P = 0.2, se = 0.04, z = 2.5,
    p = 2 (1 - Phi(2.5)) = 0.0124193; unpooled se = sqrt(0.001575) = 0.0396863, so the 95%
    interval is 0.10 +- 1.959964 x 0.0396863 = [0.0222163, 0.1777837]."""
    result = statistics.conversion_statistics(200, 50, 200, 30)
    assert result["conversion_uplift"] == pytest.approx(0.10, abs=1e-12)
    assert result["conversion_z"] == pytest.approx(2.5, rel=1e-12)
    assert result["conversion_p_value"] == pytest.approx(0.0124193, abs=1e-7)
    assert result["conversion_uplift_ci_low"] == pytest.approx(0.0222163, abs=1e-7)
    assert result["conversion_uplift_ci_high"] == pytest.approx(0.1777837, abs=1e-7)
    chi2 = stats.chi2_contingency([[50, 150], [30, 170]], correction=False)
    assert result["conversion_p_value"] == pytest.approx(chi2.pvalue, rel=1e-9)
    assert result["conversion_z"] ** 2 == pytest.approx(chi2.statistic, rel=1e-9)


def test_revenue_known_answer():
    """[1, 2, 3, 4, 5] against five 2s: uplift 1; se = sqrt(2.5 / 5) = 0.7071068, t = 1.4142136
    with df = 0.5^2 / (0.5^2 / 4) = 4 (the control has no variance), p = 0.2302, the interval
    1 +- t_0.975(4) x se = 1 +- 2.7764451 x 0.7071068 = [-0.9632432, 2.9632432]."""
    result = revenue([1, 2, 3, 4, 5], [2, 2, 2, 2, 2])
    assert result["revenue_uplift"] == pytest.approx(1.0, rel=1e-12)
    assert result["revenue_t"] == pytest.approx(math.sqrt(2), rel=1e-12)
    assert result["revenue_df"] == pytest.approx(4.0, rel=1e-12)
    assert result["revenue_p_value"] == pytest.approx(0.23019964, abs=1e-7)
    assert result["revenue_uplift_ci_low"] == pytest.approx(-0.9632432, abs=1e-6)
    assert result["revenue_uplift_ci_high"] == pytest.approx(2.9632432, abs=1e-6)


def test_revenue_matches_scipy_welch():
    rng = np.random.default_rng(3)
    treated = list(rng.gamma(2.0, 30.0, size=137) * (rng.random(137) < 0.3))
    control = list(rng.gamma(2.0, 25.0, size=151) * (rng.random(151) < 0.25))
    result = revenue(treated, control)
    welch = stats.ttest_ind(treated, control, equal_var=False)
    interval = welch.confidence_interval(0.95)
    assert result["revenue_t"] == pytest.approx(welch.statistic, rel=1e-9)
    assert result["revenue_df"] == pytest.approx(welch.df, rel=1e-9)
    assert result["revenue_p_value"] == pytest.approx(welch.pvalue, rel=1e-9)
    assert result["revenue_uplift_ci_low"] == pytest.approx(interval.low, rel=1e-9)
    assert result["revenue_uplift_ci_high"] == pytest.approx(interval.high, rel=1e-9)


def test_a_a_comparison_finds_no_effect():
    """Identical groups: no uplift, z = t = 0, p = 1, intervals centred on 0."""
    conversion = statistics.conversion_statistics(120, 30, 120, 30)
    assert conversion["conversion_uplift"] == 0 and conversion["conversion_p_value"] == 1.0
    assert conversion["conversion_uplift_ci_low"] == -conversion["conversion_uplift_ci_high"]
    spend = [0, 0, 10, 25, 40, 0, 5]
    result = revenue(spend, list(spend))
    assert result["revenue_uplift"] == 0 and result["revenue_t"] == 0
    assert result["revenue_p_value"] == pytest.approx(1.0, abs=1e-12)
    assert result["revenue_uplift_ci_low"] == pytest.approx(-result["revenue_uplift_ci_high"])


def test_undefined_statistics_are_left_out():
    """No variation gives no p-value or interval (a standard error of 0), one customer a side
    gives no revenue statistic at all."""
    assert statistics.conversion_statistics(50, 0, 60, 0) == {"conversion_uplift": 0.0}
    assert revenue([3.0, 3.0], [3.0, 3.0]) == {"revenue_uplift": 0.0}
    assert statistics.revenue_statistics(1, 5.0, float("nan"), 10, 2.0, 1.0) == {}


def test_a_a_experiments_reject_at_the_nominal_rate():
    """Over 2,000 simulated A/A experiments (200 customers a side, 20% conversion, skewed
    revenue) each test rejects at p < 0.05 in about 5% of them: the tests are calibrated
    (a binomial 99.9% band around 100 of 2,000 is 72 to 131)."""
    rng = np.random.default_rng(42)
    n, runs = 200, 2000
    converted = rng.random((runs, 2, n)) < 0.2
    spend = np.where(converted, rng.lognormal(3.5, 0.8, size=(runs, 2, n)), 0.0)
    conversion_rejections = revenue_rejections = 0
    for run in range(runs):
        x1, x0 = int(converted[run, 0].sum()), int(converted[run, 1].sum())
        p = statistics.conversion_statistics(n, x1, n, x0)["conversion_p_value"]
        conversion_rejections += p < 0.05
        result = revenue(list(spend[run, 0]), list(spend[run, 1]))
        revenue_rejections += result["revenue_p_value"] < 0.05
    assert 72 <= conversion_rejections <= 131, conversion_rejections
    assert 72 <= revenue_rejections <= 131, revenue_rejections
