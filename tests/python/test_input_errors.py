"""A missing required raw table or column stops the build with a message naming it."""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
from conftest import build_expecting_failure

TRANSACTIONS_WITHOUT_AMOUNT = (
    "transaction_id,customer_id,transacted_at,price\n"
    "t1,c1,2025-01-05T10:00:00Z,10.00\n"
    "t2,c2,2025-01-06,12.50\n"
)


def _no_marts_built(tmp: Path) -> bool:
    database = tmp / "strata.duckdb"
    if not database.exists():
        return True
    connection = duckdb.connect(str(database), read_only=True)
    try:
        tables = connection.execute(
            "select table_name from information_schema.tables where table_schema = 'marts'"
        ).fetchall()
    finally:
        connection.close()
    return tables == []


def test_missing_transactions_table_fails(tmp_path):
    raw_dir = tmp_path / "raw_without_transactions"
    raw_dir.mkdir()
    # an optional table alone is not enough
    (raw_dir / "customers.csv").write_text(
        "customer_id,signup_date,country,email,phone,full_name\nc1,2025-01-01,DE,,,\n"
    )
    output = build_expecting_failure(raw_dir, tmp_path / "build", {"as_of_date": "2025-01-31"})
    assert "transactions" in output
    # the message names the files it looked for
    assert f"{raw_dir}/transactions.parquet" in output
    assert f"{raw_dir}/transactions.csv" in output
    assert _no_marts_built(tmp_path / "build"), "the build stops at its start"


def test_transactions_without_amount_column_fails(tmp_path):
    raw_dir = tmp_path / "raw_without_amount"
    raw_dir.mkdir()
    (raw_dir / "transactions.csv").write_text(TRANSACTIONS_WITHOUT_AMOUNT)
    output = build_expecting_failure(raw_dir, tmp_path / "build", {"as_of_date": "2025-01-31"})
    # one message naming the file and the missing column (and not the columns that exist)
    match = re.search(r"raw file (\S+) is missing required column\(s\) ([^(]*)", output)
    assert match, output[-3000:]
    assert match.group(1) == f"{raw_dir}/transactions.csv"
    assert match.group(2).strip() == "amount"
    assert _no_marts_built(tmp_path / "build"), "the build stops at its start"
