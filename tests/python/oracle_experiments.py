"""Independent pure-Python reference of the experiment marts (issue 16): fct_campaign_assignments
and rpt_experiment_readout, written from their definitions
(models/marts/experiments/_experiments__docs.md and models/reject_reasons.md), never from the SQL.

The statistics come from scipy.stats by other routes than the Python model's formulas: the
two-proportion z-test's p-value as the chi-square test of the 2 x 2 table without continuity
correction (chi2 = z^2), Welch's t-test and its confidence interval from
scipy.stats.ttest_ind(equal_var=False) on the customers' revenues; Wald's interval for the
conversion uplift is the written formula.
"""

from __future__ import annotations

import csv
import math
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import oracle
from scipy import stats

SEEDS_DIR = Path(__file__).resolve().parents[2] / "seeds"
MAX_FUTURE_DAYS = 1
MIN_GROUP_SIZE = 100  # var experiment_min_group_size


@dataclass(frozen=True)
class Campaign:
    campaign_id: str
    campaign_name: str
    window_days: int
    cost_per_contact: Decimal
    fixed_cost: Decimal


@dataclass(frozen=True)
class Assignment:
    customer_id: str
    campaign_id: str
    variant: str
    assigned_at: datetime


def load_campaigns(seeds_dir: Path = SEEDS_DIR) -> dict[str, Campaign]:
    with (seeds_dir / "campaigns.csv").open(newline="") as handle:
        return {
            row["campaign_id"]: Campaign(
                row["campaign_id"],
                row["campaign_name"],
                int(row["conversion_window_days"]),
                Decimal(row["cost_per_contact"]),
                Decimal(row["fixed_cost"]),
            )
            for row in csv.DictReader(handle)
        }


def instant(value) -> datetime | None:
    """The UTC instant of a raw timestamp, to the microsecond (None when unparseable)."""
    parsed = oracle.parse_utc_instant(value)
    if parsed is None:
        return None
    moment, fraction = parsed
    return moment + timedelta(microseconds=int((fraction + "000000")[:6]))


def validate_assignments(
    raw_dir: Path, campaigns: dict[str, Campaign], run_date: date
) -> tuple[list[Assignment], dict[str, int]]:
    """The valid assignments and the raw rows rejected per reason (models/reject_reasons.md)."""
    rows = oracle.read_raw_table(Path(raw_dir), "campaign_assignments") or []
    counts: dict[tuple, int] = defaultdict(int)
    for row in rows:
        variant = oracle._trim(row.get("variant"))
        content = (
            oracle._trim(row.get("customer_id")),
            oracle._trim(row.get("campaign_id")),
            variant.lower() if variant is not None else None,
            instant(row.get("assigned_at")),
            None if instant(row.get("assigned_at")) else str(row.get("assigned_at")),
        )
        counts[content] += 1  # exact duplicates collapse
    versions: dict[tuple, int] = defaultdict(int)
    for customer_id, campaign_id, *_ in counts:
        if customer_id is not None and campaign_id is not None:
            versions[(campaign_id, customer_id)] += 1
    valid, rejected = [], defaultdict(int)
    for content, raw_rows in counts.items():
        customer_id, campaign_id, variant, assigned_at, _ = content
        if customer_id is None:
            reason = "missing_customer_id"
        elif campaign_id is None:
            reason = "missing_campaign_id"
        elif variant is None:
            reason = "missing_variant"
        elif assigned_at is None:
            reason = "unparseable_timestamp"
        elif assigned_at.date() > run_date + timedelta(days=MAX_FUTURE_DAYS):
            reason = "timestamp_in_future"
        elif campaign_id not in campaigns:
            reason = "unknown_campaign"
        elif versions[(campaign_id, customer_id)] > 1:
            reason = "conflicting_duplicate"
        else:
            valid.append(Assignment(customer_id, campaign_id, variant, assigned_at))
            continue
        rejected[reason] += raw_rows
    return valid, dict(rejected)


def transaction_instants(raw_dir: Path, valid: list[oracle.Transaction]) -> dict[str, datetime]:
    """transaction_id -> instant of the valid transactions (their one version)."""
    ids = {t.transaction_id for t in valid}
    instants = {}
    for row in oracle.read_raw_table(Path(raw_dir), "transactions"):
        transaction_id = oracle._trim(row.get("transaction_id"))
        if transaction_id in ids:
            instants[transaction_id] = instant(row.get("transacted_at"))
    return instants


def _none_if_nan(value):
    value = float(value)
    return None if math.isnan(value) else value


def conversion_statistics(n1: int, x1: int, n0: int, x0: int) -> dict:
    p1, p0 = x1 / n1, x0 / n0
    result = {"conversion_uplift": p1 - p0}
    se = math.sqrt(p1 * (1 - p1) / n1 + p0 * (1 - p0) / n0)
    if se > 0:
        half = stats.norm.ppf(0.975) * se
        result["conversion_uplift_ci_low"] = p1 - p0 - half
        result["conversion_uplift_ci_high"] = p1 - p0 + half
    if 0 < x1 + x0 < n1 + n0:  # else no variation: the pooled standard error is 0
        table = [[x1, n1 - x1], [x0, n0 - x0]]
        result["conversion_p_value"] = float(stats.chi2_contingency(table, correction=False).pvalue)
    return result


def revenue_statistics(treated: list[float], control: list[float]) -> dict:
    if len(treated) < 2 or len(control) < 2:
        return {}
    result = {"revenue_uplift": sum(treated) / len(treated) - sum(control) / len(control)}
    if len(set(treated)) > 1 or len(set(control)) > 1:
        test = stats.ttest_ind(treated, control, equal_var=False)
        interval = test.confidence_interval(0.95)
        result["revenue_p_value"] = _none_if_nan(test.pvalue)
        result["revenue_uplift_ci_low"] = _none_if_nan(interval.low)
        result["revenue_uplift_ci_high"] = _none_if_nan(interval.high)
    return result


STATISTICS = (
    "conversion_uplift", "conversion_uplift_ci_low", "conversion_uplift_ci_high",
    "conversion_p_value", "revenue_uplift", "revenue_uplift_ci_low", "revenue_uplift_ci_high",
    "revenue_p_value",
)  # fmt: skip


def compute_experiments(
    assignments: list[Assignment],
    transactions: list[oracle.Transaction],
    instants: dict[str, datetime],
    tiering: oracle.OracleResult,
    campaigns: dict[str, Campaign],
    min_group_size: int = MIN_GROUP_SIZE,
) -> tuple[list[dict], list[dict]]:
    """(fct_campaign_assignments rows, rpt_experiment_readout rows)."""
    as_of = tiering.as_of_date
    by_customer = defaultdict(list)
    for t in transactions:
        if t.transaction_date <= as_of:
            by_customer[t.customer_id].append((instants[t.transaction_id], t.amount))
    facts = []
    for a in assignments:
        if a.assigned_at.date() > as_of:
            continue
        campaign = campaigns[a.campaign_id]
        window_end = a.assigned_at + timedelta(days=campaign.window_days)
        inside = [
            amount for at, amount in by_customer[a.customer_id] if a.assigned_at < at <= window_end
        ]
        earlier = [s for s in tiering.snapshot_dates if s <= a.assigned_at.date()]
        snapshot = max(earlier) if earlier else None
        scored = tiering.scored_at.get(snapshot, {}).get(a.customer_id) if snapshot else None
        facts.append(
            {
                "customer_id": a.customer_id,
                "campaign_id": a.campaign_id,
                "variant": a.variant,
                "tier_at_assignment": scored["tier"] if scored else "unscored",
                "conversion_window_days": campaign.window_days,
                "window_net_revenue": sum(inside, Decimal(0)),
                "is_converted": any(amount > 0 for amount in inside),
                "is_window_complete": window_end.date() <= as_of,
                "assignment_date": a.assigned_at.date(),
                "tier_snapshot_date": snapshot,
                "as_of_date": as_of,
                "assigned_at": a.assigned_at,
                "window_end_at": window_end,
            }
        )
    groups = defaultdict(list)
    for f in facts:
        for tier_group in (f["tier_at_assignment"], "all"):
            groups[(f["campaign_id"], f["variant"], tier_group)].append(f)
    contacted = defaultdict(int)
    for (campaign_id, variant, tier_group), members in groups.items():
        if variant != "control" and tier_group == "all":
            contacted[campaign_id] += sum(m["is_window_complete"] for m in members)
    readout = []
    for (campaign_id, variant, tier_group), members in sorted(groups.items()):
        done = [m for m in members if m["is_window_complete"]]
        revenue = [float(m["window_net_revenue"]) for m in done]
        n, x = len(done), sum(m["is_converted"] for m in done)
        control = [
            m
            for m in groups.get((campaign_id, "control", tier_group), [])
            if m["is_window_complete"]
        ]
        n0, x0 = len(control), sum(m["is_converted"] for m in control)
        control_revenue = [float(m["window_net_revenue"]) for m in control]
        is_control = variant == "control"
        row = dict.fromkeys(STATISTICS)
        if not is_control and n0 > 0 and n > 0:
            row.update(conversion_statistics(n, x, n0, x0))
            row.update(revenue_statistics(revenue, control_revenue))
        campaign = campaigns[campaign_id]
        cost = 0.0
        if not is_control:
            share = Decimal(n) / contacted[campaign_id] if contacted[campaign_id] else Decimal(0)
            cost = float(n * campaign.cost_per_contact + campaign.fixed_cost * share)
        incremental = row["revenue_uplift"] * n if row["revenue_uplift"] is not None else None
        has_control = (campaign_id, "control", tier_group) in groups
        readout.append(
            {
                "campaign_id": campaign_id,
                "campaign_name": campaign.campaign_name,
                "variant": variant,
                "tier_group": tier_group,
                "customers": n,
                "pending_customers": len(members) - n,
                "converted_customers": x,
                "control_customers": n0 if has_control else None,
                "net_revenue": sum((m["window_net_revenue"] for m in done), Decimal(0))
                if done
                else None,
                "conversion_rate": x / n if n else None,
                "control_conversion_rate": x0 / n0 if n0 else None,
                "revenue_per_customer": sum(revenue) / n if n else None,
                "control_revenue_per_customer": sum(control_revenue) / n0 if n0 else None,
                **row,
                "incremental_revenue": incremental,
                "campaign_cost": cost,
                "roi": (incremental - cost) / cost
                if cost > 0 and incremental is not None
                else None,
                "is_control": is_control,
                "is_below_min_group_size": n < min_group_size
                or (not is_control and n0 < min_group_size),
                "as_of_date": as_of,
            }
        )
    return facts, readout
