"""Hand-written DuckDB baseline for the Strata benchmark.

The straightforward way to compute Strata's core outputs, in a few SQL statements on one DuckDB
connection, with none of the project's machinery (no dbt, no validation or quarantine, no
contracts, no tests):

1. ``snapshot_dates``: the snapshot calendar (README "Definitions": every month end from the month
   of the first purchase up to, but not including, ``as_of_date`` = the date of the latest
   purchase, plus ``as_of_date``);
2. ``customer_periods``: transactions aggregated per customer and snapshot period (one pass over
   the raw Parquet file);
3. ``tier_history``: running sums over a customer x snapshot spine, NTILE per snapshot with ties
   sharing the lowest bucket, the tier band join and the previous snapshot's tier;
4. ``customer_rfm``: the rows of ``tier_history`` at ``as_of_date``;
5. ``tier_migrations``: customers per snapshot and (from_tier, to_tier).

The tables are written into a fresh DuckDB file so that ``strata bench`` can compare them with
Strata's marts. It assumes clean input (the benchmark data are generated, so nothing would be
quarantined); Strata's validation, segments, recency buckets, KPIs and tests are the work it is
allowed to spend on top of this (the benchmark's target is 1.25x).

Usage::

    python -m strata.bench.baseline --raw DIR --db FILE [--seeds DIR] [--bins 5] \\
        [--threads N] [--memory-limit 6GB] [--json-out FILE]

Prints (and optionally writes) a JSON object with the time of each step in seconds.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import duckdb

from strata.bench.common import emit_timings, timed_child_parser
from strata.sql import sql_string

#: The steps, in order: (name, SQL). ``{raw}``, ``{bands}`` and ``{bins}`` are filled in by
#: :func:`render_steps`.
STEP_SQL: tuple[tuple[str, str], ...] = (
    (
        "tier_bands",
        """
        create temp table tier_bands as
        select tier, tier_rank, min_rfm_score, max_rfm_score
        from read_csv({bands}, header = true)
        where rfm_bins = {bins}
        """,
    ),
    (
        "snapshot_dates",
        """
        create table snapshot_dates as
        with purchase_bounds as (
            select
                min(cast(transacted_at as date)) as first_purchase_date,
                max(cast(transacted_at as date)) as as_of_date
            from read_parquet({raw})
            where amount > 0
        ),
        month_starts as (
            select unnest(generate_series(
                cast(date_trunc('month', first_purchase_date) as timestamp),
                cast(date_trunc('month', as_of_date) as timestamp),
                interval 1 month
            )) as month_start
            from purchase_bounds
        ),
        snapshots as (
            select cast(last_day(month_start) as date) as snapshot_date
            from month_starts, purchase_bounds
            where last_day(month_start) < as_of_date
            union all
            select as_of_date from purchase_bounds
        )
        select
            snapshot_date,
            lag(snapshot_date) over (order by snapshot_date) as previous_snapshot_date
        from snapshots
        """,
    ),
    (
        "customer_periods",
        """
        create temp table customer_periods as
        with bounds as (
            select min(snapshot_date) as first_snapshot_date, max(snapshot_date) as as_of_date
            from snapshot_dates
        ),
        transactions as (
            select customer_id, cast(transacted_at as date) as transaction_date, amount
            from read_parquet({raw})
        )
        select
            transactions.customer_id,
            greatest(
                bounds.first_snapshot_date,
                least(last_day(transactions.transaction_date), bounds.as_of_date)
            ) as snapshot_date,
            count(*) filter (where transactions.amount > 0) as purchases,
            sum(transactions.amount) as net_amount,
            min(transactions.transaction_date) filter (where transactions.amount > 0)
                as first_purchase_date,
            max(transactions.transaction_date) filter (where transactions.amount > 0)
                as last_purchase_date
        from transactions, bounds
        where transactions.transaction_date <= bounds.as_of_date
        group by all
        """,
    ),
    (
        "tier_history",
        """
        create table tier_history as
        with customer_starts as (
            select customer_id, min(snapshot_date) as first_snapshot_date
            from customer_periods
            group by customer_id
        ),
        spine as (
            select customer_starts.customer_id, snapshot_dates.snapshot_date
            from customer_starts
            inner join snapshot_dates
                on snapshot_dates.snapshot_date >= customer_starts.first_snapshot_date
        ),
        accumulated as (
            select
                spine.customer_id,
                spine.snapshot_date,
                sum(coalesce(periods.purchases, 0)) over to_date as frequency,
                sum(coalesce(periods.net_amount, 0)) over to_date as monetary,
                min(periods.first_purchase_date) over to_date as first_purchase_date,
                max(periods.last_purchase_date) over to_date as last_purchase_date
            from spine
            left join customer_periods as periods
                on periods.customer_id = spine.customer_id
                and periods.snapshot_date = spine.snapshot_date
            window to_date as (
                partition by spine.customer_id
                order by spine.snapshot_date
                rows between unbounded preceding and current row
            )
        ),
        scored as (
            select *, snapshot_date - last_purchase_date as recency_days
            from accumulated
            where frequency > 0
        ),
        bucketed as (
            select
                *,
                ntile({bins}) over (
                    partition by snapshot_date order by recency_days desc, customer_id
                ) as r_bucket,
                ntile({bins}) over (
                    partition by snapshot_date order by frequency, customer_id
                ) as f_bucket,
                ntile({bins}) over (
                    partition by snapshot_date order by monetary, customer_id
                ) as m_bucket
            from scored
        ),
        scores as (
            select
                *,
                min(r_bucket) over (partition by snapshot_date, recency_days) as r_score,
                min(f_bucket) over (partition by snapshot_date, frequency) as f_score,
                min(m_bucket) over (partition by snapshot_date, monetary) as m_score
            from bucketed
        ),
        tiered as (
            select
                scores.customer_id,
                scores.snapshot_date,
                scores.recency_days,
                scores.frequency,
                scores.monetary,
                scores.first_purchase_date,
                scores.last_purchase_date,
                scores.r_score,
                scores.f_score,
                scores.m_score,
                scores.r_score + scores.f_score + scores.m_score as rfm_score,
                concat(scores.r_score, scores.f_score, scores.m_score) as rfm_cell,
                tier_bands.tier,
                tier_bands.tier_rank
            from scores
            inner join tier_bands
                on scores.r_score + scores.f_score + scores.m_score
                between tier_bands.min_rfm_score and tier_bands.max_rfm_score
        )
        select
            *,
            lag(tier) over (partition by customer_id order by snapshot_date) as previous_tier
        from tiered
        """,
    ),
    (
        "customer_rfm",
        """
        create table customer_rfm as
        select * exclude (previous_tier)
        from tier_history
        where snapshot_date = (select max(snapshot_date) from snapshot_dates)
        """,
    ),
    (
        "tier_migrations",
        """
        create table tier_migrations as
        select
            snapshot_date,
            coalesce(previous_tier, 'new') as from_tier,
            tier as to_tier,
            count(*) as customers
        from tier_history
        group by all
        """,
    ),
)


def render_steps(raw_file: Path, bands_file: Path, bins: int) -> list[tuple[str, str]]:
    """Return the steps with the input paths and the number of bins filled in."""
    values = {"raw": sql_string(str(raw_file)), "bands": sql_string(str(bands_file)), "bins": bins}
    return [(name, sql.format(**values)) for name, sql in STEP_SQL]


def connect(
    db_path: Path, threads: int | None, memory_limit: str | None
) -> duckdb.DuckDBPyConnection:
    """Open a fresh DuckDB file (an existing one is replaced) with the given settings."""
    for stale in (db_path, db_path.with_name(db_path.name + ".wal")):
        stale.unlink(missing_ok=True)
    db_path.parent.mkdir(parents=True, exist_ok=True)
    connection = duckdb.connect(str(db_path))
    connection.execute("set TimeZone = 'UTC'")
    if threads is not None:
        connection.execute(f"set threads = {int(threads)}")
    if memory_limit is not None:
        connection.execute(f"set memory_limit = {sql_string(memory_limit)}")
    return connection


def run_baseline(
    raw_dir: Path,
    db_path: Path,
    seeds_dir: Path,
    bins: int = 5,
    threads: int | None = None,
    memory_limit: str | None = None,
) -> dict[str, float]:
    """Build the baseline tables into ``db_path``; return seconds per step and ``total``."""
    started = time.perf_counter()
    timings: dict[str, float] = {}
    connection = connect(db_path, threads, memory_limit)
    try:
        steps = render_steps(
            raw_dir / "transactions.parquet", seeds_dir / "rfm_tier_bands.csv", bins
        )
        for name, sql in steps:
            step_started = time.perf_counter()
            connection.execute(sql)
            timings[name] = time.perf_counter() - step_started
        connection.execute("checkpoint")
    finally:
        connection.close()
    timings["total"] = time.perf_counter() - started
    return timings


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """Parse the command line."""
    parser = timed_child_parser("Hand-written DuckDB baseline for Strata.")
    parser.add_argument("--db", type=Path, required=True, help="DuckDB file to (re)create")
    parser.add_argument("--threads", type=int, default=None, help="DuckDB threads")
    parser.add_argument("--memory-limit", default=None, help="DuckDB memory_limit, e.g. 6GB")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point."""
    args = parse_args(argv)
    timings = run_baseline(
        args.raw, args.db, args.seeds, args.bins, args.threads, args.memory_limit
    )
    emit_timings(timings, args.json_out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
