"""Row-by-row comparison of mart rows with oracle rows, with readable failure messages."""

from __future__ import annotations

import math
from decimal import Decimal

FLOAT_TOLERANCE = 1e-9
MAX_REPORTED = 25

# Mart contracts (column names), as agreed with the dbt models.
MART_COLUMNS = {
    "fct_customer_rfm": [
        "customer_id", "tier", "segment", "rfm_cell", "recency_bucket", "tier_rank",
        "recency_days", "frequency", "monetary", "r_score", "f_score", "m_score", "rfm_score",
        "as_of_date", "first_purchase_date", "last_purchase_date",
    ],
    "fct_customer_tier_history": [
        "customer_id", "tier", "previous_tier", "segment", "rfm_cell", "recency_bucket",
        "tier_rank", "recency_days", "frequency", "monetary", "period_net_revenue", "r_score",
        "f_score", "m_score", "rfm_score", "snapshot_date", "previous_snapshot_date",
        "first_purchase_date", "last_purchase_date",
    ],
    "fct_tier_migrations": [
        "from_tier", "to_tier", "direction", "customers", "from_tier_customers",
        "share_of_from_tier", "snapshot_date", "previous_snapshot_date",
    ],
    "rpt_tier_kpis": [
        "tier", "tier_rank", "customers", "customer_share", "net_revenue", "revenue_share",
        "total_monetary", "avg_monetary", "customers_in", "customers_out", "migration_rate",
        "value_growth_rate", "previous_customers", "previous_total_monetary",
        "snapshot_customers", "snapshot_net_revenue", "snapshot_date", "previous_snapshot_date",
    ],
    # Lifecycle marts (issue 13), models/marts/lifecycle/_lifecycle__docs.md
    "fct_customer_lifecycle_history": [
        "customer_id", "snapshot_date", "previous_snapshot_date", "first_seen_date",
        "lifecycle_stage", "previous_lifecycle_stage", "tier", "purchase_days",
        "first_purchase_date", "last_purchase_date", "recency_days", "mean_purchase_gap_days",
        "is_reactivated",
    ],
    "fct_lifecycle_transitions": [
        "snapshot_date", "previous_snapshot_date", "from_stage", "to_stage", "customers",
        "from_stage_customers", "share_of_from_stage",
    ],
    "rpt_cohort_retention": [
        "cohort_month", "months_since_first_purchase", "activity_month", "cohort_customers",
        "active_customers", "retention_rate", "net_revenue",
        "cumulative_net_revenue_per_customer",
    ],
    "rpt_growth_kpis_monthly": [
        "month", "is_complete_month", "signups", "new_buyers", "activated_signups",
        "activation_rate", "active_buyers", "repeat_buyers", "repeat_purchase_rate",
        "purchases", "net_revenue", "arpu", "average_order_value", "churned_customers",
        "reactivated_customers",
    ],
    # Behaviour marts (issue 15), models/marts/behaviour/_behaviour__docs.md
    "fct_customer_usage_weekly": [
        "customer_id", "week_start", "week_end", "is_complete_week", "events", "active_days",
        "core_features_used", "usage_band", "band_rank", "previous_usage_band",
    ],
    "rpt_usage_depth_weekly": [
        "week_start", "previous_week_start", "from_band", "to_band", "customers",
        "from_band_customers", "share_of_from_band", "share_of_known_customers",
        "is_complete_week",
    ],
    "fct_customer_content_preference": [
        "customer_id", "content_category", "content_events", "content_share",
        "customer_content_events", "content_preference", "as_of_date", "window_start_date",
    ],
    "rpt_engagement_daily": [
        "activity_date", "tier", "tier_rank", "dau", "wau", "mau", "stickiness",
    ],
    "rpt_activation_retention": [
        "cohort_week_start", "day_n", "cohort_customers", "eligible_customers",
        "retained_on_day", "retained_by_day", "retention_rate_on_day", "retention_rate_by_day",
    ],
    # Action marts (issue 16), models/marts/actions/_actions__docs.md
    "fct_customer_actions": [
        "customer_id", "play_id", "play", "channel", "service_level", "reason", "tier",
        "segment", "lifecycle_stage", "usage_band", "churn_risk", "priority", "as_of_date",
    ],
    "fct_tier_alerts": [
        "customer_id", "severity", "from_tier", "to_tier", "from_lifecycle_stage",
        "to_lifecycle_stage", "tier_drop", "stage_drop", "predicted_clv", "clv_quantile",
        "severity_score", "severity_rank", "is_tier_worsened", "is_stage_worsened",
        "is_high_value_at_risk", "previous_snapshot_date", "snapshot_date",
    ],
    # Experiment marts (issue 16), models/marts/experiments/_experiments__docs.md
    "fct_campaign_assignments": [
        "customer_id", "campaign_id", "variant", "tier_at_assignment", "conversion_window_days",
        "window_net_revenue", "is_converted", "is_window_complete", "assignment_date",
        "tier_snapshot_date", "as_of_date", "assigned_at", "window_end_at",
    ],
    "rpt_experiment_readout": [
        "campaign_id", "campaign_name", "variant", "tier_group", "customers", "pending_customers",
        "converted_customers", "control_customers", "net_revenue", "conversion_rate",
        "control_conversion_rate", "revenue_per_customer", "control_revenue_per_customer",
        "conversion_uplift", "conversion_uplift_ci_low", "conversion_uplift_ci_high",
        "conversion_p_value", "revenue_uplift", "revenue_uplift_ci_low",
        "revenue_uplift_ci_high", "revenue_p_value", "incremental_revenue", "campaign_cost", "roi",
        "is_control", "is_below_min_group_size", "as_of_date",
    ],
    # Unit economics (issue 16), models/marts/economics/_economics__docs.md
    "rpt_unit_economics_monthly": [
        "month", "channel", "new_buyers", "spend", "cac", "avg_predicted_clv", "clv_to_cac",
        "avg_net_revenue_90d", "avg_net_revenue_180d", "avg_net_revenue_365d",
        "months_to_payback", "as_of_date",
    ],
}  # fmt: skip

MART_KEYS = {
    "fct_customer_rfm": ("customer_id",),
    "fct_customer_tier_history": ("customer_id", "snapshot_date"),
    "fct_tier_migrations": ("snapshot_date", "from_tier", "to_tier"),
    "rpt_tier_kpis": ("snapshot_date", "tier"),
    "fct_customer_lifecycle_history": ("customer_id", "snapshot_date"),
    "fct_lifecycle_transitions": ("snapshot_date", "from_stage", "to_stage"),
    "rpt_cohort_retention": ("cohort_month", "months_since_first_purchase"),
    "rpt_growth_kpis_monthly": ("month",),
    "fct_customer_usage_weekly": ("customer_id", "week_start"),
    "rpt_usage_depth_weekly": ("week_start", "from_band", "to_band"),
    "fct_customer_content_preference": ("customer_id", "content_category"),
    "rpt_engagement_daily": ("activity_date", "tier"),
    "rpt_activation_retention": ("cohort_week_start", "day_n"),
    "fct_customer_actions": ("customer_id",),
    "fct_tier_alerts": ("customer_id",),
    "fct_campaign_assignments": ("campaign_id", "customer_id"),
    "rpt_experiment_readout": ("campaign_id", "variant", "tier_group"),
    "rpt_unit_economics_monthly": ("month", "channel"),
}

FLOAT_COLUMNS = {
    "share_of_from_tier",
    "customer_share",
    "revenue_share",
    "avg_monetary",
    "migration_rate",
    "value_growth_rate",
    # lifecycle marts
    "mean_purchase_gap_days",
    "share_of_from_stage",
    "retention_rate",
    "cumulative_net_revenue_per_customer",
    "activation_rate",
    "repeat_purchase_rate",
    "arpu",
    "average_order_value",
    # behaviour marts
    "share_of_known_customers",
    "share_of_from_band",
    "content_share",
    "stickiness",
    "retention_rate_on_day",
    "retention_rate_by_day",
    # action marts
    "predicted_clv",
    "clv_quantile",
    "severity_score",
    # experiment marts
    "conversion_rate",
    "control_conversion_rate",
    "revenue_per_customer",
    "control_revenue_per_customer",
    "conversion_uplift",
    "conversion_uplift_ci_low",
    "conversion_uplift_ci_high",
    "conversion_p_value",
    "revenue_uplift",
    "revenue_uplift_ci_low",
    "revenue_uplift_ci_high",
    "revenue_p_value",
    "incremental_revenue",
    "campaign_cost",
    "roi",
    # unit economics
    "cac",
    "avg_predicted_clv",
    "clv_to_cac",
    "avg_net_revenue_90d",
    "avg_net_revenue_180d",
    "avg_net_revenue_365d",
}


def values_equal(column: str, actual, expected) -> bool:
    if expected is None or actual is None:
        return expected is None and actual is None
    if column in FLOAT_COLUMNS:
        if isinstance(actual, Decimal):
            actual = float(actual)
        if not isinstance(actual, float | int) or math.isnan(actual):
            return False
        return math.isclose(actual, expected, rel_tol=FLOAT_TOLERANCE, abs_tol=FLOAT_TOLERANCE)
    if isinstance(expected, Decimal):
        # exact: Decimal('1.5') == Decimal('1.500000'); a float from the mart is a type error
        return isinstance(actual, Decimal | int) and Decimal(actual) == expected
    if isinstance(expected, bool) or isinstance(actual, bool):
        return type(actual) is type(expected) and actual == expected
    return type(actual) is type(expected) and actual == expected


def assert_rows_match(
    actual_rows: list[dict],
    expected_rows: list[dict],
    key: tuple[str, ...],
    label: str,
    columns: list[str] | None = None,
) -> None:
    """Every expected row is in the mart with equal values, and the mart has no other rows."""
    columns = columns or sorted({c for row in expected_rows for c in row})

    def by_key(rows, what):
        keyed = {}
        duplicates = []
        for row in rows:
            k = tuple(row[c] for c in key)
            if k in keyed:
                duplicates.append(k)
            keyed[k] = row
        assert not duplicates, f"{label}: duplicate keys {key} in {what}: {duplicates[:10]}"
        return keyed

    actual = by_key(actual_rows, "the mart")
    expected = by_key(expected_rows, "the oracle")
    problems: list[str] = []
    missing = sorted(set(expected) - set(actual), key=repr)
    extra = sorted(set(actual) - set(expected), key=repr)
    for k in missing[:MAX_REPORTED]:
        problems.append(f"missing row {dict(zip(key, k, strict=True))}: expected {expected[k]}")
    for k in extra[:MAX_REPORTED]:
        problems.append(f"unexpected row {dict(zip(key, k, strict=True))}: {actual[k]}")
    mismatched_columns: dict[str, int] = {}
    for k in sorted(set(actual) & set(expected), key=repr):
        for column in columns:
            a = actual[k].get(column, "<column absent>")
            e = expected[k][column]
            if not values_equal(column, a, e):
                mismatched_columns[column] = mismatched_columns.get(column, 0) + 1
                if len(problems) < 3 * MAX_REPORTED:
                    problems.append(
                        f"{dict(zip(key, k, strict=True))} {column}: actual={a!r} expected={e!r}"
                    )
    assert not problems, (
        f"{label}: {len(missing)} missing, {len(extra)} unexpected rows, mismatches per column "
        f"{mismatched_columns} (actual rows {len(actual)}, expected rows {len(expected)}):\n"
        + "\n".join(problems)
    )
