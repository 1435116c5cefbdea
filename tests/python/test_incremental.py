"""Incremental refresh (README "Incremental refresh"): an incremental run after new days arrive
gives exactly the marts a full refresh gives on the same data, late rows for a closed month
inside the lookback included, and re-running the same refresh changes nothing."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from conftest import build_warehouse, generate_data, read_table

BACKFILL_VARS = {"as_of_date": "2025-05-31"}

COMPARED_RELATIONS = [
    "marts.fct_transactions",
    "marts.fct_customer_rfm",
    "marts.fct_customer_tier_history",
    "marts.fct_tier_migrations",
    "marts.rpt_tier_kpis",
    "marts.dim_customers",
    "intermediate.int_customer_periods_aggregated",
    "intermediate.int_customer_snapshots_accumulated",
]


def snapshot_of(duckdb_path: Path) -> dict[str, list[tuple]]:
    """Every compared relation as a sorted list of row tuples."""
    result = {}
    for relation in COMPARED_RELATIONS:
        rows = read_table(duckdb_path, relation)
        result[relation] = sorted(
            (tuple(row.values()) for row in rows), key=lambda row: tuple(map(repr, row))
        )
    return result


def write_slice(source_csv: Path, out_dir: Path, where: str) -> Path:
    """Write the transactions of source_csv matching `where` as out_dir/transactions.csv."""
    out_dir.mkdir(parents=True, exist_ok=True)
    connection = duckdb.connect()
    try:
        connection.execute(
            f"""
            copy (
                select * from read_csv('{source_csv}', header = true, all_varchar = true)
                where {where}
                order by transaction_id
            ) to '{out_dir / "transactions.csv"}' (header, delimiter ',')
            """
        )
    finally:
        connection.close()
    return out_dir


def assert_same(actual: dict[str, list[tuple]], expected: dict[str, list[tuple]]) -> None:
    for relation in COMPARED_RELATIONS:
        missing = set(expected[relation]) - set(actual[relation])
        extra = set(actual[relation]) - set(expected[relation])
        assert not missing and not extra and len(actual[relation]) == len(expected[relation]), (
            f"{relation}: {len(missing)} rows only in the full refresh, {len(extra)} only in the "
            f"incremental build; e.g. full {sorted(missing, key=repr)[:2]}, "
            f"incremental {sorted(extra, key=repr)[:2]}"
        )


@pytest.fixture(scope="module")
def daily_exports(tmp_path_factory) -> dict[str, Path]:
    """Three cumulative exports of one generated history, as a scheduler would see them.

    day1: everything up to 2025-06-02, but rows dated 2025-05-29..31 arrive late (held back).
    day2: everything up to 2025-06-05, the late May rows included (inside the 7-day lookback of
          as_of 2025-06-05, for the closed month-end snapshot 2025-05-31).
    day3: everything up to 2025-06-30 (as_of_date on a month end; most of a month of new data).
    day4: everything up to 2025-07-20 (as_of_date jumps further than the lookback from a
          month-end as_of_date, as after a paused scheduler).
    """
    base = tmp_path_factory.mktemp("incremental_source")
    generate_data(base, customers=400, months=8, end_date="2025-07-20", seed=11, fmt="csv")
    source = base / "transactions.csv"
    day = "cast(transacted_at as date)"
    exports = {
        "day1": write_slice(
            source,
            base / "day1",
            f"{day} <= date '2025-06-02' and {day} not between date '2025-05-29' "
            "and date '2025-05-31'",
        ),
        "day2": write_slice(source, base / "day2", f"{day} <= date '2025-06-05'"),
        "day3": write_slice(source, base / "day3", f"{day} <= date '2025-06-30'"),
        "day4": write_slice(source, base / "day4", f"{day} <= date '2025-07-20'"),
    }
    connection = duckdb.connect()
    try:
        late_rows = connection.execute(
            f"select count(*) from read_csv('{source}', header = true, all_varchar = true) "
            f"where {day} between date '2025-05-29' and date '2025-05-31'"
        ).fetchone()[0]
    finally:
        connection.close()
    assert late_rows > 0, "the fixture must hold late rows for the closed month"
    return exports


@pytest.fixture(scope="module")
def incremental_runs(daily_exports, tmp_path_factory) -> dict[str, dict]:
    """One warehouse refreshed day after day, snapshotted after each run (and a re-run)."""
    work = tmp_path_factory.mktemp("incremental_warehouse")
    states = {}
    for name in ("day1", "day2", "day3", "day4"):
        path = build_warehouse(daily_exports[name], work, {})
        states[name] = snapshot_of(path)
    path = build_warehouse(daily_exports["day4"], work, {})
    states["day4_rerun"] = snapshot_of(path)
    # a backfill moves as_of_date back to a past month end, then returns to the latest data
    path = build_warehouse(daily_exports["day4"], work, BACKFILL_VARS)
    states["backfill"] = snapshot_of(path)
    path = build_warehouse(daily_exports["day4"], work, {})
    states["after_backfill"] = snapshot_of(path)
    return states


@pytest.mark.parametrize("day", ["day2", "day3", "day4"])
def test_incremental_equals_full_refresh(day, daily_exports, incremental_runs, tmp_path):
    full = build_warehouse(daily_exports[day], tmp_path, {})
    assert_same(incremental_runs[day], snapshot_of(full))


def test_late_rows_for_a_closed_month_change_its_snapshot(incremental_runs):
    """The late May rows really moved the closed 2025-05-31 snapshot (else the test is idle)."""

    def may(state):
        return [
            row for row in state["marts.fct_customer_tier_history"] if str(row[14]) == "2025-05-31"
        ]

    assert may(incremental_runs["day1"]) != may(incremental_runs["day2"])


def test_rerun_changes_nothing(incremental_runs):
    assert_same(incremental_runs["day4_rerun"], incremental_runs["day4"])


def test_backfill_to_an_earlier_as_of_date_and_back(daily_exports, incremental_runs, tmp_path):
    full = build_warehouse(daily_exports["day4"], tmp_path, BACKFILL_VARS)
    assert_same(incremental_runs["backfill"], snapshot_of(full))
    assert_same(incremental_runs["after_backfill"], incremental_runs["day4"])
