"""Every row of the tiering marts equals the pure-Python oracle, on generated demo data.

Two datasets, each generated with strata generate and built once per session:
- csv, with an explicit as_of_date in the middle of the data (later rows must be ignored); its
  transactions.csv is then made messier, without changing any instant: some timestamps are
  rewritten in other UTC offsets (often moving the local date), some as 'T'-separated UTC with
  'Z', some identifiers get surrounding blanks, and a few rows are exactly duplicated;
- parquet, with the default as_of_date (= the latest purchase; here a month end).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import oracle
import pytest
from compare import MART_COLUMNS, MART_KEYS, assert_rows_match
from conftest import build_warehouse, generate_data, query, read_table

DATASETS = {
    "csv_explicit_as_of": {
        "fmt": "csv",
        "customers": 800,
        "months": 14,
        "end_date": "2025-06-30",
        "seed": 11,
        "as_of_date": date(2025, 1, 15),
        "messy": True,
    },
    "parquet_default_as_of": {
        "fmt": "parquet",
        "customers": 800,
        "months": 14,
        "end_date": "2025-06-30",
        "seed": 7,
        "as_of_date": None,
        "messy": False,
    },
}

# UTC offsets (minutes) cycled through by make_messy; all move some local dates off the UTC date
OFFSETS_MINUTES = [-11 * 60, -330, -2 * 60, 0, 90, 5 * 60 + 45, 9 * 60, 14 * 60]


def make_messy(raw_dir: Path) -> None:
    """Rewrite transactions.csv keeping every transaction's instant, id and amount."""
    path = raw_dir / "transactions.csv"
    with open(path, newline="") as fh:
        rows = list(csv.DictReader(fh))
    out = []
    for i, row in enumerate(rows):
        row = dict(row)
        instant = datetime.fromisoformat(row["transacted_at"]).replace(tzinfo=timezone.utc)
        if i % 3 == 0:
            offset = timedelta(minutes=OFFSETS_MINUTES[(i // 3) % len(OFFSETS_MINUTES)])
            row["transacted_at"] = instant.astimezone(timezone(offset)).isoformat()
        elif i % 3 == 1:
            row["transacted_at"] = instant.strftime("%Y-%m-%dT%H:%M:%SZ")
        if i % 17 == 0:
            row["customer_id"] = f"  {row['customer_id']} "
            row["transaction_id"] = f" {row['transaction_id']}"
        out.append(row)
        if i % 50 == 0:
            out.append(dict(row))  # an exact duplicate
    with open(path, "w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]), quoting=csv.QUOTE_ALL)
        writer.writeheader()
        writer.writerows(out)


TIERING_MARTS = (
    "fct_customer_rfm",
    "fct_customer_tier_history",
    "fct_tier_migrations",
    "rpt_tier_kpis",
)


@dataclass
class Built:
    name: str
    raw_dir: Path
    duckdb_path: Path
    as_of_var: date | None
    raw: oracle.RawLoad
    expected: oracle.OracleResult


@pytest.fixture(scope="session", params=list(DATASETS))
def built(request, tmp_path_factory) -> Built:
    spec = DATASETS[request.param]
    tmp = tmp_path_factory.mktemp(request.param)
    raw_dir = generate_data(
        tmp / "raw",
        customers=spec["customers"],
        months=spec["months"],
        end_date=spec["end_date"],
        seed=spec["seed"],
        fmt=spec["fmt"],
    )
    assert (raw_dir / f"transactions.{spec['fmt']}").exists()
    if spec["messy"]:
        make_messy(raw_dir)
    vars_ = {"as_of_date": spec["as_of_date"].isoformat()} if spec["as_of_date"] else {}
    duckdb_path = build_warehouse(raw_dir, tmp / "build", vars_)
    raw = oracle.load_raw_transactions(raw_dir)
    expected = oracle.compute(raw.valid, as_of_date=spec["as_of_date"], n_bins=5)
    return Built(request.param, raw_dir, duckdb_path, spec["as_of_date"], raw, expected)


def _expected_rows(built: Built, mart: str) -> list[dict]:
    return {
        "fct_customer_rfm": built.expected.customer_rfm,
        "fct_customer_tier_history": built.expected.tier_history,
        "fct_tier_migrations": built.expected.tier_migrations,
        "rpt_tier_kpis": built.expected.tier_kpis,
    }[mart]


@pytest.mark.parametrize("mart", TIERING_MARTS)
def test_mart_matches_oracle(built, mart):
    actual = read_table(built.duckdb_path, f"marts.{mart}")
    assert_rows_match(
        actual,
        _expected_rows(built, mart),
        MART_KEYS[mart],
        f"{built.name}: {mart}",
        columns=MART_COLUMNS[mart],
    )


@pytest.mark.parametrize("mart", TIERING_MARTS)
def test_mart_columns_are_the_contract(built, mart):
    actual = query(
        built.duckdb_path,
        "select column_name, data_type from information_schema.columns"
        " where table_schema = 'marts' and table_name = ?",
        [mart],
    )
    assert sorted(r["column_name"] for r in actual) == sorted(MART_COLUMNS[mart])
    types = {r["column_name"]: r["data_type"] for r in actual}
    for column in ("monetary", "net_revenue"):
        if column in types:
            assert types[column] == "DECIMAL(28,6)", f"{mart}.{column} is {types[column]}"
    for column in ("customer_share", "revenue_share", "share_of_from_tier", "avg_monetary",
                   "migration_rate", "value_growth_rate"):  # fmt: skip
        if column in types:
            assert types[column] == "DOUBLE", f"{mart}.{column} is {types[column]}"


def test_as_of_date_and_snapshots(built):
    rfm = read_table(built.duckdb_path, "marts.fct_customer_rfm")
    assert {r["as_of_date"] for r in rfm} == {built.expected.as_of_date}
    history = read_table(built.duckdb_path, "marts.fct_customer_tier_history")
    assert sorted({r["snapshot_date"] for r in history}) == built.expected.snapshot_dates
    if built.as_of_var is not None:
        # the explicit as_of_date is in the middle of the data: later rows exist and are ignored
        later = [t for t in built.raw.valid if t.transaction_date > built.as_of_var]
        assert later, "test data should extend past the explicit as_of_date"
        assert built.expected.as_of_date == built.as_of_var


def test_history_at_as_of_equals_rfm(built):
    rfm = read_table(built.duckdb_path, "marts.fct_customer_rfm")
    history = read_table(built.duckdb_path, "marts.fct_customer_tier_history")
    as_of = built.expected.as_of_date
    at_as_of = [
        {**{k: v for k, v in r.items() if k not in ("snapshot_date", "previous_tier",
                                                     "previous_snapshot_date")},
         "as_of_date": r["snapshot_date"]}
        for r in history
        if r["snapshot_date"] == as_of
    ]  # fmt: skip
    assert_rows_match(
        at_as_of,
        rfm,
        ("customer_id",),
        f"{built.name}: history at as_of vs fct_customer_rfm",
        columns=MART_COLUMNS["fct_customer_rfm"],
    )


def test_fct_transactions_match_raw(built):
    rows = read_table(built.duckdb_path, "marts.fct_transactions")
    # the generator writes only valid rows: one fct_transactions row per raw row, less the exact
    # duplicates added by make_messy
    assert built.raw.rejected == {}
    assert len(rows) == built.raw.raw_rows - built.raw.duplicate_rows
    assert (built.raw.duplicate_rows > 0) == DATASETS[built.name]["messy"]
    validated = read_table(built.duckdb_path, "intermediate.int_transactions_validated")
    assert sum(r["duplicate_rows"] for r in validated) == built.raw.duplicate_rows
    assert read_table(built.duckdb_path, "marts.fct_transactions_quarantined") == []
    expected = [
        {
            "transaction_id": t.transaction_id,
            "customer_id": t.customer_id,
            "transaction_date": t.transaction_date,
            "amount": t.amount,
            "transaction_type": (
                "purchase" if t.amount > 0 else "refund" if t.amount < 0 else "zero_amount"
            ),
            "is_purchase": t.amount > 0,
            "is_refund": t.amount < 0,
        }
        for t in built.raw.valid
    ]
    assert_rows_match(rows, expected, ("transaction_id",), f"{built.name}: fct_transactions")


def test_dim_customers_current_tier(built):
    rows = {r["customer_id"]: r for r in read_table(built.duckdb_path, "marts.dim_customers")}
    assert {t.customer_id for t in built.raw.valid} <= set(rows)
    scored = {r["customer_id"]: r for r in built.expected.customer_rfm}
    actual = [
        {
            "customer_id": c,
            "is_scored": r["is_scored"],
            "tier": r["current_tier"],
            "segment": r["current_segment"],
            "rfm_cell": r["current_rfm_cell"],
        }
        for c, r in rows.items()
    ]
    expected = [
        {
            "customer_id": c,
            "is_scored": c in scored,
            "tier": scored[c]["tier"] if c in scored else None,
            "segment": scored[c]["segment"] if c in scored else None,
            "rfm_cell": scored[c]["rfm_cell"] if c in scored else None,
        }
        for c in rows
    ]
    assert_rows_match(actual, expected, ("customer_id",), f"{built.name}: dim_customers")
