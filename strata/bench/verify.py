"""Checks that the baseline and pandas outputs equal Strata's marts, row for row.

Each side is reduced to a row count and an order-independent checksum: the sum of DuckDB's
``hash()`` of the compared columns, cast to the same types on both sides. Equal counts and equal
sums mean equal multisets of rows (up to a 2^-64 chance per differing row).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb

from strata.sql import sql_string

#: Compared columns (normalised types) of each output, as select lists over the source relation.
HISTORY_COLUMNS = (
    "cast(customer_id as varchar) as customer_id, cast(snapshot_date as date) as snapshot_date, "
    "cast(tier as varchar) as tier, cast(rfm_cell as varchar) as rfm_cell"
)
CURRENT_COLUMNS = (
    "cast(customer_id as varchar) as customer_id, cast({as_of} as date) as as_of_date, "
    "cast(tier as varchar) as tier, cast(rfm_cell as varchar) as rfm_cell"
)
METRIC_COLUMNS = (
    "cast(customer_id as varchar) as customer_id, cast(recency_days as bigint) as recency_days, "
    "cast(frequency as bigint) as frequency, cast({monetary_micro} as bigint) as monetary_micro"
)
MIGRATION_COLUMNS = (
    "cast(snapshot_date as date) as snapshot_date, cast(from_tier as varchar) as from_tier, "
    "cast(to_tier as varchar) as to_tier, cast(customers as bigint) as customers"
)
DECIMAL_MICROS = "monetary * 1000000"


@dataclass(frozen=True)
class Check:
    """One comparison: Strata's mart (expected) against another implementation (actual)."""

    name: str
    expected_rows: int
    actual_rows: int
    expected_checksum: int
    actual_checksum: int

    @property
    def ok(self) -> bool:
        """Whether counts and checksums are equal."""
        return (
            self.expected_rows == self.actual_rows
            and self.expected_checksum == self.actual_checksum
        )


@dataclass(frozen=True)
class Comparison:
    """A named pair of select statements returning the same normalised columns."""

    name: str
    expected_sql: str
    actual_sql: str


def checksum(connection: duckdb.DuckDBPyConnection, select_sql: str) -> tuple[int, int]:
    """Row count and sum of the row hashes of ``select_sql``."""
    row = connection.execute(
        f"select count(*), coalesce(sum(hash(compared)), 0) from ({select_sql}) as compared"
    ).fetchone()
    assert row is not None
    return int(row[0]), int(row[1])


def run_comparisons(
    connection: duckdb.DuckDBPyConnection, comparisons: list[Comparison]
) -> list[Check]:
    """Evaluate every comparison on ``connection``."""
    checks = []
    for comparison in comparisons:
        expected_rows, expected_sum = checksum(connection, comparison.expected_sql)
        actual_rows, actual_sum = checksum(connection, comparison.actual_sql)
        checks.append(Check(comparison.name, expected_rows, actual_rows, expected_sum, actual_sum))
    return checks


def strata_comparisons_with_baseline(label: str) -> list[Comparison]:
    """Strata's tiering marts (catalog ``s``) against the baseline tables (catalog ``b``)."""
    return [
        Comparison(
            f"{label}: tier history (customer_id, snapshot_date, tier, rfm_cell)",
            f"select {HISTORY_COLUMNS} from s.marts.fct_customer_tier_history",
            f"select {HISTORY_COLUMNS} from b.tier_history",
        ),
        Comparison(
            f"{label}: current RFM (customer_id, as_of_date, tier, rfm_cell)",
            f"select {CURRENT_COLUMNS.format(as_of='as_of_date')} from s.marts.fct_customer_rfm",
            f"select {CURRENT_COLUMNS.format(as_of='snapshot_date')} from b.customer_rfm",
        ),
        Comparison(
            f"{label}: current RFM metrics (recency_days, frequency, monetary)",
            f"select {METRIC_COLUMNS.format(monetary_micro=DECIMAL_MICROS)} "
            "from s.marts.fct_customer_rfm",
            f"select {METRIC_COLUMNS.format(monetary_micro=DECIMAL_MICROS)} from b.customer_rfm",
        ),
        Comparison(
            f"{label}: migrations (snapshot_date, from_tier, to_tier, customers)",
            f"select {MIGRATION_COLUMNS} from s.marts.fct_tier_migrations",
            f"select {MIGRATION_COLUMNS} from b.tier_migrations",
        ),
    ]


def strata_comparisons_with_pandas(pandas_file: Path) -> list[Comparison]:
    """``fct_customer_rfm`` (catalog ``s``) against the pandas result file."""
    source = f"read_parquet({sql_string(str(pandas_file))})"
    return [
        Comparison(
            "pandas: current RFM (customer_id, as_of_date, tier, rfm_cell)",
            f"select {CURRENT_COLUMNS.format(as_of='as_of_date')} from s.marts.fct_customer_rfm",
            f"select {CURRENT_COLUMNS.format(as_of='as_of_date')} from {source}",
        ),
        Comparison(
            "pandas: current RFM metrics (recency_days, frequency, monetary)",
            f"select {METRIC_COLUMNS.format(monetary_micro=DECIMAL_MICROS)} "
            "from s.marts.fct_customer_rfm",
            f"select {METRIC_COLUMNS.format(monetary_micro='monetary_micro')} from {source}",
        ),
    ]


def compare_with_strata(
    strata_db: Path,
    baseline_db: Path | None = None,
    pandas_file: Path | None = None,
    label: str = "baseline",
) -> list[Check]:
    """Compare the baseline tables and / or the pandas result with Strata's marts.

    All files are opened read-only in a throw-away in-memory connection, which is closed before
    returning (so dbt can open the warehouse file again).
    """
    connection = duckdb.connect()
    try:
        connection.execute(f"attach {sql_string(str(strata_db))} as s (read_only)")
        comparisons: list[Comparison] = []
        if baseline_db is not None:
            connection.execute(f"attach {sql_string(str(baseline_db))} as b (read_only)")
            comparisons += strata_comparisons_with_baseline(label)
        if pandas_file is not None:
            comparisons += strata_comparisons_with_pandas(pandas_file)
        return run_comparisons(connection, comparisons)
    finally:
        connection.close()


def scalar(db_path: Path, sql: str) -> int:
    """One integer from a read-only connection to ``db_path`` (e.g. a row count)."""
    connection = duckdb.connect(str(db_path), read_only=True)
    try:
        row = connection.execute(sql).fetchone()
        assert row is not None
        return int(row[0])
    finally:
        connection.close()
