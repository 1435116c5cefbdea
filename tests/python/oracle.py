"""Independent pure-Python reference implementation of the Strata definitions.

Written from the definitions (README "Definitions": the docs blocks of models/docs.md and
models/marts/tiering/_tiering__docs.md), not from the dbt SQL.
No SQL is used for any computation: DuckDB / pyarrow / csv are only used to LOAD raw files.
Money is `decimal.Decimal`, dates are `datetime.date`.

Main entry point: `compute(transactions, as_of_date=None, n_bins=5)` returns an `OracleResult`
holding the expected rows of `fct_customer_rfm`, `fct_customer_tier_history`,
`fct_tier_migrations` and `rpt_tier_kpis` as lists of dicts keyed by the mart column names.

Readings of the definitions chosen where they leave room (see also the module docstrings):
- `net_revenue` of a tier with no transactions in the period (or no customers) is 0, the value of
  an empty sum (the definition now says so too).
- `customers_out` at the first snapshot is 0 (there is nobody "in T at the previous snapshot");
  `customers_in` at the first snapshot counts every customer of the tier.
- `customer_share` is null when nobody is scored at the snapshot.
- The first snapshot's period is unbounded below ("the beginning of the data"), so it also
  holds refunds / zero rows dated before the first purchase.
"""

from __future__ import annotations

import csv
import math
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from pathlib import Path

UTC = timezone.utc  # datetime.UTC needs Python 3.11
REPO_ROOT = Path(__file__).resolve().parents[2]
SEEDS_DIR = REPO_ROOT / "seeds"

MONEY_PLACES = Decimal("0.000001")  # DECIMAL(28,6)


# --------------------------------------------------------------------------------------------
# Input
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Transaction:
    """One valid transaction: ids already trimmed, date = UTC date of transacted_at."""

    transaction_id: str
    customer_id: str
    transaction_date: date
    amount: Decimal


@dataclass(frozen=True)
class TierBand:
    tier: str
    tier_rank: int
    min_rfm_score: int
    max_rfm_score: int


@dataclass(frozen=True)
class SegmentRule:
    segment: str
    priority: int
    r_min: int
    r_max: int
    f_min: int
    f_max: int
    m_min: int
    m_max: int


@dataclass(frozen=True)
class RecencyBucket:
    recency_bucket: str
    bucket_order: int
    min_days: int
    max_days: int | None  # None = no upper bound


@dataclass(frozen=True)
class Seeds:
    bands: list[TierBand]
    segments: list[SegmentRule]
    buckets: list[RecencyBucket]


def _read_csv_dicts(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def load_seeds(n_bins: int, seeds_dir: Path = SEEDS_DIR) -> Seeds:
    """Read the three seed CSVs; keep the band / segment rows for N = n_bins."""
    bands = [
        TierBand(
            tier=row["tier"],
            tier_rank=int(row["tier_rank"]),
            min_rfm_score=int(row["min_rfm_score"]),
            max_rfm_score=int(row["max_rfm_score"]),
        )
        for row in _read_csv_dicts(seeds_dir / "rfm_tier_bands.csv")
        if int(row["rfm_bins"]) == n_bins
    ]
    segments = [
        SegmentRule(
            segment=row["segment"],
            priority=int(row["priority"]),
            r_min=int(row["r_min"]),
            r_max=int(row["r_max"]),
            f_min=int(row["f_min"]),
            f_max=int(row["f_max"]),
            m_min=int(row["m_min"]),
            m_max=int(row["m_max"]),
        )
        for row in _read_csv_dicts(seeds_dir / "rfm_segments.csv")
        if int(row["rfm_bins"]) == n_bins
    ]
    buckets = [
        RecencyBucket(
            recency_bucket=row["recency_bucket"],
            bucket_order=int(row["bucket_order"]),
            min_days=int(row["min_days"]),
            max_days=int(row["max_days"]) if row["max_days"].strip() != "" else None,
        )
        for row in _read_csv_dicts(seeds_dir / "recency_buckets.csv")
    ]
    if not bands:
        raise ValueError(f"rfm_tier_bands.csv has no rows for rfm_bins={n_bins}")
    segments.sort(key=lambda s: s.priority)
    return Seeds(bands=bands, segments=segments, buckets=buckets)


# --------------------------------------------------------------------------------------------
# Rules
# --------------------------------------------------------------------------------------------


def ntile(n_rows: int, n_buckets: int) -> list[int]:
    """NTILE(n_buckets) over n_rows ordered rows, exactly as SQL defines it.

    Every bucket gets n_rows // n_buckets rows and the first n_rows % n_buckets buckets get one
    extra row. Returns the bucket number of each row position, in order.
    """
    base, extra = divmod(n_rows, n_buckets)
    result: list[int] = []
    for bucket in range(1, n_buckets + 1):
        size = base + (1 if bucket <= extra else 0)
        result.extend([bucket] * size)
    assert len(result) == n_rows
    return result


def tied_ntile_scores(metric: dict[str, object], descending: bool, n_bins: int) -> dict[str, int]:
    """NTILE(N) ordered by the metric (then customer_id ascending), ties share the lowest bucket.

    `metric` maps customer_id -> metric value.
    """
    if descending:
        ordered = sorted(metric, key=lambda c: (-metric[c], c))
    else:
        ordered = sorted(metric, key=lambda c: (metric[c], c))
    buckets = ntile(len(ordered), n_bins)
    raw_bucket = dict(zip(ordered, buckets, strict=True))

    lowest_bucket_of_value: dict[object, int] = {}
    for customer_id, bucket in raw_bucket.items():
        value = metric[customer_id]
        if value not in lowest_bucket_of_value or bucket < lowest_bucket_of_value[value]:
            lowest_bucket_of_value[value] = bucket
    return {c: lowest_bucket_of_value[metric[c]] for c in metric}


def tier_for(rfm_score: int, seeds: Seeds) -> TierBand:
    matches = [b for b in seeds.bands if b.min_rfm_score <= rfm_score <= b.max_rfm_score]
    if len(matches) != 1:
        raise ValueError(f"rfm_score {rfm_score} matches {len(matches)} bands")
    return matches[0]


def segment_for(r: int, f: int, m: int, seeds: Seeds) -> str:
    for rule in seeds.segments:  # ascending priority
        if (
            rule.r_min <= r <= rule.r_max
            and rule.f_min <= f <= rule.f_max
            and rule.m_min <= m <= rule.m_max
        ):
            return rule.segment
    return "other"


def recency_bucket_for(recency_days: int, seeds: Seeds) -> str:
    for bucket in seeds.buckets:
        if bucket.min_days <= recency_days and (
            bucket.max_days is None or recency_days <= bucket.max_days
        ):
            return bucket.recency_bucket
    raise ValueError(f"no recency bucket for {recency_days} days")


def is_purchase(t: Transaction) -> bool:
    return t.amount > 0


def default_as_of_date(transactions: list[Transaction]) -> date | None:
    """The date of the latest purchase in the data."""
    purchase_dates = [t.transaction_date for t in transactions if is_purchase(t)]
    return max(purchase_dates) if purchase_dates else None


def month_end(year: int, month: int) -> date:
    if month == 12:
        return date(year, 12, 31)
    return date(year, month + 1, 1) - timedelta(days=1)


def snapshot_dates(transactions: list[Transaction], as_of_date: date) -> list[date]:
    """Every month end from the month of the first purchase up to, but not including,
    as_of_date, plus as_of_date itself. Transactions after as_of_date are ignored."""
    purchase_dates = [
        t.transaction_date
        for t in transactions
        if is_purchase(t) and t.transaction_date <= as_of_date
    ]
    dates: list[date] = []
    if purchase_dates:
        first = min(purchase_dates)
        year, month = first.year, first.month
        while month_end(year, month) < as_of_date:
            dates.append(month_end(year, month))
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    dates.append(as_of_date)
    return dates


# --------------------------------------------------------------------------------------------
# Scoring one snapshot
# --------------------------------------------------------------------------------------------


def score_snapshot(
    transactions: list[Transaction], snapshot: date, seeds: Seeds, n_bins: int
) -> dict[str, dict]:
    """customer_id -> scored row (metrics, scores, cell, tier, ...) at one snapshot date."""
    visible = [t for t in transactions if t.transaction_date <= snapshot]
    by_customer: dict[str, list[Transaction]] = defaultdict(list)
    for t in visible:
        by_customer[t.customer_id].append(t)

    metrics: dict[str, dict] = {}
    for customer_id, rows in by_customer.items():
        purchases = [t for t in rows if is_purchase(t)]
        if not purchases:
            continue  # not scored: no purchase on or before the snapshot
        last_purchase = max(t.transaction_date for t in purchases)
        first_purchase = min(t.transaction_date for t in purchases)
        monetary = sum((t.amount for t in rows), Decimal(0))
        metrics[customer_id] = {
            "recency_days": (snapshot - last_purchase).days,
            "frequency": len(purchases),
            "monetary": monetary,
            "first_purchase_date": first_purchase,
            "last_purchase_date": last_purchase,
        }

    r_scores = tied_ntile_scores(
        {c: m["recency_days"] for c, m in metrics.items()}, descending=True, n_bins=n_bins
    )
    f_scores = tied_ntile_scores(
        {c: m["frequency"] for c, m in metrics.items()}, descending=False, n_bins=n_bins
    )
    m_scores = tied_ntile_scores(
        {c: m["monetary"] for c, m in metrics.items()}, descending=False, n_bins=n_bins
    )

    scored: dict[str, dict] = {}
    for customer_id, m in metrics.items():
        r, f, mo = r_scores[customer_id], f_scores[customer_id], m_scores[customer_id]
        rfm_score = r + f + mo
        band = tier_for(rfm_score, seeds)
        scored[customer_id] = {
            "customer_id": customer_id,
            "tier": band.tier,
            "segment": segment_for(r, f, mo, seeds),
            "rfm_cell": f"{r}{f}{mo}",
            "recency_bucket": recency_bucket_for(m["recency_days"], seeds),
            "tier_rank": band.tier_rank,
            "recency_days": m["recency_days"],
            "frequency": m["frequency"],
            "monetary": m["monetary"],
            "r_score": r,
            "f_score": f,
            "m_score": mo,
            "rfm_score": rfm_score,
            "first_purchase_date": m["first_purchase_date"],
            "last_purchase_date": m["last_purchase_date"],
        }
    return scored


# --------------------------------------------------------------------------------------------
# All marts
# --------------------------------------------------------------------------------------------


@dataclass
class OracleResult:
    as_of_date: date
    snapshot_dates: list[date]
    customer_rfm: list[dict] = field(default_factory=list)
    tier_history: list[dict] = field(default_factory=list)
    tier_migrations: list[dict] = field(default_factory=list)
    tier_kpis: list[dict] = field(default_factory=list)
    # snapshot date -> customer_id -> scored row
    scored_at: dict[date, dict[str, dict]] = field(default_factory=dict)


def _ratio(numerator, denominator) -> float | None:
    if denominator == 0:
        return None
    return float(Decimal(numerator) / Decimal(denominator))


def compute(
    transactions: list[Transaction],
    as_of_date: date | None = None,
    n_bins: int = 5,
    seeds_dir: Path = SEEDS_DIR,
) -> OracleResult:
    seeds = load_seeds(n_bins, seeds_dir)
    if as_of_date is None:
        as_of_date = default_as_of_date(transactions)
        if as_of_date is None:
            raise ValueError("no purchases in the data and no as_of_date")
    # "Transactions dated after it are ignored by every score."
    transactions = [t for t in transactions if t.transaction_date <= as_of_date]
    snapshots = snapshot_dates(transactions, as_of_date)
    result = OracleResult(as_of_date=as_of_date, snapshot_dates=snapshots)

    tiers_by_rank = sorted(seeds.bands, key=lambda b: -b.tier_rank)
    rank_of = {b.tier: b.tier_rank for b in seeds.bands}

    previous_snapshot: date | None = None
    previous: dict[str, dict] = {}
    for snapshot in snapshots:
        current = score_snapshot(transactions, snapshot, seeds, n_bins)
        result.scored_at[snapshot] = current

        # The period: day after the previous snapshot (or the beginning of data) .. snapshot.
        period = [
            t
            for t in transactions
            if t.transaction_date <= snapshot
            and (previous_snapshot is None or t.transaction_date > previous_snapshot)
        ]
        period_net_revenue: dict[str, Decimal] = defaultdict(Decimal)
        for t in period:
            period_net_revenue[t.customer_id] += t.amount

        # ---- fct_customer_tier_history
        for customer_id in sorted(current):
            row = dict(current[customer_id])
            row["period_net_revenue"] = period_net_revenue[customer_id]
            prev_row = previous.get(customer_id)
            row["previous_tier"] = prev_row["tier"] if prev_row else None
            row["snapshot_date"] = snapshot
            row["previous_snapshot_date"] = previous_snapshot
            result.tier_history.append(row)

        # ---- fct_tier_migrations
        pair_counts: Counter[tuple[str, str]] = Counter()
        for customer_id, row in current.items():
            from_tier = previous[customer_id]["tier"] if customer_id in previous else "new"
            pair_counts[(from_tier, row["tier"])] += 1
        prev_tier_counts = Counter(row["tier"] for row in previous.values())
        new_customers = sum(1 for c in current if c not in previous)
        for (from_tier, to_tier), customers in sorted(pair_counts.items()):
            if from_tier == "new":
                direction = "new"
                from_tier_customers = new_customers
            else:
                from_tier_customers = prev_tier_counts[from_tier]
                if rank_of[to_tier] > rank_of[from_tier]:
                    direction = "up"
                elif rank_of[to_tier] < rank_of[from_tier]:
                    direction = "down"
                else:
                    direction = "same"
            result.tier_migrations.append(
                {
                    "from_tier": from_tier,
                    "to_tier": to_tier,
                    "direction": direction,
                    "customers": customers,
                    "from_tier_customers": from_tier_customers,
                    "share_of_from_tier": customers / from_tier_customers,
                    "snapshot_date": snapshot,
                    "previous_snapshot_date": previous_snapshot,
                }
            )

        # ---- rpt_tier_kpis
        tier_of_now = {c: row["tier"] for c, row in current.items()}
        net_revenue_by_tier: dict[str, Decimal] = defaultdict(Decimal)
        for t in period:
            if t.customer_id in tier_of_now:
                net_revenue_by_tier[tier_of_now[t.customer_id]] += t.amount
        all_net_revenue = sum((net_revenue_by_tier[b.tier] for b in seeds.bands), Decimal(0))
        all_scored = len(current)
        for band in tiers_by_rank:
            tier = band.tier
            members = [c for c, row in current.items() if row["tier"] == tier]
            prev_members = [c for c, row in previous.items() if row["tier"] == tier]
            customers = len(members)
            total_monetary = sum((current[c]["monetary"] for c in members), Decimal(0))
            prev_total_monetary = sum((previous[c]["monetary"] for c in prev_members), Decimal(0))
            customers_in = sum(
                1 for c in members if c not in previous or previous[c]["tier"] != tier
            )
            customers_out = sum(1 for c in prev_members if current[c]["tier"] != tier)
            first = previous_snapshot is None
            net_revenue = net_revenue_by_tier[tier]
            result.tier_kpis.append(
                {
                    "tier": tier,
                    "tier_rank": band.tier_rank,
                    "customers": customers,
                    "customer_share": _ratio(customers, all_scored),
                    "net_revenue": net_revenue,
                    "revenue_share": _ratio(net_revenue, all_net_revenue),
                    "total_monetary": total_monetary,
                    "avg_monetary": _ratio(total_monetary, customers),
                    "customers_in": customers_in,
                    "customers_out": customers_out,
                    "migration_rate": None if first else _ratio(customers_out, len(prev_members)),
                    "value_growth_rate": (
                        None
                        if first or prev_total_monetary == 0
                        else float(total_monetary / prev_total_monetary) - 1
                    ),
                    "previous_customers": None if first else len(prev_members),
                    "previous_total_monetary": None if first else prev_total_monetary,
                    "snapshot_customers": all_scored,
                    "snapshot_net_revenue": all_net_revenue,
                    "snapshot_date": snapshot,
                    "previous_snapshot_date": previous_snapshot,
                }
            )

        previous_snapshot = snapshot
        previous = current

    # ---- fct_customer_rfm = the scored customers at as_of_date
    for customer_id in sorted(result.scored_at[as_of_date]):
        row = dict(result.scored_at[as_of_date][customer_id])
        row["as_of_date"] = as_of_date
        result.customer_rfm.append(row)
    return result


# --------------------------------------------------------------------------------------------
# Loading raw files (the only place where DuckDB/pyarrow/csv are used, and only to read)
# --------------------------------------------------------------------------------------------

_ISO_TIMESTAMP = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})"  # date
    r"(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?"  # optional time
    r"(Z|[+-]\d{2}(?::?\d{2})?)?)?$"  # optional offset (only with a time)
)
# models/reject_reasons.md (unparseable_amount): optional sign, digits, at most 6 decimals after
# a '.' ('12', '-3.50', '.25')
_PLAIN_DECIMAL = re.compile(r"^[+-]?(?:\d+(?:\.\d{0,6})?|\.\d{1,6})$")


def parse_utc_instant(value) -> tuple[datetime, str] | None:
    """The UTC instant of an ISO-8601 date / timestamp (text, or a typed Parquet value).

    A timestamp without offset is UTC. Returns (naive UTC datetime to the second, the fraction
    of a second as digits without trailing zeros), or None when the value cannot be parsed."""
    if value is None:
        return None
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(UTC).replace(tzinfo=None)
        return value.replace(microsecond=0), f"{value.microsecond:06d}".rstrip("0")
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day), ""
    match = _ISO_TIMESTAMP.match(str(value).strip())
    if not match:
        return None
    year, month, day, hour, minute, second, fraction, offset = match.groups()
    try:
        moment = datetime(
            int(year),
            int(month),
            int(day),
            int(hour or 0),
            int(minute or 0),
            int(second or 0),
        )
    except ValueError:
        return None
    if offset and offset != "Z":
        sign = 1 if offset[0] == "+" else -1
        digits = offset[1:].replace(":", "")
        hours = int(digits[:2])
        minutes = int(digits[2:4]) if len(digits) >= 4 else 0
        if hours > 23 or minutes > 59:
            return None
        moment = moment - sign * timedelta(hours=hours, minutes=minutes)
    return moment, (fraction or "").rstrip("0")


def parse_utc_date(value) -> date | None:
    """UTC date of an ISO-8601 date / timestamp; None when it cannot be parsed."""
    instant = parse_utc_instant(value)
    return instant[0].date() if instant is not None else None


def parse_amount(value) -> Decimal | None:
    """A plain decimal number (as text or typed); None when unparseable."""
    if value is None:
        return None
    if isinstance(value, Decimal):
        amount = value
    elif isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            return None
        amount = Decimal(repr(value))
    elif isinstance(value, int):
        amount = Decimal(value)
    else:
        text = str(value).strip()
        if not _PLAIN_DECIMAL.match(text):
            return None
        try:
            amount = Decimal(text)
        except InvalidOperation:
            return None
    if not amount.is_finite():
        return None
    return amount.quantize(MONEY_PLACES, rounding=ROUND_HALF_UP)


_TRIMMED = " \t\r\n\u00a0"  # README: spaces, tabs, line breaks and no-break spaces


def _trim(value) -> str | None:
    if value is None:
        return None
    text = str(value).strip(_TRIMMED)
    return text if text != "" else None


def read_raw_table(raw_dir: Path, table: str) -> list[dict] | None:
    """Rows of <raw_dir>/<table>.parquet, else .csv (all values as read, CSV as text)."""
    parquet = Path(raw_dir) / f"{table}.parquet"
    csv_path = Path(raw_dir) / f"{table}.csv"
    if parquet.exists():
        import pyarrow.parquet as pq

        return pq.read_table(parquet).to_pylist()
    if csv_path.exists():
        return _read_csv_dicts(csv_path)
    return None


@dataclass
class RawLoad:
    valid: list[Transaction]
    raw_rows: int
    rejected: dict[str, int]  # reject_reason -> raw rows
    duplicate_rows: int  # exact duplicates collapsed


MIN_TRANSACTION_DATE = date(1970, 1, 2)  # README var min_transaction_date (default)
MAX_FUTURE_DAYS = 1  # README var max_future_days (default)


def _row_reject_reason(content: tuple, run_date: date) -> str | None:
    """First failing row-level rule (order of models/reject_reasons.md), None when usable."""
    customer_id, _ts_key, utc_date, amount = content
    if customer_id is None:
        return "missing_customer_id"
    if utc_date is None:
        return "unparseable_timestamp"
    if not isinstance(amount, Decimal):
        return "unparseable_amount"
    if utc_date < MIN_TRANSACTION_DATE:
        return "timestamp_before_min_date"
    if utc_date > run_date + timedelta(days=MAX_FUTURE_DAYS):
        return "timestamp_in_future"
    return None


def load_raw_transactions(raw_dir: Path, run_date: date | None = None) -> RawLoad:
    """Apply the README's raw contract to transactions and return the valid ones.

    Identifiers are trimmed; a row is rejected for the first failing rule; rows equal in every
    contract column after parsing (trimmed ids, same instant, same amount value) collapse into
    one; a transaction_id that appears with different content (in any of its rows, valid or
    not) has every version quarantined. run_date defaults to today (UTC)."""
    run_date = run_date or datetime.now(UTC).date()
    rows = read_raw_table(Path(raw_dir), "transactions")
    if rows is None:
        raise FileNotFoundError(f"no transactions file in {raw_dir}")
    rejected: Counter[str] = Counter()
    versions: dict[str, list[tuple]] = defaultdict(list)
    for row in rows:
        transaction_id = _trim(row.get("transaction_id"))
        if transaction_id is None:
            rejected["missing_transaction_id"] += 1
            continue
        raw_ts = row.get("transacted_at")
        amount = parse_amount(row.get("amount"))
        versions[transaction_id].append(
            (
                _trim(row.get("customer_id")),
                _timestamp_key(raw_ts),  # the instant (or the raw text when unparseable)
                parse_utc_date(raw_ts),
                amount if amount is not None else ("unparseable", str(row.get("amount"))),
            )
        )

    valid: list[Transaction] = []
    duplicate_rows = 0
    for transaction_id, contents in versions.items():
        distinct = {(c[0], c[1], c[3]) for c in contents}
        if len(distinct) > 1:
            for content in contents:
                reason = _row_reject_reason(content, run_date) or "conflicting_duplicate"
                rejected[reason] += 1
            continue
        reason = _row_reject_reason(contents[0], run_date)
        if reason is not None:
            rejected[reason] += len(contents)
            continue
        customer_id, _ts_key, utc_date, amount = contents[0]
        duplicate_rows += len(contents) - 1
        valid.append(Transaction(transaction_id, customer_id, utc_date, amount))
    return RawLoad(
        valid=valid, raw_rows=len(rows), rejected=dict(rejected), duplicate_rows=duplicate_rows
    )


def _timestamp_key(value):
    """A comparable key for the instant of a transacted_at value (raw text if unparseable)."""
    instant = parse_utc_instant(value)
    if instant is None:
        return ("unparseable", "" if value is None else str(value))
    return instant
