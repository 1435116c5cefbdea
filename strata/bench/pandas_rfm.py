"""pandas implementation of Strata's current RFM with tiers (at ``as_of_date`` only).

What a data scientist would write in a notebook, following README "Definitions":

* ``as_of_date`` = the date of the latest purchase; later transactions are ignored;
* per customer: ``frequency`` (purchases), ``monetary`` (net sum of all amounts), first and last
  purchase dates; scored customers are those with at least one purchase;
* ``recency_days`` = ``as_of_date`` - last purchase date;
* scores: NTILE(N) by recency descending / frequency ascending / monetary ascending, ties sharing
  the lowest bucket. Because equal values occupy consecutive positions of the NTILE ordering,
  "the lowest bucket NTILE gave any of them" is the bucket of the group's first position, i.e.
  of ``rank(method="min") - 1``: no sort by customer_id is needed;
* ``tier`` from ``seeds/rfm_tier_bands.csv`` by ``rfm_score`` = r + f + m.

Money is kept exact as int64 micro-units (the warehouse's ``decimal(28,6)``), so equal sums tie
exactly as they do in DuckDB; a float sum would break ties and change scores.

Usage::

    python -m strata.bench.pandas_rfm --raw DIR --out FILE.parquet [--seeds DIR] [--bins 5] \\
        [--json-out FILE]

Prints (and optionally writes) a JSON object with the seconds spent reading, computing, and in
total (read + compute; writing the output file is not timed).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from strata.bench.common import emit_timings, timed_child_parser

MICROS_PER_UNIT = 1_000_000


def read_transactions(path: Path) -> pd.DataFrame:
    """Read the three columns the RFM needs; ``amount`` becomes exact int64 micro-units."""
    frame = pd.read_parquet(
        path, columns=["customer_id", "transacted_at", "amount"], dtype_backend="pyarrow"
    )
    amount = frame["amount"].astype("float64").to_numpy()
    return pd.DataFrame(
        {
            "customer_id": frame["customer_id"],
            "transaction_date": frame["transacted_at"].astype("datetime64[us]").dt.floor("D"),
            "amount_micro": np.rint(amount * MICROS_PER_UNIT).astype(np.int64),
        }
    )


def read_tier_bands(seeds_dir: Path, bins: int) -> np.ndarray:
    """Return an array mapping ``rfm_score`` (index 0..3N) to its tier name."""
    bands = pd.read_csv(seeds_dir / "rfm_tier_bands.csv")
    bands = bands[bands["rfm_bins"] == bins]
    tier_by_score = np.full(3 * bins + 1, None, dtype=object)
    for band in bands.itertuples():
        tier_by_score[band.min_rfm_score : band.max_rfm_score + 1] = band.tier
    return tier_by_score


def ntile_of_position(position: np.ndarray, rows: int, bins: int) -> np.ndarray:
    """NTILE(bins) bucket (1-based) of 0-based ``position`` among ``rows`` ordered rows.

    SQL's NTILE gives every bucket ``rows // bins`` rows and one more to the first
    ``rows % bins`` buckets.
    """
    base, extra = divmod(rows, bins)
    in_bigger = extra * (base + 1)
    return np.where(
        position < in_bigger,
        position // (base + 1) + 1,
        (position - in_bigger) // max(base, 1) + extra + 1,
    ).astype(np.int64)


def tied_ntile(metric: pd.Series, bins: int, ascending: bool) -> np.ndarray:
    """NTILE(bins) ordered by ``metric``, every tie taking the lowest bucket of its value."""
    first_position = metric.rank(method="min", ascending=ascending).to_numpy(np.int64) - 1
    return ntile_of_position(first_position, len(metric), bins)


def customer_metrics(transactions: pd.DataFrame) -> tuple[pd.DataFrame, pd.Timestamp]:
    """Per scored customer: frequency, monetary, first / last purchase; and ``as_of_date``."""
    is_purchase = transactions["amount_micro"] > 0
    as_of_date = transactions.loc[is_purchase, "transaction_date"].max()
    visible = transactions["transaction_date"] <= as_of_date
    frame = transactions.assign(
        is_purchase=is_purchase,
        purchase_date=transactions["transaction_date"].where(is_purchase),
    )[visible]
    metrics = frame.groupby("customer_id", sort=False).agg(
        frequency=("is_purchase", "sum"),
        monetary_micro=("amount_micro", "sum"),
        first_purchase_date=("purchase_date", "min"),
        last_purchase_date=("purchase_date", "max"),
    )
    return metrics[metrics["frequency"] > 0], as_of_date


def score(
    metrics: pd.DataFrame, as_of_date: pd.Timestamp, tier_by_score: np.ndarray, bins: int
) -> pd.DataFrame:
    """Add recency, the three scores, rfm_score, rfm_cell and tier; one row per customer."""
    recency_days = (as_of_date - metrics["last_purchase_date"]).dt.days
    r_score = tied_ntile(recency_days, bins, ascending=False)
    f_score = tied_ntile(metrics["frequency"], bins, ascending=True)
    m_score = tied_ntile(metrics["monetary_micro"], bins, ascending=True)
    rfm_score = r_score + f_score + m_score
    return pd.DataFrame(
        {
            "customer_id": metrics.index.to_numpy(),
            "as_of_date": as_of_date,
            "recency_days": recency_days.to_numpy(np.int64),
            "frequency": metrics["frequency"].to_numpy(np.int64),
            "monetary_micro": metrics["monetary_micro"].to_numpy(np.int64),
            "r_score": r_score,
            "f_score": f_score,
            "m_score": m_score,
            "rfm_score": rfm_score,
            "rfm_cell": (r_score * 100 + f_score * 10 + m_score).astype(str),
            "tier": tier_by_score[rfm_score],
        }
    )


def run_pandas_rfm(
    raw_dir: Path, seeds_dir: Path, bins: int
) -> tuple[pd.DataFrame, dict[str, float]]:
    """Compute the current RFM; return it and the seconds spent per phase."""
    started = time.perf_counter()
    tier_by_score = read_tier_bands(seeds_dir, bins)
    transactions = read_transactions(raw_dir / "transactions.parquet")
    read_done = time.perf_counter()
    metrics, as_of_date = customer_metrics(transactions)
    current = score(metrics, as_of_date, tier_by_score, bins)
    done = time.perf_counter()
    timings = {"read": read_done - started, "compute": done - read_done, "total": done - started}
    return current, timings


def write_output(current: pd.DataFrame, out: Path) -> None:
    """Write the result as Parquet (dates as dates) for the benchmark's checks."""
    out.parent.mkdir(parents=True, exist_ok=True)
    current.assign(as_of_date=current["as_of_date"].dt.date).to_parquet(out, index=False)


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """Parse the command line."""
    parser = timed_child_parser("pandas implementation of Strata's current RFM.")
    parser.add_argument("--out", type=Path, required=True, help="Parquet file for the result")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point."""
    args = parse_args(argv)
    current, timings = run_pandas_rfm(args.raw, args.seeds, args.bins)
    write_output(current, args.out)
    timings["scored_customers"] = len(current)
    emit_timings(timings, args.json_out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
