"""The semantic layer (models/marts/semantic/, README "Semantic layer").

Every metric is queried through MetricFlow's engine, as `mf query` runs it, on both generated
warehouses (generated_warehouses.py), and compared with the mart column that defines it: at the
snapshot grain (a snapshot per month, so metric_time__day or __month) by the mart's own keys,
and where the metric promises more, at other groupings, against sums and ratios computed here
from the mart rows; then the saved queries. `strata refresh`'s export of them is checked in
test_refresh.py, the command line (`mf validate-configs`, `mf query`) in test_readme.py, which
runs the README's block in a fresh clone.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
from conftest import parsed_manifest, read_table

from strata import semantic

Rows = dict[tuple, dict[str, object]]


@dataclass
class Check:
    """Query `metrics` grouped by `group_by`; `expected(built)` gives, per group (the values of
    group_by in order), the value each metric must have."""

    name: str
    metrics: list[str]
    group_by: list[str]
    expected: Callable[[object], Rows]
    where: Callable[[object], list[str]] = lambda built: []


def _day(value) -> date:
    return value.date() if isinstance(value, datetime) else value


def _month(value: date) -> date:
    return value.replace(day=1)


def _ratio(numerator, denominator):
    if numerator is None or denominator in (None, 0):
        return None
    return float(numerator) / float(denominator)


def _mart(built, table: str) -> list[dict]:
    return read_table(built.duckdb_path, f"marts.{table}")


def _tier_kpis(built) -> Rows:
    return {
        (r["snapshot_date"], r["tier"]): {
            "scored_customers": r["customers"],
            "snapshot_customers": r["snapshot_customers"],
            "tier_customer_share": r["customer_share"],
            "period_net_revenue": r["net_revenue"],
            "snapshot_net_revenue": r["snapshot_net_revenue"],
            "revenue_share": r["revenue_share"],
            "total_monetary": r["total_monetary"],
            "avg_monetary": r["avg_monetary"],
            "customers_in": r["customers_in"],
            "customers_out": r["customers_out"],
            "previous_customers": r["previous_customers"],
            "migration_rate": r["migration_rate"],
            "previous_total_monetary": r["previous_total_monetary"],
            "value_growth_rate": r["value_growth_rate"],
        }
        for r in _mart(built, "rpt_tier_kpis")
    }


def _tier_totals(built) -> Rows:
    """All tiers together per snapshot: the share is 1, the rates are the sums' ratios."""
    sums: dict[date, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for r in _mart(built, "rpt_tier_kpis"):
        for column in ("customers", "customers_out", "total_monetary"):
            sums[r["snapshot_date"]][column] += r[column]
        for column in ("previous_customers", "previous_total_monetary"):
            if r[column] is not None:
                sums[r["snapshot_date"]][column] += r[column]
    return {
        (_month(snapshot),): {
            "scored_customers": s["customers"],
            "tier_customer_share": 1.0,
            "migration_rate": _ratio(s["customers_out"], s.get("previous_customers")),
            "value_growth_rate": (
                None
                if not s.get("previous_total_monetary")
                else float(s["total_monetary"]) / float(s["previous_total_monetary"]) - 1
            ),
        }
        for snapshot, s in sums.items()
    }


def _segments(built) -> Rows:
    """Scored customers and their mean monetary per snapshot and segment, from the history."""
    groups: dict[tuple, list[Decimal]] = defaultdict(list)
    for r in _mart(built, "fct_customer_tier_history"):
        groups[(r["snapshot_date"], r["segment"])].append(r["monetary"])
    return {
        key: {"scored_customers": len(values), "avg_monetary": _ratio(sum(values), len(values))}
        for key, values in groups.items()
    }


def _migrations(built) -> Rows:
    return {
        (r["snapshot_date"], r["from_tier"], r["to_tier"]): {"migrating_customers": r["customers"]}
        for r in _mart(built, "fct_tier_migrations")
    }


def _lifecycle(built) -> Rows:
    """Customers per snapshot and stage: the transitions into each stage, summed."""
    counts: dict[tuple, int] = defaultdict(int)
    for r in _mart(built, "fct_lifecycle_transitions"):
        counts[(r["snapshot_date"], r["to_stage"])] += r["customers"]
    return {key: {"lifecycle_customers": n} for key, n in counts.items()}


def _cohorts(built) -> Rows:
    return {
        (r["cohort_month"], r["months_since_first_purchase"]): {
            "cohort_customers": r["cohort_customers"],
            "cohort_active_customers": r["active_customers"],
            "retention_rate": r["retention_rate"],
        }
        for r in _mart(built, "rpt_cohort_retention")
    }


GROWTH_METRICS = {
    "signups": "signups",
    "new_buyers": "new_buyers",
    "activated_signups": "activated_signups",
    "activation_rate": "activation_rate",
    "buyer_months": "active_buyers",
    "repeat_buyers": "repeat_buyers",
    "repeat_purchase_rate": "repeat_purchase_rate",
    "churned_customers": "churned_customers",
    "reactivated_customers": "reactivated_customers",
}
TRANSACTION_METRICS = {
    "net_revenue": "net_revenue",
    "purchases": "purchases",
    "average_order_value": "average_order_value",
    "active_buyers": "active_buyers",
    "arpu": "arpu",
}


def _growth(built) -> Rows:
    return {
        (r["month"],): {metric: r[column] for metric, column in GROWTH_METRICS.items()}
        for r in _mart(built, "rpt_growth_kpis_monthly")
    }


def _growth_from_transactions(built) -> Rows:
    """The growth mart's months: the transaction metrics count every valid transaction and the
    mart stops at as_of_date, so the query keeps metric_time up to as_of_date (UP_TO_AS_OF)."""
    return {
        (r["month"],): {
            **{metric: r[column] for metric, column in TRANSACTION_METRICS.items()},
            "purchase_revenue": (r["average_order_value"] or 0) * r["purchases"],
        }
        for r in _mart(built, "rpt_growth_kpis_monthly")
    }


def _value_by_tier(built) -> Rows:
    groups: dict[tuple, list[dict]] = defaultdict(list)
    for r in _mart(built, "fct_customer_value"):
        groups[(r["tier"],)].append(r)
    expected = {}
    for key, rows in groups.items():
        clv = [r["predicted_clv"] for r in rows if r["predicted_clv"] is not None]
        judged = [r["high_value_at_risk"] for r in rows if r["high_value_at_risk"] is not None]
        expected[key] = {
            "customers_with_predicted_clv": len(clv),
            "high_value_at_risk_customers": sum(judged),
            "customers_with_p_alive": len(judged),
            "predicted_clv": sum(clv) if clv else None,
            "avg_predicted_clv": _ratio(sum(clv), len(clv)) if clv else None,
            "share_at_risk": _ratio(sum(judged), len(judged)),
        }
    return expected


def _engagement(built, *, by_tier: bool) -> Rows:
    rows = _mart(built, "rpt_engagement_daily")
    return {
        ((r["activity_date"], r["tier"]) if by_tier else (r["activity_date"],)): {
            "dau": r["dau"],
            "mau": r["mau"],
            "stickiness": r["stickiness"],
        }
        for r in rows
        if (r["tier"] != "all") == by_tier
    }


def _readout(built, *, by_tier: bool) -> Rows:
    return {
        ((r["campaign_id"], r["variant"], r["tier_group"]) if by_tier
         else (r["campaign_id"], r["variant"])): {
            "conversion_rate": r["conversion_rate"],
            "ended_assignments": r["customers"],
            "converted_assignments": r["converted_customers"],
        }
        for r in _mart(built, "rpt_experiment_readout")
        if (r["tier_group"] != "all") == by_tier and r["customers"] > 0
    }  # fmt: skip


def _uplift(built) -> Rows:
    """The readout's uplift of the one variant besides control, per campaign (all tiers)."""
    variants: dict[str, list[dict]] = defaultdict(list)
    for r in _mart(built, "rpt_experiment_readout"):
        if r["tier_group"] == "all" and not r["is_control"]:
            variants[r["campaign_id"]].append(r)
    return {
        (campaign,): {"conversion_uplift": rows[0]["conversion_uplift"]}
        for campaign, rows in variants.items()
        if len(rows) == 1
    }


def _economics(built) -> Rows:
    return {
        (r["month"], r["channel"]): {
            "marketing_spend": r["spend"],
            "acquired_buyers": r["new_buyers"],
            "cac": r["cac"],
        }
        for r in _mart(built, "rpt_unit_economics_monthly")
    }


def _count_by(table: str, column: str, metric: str):
    def expected(built) -> Rows:
        counts: dict[tuple, int] = defaultdict(int)
        for r in _mart(built, table):
            counts[(r[column],)] += 1
        return {key: {metric: n} for key, n in counts.items()}

    return expected


def _latest_kpis(built) -> Rows:
    rows = _tier_kpis(built)
    latest = max(snapshot for snapshot, _ in rows)
    return {(tier,): values for (snapshot, tier), values in rows.items() if snapshot == latest}


def _latest_migrations(built) -> Rows:
    rows = _migrations(built)
    latest = max(key[0] for key in rows)
    return {key[1:]: values for key, values in rows.items() if key[0] == latest}


TIER_METRICS = [
    "scored_customers",
    "snapshot_customers",
    "tier_customer_share",
    "period_net_revenue",
    "snapshot_net_revenue",
    "revenue_share",
    "total_monetary",
    "avg_monetary",
    "customers_in",
    "customers_out",
    "previous_customers",
    "migration_rate",
    "previous_total_monetary",
    "value_growth_rate",
]


def LATEST(built) -> list[str]:  # noqa: N802 - a constant filter
    return ["{{ Dimension('snapshot__is_as_of_date') }}"]


def UP_TO_AS_OF(built) -> list[str]:  # noqa: N802
    """What README "Semantic layer" tells a user to add when as_of_date is before the data's end."""
    as_of = built.expected.as_of_date.isoformat()
    return [f"{{{{ TimeDimension('metric_time', 'day') }}}} <= '{as_of}'"]


CHECKS = [
    Check("tier_kpis", TIER_METRICS, ["metric_time__day", "tier"], _tier_kpis),
    Check(
        "tier_totals",
        ["scored_customers", "tier_customer_share", "migration_rate", "value_growth_rate"],
        ["metric_time__month"],
        _tier_totals,
    ),
    Check(
        "segments",
        ["scored_customers", "avg_monetary"],
        ["metric_time__day", "tier_history__segment"],
        _segments,
    ),
    Check(
        "migrations",
        ["migrating_customers"],
        ["metric_time__day", "tier_migration__from_tier", "tier_migration__to_tier"],
        _migrations,
    ),
    Check(
        "latest_migration_matrix",
        ["migrating_customers"],
        ["tier_migration__from_tier", "tier_migration__to_tier"],
        _latest_migrations,
        LATEST,
    ),
    Check("latest_tier_kpis", TIER_METRICS, ["tier"], _latest_kpis, LATEST),
    Check(
        "lifecycle",
        ["lifecycle_customers"],
        ["metric_time__day", "lifecycle_history__lifecycle_stage"],
        _lifecycle,
    ),
    Check(
        "cohorts",
        ["cohort_customers", "cohort_active_customers", "retention_rate"],
        ["metric_time__month", "cohort_cell__months_since_first_purchase"],
        _cohorts,
    ),
    Check("growth", list(GROWTH_METRICS), ["metric_time__month"], _growth),
    Check(
        "transactions",
        [*TRANSACTION_METRICS, "purchase_revenue"],
        ["metric_time__month"],
        _growth_from_transactions,
        UP_TO_AS_OF,
    ),
    Check(
        "value",
        [
            "predicted_clv",
            "customers_with_predicted_clv",
            "avg_predicted_clv",
            "high_value_at_risk_customers",
            "customers_with_p_alive",
            "share_at_risk",
        ],
        ["tier"],
        _value_by_tier,
    ),
    Check(
        "engagement_by_tier",
        ["dau", "mau", "stickiness"],
        ["metric_time__day", "engagement_day__tier_group"],
        lambda built: _engagement(built, by_tier=True),
    ),
    Check(
        "engagement_all",
        ["dau", "mau", "stickiness"],
        ["metric_time__day"],
        lambda built: _engagement(built, by_tier=False),
    ),
    Check(
        "conversion_by_variant",
        ["conversion_rate", "ended_assignments", "converted_assignments"],
        ["campaign_assignment__campaign_id", "campaign_assignment__variant"],
        lambda built: _readout(built, by_tier=False),
    ),
    Check(
        "conversion_by_tier",
        ["conversion_rate", "ended_assignments", "converted_assignments"],
        [
            "campaign_assignment__campaign_id",
            "campaign_assignment__variant",
            "campaign_assignment__tier_at_assignment",
        ],
        lambda built: _readout(built, by_tier=True),
    ),
    Check(
        "conversion_uplift",
        ["conversion_uplift"],
        ["campaign_assignment__campaign_id"],
        _uplift,
    ),
    Check(
        "unit_economics",
        ["marketing_spend", "acquired_buyers", "cac"],
        ["metric_time__month", "acquisition_month__channel"],
        _economics,
    ),
    Check(
        "plays",
        ["customers_per_play"],
        ["customer_action__play"],
        _count_by("fct_customer_actions", "play", "customers_per_play"),
    ),
    Check(
        "alerts",
        ["tier_alerts"],
        ["tier_alert__severity"],
        _count_by("fct_tier_alerts", "severity", "tier_alerts"),
    ),
    Check(
        "customers",
        ["customers"],
        ["customer__country"],
        _count_by("dim_customers", "country", "customers"),
    ),
]


@pytest.fixture(scope="session")
def semantic_manifest(tmp_path_factory) -> Path:
    """The semantic manifest dbt writes to target/semantic_manifest.json, for this tree."""
    from dbt.contracts.graph.semantic_manifest import SemanticManifest

    path = tmp_path_factory.mktemp("semantic") / semantic.SEMANTIC_MANIFEST_FILE
    SemanticManifest(parsed_manifest()).write_json_to_file(str(path))
    return path


@pytest.fixture(scope="session")
def results(built, semantic_manifest) -> dict[str, semantic.QueryResult]:
    """Every check's query, run once per warehouse on one read-only connection."""
    connection = duckdb.connect(str(built.duckdb_path), read_only=True)
    try:
        engine = semantic.open_engine(semantic_manifest, connection)
        found = {
            check.name: semantic.query(
                engine, metrics=check.metrics, group_by=check.group_by, where=check.where(built)
            )
            for check in CHECKS
        }
        found.update(
            {
                f"saved:{name}": semantic.query(engine, saved_query=name)
                for name in semantic.saved_query_names(semantic_manifest)
            }
        )
        return found
    finally:
        connection.close()


def _close(actual, expected) -> bool:
    if actual is None or expected is None:
        return actual is None and expected is None
    return math.isclose(float(actual), float(expected), rel_tol=1e-9, abs_tol=1e-6)


def _assert_matches(result: semantic.QueryResult, check: Check, expected: Rows, label: str):
    actual: Rows = {}
    for row in result.dicts():
        key = tuple(_day(row[column]) for column in check.group_by)
        assert key not in actual, f"{label}: group {key} twice"
        actual[key] = row
    problems = []
    for key, values in expected.items():
        if key not in actual:
            # A group with nothing in it (a month of signups only, say) has no metric row.
            if any(value not in (None, 0) for value in values.values()):
                problems.append(f"{key}: missing from the metric query")
            continue
        for metric, value in values.items():
            if not _close(actual[key][metric], value):
                problems.append(f"{key} {metric}: metric {actual[key][metric]!r}, mart {value!r}")
    extra = [key for key in actual if key not in expected]
    # The metric query also gives groups the mart leaves out only where every metric is 0/null.
    for key in extra:
        if any(actual[key][metric] not in (None, 0) for metric in check.metrics):
            problems.append(f"{key}: in the metric query, not in the mart: {actual[key]}")
    assert not problems, f"{label}: {len(problems)} differences, first: " + "; ".join(problems[:8])


@pytest.mark.parametrize("check", CHECKS, ids=[check.name for check in CHECKS])
def test_metric_equals_mart(built, results, check):
    label = f"{built.name}: {check.name}"
    _assert_matches(results[check.name], check, check.expected(built), label)


def test_every_metric_is_checked(semantic_manifest):
    import json

    metrics = {m["name"] for m in json.loads(semantic_manifest.read_text())["metrics"]}
    checked = {metric for check in CHECKS for metric in check.metrics}
    assert metrics - checked == set(), "metrics without a check against a mart"
    assert checked - metrics == set(), "checks of metrics that do not exist"


SAVED = {
    "latest_tier_kpis": "latest_tier_kpis",
    "latest_migration_matrix": "latest_migration_matrix",
}


@pytest.mark.parametrize("saved", list(SAVED))
def test_saved_query_equals_its_check(built, results, saved):
    check = next(c for c in CHECKS if c.name == SAVED[saved])
    result = results[f"saved:{saved}"]
    expected = {
        key: {metric: value for metric, value in values.items() if metric in result.columns}
        for key, values in check.expected(built).items()
    }
    assert set(result.columns) - set(check.group_by) <= set(check.metrics)
    _assert_matches(result, check, expected, f"{built.name}: saved {saved}")


def test_saved_queries_answer(results):
    sizes = results["saved:tier_sizes_over_time"].dicts()
    by_month: dict[date, float] = defaultdict(float)
    for row in sizes:
        by_month[_day(row["metric_time__month"])] += row["tier_customer_share"]
    assert by_month and all(math.isclose(s, 1.0) for s in by_month.values())
    growth = results["saved:monthly_growth"]
    assert "arpu" in growth.columns and growth.rows
