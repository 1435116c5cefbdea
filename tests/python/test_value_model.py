"""Customer value (issue 14): BG/NBD and Gamma-Gamma reproduce the published CDNOW fits, and
every customer's predictions equal the papers' closed forms, computed here independently.

The CDNOW sample (tests/python/fixtures/cdnow, the data of Fader, Hardie & Lee 2005) goes in
through Strata's normal raw input: it is written as a raw transactions file and built once, with
as_of_date 1997-09-30 (the papers' 39-week calibration period; later rows are ignored) and the
default vars (weeks, a 52-week horizon, 1% a month). The closed forms below are written from
the papers, in plain Python (math, and scipy.special.hyp2f1 for eq. 10), not from the models'
code. The handmade build (conftest) has too few repeat buyers to fit: its marts must still be
built, with converged = false and null predictions.
"""

from __future__ import annotations

import csv
import importlib.util
import math
import statistics
from bisect import bisect_left
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
import pytest
from conftest import (
    BUILD,
    REPO_ROOT,
    TESTS_DIR,
    build_warehouse,
    failure_summary,
    query,
    read_table,
    run_dbt,
)
from scipy.special import hyp2f1

CDNOW_FILE = TESTS_DIR / "fixtures" / "cdnow" / "CDNOW_sample.txt"
AS_OF = date(1997, 9, 30)
HORIZON_WEEKS = 52  # var clv_horizon (default)
MONTHLY_DISCOUNT = 0.01  # var clv_monthly_discount_rate (default)
WEEKS_PER_MONTH = 365.25 / 12 / 7
SEEDS_DIR = Path(__file__).resolve().parents[2] / "seeds"

# Fader, Hardie & Lee (2005), CDNOW sample calibrated to 1997-09-30 in weeks: the estimates and
# the precision they are published with.
PUBLISHED_BG_NBD = {"r": (0.243, 3), "alpha": (4.414, 3), "a": (0.793, 3), "b": (2.426, 3)}
PUBLISHED_BG_NBD_LOG_LIKELIHOOD = (-9582.4, 1)
PUBLISHED_GAMMA_GAMMA = {"p": (6.25, 2), "q": (3.74, 2), "gamma": (15.44, 2)}
CDNOW_CUSTOMERS = 2357
CDNOW_REPEAT_BUYERS = 946


def close(actual: float | None, expected: float, rel: float = 1e-9) -> bool:
    return actual is not None and math.isclose(actual, expected, rel_tol=rel, abs_tol=1e-12)


# ---------------------------------------------------------------- the papers' closed forms


def p_alive(r: float, alpha: float, a: float, b: float, x: int, t_x: float, T: float) -> float:
    """P(alive | x, t_x, T), Fader, Hardie & Lee (2005a), eq. 11."""
    if x == 0:
        return 1.0
    return 1.0 / (1.0 + a / (b + x - 1) * ((alpha + T) / (alpha + t_x)) ** (r + x))


def expected_purchases(
    r: float, alpha: float, a: float, b: float, x: int, t_x: float, T: float, t: float
) -> float:
    """E[Y(t) | x, t_x, T], Fader, Hardie & Lee (2005a), eq. 10."""
    if t == 0:
        return 0.0
    numerator = (
        (a + b + x - 1)
        / (a - 1)
        * (
            1
            - ((alpha + T) / (alpha + T + t)) ** (r + x)
            * hyp2f1(r + x, b + x, a + b + x - 1, t / (alpha + T + t))
        )
    )
    denominator = 1.0
    if x > 0:
        denominator += a / (b + x - 1) * ((alpha + T) / (alpha + t_x)) ** (r + x)
    return numerator / denominator


def expected_spend(p: float, q: float, gamma: float, x: int, m_x: float) -> float:
    """E[M | x, m_x], Fader, Hardie & Lee (2005b), as the weighted mean of the population mean
    gamma p / (q - 1) and the customer's mean m_x."""
    weight = p * x / (p * x + q - 1)
    return (1 - weight) * gamma * p / (q - 1) + weight * m_x


def discounted_clv(bg_nbd: dict, spend: float, x: int, t_x: float, T: float) -> float:
    """Month by month over the horizon (the last month cut at it): the month's expected orders
    x spend, discounted at the month's end."""
    total, previous, month = 0.0, 0.0, 1
    while (month - 1) * WEEKS_PER_MONTH < HORIZON_WEEKS - 1e-9:
        end = min(month * WEEKS_PER_MONTH, HORIZON_WEEKS)
        cumulative = expected_purchases(**bg_nbd, x=x, t_x=t_x, T=T, t=end)
        total += spend * (cumulative - previous) / (1 + MONTHLY_DISCOUNT) ** (end / WEEKS_PER_MONTH)
        previous, month = cumulative, month + 1
    return total


def test_closed_form_gives_the_papers_example():
    # FHL 2005a, p. 279: x = 2, t_x = 30.43, T = 38.86 expects 1.226 purchases in 39 weeks.
    published = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
    assert round(expected_purchases(**published, x=2, t_x=30.43, T=38.86, t=39), 3) == 1.226


# ---------------------------------------------------------------- the CDNOW build


@dataclass(frozen=True)
class Summary:
    x: int
    t_x: float
    T: float
    m_x: float | None


def cdnow_rows() -> list[list[str]]:
    """The sample's lines: [master id, sample id, YYYYMMDD, CDs, dollars]."""
    return [line.split() for line in CDNOW_FILE.read_text().splitlines() if line.strip()]


def cdnow_summary() -> dict[str, Summary]:
    """x, t_x, T (weeks) and m_x per customer, from the raw lines: orders (amount >= 0) on or
    before AS_OF, the orders of one date combined."""
    spend_per_day: dict[str, dict[date, float]] = defaultdict(lambda: defaultdict(float))
    for _master, customer, day, _cds, dollars in cdnow_rows():
        when = date(int(day[:4]), int(day[4:6]), int(day[6:]))
        if when <= AS_OF and float(dollars) >= 0:
            spend_per_day[customer][when] += float(dollars)
    summary = {}
    for customer, spend in spend_per_day.items():
        days = sorted(spend)
        x = len(days) - 1
        summary[customer] = Summary(
            x=x,
            t_x=(days[-1] - days[0]).days / 7,
            T=(AS_OF - days[0]).days / 7,
            m_x=sum(spend[day] for day in days[1:]) / x if x else None,
        )
    return summary


def write_raw_transactions(out_dir: Path) -> Path:
    """The sample as a raw transactions.csv of Strata's contract."""
    out_dir.mkdir(parents=True, exist_ok=True)
    with open(out_dir / "transactions.csv", "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["transaction_id", "customer_id", "transacted_at", "amount"])
        for number, (_master, customer, day, _cds, dollars) in enumerate(cdnow_rows(), start=1):
            writer.writerow(
                [f"t{number:05d}", customer, f"{day[:4]}-{day[4:6]}-{day[6:]}", dollars]
            )
    return out_dir


@pytest.fixture(scope="module")
def cdnow(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("cdnow")
    raw_dir = write_raw_transactions(tmp / "raw")
    # the value marts, the scores they are compared with, and everything both are built from,
    # with the data tests of all of them (21 of the 62 models and seeds)
    lineage = ("+rpt_value_model_fit", "+fct_customer_value", "+fct_customer_rfm")
    return build_warehouse(
        raw_dir,
        tmp / "build",
        {"as_of_date": AS_OF.isoformat()},
        (*BUILD, "--select", *lineage, "--indirect-selection", "cautious"),
    )


@pytest.fixture(scope="module")
def fit(cdnow) -> dict[tuple[str, str], dict]:
    return {
        (row["model"], row["parameter"]): row
        for row in read_table(cdnow, "marts.rpt_value_model_fit")
    }


def estimates(fit: dict, model: str) -> dict[str, float]:
    return {parameter: row["estimate"] for (name, parameter), row in fit.items() if name == model}


def test_bg_nbd_reproduces_the_published_cdnow_fit(fit):
    rows = [row for (model, _), row in fit.items() if model == "bg_nbd"]
    assert {row["parameter"] for row in rows} == set(PUBLISHED_BG_NBD)
    for row in rows:
        assert row["converged"] and row["message"] is None, row
        assert row["customers"] == CDNOW_CUSTOMERS
        assert row["time_unit"] == "week" and row["as_of_date"] == AS_OF
        assert row["fit_seconds"] >= 0
        published, places = PUBLISHED_BG_NBD[row["parameter"]]
        assert round(row["estimate"], places) == published, row
    published, places = PUBLISHED_BG_NBD_LOG_LIKELIHOOD
    assert round(rows[0]["log_likelihood"], places) == published


def test_gamma_gamma_reproduces_the_published_cdnow_fit(fit):
    params = {parameter: row for (model, parameter), row in fit.items() if model == "gamma_gamma"}
    assert set(params) == {*PUBLISHED_GAMMA_GAMMA, "frequency_spend_correlation"}
    for parameter, row in params.items():
        assert row["converged"] and row["customers"] == CDNOW_REPEAT_BUYERS, row
        if parameter in PUBLISHED_GAMMA_GAMMA:
            published, places = PUBLISHED_GAMMA_GAMMA[parameter]
            assert round(row["estimate"], places) == published, row
    # the independence check of Gamma-Gamma: Fader & Hardie report 0.11 for CDNOW
    summary = cdnow_summary()
    repeat = [s for s in summary.values() if s.x > 0]
    expected = statistics.correlation([s.x for s in repeat], [s.m_x for s in repeat])
    assert close(params["frequency_spend_correlation"]["estimate"], expected)
    assert round(expected, 2) == 0.11


def test_every_customer_matches_the_closed_forms(cdnow, fit):
    bg_nbd = estimates(fit, "bg_nbd")
    gamma_gamma = {
        k: v for k, v in estimates(fit, "gamma_gamma").items() if k in PUBLISHED_GAMMA_GAMMA
    }
    summary = cdnow_summary()
    rows = read_table(cdnow, "marts.fct_customer_value")
    assert len(rows) == len(summary) == CDNOW_CUSTOMERS
    mismatches = []
    for row in rows:
        s = summary[row["customer_id"]]
        alive = p_alive(**bg_nbd, x=s.x, t_x=s.t_x, T=s.T)
        purchases = expected_purchases(**bg_nbd, x=s.x, t_x=s.t_x, T=s.T, t=HORIZON_WEEKS)
        spend = expected_spend(**gamma_gamma, x=s.x, m_x=s.m_x or 0.0)
        expected = {
            "repeat_purchases": s.x,
            "recency_periods": s.t_x,
            "age_periods": s.T,
            "avg_repeat_spend": s.m_x,
            "p_alive": alive,
            "expected_purchases": purchases,
            "expected_avg_spend": spend,
            "predicted_clv": discounted_clv(bg_nbd, spend, s.x, s.t_x, s.T),
        }
        for column, value in expected.items():
            actual = row[column]
            same = actual is None if value is None else close(actual, value)
            if not same:
                mismatches.append((row["customer_id"], column, actual, value))
    assert not mismatches, f"{len(mismatches)} values differ, e.g. {mismatches[:5]}"


def test_churn_risk_value_tiers_and_high_value_at_risk(cdnow):
    rows = read_table(cdnow, "marts.fct_customer_value")
    rfm_tiers = {r["customer_id"]: r["tier"] for r in read_table(cdnow, "marts.fct_customer_rfm")}
    with open(SEEDS_DIR / "rfm_tier_bands.csv", newline="") as handle:
        bands = sorted(
            (row for row in csv.DictReader(handle) if row["rfm_bins"] == "5"),
            key=lambda row: -int(row["tier_rank"]),
        )
    best_two = {band["tier"] for band in bands[:2]}
    with open(SEEDS_DIR / "clv_value_tiers.csv", newline="") as handle:
        value_tiers = list(csv.DictReader(handle))
    values = sorted(row["predicted_clv"] for row in rows)
    for row in rows:
        alive = row["p_alive"]
        risk = "high" if alive < 0.3 else "medium" if alive < 0.7 else "low"
        assert row["churn_risk"] == risk, row
        assert row["tier"] == rfm_tiers.get(row["customer_id"]), row
        assert row["high_value_at_risk"] == (row["tier"] in best_two and alive < 0.5), row
        quantile = bisect_left(values, row["predicted_clv"]) / (len(values) - 1)
        assert close(row["clv_quantile"], quantile), row
        (tier,) = [
            t
            for t in value_tiers
            if float(t["min_quantile"]) <= quantile
            and (quantile < float(t["max_quantile"]) or quantile == float(t["max_quantile"]) == 1)
        ]
        assert (row["value_tier"], row["value_tier_rank"]) == (
            tier["value_tier"],
            int(tier["value_tier_rank"]),
        )
    # the 8 customers whose only order is $0 are valued but not scored by RFM (no purchase)
    assert sum(1 for row in rows if row["tier"] is None) == 8


def test_clv_time_unit_outside_day_week_month_stops_compilation(cdnow):
    result = run_dbt(
        ["compile", "--select", "int_value_model_settings"],
        cdnow.parent.parent / "raw",
        cdnow.parent.parent / "compile",
        {"as_of_date": AS_OF.isoformat(), "clv_time_unit": "year"},
    )
    assert result.returncode != 0, failure_summary(result.output)
    assert "var clv_time_unit must be one of day, week, month, got 'year'" in result.output


# ---------------------------------------------------------------- too few repeat buyers


def test_too_few_repeat_buyers_builds_with_null_predictions(handmade_warehouse):
    """The handmade fixture (as_of_date 2025-04-10) has 10 customers with an order, 7 of them
    repeat buyers (6 with a positive repeat spend): fewer than clv_min_repeat_buyers (20)."""
    fit = read_table(handmade_warehouse, "marts.rpt_value_model_fit")
    assert {(row["model"], row["parameter"]) for row in fit} == {
        ("bg_nbd", "r"), ("bg_nbd", "alpha"), ("bg_nbd", "a"), ("bg_nbd", "b"),
        ("gamma_gamma", "p"), ("gamma_gamma", "q"), ("gamma_gamma", "gamma"),
        ("gamma_gamma", "frequency_spend_correlation"),
    }  # fmt: skip
    repeat_buyers = {"bg_nbd": 7, "gamma_gamma": 6}
    customers = {"bg_nbd": 10, "gamma_gamma": 6}
    for row in fit:
        assert row["converged"] is False and row["log_likelihood"] is None, row
        assert row["fit_seconds"] is None, row
        assert row["customers"] == customers[row["model"]]
        assert row["message"] == (
            f"not fitted: {repeat_buyers[row['model']]} repeat buyers, fewer than "
            "clv_min_repeat_buyers = 20"
        )
        if row["parameter"] != "frequency_spend_correlation":
            assert row["estimate"] is None
    # reported all the same: x and m_x of c01, c02, c04, c06, c07, c09
    correlation = statistics.correlation([2, 1, 2, 2, 1, 3], [50, 120, 50, 27.5, 100, 20])
    (row,) = [row for row in fit if row["parameter"] == "frequency_spend_correlation"]
    assert close(row["estimate"], correlation)

    rows = {
        row["customer_id"]: row
        for row in read_table(handmade_warehouse, "marts.fct_customer_value")
    }
    assert sorted(rows) == [f"c{n:02d}" for n in range(1, 11)]
    for row in rows.values():
        for column in ("p_alive", "expected_purchases", "expected_avg_spend", "predicted_clv"):
            assert row[column] is None, row
        for column in ("churn_risk", "value_tier", "clv_quantile", "high_value_at_risk"):
            assert row[column] is None, row
    # historic values by hand. c04: a $0 order (2024-12-20) is its first order, then 60 and 40,
    # and a refund of 20; c05: a refund (2024-12-28) before its only order of 25, then -25.
    c04, c05, c10 = rows["c04"], rows["c05"], rows["c10"]
    assert (c04["orders"], c04["order_days"], c04["repeat_purchases"]) == (3, 3, 2)
    assert c04["first_order_date"] == date(2024, 12, 20) and c04["tenure_days"] == 111
    assert c04["net_revenue"] == 80 and close(c04["average_order_value"], 100 / 3)
    assert close(c04["avg_repeat_spend"], 50.0) and close(c04["age_periods"], 111 / 7)
    assert close(c04["recency_periods"], (date(2025, 3, 5) - date(2024, 12, 20)).days / 7)
    assert (c05["orders"], c05["repeat_purchases"], c05["net_revenue"]) == (1, 0, -5)
    assert c05["avg_repeat_spend"] is None and c05["recency_periods"] == 0
    # c10: 70, then a $0 order two days later: a repeat buyer with no repeat spend
    assert (c10["repeat_purchases"], c10["avg_repeat_spend"]) == (1, 0)


def test_value_mart_columns_are_typed(handmade_warehouse):
    types = {
        row["column_name"]: row["data_type"]
        for row in query(
            handmade_warehouse,
            "select column_name, data_type from information_schema.columns"
            " where table_schema = 'marts' and table_name = 'fct_customer_value'",
        )
    }
    assert types["net_revenue"] == "DECIMAL(28,6)"
    assert types["predicted_clv"] == types["p_alive"] == "DOUBLE"


# ---------------------------------------------------------------- fits that cannot converge


def fit_model_module():
    """models/intermediate/value/int_value_model_fit.py as a module (dbt runs its model())."""
    path = REPO_ROOT / "models" / "intermediate" / "value" / "int_value_model_fit.py"
    spec = importlib.util.spec_from_file_location("int_value_model_fit", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_a_fit_the_data_cannot_determine_is_not_converged():
    fit = fit_model_module()
    # every repeat buyer bought up to the as-of date: nothing tells how customers drop out
    x = np.arange(1, 31, dtype=float)
    T = np.full(30, 50.0)
    bg_nbd = fit.fitted(fit.fit_bg_nbd, 30, 20, x, T.copy(), T, np.ones(30))
    assert not bg_nbd["converged"] and bg_nbd["fit_seconds"] >= 0
    assert bg_nbd["message"].startswith("the fit did not converge: parameter at the bound"), bg_nbd
    # every repeat buyer spends exactly the same: the spread of spend cannot be estimated
    gamma_gamma = fit.fitted(fit.fit_gamma_gamma, 30, 20, np.full(30, 2.0), np.full(30, 10.0))
    assert not gamma_gamma["converged"] and "at the bound" in gamma_gamma["message"]
    # an error inside a fit is reported, not raised (arrays of different lengths here)
    failed = fit.fitted(fit.fit_gamma_gamma, 30, 20, np.full(30, 2.0), np.full(29, 10.0))
    assert not failed["converged"] and failed["estimates"] is None
    assert failed["message"].startswith("the fit failed: ValueError")
    # too few repeat buyers: not run at all
    skipped = fit.fitted(fit.fit_gamma_gamma, 19, 20, np.full(19, 2.0), np.full(19, 10.0))
    assert skipped["fit_seconds"] is None and skipped["message"].startswith("not fitted: 19")
