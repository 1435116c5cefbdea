"""Every row of the marts equals the pure-Python oracles (oracle.py, oracle_lifecycle.py, ...), on
the two generated datasets of generated_warehouses.py (fixture `built`)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import oracle
import oracle_actions
import oracle_behaviour
import oracle_economics
import oracle_experiments
import oracle_lifecycle
import pytest
from compare import FLOAT_COLUMNS, MART_COLUMNS, MART_KEYS, assert_rows_match
from conftest import BUILD_MODELS_ONLY, build_warehouse, query, read_table
from generated_warehouses import DATASETS, Built

LIFECYCLE_MARTS = (
    "fct_customer_lifecycle_history",
    "fct_lifecycle_transitions",
    "rpt_cohort_retention",
    "rpt_growth_kpis_monthly",
)

BEHAVIOUR_MARTS = (
    "fct_customer_usage_weekly",
    "rpt_usage_depth_weekly",
    "fct_customer_content_preference",
    "rpt_engagement_daily",
    "rpt_activation_retention",
)

ACTION_MARTS = ("fct_customer_actions", "fct_tier_alerts")
EXPERIMENT_MARTS = ("fct_campaign_assignments", "rpt_experiment_readout")
ECONOMICS_MARTS = ("rpt_unit_economics_monthly",)

TIERING_MARTS = (
    "fct_customer_rfm",
    "fct_customer_tier_history",
    "fct_tier_migrations",
    "rpt_tier_kpis",
)


def _expected_rows(built: Built, mart: str, request) -> list[dict]:
    if mart in LIFECYCLE_MARTS:
        return _expected_lifecycle_rows(request.getfixturevalue("lifecycle"), mart)
    if mart in BEHAVIOUR_MARTS:
        return _expected_behaviour_rows(request.getfixturevalue("behaviour"), mart)
    if mart in ACTION_MARTS:
        return request.getfixturevalue("actions")[mart]
    if mart in EXPERIMENT_MARTS:
        return request.getfixturevalue("experiments")[mart]
    if mart in ECONOMICS_MARTS:
        return request.getfixturevalue("unit_economics")
    return {
        "fct_customer_rfm": built.expected.customer_rfm,
        "fct_customer_tier_history": built.expected.tier_history,
        "fct_tier_migrations": built.expected.tier_migrations,
        "rpt_tier_kpis": built.expected.tier_kpis,
    }[mart]


@pytest.mark.parametrize(
    "mart",
    TIERING_MARTS
    + LIFECYCLE_MARTS
    + BEHAVIOUR_MARTS
    + ACTION_MARTS
    + EXPERIMENT_MARTS
    + ECONOMICS_MARTS,
)
def test_mart_matches_oracle(built, mart, request):
    actual = read_table(built.duckdb_path, f"marts.{mart}")
    assert_rows_match(
        actual,
        _expected_rows(built, mart, request),
        MART_KEYS[mart],
        f"{built.name}: {mart}",
        columns=MART_COLUMNS[mart],
    )


@pytest.mark.parametrize(
    "mart",
    TIERING_MARTS
    + LIFECYCLE_MARTS
    + BEHAVIOUR_MARTS
    + ACTION_MARTS
    + EXPERIMENT_MARTS
    + ECONOMICS_MARTS,
)
def test_mart_columns_are_the_contract(built, mart):
    actual = query(
        built.duckdb_path,
        "select column_name, data_type from information_schema.columns"
        " where table_schema = 'marts' and table_name = ?",
        [mart],
    )
    assert sorted(r["column_name"] for r in actual) == sorted(MART_COLUMNS[mart])
    types = {r["column_name"]: r["data_type"] for r in actual}
    for column in ("monetary", "net_revenue"):
        if column in types:
            assert types[column] == "DECIMAL(28,6)", f"{mart}.{column} is {types[column]}"
    for column in FLOAT_COLUMNS & set(types):
        assert types[column] == "DOUBLE", f"{mart}.{column} is {types[column]}"


def test_as_of_date_and_snapshots(built):
    rfm = read_table(built.duckdb_path, "marts.fct_customer_rfm")
    assert {r["as_of_date"] for r in rfm} == {built.expected.as_of_date}
    history = read_table(built.duckdb_path, "marts.fct_customer_tier_history")
    assert sorted({r["snapshot_date"] for r in history}) == built.expected.snapshot_dates
    if built.as_of_var is not None:
        # the explicit as_of_date is in the middle of the data: later rows exist and are ignored
        later = [t for t in built.raw.valid if t.transaction_date > built.as_of_var]
        assert later, "test data should extend past the explicit as_of_date"
        assert built.expected.as_of_date == built.as_of_var


def test_history_at_as_of_equals_rfm(built):
    rfm = read_table(built.duckdb_path, "marts.fct_customer_rfm")
    history = read_table(built.duckdb_path, "marts.fct_customer_tier_history")
    as_of = built.expected.as_of_date
    at_as_of = [
        {**{k: v for k, v in r.items() if k not in ("snapshot_date", "previous_tier",
                                                     "previous_snapshot_date")},
         "as_of_date": r["snapshot_date"]}
        for r in history
        if r["snapshot_date"] == as_of
    ]  # fmt: skip
    assert_rows_match(
        at_as_of,
        rfm,
        ("customer_id",),
        f"{built.name}: history at as_of vs fct_customer_rfm",
        columns=MART_COLUMNS["fct_customer_rfm"],
    )


def test_fct_transactions_match_raw(built):
    rows = read_table(built.duckdb_path, "marts.fct_transactions")
    # the generator writes only valid rows: one fct_transactions row per raw row, less the exact
    # duplicates added by make_messy
    assert built.raw.rejected == {}
    assert len(rows) == built.raw.raw_rows - built.raw.duplicate_rows
    assert (built.raw.duplicate_rows > 0) == DATASETS[built.name]["messy"]
    validated = read_table(built.duckdb_path, "intermediate.int_transactions_validated")
    assert sum(r["duplicate_rows"] for r in validated) == built.raw.duplicate_rows
    assert read_table(built.duckdb_path, "marts.fct_transactions_quarantined") == []
    expected = [
        {
            "transaction_id": t.transaction_id,
            "customer_id": t.customer_id,
            "transaction_date": t.transaction_date,
            "amount": t.amount,
            "transaction_type": (
                "purchase" if t.amount > 0 else "refund" if t.amount < 0 else "zero_amount"
            ),
            "is_purchase": t.amount > 0,
            "is_refund": t.amount < 0,
        }
        for t in built.raw.valid
    ]
    assert_rows_match(rows, expected, ("transaction_id",), f"{built.name}: fct_transactions")


def test_dim_customers_current_tier(built):
    rows = {r["customer_id"]: r for r in read_table(built.duckdb_path, "marts.dim_customers")}
    assert {t.customer_id for t in built.raw.valid} <= set(rows)
    scored = {r["customer_id"]: r for r in built.expected.customer_rfm}
    actual = [
        {
            "customer_id": c,
            "is_scored": r["is_scored"],
            "tier": r["current_tier"],
            "segment": r["current_segment"],
            "rfm_cell": r["current_rfm_cell"],
        }
        for c, r in rows.items()
    ]
    expected = [
        {
            "customer_id": c,
            "is_scored": c in scored,
            "tier": scored[c]["tier"] if c in scored else None,
            "segment": scored[c]["segment"] if c in scored else None,
            "rfm_cell": scored[c]["rfm_cell"] if c in scored else None,
        }
        for c in rows
    ]
    assert_rows_match(actual, expected, ("customer_id",), f"{built.name}: dim_customers")


# --------------------------------------------------------------------------------------------
# Lifecycle marts (issue 13): models/marts/lifecycle/_lifecycle__docs.md
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def lifecycle(built) -> oracle_lifecycle.LifecycleResult:
    """The lifecycle oracle on the built dataset: its transactions, profiles and events (all
    valid: the generator writes no bad profile or event row, checked first)."""
    for quarantine in ("marts.fct_customers_quarantined", "marts.fct_events_quarantined"):
        assert read_table(built.duckdb_path, quarantine) == [], f"{built.name}: {quarantine}"
    profiles = oracle_lifecycle.load_valid_profiles(built.raw_dir)
    events = oracle_lifecycle.load_valid_events(built.raw_dir)
    assert profiles and events, "the generated data has profiles and events"
    return oracle_lifecycle.compute_lifecycle(built.raw.valid, profiles, events, built.expected)


def _expected_lifecycle_rows(lifecycle: oracle_lifecycle.LifecycleResult, mart: str) -> list:
    return {
        "fct_customer_lifecycle_history": lifecycle.history,
        "fct_lifecycle_transitions": lifecycle.transitions,
        "rpt_cohort_retention": lifecycle.cohort_retention,
        "rpt_growth_kpis_monthly": lifecycle.growth_kpis,
    }[mart]


def test_profiles_and_events_are_all_valid(built):
    assert read_table(built.duckdb_path, "marts.fct_customers_quarantined") == []
    assert read_table(built.duckdb_path, "marts.fct_events_quarantined") == []


def test_dim_customers_lifecycle_columns(built, lifecycle):
    rows = read_table(built.duckdb_path, "marts.dim_customers")
    # every customer seen anywhere (valid transactions, profiles, events), also after as_of_date
    assert {r["customer_id"] for r in rows} == set(lifecycle.first_seen)
    _assert_dim_columns(built, rows, lifecycle.dim_customers)
    if built.as_of_var is not None:
        # the explicit as_of_date is in the middle of the data: some customers come later
        assert any(r["current_lifecycle_stage"] is None for r in lifecycle.dim_customers)


# --------------------------------------------------------------------------------------------
# Behaviour marts (issue 15): models/marts/behaviour/_behaviour__docs.md
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def behaviour(built, lifecycle) -> oracle_behaviour.BehaviourResult:
    """The behaviour oracle on the built dataset, with the catalog and bands of seeds/."""
    events = oracle_behaviour.load_valid_events_with_names(built.raw_dir)
    return oracle_behaviour.compute_behaviour(
        events, lifecycle.first_seen, None, None, built.expected, rfm_bins=5
    )


def _expected_behaviour_rows(behaviour: oracle_behaviour.BehaviourResult, mart: str) -> list:
    return {
        "fct_customer_usage_weekly": behaviour.usage_weekly,
        "rpt_usage_depth_weekly": behaviour.usage_depth_weekly,
        "fct_customer_content_preference": behaviour.content_preference,
        "rpt_engagement_daily": behaviour.engagement_daily,
        "rpt_activation_retention": behaviour.activation_retention,
    }[mart]


def test_dim_customers_behaviour_columns(built, behaviour):
    rows = read_table(built.duckdb_path, "marts.dim_customers")
    _assert_dim_columns(built, rows, behaviour.dim_customers)


def _assert_dim_columns(built: Built, rows: list[dict], expected: list[dict]) -> None:
    """dim_customers' rows, cut to the columns of the expected rows, equal them."""
    columns = list(expected[0])
    actual = [{c: r[c] for c in columns} for r in rows]
    assert_rows_match(actual, expected, ("customer_id",), f"{built.name}: dim_customers")


def test_generated_behaviour_reaches_every_band_and_preference(behaviour):
    """The generated events exercise what the marts distinguish (else the comparisons above
    would prove little): every usage band, inactive weeks, and each kind of preference."""
    bands = {r["usage_band"] for r in behaviour.usage_weekly}
    assert {"deep", "medium", "shallow"} <= bands
    assert any(r["to_band"] == "inactive" for r in behaviour.usage_depth_weekly)
    preferences = {r["content_preference"] for r in behaviour.content_preference}
    assert len(preferences - {"mixed", "undetermined"}) >= 2, preferences


def test_lifecycle_oracle_on_generated_data_is_plausible(lifecycle):
    """The oracle's own consistency on the generated data (no dbt needed beyond the fixture)."""
    as_of = lifecycle.as_of_date
    stages = {s.lifecycle_stage for s in lifecycle.stages_at[as_of].values()}
    assert {"prospect", "new", "active", "at_risk", "churned"} <= stages
    first = lifecycle.snapshot_dates[0]
    assert all(row["from_stage"] == oracle_lifecycle.UNSEEN for row in lifecycle.transitions
               if row["snapshot_date"] == first)  # fmt: skip
    for snapshot in lifecycle.snapshot_dates:
        rows = [r for r in lifecycle.transitions if r["snapshot_date"] == snapshot]
        assert sum(r["customers"] for r in rows) == len(lifecycle.stages_at[snapshot])
    months = [r["month"] for r in lifecycle.growth_kpis]
    assert months[-1] == as_of.replace(day=1)
    assert sum(r["new_buyers"] for r in lifecycle.growth_kpis) == len(
        {r["customer_id"] for r in lifecycle.history if r["snapshot_date"] == as_of
         and r["lifecycle_stage"] != "prospect"}
    )  # fmt: skip


# ------------------------------------------------------------- the lifecycle oracle, by hand

DAY0 = date(2024, 1, 1)


def _stage(purchase_offsets, snapshot_offset, previous_offset=None, **overrides):
    """The oracle's stage with purchases on DAY0 + offsets, at DAY0 + snapshot_offset."""
    lifecycle_vars = oracle_lifecycle.LifecycleVars.from_vars(overrides)
    previous = None if previous_offset is None else DAY0 + timedelta(days=previous_offset)
    return oracle_lifecycle.stage_at(
        [DAY0 + timedelta(days=d) for d in purchase_offsets],
        DAY0 + timedelta(days=snapshot_offset),
        previous,
        lifecycle_vars,
    )


def test_stage_prospect():
    s = _stage([], 10)
    assert (s.lifecycle_stage, s.purchase_days, s.is_reactivated) == ("prospect", 0, False)
    assert s.first_purchase_date is None and s.recency_days is None
    assert s.mean_purchase_gap_days is None
    # a purchase after the snapshot is not seen
    assert _stage([11], 10).lifecycle_stage == "prospect"


def test_stage_new_boundary():
    assert _stage([0], 30).lifecycle_stage == "new"  # S - first = 30 <= new_customer_days
    assert _stage([0], 31).lifecycle_stage == "active"  # 31: a one-time buyer, recency 31 <= 90
    assert _stage([0, 29], 30).lifecycle_stage == "new"
    assert _stage([0], 7, new_customer_days=7).lifecycle_stage == "new"
    assert _stage([0], 8, new_customer_days=7).lifecycle_stage == "active"


def test_stage_churn_boundary():
    s = _stage([0], 180)
    assert (s.lifecycle_stage, s.recency_days) == ("at_risk", 180)  # one-time, 180 > 90
    assert _stage([0], 181).lifecycle_stage == "churned"
    # repeat buyer (its return before the period): gap 400, recency 180 (not > 2 x 400): active;
    # 181: churned
    assert _stage([0, 400], 580, previous_offset=500).lifecycle_stage == "active"
    assert _stage([0, 400], 581, previous_offset=500).lifecycle_stage == "churned"
    assert _stage([0, 400], 550, previous_offset=500, churn_days=150).lifecycle_stage == "active"
    assert _stage([0, 400], 551, previous_offset=500, churn_days=150).lifecycle_stage == "churned"


def test_stage_one_time_buyer_boundary():
    assert _stage([0], 90).lifecycle_stage == "active"
    assert _stage([0], 91).lifecycle_stage == "at_risk"
    assert _stage([0], 61, one_time_buyer_at_risk_days=60).lifecycle_stage == "at_risk"
    # several purchases on the same day are one purchase day
    s = _stage([0, 0, 0], 91)
    assert (s.lifecycle_stage, s.purchase_days, s.mean_purchase_gap_days) == ("at_risk", 1, None)


def test_stage_at_risk_gap_multiple():
    # 2 purchase days 20 apart: mean gap 20, threshold max(30, 2 x 20) = 40
    s = _stage([0, 20], 60)
    assert (s.lifecycle_stage, s.recency_days, s.mean_purchase_gap_days) == ("active", 40, 20.0)
    assert _stage([0, 20], 61).lifecycle_stage == "at_risk"
    # a mean gap that is not an integer: 35 / 2 = 17.5, threshold 35 (35 x 2 > 2 x 35 is false)
    s = _stage([0, 15, 35], 70)
    assert (s.lifecycle_stage, s.mean_purchase_gap_days) == ("active", 17.5)
    assert _stage([0, 15, 35], 71).lifecycle_stage == "at_risk"
    # a third: 3 purchase days in 7 days: mean 3.5, 2 x 3.5 = 7 < at_risk_min_days 30
    assert _stage([0, 3, 7], 37).lifecycle_stage == "active"  # recency 30
    assert _stage([0, 3, 7], 38).lifecycle_stage == "at_risk"  # recency 31
    overrides = {"at_risk_min_days": 19, "new_customer_days": 10}
    assert _stage([0, 3, 7], 26, **overrides).lifecycle_stage == "active"  # recency 19
    assert _stage([0, 3, 7], 27, **overrides).lifecycle_stage == "at_risk"  # recency 20
    # exact comparison with a fractional multiple: 1.5 x 40 = 60
    assert _stage([0, 40], 100, at_risk_gap_multiple=1.5).lifecycle_stage == "active"
    assert _stage([0, 40], 101, at_risk_gap_multiple=1.5).lifecycle_stage == "at_risk"
    # gap multiple 3 on a mean of 10/3 days: threshold 10 -> at_risk_min_days decides
    assert _stage([0, 5, 10], 40, at_risk_gap_multiple=3).lifecycle_stage == "active"


def test_stage_reactivated_boundary():
    # a return exactly churn_days after the purchase day before it: not reactivated
    s = _stage([0, 180], 185, previous_offset=179)
    assert (s.lifecycle_stage, s.is_reactivated) == ("active", False)
    assert not _stage([0, 180], 185).is_reactivated  # nor at the first snapshot
    # churn_days + 1 after it, in the snapshot's period: reactivated
    s = _stage([0, 181], 186, previous_offset=180)
    assert (s.lifecycle_stage, s.is_reactivated) == ("reactivated", True)
    s = _stage([0, 181], 181, previous_offset=180)  # the return on the snapshot date itself
    assert (s.lifecycle_stage, s.is_reactivated) == ("reactivated", True)
    # the return before the period (on the previous snapshot date): no longer reactivated
    s = _stage([0, 181], 211, previous_offset=181)
    assert (s.lifecycle_stage, s.is_reactivated) == ("active", False)
    # at the first snapshot (no previous) every purchase day on or before it counts
    assert _stage([0, 181, 190], 200).is_reactivated
    # the purchase day before may lie before the period; later days in the period do not hide it
    assert _stage([0, 181, 183], 186, previous_offset=180).is_reactivated
    assert _stage([0, 100], 150, churn_days=99).lifecycle_stage == "reactivated"


def test_stage_rule_order():
    # churned comes before reactivated: a reactivation then silence for churn_days + 1
    s = _stage([0, 200], 381)
    assert (s.lifecycle_stage, s.is_reactivated) == ("churned", True)
    # reactivated comes before at_risk: purchase days 0..10 and 200 (mean gap 200 / 11), at
    # recency 37 the at_risk rule holds (37 x 11 > 2 x 200, 37 > 30), the return is in the period
    at_risk_too = _stage([*range(11), 200], 237, previous_offset=199)
    assert (at_risk_too.lifecycle_stage, at_risk_too.is_reactivated) == ("reactivated", True)
    assert _stage([*range(11), 200], 237, previous_offset=200).lifecycle_stage == "at_risk"
    # new comes before everything: a first purchase 10 days ago
    assert _stage([0], 10).lifecycle_stage == "new"


def _tx(transaction_id, customer_id, day, amount):
    return oracle.Transaction(transaction_id, customer_id, day, Decimal(amount))


def test_lifecycle_oracle_small_case_by_hand():
    """Every mart of a tiny case, computed by hand from the definitions."""
    d = date
    transactions = [
        _tx("t1", "a", d(2025, 1, 10), "10"),
        _tx("t2", "a", d(2025, 2, 20), "20"),
        _tx("t3", "a", d(2025, 2, 25), "-5"),
        _tx("t4", "b", d(2024, 12, 20), "-3"),  # a refund before b's first purchase
        _tx("t5", "b", d(2025, 1, 20), "30"),
        _tx("t6", "c", d(2025, 2, 10), "0"),  # c has a zero-amount row only: a prospect
        _tx("t7", "d", d(2025, 4, 1), "40"),  # after as_of_date
    ]
    profiles = {
        "a": d(2024, 12, 28),
        "d": d(2025, 3, 20),
        "e": d(2025, 2, 5),
        "f": None,
    }
    events = [("g", d(2025, 3, 1)), ("b", d(2025, 1, 5))]
    as_of = d(2025, 3, 15)
    tiering = oracle.compute(transactions, as_of_date=as_of)
    result = oracle_lifecycle.compute_lifecycle(transactions, profiles, events, tiering)
    s1, s2, s3 = d(2025, 1, 31), d(2025, 2, 28), as_of
    assert result.snapshot_dates == [s1, s2, s3]
    assert result.first_seen == {
        "a": d(2024, 12, 28), "b": d(2024, 12, 20), "c": d(2025, 2, 10), "d": d(2025, 3, 20),
        "e": d(2025, 2, 5), "f": None, "g": d(2025, 3, 1),
    }  # fmt: skip
    dim = {r["customer_id"]: r["current_lifecycle_stage"] for r in result.dim_customers}
    assert dim == {
        "a": "active", "b": "active", "c": "prospect", "d": None, "e": "prospect", "f": None,
        "g": "prospect",
    }  # fmt: skip

    stages = {(r["customer_id"], r["snapshot_date"]): r for r in result.history}
    assert sorted(stages) == sorted(
        [("a", s1), ("b", s1), ("a", s2), ("b", s2), ("c", s2), ("e", s2)]
        + [(c, s3) for c in "abceg"]
    )
    assert [stages[("a", s)]["lifecycle_stage"] for s in (s1, s2, s3)] == [
        "new",
        "active",
        "active",
    ]
    a2 = stages[("a", s2)]
    assert (a2["purchase_days"], a2["recency_days"], a2["mean_purchase_gap_days"]) == (2, 8, 41.0)
    assert a2["previous_lifecycle_stage"] == "new" and a2["previous_snapshot_date"] == s1
    assert a2["tier"] is not None and stages[("c", s2)]["tier"] is None
    assert stages[("b", s2)]["lifecycle_stage"] == "active"  # one purchase day, recency 39
    c2 = stages[("c", s2)]
    assert (c2["lifecycle_stage"], c2["previous_lifecycle_stage"]) == ("prospect", None)
    assert c2["previous_snapshot_date"] == s1 and c2["is_reactivated"] is False
    assert stages[("a", s1)]["previous_snapshot_date"] is None

    transitions = {
        (r["snapshot_date"], r["from_stage"], r["to_stage"]): (
            r["customers"], r["from_stage_customers"], r["share_of_from_stage"]
        )
        for r in result.transitions
    }  # fmt: skip
    assert transitions == {
        (s1, "unseen", "new"): (2, 2, 1.0),
        (s2, "new", "active"): (2, 2, 1.0),
        (s2, "unseen", "prospect"): (2, 2, 1.0),
        (s3, "active", "active"): (2, 2, 1.0),
        (s3, "prospect", "prospect"): (2, 2, 1.0),
        (s3, "unseen", "prospect"): (1, 1, 1.0),
    }

    cohort_fields = (
        "cohort_month", "months_since_first_purchase", "activity_month", "cohort_customers",
        "active_customers", "retention_rate", "net_revenue", "cumulative_net_revenue_per_customer",
    )  # fmt: skip
    expected_cohorts = [
        (d(2025, 1, 1), 0, d(2025, 1, 1), 2, 2, 1.0, Decimal("40"), 20.0),
        (d(2025, 1, 1), 1, d(2025, 2, 1), 2, 1, 0.5, Decimal("15"), 27.5),
        (d(2025, 1, 1), 2, d(2025, 3, 1), 2, 0, 0.0, Decimal("0"), 27.5),
    ]
    assert_rows_match(
        result.cohort_retention,
        [dict(zip(cohort_fields, v, strict=True)) for v in expected_cohorts],
        MART_KEYS["rpt_cohort_retention"],
        "small case cohorts",
        columns=MART_COLUMNS["rpt_cohort_retention"],
    )

    kpi_fields = MART_COLUMNS["rpt_growth_kpis_monthly"]
    expected_kpis = [
        # month, complete, signups, new, activated, rate, active, repeat, rate, purchases,
        # net, arpu, aov, churned, reactivated
        (d(2024, 12, 1), True, 1, 0, 1, 1.0, 0, 0, None, 0, Decimal("-3"), None, None, 0, 0),
        (d(2025, 1, 1), True, 0, 2, 0, None, 2, 0, 0.0, 2, Decimal("40"), 20.0, 20.0, 0, 0),
        (d(2025, 2, 1), True, 1, 0, 0, 0.0, 1, 1, 1.0, 1, Decimal("15"), 15.0, 20.0, 0, 0),
        (d(2025, 3, 1), False, 0, 0, 0, None, 0, 0, None, 0, Decimal("0"), None, None, 0, 0),
    ]
    assert_rows_match(
        result.growth_kpis,
        [dict(zip(kpi_fields, v, strict=True)) for v in expected_kpis],
        MART_KEYS["rpt_growth_kpis_monthly"],
        "small case growth KPIs",
        columns=kpi_fields,
    )


def test_lifecycle_oracle_churn_and_reactivation_by_hand():
    d = date
    transactions = [
        _tx("x1", "x", d(2024, 1, 15), "10"),
        _tx("x2", "x", d(2024, 8, 10), "10"),  # 208 days after x1: a reactivation
        _tx("y1", "y", d(2024, 1, 20), "10"),
        _tx("z1", "z", d(2024, 9, 30), "10"),  # the latest purchase: as_of_date
    ]
    tiering = oracle.compute(transactions)
    assert tiering.as_of_date == d(2024, 9, 30)
    result = oracle_lifecycle.compute_lifecycle(transactions, {}, [], tiering)
    stage = {(r["customer_id"], r["snapshot_date"]): r["lifecycle_stage"] for r in result.history}
    assert [stage[("x", s)] for s in (d(2024, 6, 30), d(2024, 7, 31), d(2024, 8, 31))] == [
        "at_risk", "churned", "reactivated",
    ]  # fmt: skip
    assert stage[("x", d(2024, 9, 30))] == "active"  # recency 51 <= 2 x 208
    assert stage[("y", d(2024, 7, 31))] == "churned"  # recency 193
    kpis = {r["month"]: r for r in result.growth_kpis}
    assert [(kpis[d(2024, m, 1)]["churned_customers"], kpis[d(2024, m, 1)]["reactivated_customers"])
            for m in (6, 7, 8, 9)] == [(0, 0), (2, 0), (0, 1), (0, 0)]  # fmt: skip
    assert kpis[d(2024, 9, 1)]["is_complete_month"] is True  # as_of_date is a month end
    transitions = {
        (r["from_stage"], r["to_stage"]): r["customers"]
        for r in result.transitions
        if r["snapshot_date"] == d(2024, 8, 31)
    }
    assert transitions == {("churned", "reactivated"): 1, ("churned", "churned"): 1}


# A handmade history of the lifecycle's edge cases (tests/python/fixtures/lifecycle_edge): returns
# exactly churn_days and churn_days + 1 after the previous purchase, a fractional mean gap, refunds
# before the first purchase, a customer with only zero-amount rows, customers known only from an
# event or only from a profile without signup_date, signups and activity after as_of_date,
# activation on day activation_days and the day after, a timestamp whose UTC date is in the next
# month. Built with the default thresholds and with every threshold changed.
LIFECYCLE_EDGE_DIR = Path(__file__).parent / "fixtures" / "lifecycle_edge"
LIFECYCLE_EDGE_AS_OF = date(2025, 3, 15)
LIFECYCLE_EDGE_VARS = {
    "defaults": {},
    "changed_thresholds": {
        "churn_days": 100,
        "at_risk_gap_multiple": 1.5,
        "new_customer_days": 10,
        "one_time_buyer_at_risk_days": 60,
        "activation_days": 7,
        "at_risk_min_days": 20,
    },
}


LIFECYCLE_EDGE_MARTS = (
    "fct_customer_lifecycle_history",
    "fct_lifecycle_transitions",
    "rpt_cohort_retention",
    "rpt_growth_kpis_monthly",
    "dim_customers",
    "fct_customers_quarantined",
    "fct_events_quarantined",
)


@pytest.mark.parametrize("variant", list(LIFECYCLE_EDGE_VARS))
def test_lifecycle_edge_cases_match_oracle(variant, tmp_path):
    lifecycle_vars = LIFECYCLE_EDGE_VARS[variant]
    duckdb_path = build_warehouse(
        LIFECYCLE_EDGE_DIR,
        tmp_path,
        {"as_of_date": LIFECYCLE_EDGE_AS_OF.isoformat(), **lifecycle_vars},
        # compared with the oracle (the data tests run on the datasets above), so only the
        # marts it reads and what they are built from
        (*BUILD_MODELS_ONLY, "--select", *(f"+{mart}" for mart in LIFECYCLE_EDGE_MARTS)),
    )
    assert read_table(duckdb_path, "marts.fct_customers_quarantined") == []
    assert read_table(duckdb_path, "marts.fct_events_quarantined") == []
    valid = oracle.load_raw_transactions(LIFECYCLE_EDGE_DIR).valid
    tiering = oracle.compute(valid, as_of_date=LIFECYCLE_EDGE_AS_OF)
    expected = oracle_lifecycle.compute_lifecycle(
        valid,
        oracle_lifecycle.load_valid_profiles(LIFECYCLE_EDGE_DIR),
        oracle_lifecycle.load_valid_events(LIFECYCLE_EDGE_DIR),
        tiering,
        lifecycle_vars,
    )
    for mart, rows in {
        "fct_customer_lifecycle_history": expected.history,
        "fct_lifecycle_transitions": expected.transitions,
        "rpt_cohort_retention": expected.cohort_retention,
        "rpt_growth_kpis_monthly": expected.growth_kpis,
    }.items():
        assert_rows_match(
            read_table(duckdb_path, f"marts.{mart}"),
            rows,
            MART_KEYS[mart],
            f"lifecycle edge cases, {variant}: {mart}",
            MART_COLUMNS[mart],
        )
    stages = {r["lifecycle_stage"] for r in expected.history}
    assert {"reactivated", "churned", "at_risk", "prospect"} <= stages
    dim = [
        {k: r[k] for k in ("customer_id", "first_seen_date", "current_lifecycle_stage")}
        for r in read_table(duckdb_path, "marts.dim_customers")
    ]
    assert_rows_match(dim, expected.dim_customers, ("customer_id",), f"{variant}: dim_customers")


# --------------------------------------------------------------------------------------------
# Action marts (issue 16): models/marts/actions/_actions__docs.md
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def actions(built, lifecycle, behaviour) -> dict[str, list[dict]]:
    """The action oracle on the built dataset: tiers, segments, stages and usage bands from the
    other oracles; churn risk and predicted value from fct_customer_value (checked against
    published results in test_value_model.py)."""
    value = {r["customer_id"]: r for r in read_table(built.duckdb_path, "marts.fct_customer_value")}
    rfm = {r["customer_id"]: r for r in built.expected.customer_rfm}
    bands = {r["customer_id"]: r["current_usage_band"] for r in behaviour.dim_customers}
    customers = {
        row["customer_id"]: {
            "tier": rfm.get(row["customer_id"], {}).get("tier"),
            "segment": rfm.get(row["customer_id"], {}).get("segment"),
            "lifecycle_stage": row["current_lifecycle_stage"],
            "usage_band": bands[row["customer_id"]],
            "churn_risk": value.get(row["customer_id"], {}).get("churn_risk"),
        }
        for row in lifecycle.dim_customers
        if row["current_lifecycle_stage"] is not None
    }
    snapshots = built.expected.snapshot_dates
    tiers = {s: {c: r["tier"] for c, r in built.expected.scored_at[s].items()} for s in snapshots}
    stages = {
        s: {c: stage.lifecycle_stage for c, stage in lifecycle.stages_at[s].items()}
        for s in snapshots
    }
    tier_rank = {band.tier: band.tier_rank for band in oracle.load_seeds(5).bands}
    playbook = oracle_actions.load_playbook()
    return {
        "fct_customer_actions": oracle_actions.compute_actions(
            customers, playbook, built.expected.as_of_date
        ),
        "fct_tier_alerts": oracle_actions.compute_alerts(
            snapshots, tiers, stages, tier_rank, value
        ),
    }


def test_generated_data_raises_alerts_and_reaches_plays(actions):
    """The generated data exercises what the action marts distinguish: several plays, narrowed
    plays among them, and alerts of each kind (else the comparisons above would prove little)."""
    plays = {r["play_id"] for r in actions["fct_customer_actions"]}
    assert len(plays) >= 5 and any(
        r["reason"].count("=") >= 2 for r in actions["fct_customer_actions"]
    ), plays
    alerts = actions["fct_tier_alerts"]
    assert any(r["is_tier_worsened"] for r in alerts) and any(
        r["is_stage_worsened"] for r in alerts
    )
    assert len({r["severity"] for r in alerts}) >= 2, {r["severity"] for r in alerts}


# --------------------------------------------------------------------------------------------
# Experiment marts (issue 16): models/marts/experiments/_experiments__docs.md
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def experiments(built) -> dict[str, list[dict]]:
    """The experiment oracle on the built dataset: its campaign assignments (all valid: the
    generator writes no bad one, checked first) against its transactions and tiers."""
    assert read_table(built.duckdb_path, "marts.fct_campaign_assignments_quarantined") == []
    campaigns = oracle_experiments.load_campaigns()
    assignments, rejected = oracle_experiments.validate_assignments(
        built.raw_dir, campaigns, date.today()
    )
    assert assignments and not rejected
    instants = oracle_experiments.transaction_instants(built.raw_dir, built.raw.valid)
    facts, readout = oracle_experiments.compute_experiments(
        assignments, built.raw.valid, instants, built.expected, campaigns
    )
    return {"fct_campaign_assignments": facts, "rpt_experiment_readout": readout}


def test_generated_campaigns_have_effects_to_find(built, experiments):
    """The generated campaigns give the readout something to judge: complete windows in every
    variant, statistics on both sides of 0.05, and a cost and ROI for each treated variant; with
    an as_of_date before the campaigns (csv_explicit_as_of) nothing is counted yet."""
    rows = experiments["rpt_experiment_readout"]
    if built.as_of_var is not None:
        assert rows == [] and experiments["fct_campaign_assignments"] == []
        return
    overall = [r for r in rows if r["tier_group"] == "all"]
    assert len({r["campaign_id"] for r in overall}) == 2 and all(
        r["customers"] > 0 for r in overall
    )
    p_values = [r["conversion_p_value"] for r in rows if r["conversion_p_value"] is not None]
    assert min(p_values) < 0.05 < max(p_values), p_values
    assert all(r["roi"] is not None for r in overall if not r["is_control"])


# --------------------------------------------------------------------------------------------
# Unit economics (issue 16): models/marts/economics/_economics__docs.md
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def unit_economics(built) -> list[dict]:
    """The unit economics oracle on the built dataset: its marketing spend (all valid: the
    generator writes no bad row, checked first), acquisition channels, first purchases and
    transactions; predicted CLV from fct_customer_value."""
    assert read_table(built.duckdb_path, "marts.fct_marketing_spend_quarantined") == []
    spend, rejected = oracle_economics.validate_spend(built.raw_dir, date.today())
    assert spend and not rejected
    value = read_table(built.duckdb_path, "marts.fct_customer_value")
    return oracle_economics.compute_unit_economics(
        spend,
        oracle_economics.load_channels(built.raw_dir),
        {r["customer_id"]: r["first_purchase_date"] for r in built.expected.customer_rfm},
        {r["customer_id"]: r["predicted_clv"] for r in value},
        built.raw.valid,
        built.expected.as_of_date,
    )


def test_dim_customers_acquisition_channel(built):
    channels = oracle_economics.load_channels(built.raw_dir)
    rows = read_table(built.duckdb_path, "marts.dim_customers")
    assert {r["customer_id"]: r["acquisition_channel"] for r in rows} == {
        r["customer_id"]: channels.get(r["customer_id"]) for r in rows
    }
    assert {r["acquisition_channel"] for r in rows} >= {"search", "email", None}


def test_generated_spend_reaches_payback_and_windows(unit_economics):
    """The generated data exercise the columns: paybacks, every historic window whose end the
    data reach, and channels without spend ('unknown')."""
    assert any(r["months_to_payback"] for r in unit_economics)
    first = min(r["month"] for r in unit_economics)
    as_of = unit_economics[0]["as_of_date"]
    for days in (90, 180, 365):
        if oracle_economics.last_day(first) + timedelta(days=days - 1) <= as_of:
            assert any(r[f"avg_net_revenue_{days}d"] is not None for r in unit_economics), days
    assert any(r["channel"] == "unknown" and r["spend"] == 0 for r in unit_economics)
