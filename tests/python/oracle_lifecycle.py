"""Independent pure-Python reference implementation of the lifecycle definitions (issue 13).

Written from the docs blocks of models/marts/lifecycle/_lifecycle__docs.md (and, for the
snapshot calendar, periods, purchases and as_of_date, models/docs.md), never from the SQL.
No SQL is used for any computation: pyarrow / csv are only used to LOAD raw files
(`oracle.read_raw_table`). Money is `decimal.Decimal`, dates are `datetime.date`, the at_risk
rule is compared exactly (integers and `fractions.Fraction`).

Entry point: `compute_lifecycle(transactions, profiles, events, tiering, lifecycle_vars)` where
`tiering` is the `oracle.OracleResult` of `oracle.compute` on the same transactions (it gives
as_of_date, the snapshot calendar and the tier of every scored customer at every snapshot). It
returns a `LifecycleResult` holding the expected rows of `fct_customer_lifecycle_history`,
`fct_lifecycle_transitions`, `rpt_cohort_retention`, `rpt_growth_kpis_monthly` and the lifecycle
columns of `dim_customers`, as lists of dicts keyed by the column names.

Readings chosen where the definitions leave room:
- first_seen_date uses all valid data, also data dated after as_of_date (dim_customers holds every
  customer seen anywhere); a customer whose only trace is a profile without signup_date has a
  null first_seen_date, never appears in the lifecycle history, and has a null
  current_lifecycle_stage.
- Everything else uses the data dated on or before the snapshot date (on or before as_of_date for
  the cohort and growth reports), as "Transactions after it are ignored by every score" says.
- is_reactivated is false (not null) for a prospect and for a customer whose only purchase day
  is the first: "the purchase day before it" must exist. The purchase day before a day of the
  period may itself lie before the period.
- at_risk, 2 or more purchase days: recency_days > max(at_risk_min_days, at_risk_gap_multiple x
  mean_purchase_gap_days) is both recency_days > at_risk_min_days and the exact comparison
  recency_days x (purchase_days - 1) > at_risk_gap_multiple x (last - first); the multiple is
  taken as an exact Fraction of its decimal text (so 1.5 is 3/2).
- previous_snapshot_date in the history is the calendar's previous snapshot, also for a customer
  first seen after it (whose previous_lifecycle_stage is null).
- fct_lifecycle_transitions: at the first snapshot every customer comes from 'unseen' and
  from_stage_customers('unseen') is the number of customers in the history at that snapshot.
- rpt_growth_kpis_monthly: the first month is the month of the earliest first_seen_date of all
  customers (it is the same as over the customers seen on or before as_of_date whenever there is
  one). signups counts only profiles with a signup_date (on or before as_of_date).
  churned_customers: "was not at the snapshot before" includes a customer absent from the
  previous snapshot and every customer at the first snapshot. activated_signups looks for a
  purchase of the same customer_id as the profile.
- rpt_growth_kpis_monthly.is_complete_month is true for every month before the month of
  as_of_date, and for that month exactly when as_of_date is its last day.
- Rates, ARPU, average order value, mean gaps and per-customer revenue are floats computed from
  exact Decimal / integer ratios; net_revenue is an exact Decimal (0 when nothing happened).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import oracle

STAGES = ("prospect", "new", "churned", "reactivated", "at_risk", "active")
UNSEEN = "unseen"


# --------------------------------------------------------------------------------------------
# Vars
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LifecycleVars:
    """The lifecycle thresholds (dbt vars), with the defaults of dbt_project.yml."""

    new_customer_days: int = 30
    churn_days: int = 180
    at_risk_min_days: int = 30
    at_risk_gap_multiple: int | float | Decimal | Fraction = 2
    one_time_buyer_at_risk_days: int = 90
    activation_days: int = 30

    @classmethod
    def from_vars(cls, overrides: Mapping[str, object] | None = None) -> LifecycleVars:
        """The defaults, with the given dbt vars overriding them (other vars are ignored)."""
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in (overrides or {}).items() if k in names})

    @property
    def gap_multiple(self) -> Fraction:
        """at_risk_gap_multiple as an exact fraction (a float var is read as its decimal text)."""
        value = self.at_risk_gap_multiple
        if isinstance(value, Fraction):
            return value
        return Fraction(str(value))


# --------------------------------------------------------------------------------------------
# The stage of one customer at one snapshot
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StageAt:
    lifecycle_stage: str
    purchase_days: int
    first_purchase_date: date | None
    last_purchase_date: date | None
    recency_days: int | None
    mean_purchase_gap_days: float | None
    is_reactivated: bool


def is_reactivated(
    purchase_days: list[date], snapshot: date, previous_snapshot: date | None, churn_days: int
) -> bool:
    """Some purchase day in the snapshot's period comes more than churn_days after the purchase
    day before it. `purchase_days`: the distinct purchase dates on or before snapshot, sorted."""
    for before, day in zip(purchase_days[:-1], purchase_days[1:], strict=True):
        in_period = day <= snapshot and (previous_snapshot is None or day > previous_snapshot)
        if in_period and (day - before).days > churn_days:
            return True
    return False


def stage_at(
    purchase_dates: Iterable[date],
    snapshot: date,
    previous_snapshot: date | None,
    lifecycle_vars: LifecycleVars | None = None,
) -> StageAt:
    """The lifecycle columns of one customer at snapshot S.

    `purchase_dates`: the dates of the customer's purchases (amount > 0), any order, repeats and
    dates after S allowed (they are ignored)."""
    v = lifecycle_vars or LifecycleVars()
    days = sorted({d for d in purchase_dates if d <= snapshot})
    if not days:
        return StageAt("prospect", 0, None, None, None, None, False)
    first, last = days[0], days[-1]
    n_days = len(days)
    recency = (snapshot - last).days
    span = (last - first).days
    mean_gap = float(Fraction(span, n_days - 1)) if n_days >= 2 else None
    reactivated = is_reactivated(days, snapshot, previous_snapshot, v.churn_days)

    if (snapshot - first).days <= v.new_customer_days:
        stage = "new"
    elif recency > v.churn_days:
        stage = "churned"
    elif reactivated:
        stage = "reactivated"
    elif n_days >= 2 and (
        recency > v.at_risk_min_days and recency * (n_days - 1) > v.gap_multiple * span
    ):
        stage = "at_risk"
    elif n_days == 1 and recency > v.one_time_buyer_at_risk_days:
        stage = "at_risk"
    else:
        stage = "active"
    return StageAt(stage, n_days, first, last, recency, mean_gap, reactivated)


# --------------------------------------------------------------------------------------------
# Months
# --------------------------------------------------------------------------------------------


def month_index(d: date) -> int:
    """Months since year 0: consecutive calendar months differ by 1."""
    return d.year * 12 + d.month - 1


def month_start(index: int) -> date:
    return date(index // 12, index % 12 + 1, 1)


def month_last_day(index: int) -> date:
    return month_start(index + 1) - timedelta(days=1)


# --------------------------------------------------------------------------------------------
# All lifecycle marts
# --------------------------------------------------------------------------------------------


@dataclass
class LifecycleResult:
    as_of_date: date
    snapshot_dates: list[date]
    first_seen: dict[str, date | None] = field(default_factory=dict)
    history: list[dict] = field(default_factory=list)
    transitions: list[dict] = field(default_factory=list)
    cohort_retention: list[dict] = field(default_factory=list)
    growth_kpis: list[dict] = field(default_factory=list)
    dim_customers: list[dict] = field(default_factory=list)
    # snapshot date -> customer_id -> StageAt (customers in the history at that snapshot)
    stages_at: dict[date, dict[str, StageAt]] = field(default_factory=dict)


def _ratio(numerator, denominator) -> float | None:
    if denominator == 0:
        return None
    return float(Fraction(Decimal(numerator)) / Fraction(Decimal(denominator)))


def first_seen_dates(
    transactions: list[oracle.Transaction],
    profiles: Mapping[str, date | None],
    events: Iterable[tuple[str, date]],
) -> dict[str, date | None]:
    """customer_id -> first_seen_date, for every customer seen anywhere (None: no dated trace)."""
    first_seen: dict[str, date | None] = {}

    def see(customer_id: str, day: date | None) -> None:
        current = first_seen.get(customer_id)
        if day is None:
            first_seen.setdefault(customer_id, None)
        elif current is None or day < current:
            first_seen[customer_id] = day

    for t in transactions:
        see(t.customer_id, t.transaction_date)
    for customer_id, signup_date in profiles.items():
        see(customer_id, signup_date)
    for customer_id, day in events:
        see(customer_id, day)
    return first_seen


def compute_lifecycle(
    transactions: list[oracle.Transaction],
    profiles: Mapping[str, date | None],
    events: Iterable[tuple[str, date]],
    tiering: oracle.OracleResult,
    lifecycle_vars: LifecycleVars | Mapping[str, object] | None = None,
) -> LifecycleResult:
    """Expected rows of the lifecycle marts.

    transactions: the valid transactions (all of them, also after as_of_date); profiles: valid
    profiles, customer_id -> signup_date (None when blank); events: (customer_id, UTC date) of
    the valid events; tiering: oracle.compute(transactions, as_of_date) of the same data."""
    if isinstance(lifecycle_vars, LifecycleVars):
        v = lifecycle_vars
    else:
        v = LifecycleVars.from_vars(lifecycle_vars)
    as_of = tiering.as_of_date
    snapshots = list(tiering.snapshot_dates)
    result = LifecycleResult(as_of_date=as_of, snapshot_dates=snapshots)
    events = list(events)

    first_seen = first_seen_dates(transactions, profiles, events)
    result.first_seen = first_seen

    # Data on or before as_of_date only from here on.
    visible = [t for t in transactions if t.transaction_date <= as_of]
    purchase_dates: dict[str, list[date]] = defaultdict(list)
    for t in visible:
        if t.amount > 0:
            purchase_dates[t.customer_id].append(t.transaction_date)

    tier_at = {(r["customer_id"], r["snapshot_date"]): r["tier"] for r in tiering.tier_history}

    # ---- fct_customer_lifecycle_history
    previous_snapshot: date | None = None
    previous_stages: dict[str, StageAt] = {}
    for snapshot in snapshots:
        current: dict[str, StageAt] = {}
        for customer_id in sorted(c for c, seen in first_seen.items() if seen is not None):
            if first_seen[customer_id] > snapshot:
                continue
            s = stage_at(purchase_dates.get(customer_id, []), snapshot, previous_snapshot, v)
            current[customer_id] = s
            tier = tier_at.get((customer_id, snapshot))
            # a customer is scored exactly when they have a purchase on or before the snapshot
            assert (tier is None) == (s.lifecycle_stage == "prospect"), (customer_id, snapshot)
            previous = previous_stages.get(customer_id)
            result.history.append(
                {
                    "customer_id": customer_id,
                    "snapshot_date": snapshot,
                    "previous_snapshot_date": previous_snapshot,
                    "first_seen_date": first_seen[customer_id],
                    "lifecycle_stage": s.lifecycle_stage,
                    "previous_lifecycle_stage": previous.lifecycle_stage if previous else None,
                    "tier": tier,
                    "purchase_days": s.purchase_days,
                    "first_purchase_date": s.first_purchase_date,
                    "last_purchase_date": s.last_purchase_date,
                    "recency_days": s.recency_days,
                    "mean_purchase_gap_days": s.mean_purchase_gap_days,
                    "is_reactivated": s.is_reactivated,
                }
            )
        result.stages_at[snapshot] = current

        # ---- fct_lifecycle_transitions
        pairs: Counter[tuple[str, str]] = Counter()
        for customer_id, s in current.items():
            previous = previous_stages.get(customer_id)
            from_stage = previous.lifecycle_stage if previous else UNSEEN
            pairs[(from_stage, s.lifecycle_stage)] += 1
        from_counts: Counter[str] = Counter()
        for (from_stage, _to_stage), customers in pairs.items():
            from_counts[from_stage] += customers
        # every customer at the previous snapshot is still in the history at this one
        assert all(c in current for c in previous_stages)
        for (from_stage, to_stage), customers in sorted(pairs.items()):
            result.transitions.append(
                {
                    "snapshot_date": snapshot,
                    "previous_snapshot_date": previous_snapshot,
                    "from_stage": from_stage,
                    "to_stage": to_stage,
                    "customers": customers,
                    "from_stage_customers": from_counts[from_stage],
                    "share_of_from_stage": _ratio(customers, from_counts[from_stage]),
                }
            )
        previous_snapshot = snapshot
        previous_stages = current

    as_of_stages = result.stages_at[as_of]
    for customer_id in sorted(first_seen):
        s = as_of_stages.get(customer_id)
        result.dim_customers.append(
            {
                "customer_id": customer_id,
                "first_seen_date": first_seen[customer_id],
                "current_lifecycle_stage": s.lifecycle_stage if s else None,
            }
        )

    result.cohort_retention = _cohort_retention(visible, as_of)
    result.growth_kpis = _growth_kpis(visible, profiles, first_seen, result, v)
    return result


def _cohort_retention(visible: list[oracle.Transaction], as_of: date) -> list[dict]:
    """rpt_cohort_retention from the valid transactions dated on or before as_of_date."""
    first_purchase: dict[str, date] = {}
    for t in visible:
        if t.amount > 0:
            current = first_purchase.get(t.customer_id)
            if current is None or t.transaction_date < current:
                first_purchase[t.customer_id] = t.transaction_date
    cohort_of = {c: month_index(d) for c, d in first_purchase.items()}
    cohort_size = Counter(cohort_of.values())
    active: dict[tuple[int, int], set[str]] = defaultdict(set)  # (cohort, month) -> customers
    revenue: dict[tuple[int, int], Decimal] = defaultdict(Decimal)
    for t in visible:
        cohort = cohort_of.get(t.customer_id)
        if cohort is None:
            continue
        month = month_index(t.transaction_date)
        if month < cohort:
            continue  # dated before the cohort month: in no cell
        revenue[(cohort, month)] += t.amount
        if t.amount > 0:
            active[(cohort, month)].add(t.customer_id)

    rows = []
    last_month = month_index(as_of)
    for cohort in sorted(cohort_size):
        customers = cohort_size[cohort]
        cumulative = Decimal(0)
        for months_since in range(last_month - cohort + 1):
            month = cohort + months_since
            net_revenue = revenue.get((cohort, month), Decimal(0))
            cumulative += net_revenue
            active_customers = len(active.get((cohort, month), ()))
            rows.append(
                {
                    "cohort_month": month_start(cohort),
                    "months_since_first_purchase": months_since,
                    "activity_month": month_start(month),
                    "cohort_customers": customers,
                    "active_customers": active_customers,
                    "retention_rate": _ratio(active_customers, customers),
                    "net_revenue": net_revenue,
                    "cumulative_net_revenue_per_customer": _ratio(cumulative, customers),
                }
            )
    return rows


def _growth_kpis(
    visible: list[oracle.Transaction],
    profiles: Mapping[str, date | None],
    first_seen: Mapping[str, date | None],
    lifecycle: LifecycleResult,
    v: LifecycleVars,
) -> list[dict]:
    """rpt_growth_kpis_monthly from the data dated on or before as_of_date."""
    as_of = lifecycle.as_of_date
    seen_dates = [d for d in first_seen.values() if d is not None]
    if not seen_dates:
        return []
    first_month, last_month = month_index(min(seen_dates)), month_index(as_of)

    purchases_of: dict[str, list[date]] = defaultdict(list)
    first_purchase: dict[str, date] = {}
    month_purchases: Counter[int] = Counter()
    month_purchase_amount: dict[int, Decimal] = defaultdict(Decimal)
    month_net_revenue: dict[int, Decimal] = defaultdict(Decimal)
    month_buyers: dict[int, set[str]] = defaultdict(set)
    for t in visible:
        month = month_index(t.transaction_date)
        month_net_revenue[month] += t.amount
        if t.amount > 0:
            purchases_of[t.customer_id].append(t.transaction_date)
            current = first_purchase.get(t.customer_id)
            if current is None or t.transaction_date < current:
                first_purchase[t.customer_id] = t.transaction_date
            month_purchases[month] += 1
            month_purchase_amount[month] += t.amount
            month_buyers[month].add(t.customer_id)
    new_buyers = Counter(month_index(d) for d in first_purchase.values())

    signups: Counter[int] = Counter()
    activated: Counter[int] = Counter()
    for customer_id, signup in profiles.items():
        if signup is None or signup > as_of:
            continue
        month = month_index(signup)
        signups[month] += 1
        window_end = min(signup + timedelta(days=v.activation_days), as_of)
        if any(signup <= d <= window_end for d in purchases_of.get(customer_id, [])):
            activated[month] += 1

    snapshot_of_month = {month_index(s): s for s in lifecycle.snapshot_dates}
    assert len(snapshot_of_month) == len(lifecycle.snapshot_dates), "one snapshot per month"
    position = {s: i for i, s in enumerate(lifecycle.snapshot_dates)}

    rows = []
    for month in range(first_month, last_month + 1):
        buyers = month_buyers.get(month, set())
        start = month_start(month)
        repeat = sum(1 for c in buyers if first_purchase[c] < start)
        churned = reactivated = 0
        snapshot = snapshot_of_month.get(month)
        if snapshot is not None:
            stages = lifecycle.stages_at[snapshot]
            i = position[snapshot]
            before = lifecycle.stages_at[lifecycle.snapshot_dates[i - 1]] if i > 0 else {}
            for customer_id, s in stages.items():
                was = before.get(customer_id)
                if s.lifecycle_stage == "churned" and (
                    was is None or was.lifecycle_stage != "churned"
                ):
                    churned += 1
                if s.lifecycle_stage == "reactivated":
                    reactivated += 1
        net_revenue = month_net_revenue.get(month, Decimal(0))
        rows.append(
            {
                "month": start,
                "is_complete_month": month < last_month or as_of == month_last_day(month),
                "signups": signups[month],
                "new_buyers": new_buyers[month],
                "activated_signups": activated[month],
                "activation_rate": _ratio(activated[month], signups[month]),
                "active_buyers": len(buyers),
                "repeat_buyers": repeat,
                "repeat_purchase_rate": _ratio(repeat, len(buyers)),
                "purchases": month_purchases[month],
                "net_revenue": net_revenue,
                "arpu": _ratio(net_revenue, len(buyers)),
                "average_order_value": _ratio(
                    month_purchase_amount.get(month, Decimal(0)), month_purchases[month]
                ),
                "churned_customers": churned,
                "reactivated_customers": reactivated,
            }
        )
    return rows


# --------------------------------------------------------------------------------------------
# Loading the optional raw tables (read only; the tests check first that nothing is quarantined)
# --------------------------------------------------------------------------------------------


def load_valid_profiles(raw_dir: Path) -> dict[str, date | None]:
    """customer_id -> signup_date of <raw_dir>/customers.parquet|.csv, for data whose rows are
    all valid (the caller checks that marts.fct_customers_quarantined is empty): ids trimmed,
    signup_date at its UTC date, blank = None. Raises on a row that would be quarantined."""
    rows = oracle.read_raw_table(Path(raw_dir), "customers") or []
    profiles: dict[str, date | None] = {}
    for row in rows:
        customer_id = oracle._trim(row.get("customer_id"))
        if customer_id is None:
            raise ValueError(f"customers row without customer_id: {row}")
        raw_signup = row.get("signup_date")
        if isinstance(raw_signup, str):
            raw_signup = oracle._trim(raw_signup)
        signup = None if raw_signup is None else oracle.parse_utc_date(raw_signup)
        if raw_signup is not None and signup is None:
            raise ValueError(f"customers row with an unparseable signup_date: {row}")
        if customer_id in profiles and profiles[customer_id] != signup:
            raise ValueError(f"conflicting profiles of customer {customer_id!r}")
        profiles[customer_id] = signup
    return profiles


def load_valid_events(raw_dir: Path) -> list[tuple[str, date]]:
    """(customer_id, UTC date of occurred_at) of every row of <raw_dir>/events.parquet|.csv, for
    data whose rows are all valid (the caller checks that marts.fct_events_quarantined is
    empty). Raises on a row without customer_id or with an unparseable occurred_at."""
    rows = oracle.read_raw_table(Path(raw_dir), "events") or []
    events: list[tuple[str, date]] = []
    for row in rows:
        customer_id = oracle._trim(row.get("customer_id"))
        day = oracle.parse_utc_date(row.get("occurred_at"))
        if customer_id is None or day is None:
            raise ValueError(f"events row that is not valid: {row}")
        events.append((customer_id, day))
    return events
