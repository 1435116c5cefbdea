"""The two generated datasets that the oracle comparisons (test_marts_match_oracle.py) and the
semantic layer tests (test_semantic_layer.py) share: each is generated and built once per test
session and worker (conftest.py imports the `built` fixture, so both modules use one fixture).

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
from conftest import BUILD, BUILD_MODELS_ONLY, build_warehouse, generate_data

DATASETS = {
    "csv_explicit_as_of": {
        "fmt": "csv",
        "customers": 800,
        "months": 14,
        "end_date": "2025-06-30",
        "seed": 11,
        "as_of_date": date(2025, 1, 12),  # a Sunday: its week is the latest complete one
        "messy": True,
        "data_tests": True,
    },
    "parquet_default_as_of": {
        "fmt": "parquet",
        "customers": 800,
        "months": 14,
        "end_date": "2025-06-30",
        "seed": 7,
        "as_of_date": None,
        "messy": False,
        # models only: the data tests run on the messy csv dataset above, and on a parquet
        # dataset with the default as_of_date in test_readme.py
        "data_tests": False,
    },
}

# UTC offsets (minutes) cycled through by make_messy; all move some local dates off the UTC date
OFFSETS_MINUTES = [-11 * 60, -330, -2 * 60, 0, 90, 5 * 60 + 45, 9 * 60, 14 * 60]


def make_messy(raw_dir: Path) -> None:
    """Rewrite transactions.csv keeping every transaction's instant, id and amount, and
    events.csv keeping every event's instant: an event late on a Sunday (UTC) written in a
    later offset reads as Monday locally, and must still count in the week of its UTC date."""
    _rewrite_events_in_other_offsets(raw_dir / "events.csv")
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


def _rewrite_events_in_other_offsets(path: Path) -> None:
    with open(path, newline="") as fh:
        rows = list(csv.DictReader(fh))
    for i, row in enumerate(rows):
        instant = datetime.fromisoformat(row["occurred_at"]).replace(tzinfo=timezone.utc)
        if i % 2 == 0:
            offset = timedelta(minutes=OFFSETS_MINUTES[(i // 2) % len(OFFSETS_MINUTES)])
            row["occurred_at"] = instant.astimezone(timezone(offset)).isoformat()
    instants = [datetime.fromisoformat(r["occurred_at"]) for r in rows]
    across_the_week_edge = [
        t for t in instants if t.astimezone(timezone.utc).weekday() == 6 and t.weekday() == 0
    ]
    assert across_the_week_edge, "some Sunday (UTC) events must read as Monday locally"
    with open(path, "w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]), quoting=csv.QUOTE_ALL)
        writer.writeheader()
        writer.writerows(rows)


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
    args = BUILD if spec["data_tests"] else BUILD_MODELS_ONLY
    duckdb_path = build_warehouse(raw_dir, tmp / "build", vars_, args)
    raw = oracle.load_raw_transactions(raw_dir)
    expected = oracle.compute(raw.valid, as_of_date=spec["as_of_date"], n_bins=5)
    return Built(request.param, raw_dir, duckdb_path, spec["as_of_date"], raw, expected)
