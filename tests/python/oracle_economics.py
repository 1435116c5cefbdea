"""Independent pure-Python reference of rpt_unit_economics_monthly (issue 16), written from its
definitions (models/marts/economics/_economics__docs.md, models/reject_reasons.md), never from
the SQL. Inputs: the raw files (valid transactions through oracle.py, the customers' acquisition
channels, the marketing spend), the customers' first purchase dates from the tiering oracle and
their predicted CLV from fct_customer_value (checked against published results elsewhere)."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import oracle

MAX_FUTURE_DAYS = 1


def month_start(day: date) -> date:
    return day.replace(day=1)


def next_month(day: date) -> date:
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


def last_day(month: date) -> date:
    return next_month(month) - timedelta(days=1)


def months_between(first: date, second: date) -> int:
    return (second.year - first.year) * 12 + second.month - first.month


def load_channels(raw_dir: Path) -> dict[str, str | None]:
    """customer_id -> acquisition_channel (trimmed, lower-cased; None when blank or absent) of
    an all-valid customers file."""
    channels = {}
    for row in oracle.read_raw_table(Path(raw_dir), "customers") or []:
        channel = oracle._trim(row.get("acquisition_channel"))
        channels[oracle._trim(row.get("customer_id"))] = channel.lower() if channel else None
    return channels


def validate_spend(raw_dir: Path, run_date: date) -> tuple[list[tuple[date, str, Decimal]], dict]:
    """The valid spend rows (spent_on, channel, amount) and the raw rows rejected per reason."""
    counts: dict[tuple, int] = defaultdict(int)
    for row in oracle.read_raw_table(Path(raw_dir), "marketing_spend") or []:
        channel = oracle._trim(row.get("channel"))
        raw_amount = row.get("amount")
        amount = oracle.parse_amount(raw_amount)
        spent_on = oracle.parse_utc_date(row.get("spent_on"))
        content = (
            channel.lower() if channel else None,
            spent_on,
            None if spent_on else str(row.get("spent_on")),
            amount,
            None if amount is not None else str(raw_amount),
        )
        counts[content] += 1
    versions: dict[tuple, int] = defaultdict(int)
    for channel, spent_on, *_ in counts:
        if channel is not None and spent_on is not None:
            versions[(spent_on, channel)] += 1
    valid, rejected = [], defaultdict(int)
    for content, raw_rows in counts.items():
        channel, spent_on, _, amount, _ = content
        if channel is None:
            reason = "missing_channel"
        elif spent_on is None:
            reason = "unparseable_date"
        elif amount is None:
            reason = "unparseable_amount"
        elif amount < 0:
            reason = "negative_amount"
        elif spent_on > run_date + timedelta(days=MAX_FUTURE_DAYS):
            reason = "timestamp_in_future"
        elif versions[(spent_on, channel)] > 1:
            reason = "conflicting_duplicate"
        else:
            valid.append((spent_on, channel, amount))
            continue
        rejected[reason] += raw_rows
    return valid, dict(rejected)


def compute_unit_economics(
    spend: list[tuple[date, str, Decimal]],
    channels: dict[str, str | None],
    first_purchase: dict[str, date],
    predicted_clv: dict[str, float | None],
    transactions: list[oracle.Transaction],
    as_of: date,
) -> list[dict]:
    counted = [(d, c, a) for d, c, a in spend if d <= as_of]
    if not counted:
        return []
    first_month, last_month = min(month_start(d) for d, _, _ in counted), month_start(as_of)
    months = [first_month]
    while months[-1] < last_month:
        months.append(next_month(months[-1]))
    spent = defaultdict(Decimal)
    for d, c, a in counted:
        spent[(month_start(d), c)] += a
    buyers = defaultdict(list)
    for customer, first in first_purchase.items():
        buyers[(month_start(first), channels.get(customer) or "unknown")].append(customer)
    names = {c for _, c in spent} | {c for (m, c) in buyers if m >= first_month}
    by_customer = defaultdict(list)
    for t in transactions:
        if t.customer_id in first_purchase and t.transaction_date <= as_of:
            by_customer[t.customer_id].append(t)
    rows = []
    for month in months:
        for channel in sorted(names):
            members = buyers.get((month, channel), [])
            n = len(members)
            total_spend = spent.get((month, channel), Decimal(0))
            cac = float(total_spend) / n if n else None
            clvs = [predicted_clv[c] for c in members if predicted_clv.get(c) is not None]
            avg_clv = sum(clvs) / len(clvs) if clvs else None
            row = {
                "month": month,
                "channel": channel,
                "new_buyers": n,
                "spend": total_spend,
                "cac": cac,
                "avg_predicted_clv": avg_clv,
                "clv_to_cac": avg_clv / cac if avg_clv is not None and cac else None,
            }
            for days in (90, 180, 365):
                value = None
                if n and last_day(month) + timedelta(days=days - 1) <= as_of:
                    value = (
                        sum(
                            float(t.amount)
                            for c in members
                            for t in by_customer[c]
                            if first_purchase[c]
                            <= t.transaction_date
                            <= first_purchase[c] + timedelta(days=days - 1)
                        )
                        / n
                    )
                row[f"avg_net_revenue_{days}d"] = value
            payback = None
            if n:
                per_month = defaultdict(Decimal)
                for c in members:
                    for t in by_customer[c]:
                        if month_start(t.transaction_date) >= month:
                            per_month[month_start(t.transaction_date)] += t.amount
                cumulative = Decimal(0)
                for activity in sorted(per_month):
                    cumulative += per_month[activity]
                    if cumulative >= total_spend:
                        payback = months_between(month, activity) + 1
                        break
            row["months_to_payback"] = payback
            row["as_of_date"] = as_of
            rows.append(row)
    return rows
