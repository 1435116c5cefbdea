"""Bad raw input: every kind of bad row is quarantined (or collapsed), never dropped, and does not
change the scores of the valid customers; unusable files stop the build with a clear message and
leave a previously built warehouse untouched (README "Raw input contract", "Bad rows").

dbt invocations of this module (vars as_of_date = run_date = 2025-06-30; unit tests excluded,
see _without_unit_tests):
1. dirty:  transactions / customers / events holding every kind of bad row (~5% of the rows);
2. clean:  the same files with the bad rows (and the extra copies of exact duplicates) removed by
           hand; it is also the "previous good build" the failing builds below run into;
3. quirks: the clean data written with a UTF-8 BOM, CRLF, every field quoted, reordered and extra
           columns; its marts must equal the clean build's;
4-8.       unusable transactions files (stop in the on-run-start hook, a few seconds each);
9.         > 20% bad transactions (stops at the quarantine-share test);
10-11.     `dbt test` of the PII guard with and without a leaking column;
12.        `dbt run` of one staging view over a large CSV whose only quoted field comes late.
"""

from __future__ import annotations

import csv
import io
import json
import math
import random
import re
import shutil
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import duckdb
import oracle
import pytest
from compare import MART_COLUMNS, MART_KEYS, assert_rows_match
from conftest import (
    BUILD_DEPENDENT_COLUMNS,
    BUILD_MODELS_ONLY,
    REPO_ROOT,
    build_expecting_failure,
    build_warehouse,
    failure_summary,
    query,
    read_table,
    run_dbt,
    run_dbt_build,
)

AS_OF = date(2025, 6, 30)
# run_date + max_future_days (default 1): anything at or after 2025-07-02T00:00Z is "future"
VARS = {"as_of_date": AS_OF.isoformat(), "run_date": "2025-06-30"}

TRANSACTION_COLUMNS = ["transaction_id", "customer_id", "transacted_at", "amount"]
CUSTOMER_COLUMNS = ["customer_id", "signup_date", "country", "email", "phone", "full_name"]
EVENT_COLUMNS = ["event_id", "customer_id", "event_type", "event_name", "occurred_at"]
ASSIGNMENT_COLUMNS = ["customer_id", "campaign_id", "variant", "assigned_at"]
SPEND_COLUMNS = ["spent_on", "channel", "amount"]

PII_COLUMNS = ("email", "phone", "full_name")
QUARANTINE_MARTS = (
    "fct_transactions_quarantined",
    "fct_customers_quarantined",
    "fct_events_quarantined",
    "fct_campaign_assignments_quarantined",
    "fct_marketing_spend_quarantined",
)

# Row labels: VALID rows are in the clean files; DUP rows are extra copies of the valid row
# before them (same content after parsing) and are left out of the clean files; every other
# label is the reject_reason the row must get.
VALID = "valid"
DUP = "dup"

# ---------------------------------------------------------------------------------------------
# Transactions: (label, (transaction_id, customer_id, transacted_at, amount)); None = empty field
# ---------------------------------------------------------------------------------------------
BAD_TRANSACTIONS = {
    "missing_ids": [
        ("missing_transaction_id", ("", "v001", "2025-03-01T10:00:00Z", "10.00")),
        # blank = missing: same content after trimming as the row above -> one quarantine row
        ("missing_transaction_id", ("   ", "v001", "2025-03-01T10:00:00Z", "10.00")),
        # the first matching reason wins (the amount is bad too)
        ("missing_transaction_id", (None, "v002", "2025-03-02", "oops")),
        ("missing_customer_id", ("tb01", "", "2025-03-03T10:00:00Z", "20.00")),
        ("missing_customer_id", ("tb02", "  ", "2025-03-03T10:00:00Z", "20.00")),
        ("missing_customer_id", ("tb03", None, "yesterday", "$5")),
    ],
    "unparseable_timestamps": [
        ("unparseable_timestamp", ("tb10", "v003", "31/03/2025", "15.00")),
        ("unparseable_timestamp", ("tb11", "v003", "yesterday", "15.00")),
        ("unparseable_timestamp", ("tb12", "v003", "2025-13-01", "15.00")),
        ("unparseable_timestamp", ("tb13", "v003", None, "15.00")),
        ("unparseable_timestamp", ("tb14", "v004", "2025-02-30", "15.00")),
        ("unparseable_timestamp", ("tb15", "v004", "not a date", "12,50")),
    ],
    "unparseable_amounts": [
        ("unparseable_amount", ("tb20", "v005", "2025-04-01T09:00:00Z", "12,50")),
        ("unparseable_amount", ("tb21", "v005", "2025-04-01T09:00:00Z", "$12")),
        ("unparseable_amount", ("tb22", "v005", "2025-04-01T09:00:00Z", "1,000.00")),
        ("unparseable_amount", ("tb23", "v005", "2025-04-01T09:00:00Z", "NaN")),
        ("unparseable_amount", ("tb24", "v005", "2025-04-01T09:00:00Z", "inf")),
        ("unparseable_amount", ("tb25", "v005", "2025-04-01T09:00:00Z", "1e3")),
        ("unparseable_amount", ("tb26", "v005", "2025-04-01T09:00:00Z", "1.1234567")),
        ("unparseable_amount", ("tb27", "v005", "2025-04-01T09:00:00Z", None)),
    ],
    "timestamps_out_of_range": [
        ("timestamp_before_min_date", ("tb30", "v006", "1900-01-01", "30.00")),
        ("timestamp_before_min_date", ("tb31", "v006", "1970-01-01T23:59:59Z", "30.00")),
        ("timestamp_in_future", ("tb32", "v006", "2025-07-02T00:00:00Z", "30.00")),
        ("timestamp_in_future", ("tb33", "v006", "2030-01-01", "30.00")),
        # 2025-07-02T00:30Z in UTC
        ("timestamp_in_future", ("tb34", "v006", "2025-07-01T23:30:00-01:00", "30.00")),
        # still valid: dated run_date + 1 day (UTC); after as_of_date, so no score sees them
        (VALID, ("tf01", "v006", "2025-07-01T23:59:59Z", "30.00")),
        (VALID, ("tf02", "v006", "2025-07-02T01:00:00+02:00", "31.00")),  # 07-01 23:00 UTC
    ],
    "duplicates": [
        ("conflicting_duplicate", ("tc01", "v007", "2025-05-01T10:00:00Z", "40.00")),
        ("conflicting_duplicate", ("tc01", "v007", "2025-05-01T10:00:00Z", "41.00")),
        ("conflicting_duplicate", ("tc02", "v008", "2025-05-02T10:00:00Z", "50.00")),
        ("conflicting_duplicate", ("tc02", "v008", "2025-05-02T10:00:00Z", "50.00")),
        ("conflicting_duplicate", ("tc02", "v008", "2025-05-03T10:00:00Z", "50.00")),
        # case is preserved: 'c5' and 'C5' are different customers, so this is a conflict
        ("conflicting_duplicate", ("tc03", "c5", "2025-05-04", "60.00")),
        ("conflicting_duplicate", ("tc03", "C5", "2025-05-04", "60.00")),
        # a version that fails an earlier rule keeps that reason; the other one is a conflict
        ("conflicting_duplicate", ("tc04", "v009", "2025-05-05T10:00:00Z", "70.00")),
        ("unparseable_amount", ("tc04", "v009", "2025-05-05T10:00:00Z", "7O.00")),
        # exact duplicates, equal after parsing: collapsed into one valid row
        (VALID, ("td01", "v010", "2025-02-01", "10")),
        (DUP, ("td01", "v010", "2025-02-01 00:00:00", "10.00")),
        (DUP, (" td01 ", " v010 ", "2025-02-01T00:00:00Z", "10.000")),
        (DUP, ("td01", "v010", "2025-02-01T02:00:00+02:00", "+10")),
        (VALID, ("td02", "v011", "2025-03-15T12:00:00Z", "25.50")),
        (DUP, ("td02", "v011", "2025-03-15T12:00:00Z", "25.50")),
    ],
    "identifiers": [
        (VALID, ("ti01", " c1 ", "2025-04-10T10:00:00Z", "100.00")),
        (VALID, ("ti02", "c1", "2025-05-10T10:00:00Z", "50.00")),
        (VALID, ("ti03", "C1", "2025-05-11T10:00:00Z", "75.00")),
        (VALID, (" ti04 ", "客户1", "2025-06-01T10:00:00Z", "88.00")),
        (VALID, ("ti05", "客户1 ", "2025-06-02", "12.00")),
    ],
}

# Expected rows of marts.fct_transactions_quarantined per reason, written out by hand:
# (transaction_id, customer_id, transacted_at_text, amount_text, raw_rows)
EXPECTED_QUARANTINED_TRANSACTIONS = {
    "missing_transaction_id": [
        (None, "v001", "2025-03-01T10:00:00Z", "10.00", 2),
        (None, "v002", "2025-03-02", "oops", 1),
    ],
    "missing_customer_id": [
        ("tb01", None, "2025-03-03T10:00:00Z", "20.00", 1),
        ("tb02", None, "2025-03-03T10:00:00Z", "20.00", 1),
        ("tb03", None, "yesterday", "$5", 1),
    ],
    "unparseable_timestamp": [
        ("tb10", "v003", "31/03/2025", "15.00", 1),
        ("tb11", "v003", "yesterday", "15.00", 1),
        ("tb12", "v003", "2025-13-01", "15.00", 1),
        ("tb13", "v003", None, "15.00", 1),
        ("tb14", "v004", "2025-02-30", "15.00", 1),
        ("tb15", "v004", "not a date", "12,50", 1),
    ],
    "unparseable_amount": [
        ("tb20", "v005", "2025-04-01T09:00:00Z", "12,50", 1),
        ("tb21", "v005", "2025-04-01T09:00:00Z", "$12", 1),
        ("tb22", "v005", "2025-04-01T09:00:00Z", "1,000.00", 1),
        ("tb23", "v005", "2025-04-01T09:00:00Z", "NaN", 1),
        ("tb24", "v005", "2025-04-01T09:00:00Z", "inf", 1),
        ("tb25", "v005", "2025-04-01T09:00:00Z", "1e3", 1),
        ("tb26", "v005", "2025-04-01T09:00:00Z", "1.1234567", 1),
        ("tb27", "v005", "2025-04-01T09:00:00Z", None, 1),
        ("tc04", "v009", "2025-05-05T10:00:00Z", "7O.00", 1),
    ],
    "timestamp_before_min_date": [
        ("tb30", "v006", "1900-01-01", "30.00", 1),
        ("tb31", "v006", "1970-01-01T23:59:59Z", "30.00", 1),
    ],
    "timestamp_in_future": [
        ("tb32", "v006", "2025-07-02T00:00:00Z", "30.00", 1),
        ("tb33", "v006", "2030-01-01", "30.00", 1),
        ("tb34", "v006", "2025-07-01T23:30:00-01:00", "30.00", 1),
    ],
    "conflicting_duplicate": [
        ("tc01", "v007", "2025-05-01T10:00:00Z", "40.00", 1),
        ("tc01", "v007", "2025-05-01T10:00:00Z", "41.00", 1),
        ("tc02", "v008", "2025-05-02T10:00:00Z", "50.00", 2),
        ("tc02", "v008", "2025-05-03T10:00:00Z", "50.00", 1),
        ("tc03", "c5", "2025-05-04", "60.00", 1),
        ("tc03", "C5", "2025-05-04", "60.00", 1),
        ("tc04", "v009", "2025-05-05T10:00:00Z", "70.00", 1),
    ],
}

# ---------------------------------------------------------------------------------------------
# Customers: (label, (customer_id, signup_date, country, email, phone, full_name))
# ---------------------------------------------------------------------------------------------
BAD_CUSTOMERS = [
    ("missing_customer_id", ("", "2024-01-01", "de", "x@example.com", "+49 1", "X Y")),
    ("missing_customer_id", ("   ", "2024-01-02", "FR", "y@example.com", "+33 1", "Y Z")),
    ("unparseable_signup_date", ("v048", "31/12/2024", "DE", "v48@example.com", "+49 2", "A B")),
    ("unparseable_signup_date", ("v049", "soon", "nl", "v49@example.com", "+31 2", "B C")),
    ("conflicting_duplicate", ("v050", "2024-02-01", "DE", "v50@example.com", "+49 3", "C D")),
    ("conflicting_duplicate", ("v050", "2024-02-01", "AT", "v50@example.com", "+49 3", "C D")),
    # differing only in a PII column is still a conflict
    ("conflicting_duplicate", ("v051", "2024-02-01", "DE", "v51@example.com", "+49 4", "D E")),
    ("conflicting_duplicate", ("v051", "2024-02-01", "DE", "v51b@example.com", "+49 4", "D E")),
    # valid: a blank signup date is allowed
    (VALID, ("v046", "", "NL", "v46@example.com", "", "Doe, Jane")),
    # exact duplicates after trimming / upper-casing the country / parsing the date
    (VALID, ("v047", "2024-03-01", "de", "v47@example.com", "+49 5", "E F")),
    (DUP, (" v047 ", "2024-03-01 00:00:00", " DE ", "v47@example.com", "+49 5", "E F")),
]
# (customer_id, country, signup_date_text, reject_reason, raw_rows)
EXPECTED_QUARANTINED_CUSTOMERS = [
    (None, "DE", "2024-01-01", "missing_customer_id", 1),
    (None, "FR", "2024-01-02", "missing_customer_id", 1),
    ("v048", "DE", "31/12/2024", "unparseable_signup_date", 1),
    ("v049", "NL", "soon", "unparseable_signup_date", 1),
    ("v050", "AT", "2024-02-01", "conflicting_duplicate", 1),
    ("v050", "DE", "2024-02-01", "conflicting_duplicate", 1),
    ("v051", "DE", "2024-02-01", "conflicting_duplicate", 1),
    ("v051", "DE", "2024-02-01", "conflicting_duplicate", 1),
]

# ---------------------------------------------------------------------------------------------
# Events: (label, (event_id, customer_id, event_type, event_name, occurred_at))
# ---------------------------------------------------------------------------------------------
BAD_EVENTS = [
    ("missing_event_id", ("", "v001", "feature_use", "export", "2025-03-01T10:00:00Z")),
    ("missing_customer_id", ("eb01", " ", "feature_use", "export", "2025-03-01T10:00:00Z")),
    ("unparseable_timestamp", ("eb02", "v001", "feature_use", "export", "31/03/2025")),
    ("timestamp_in_future", ("eb03", "v001", "content_view", "blog", "2025-07-02T00:00:00Z")),
    ("conflicting_duplicate", ("eb04", "v002", "feature_use", "search", "2025-03-01")),
    ("conflicting_duplicate", ("eb04", "v002", "feature_use", "filter", "2025-03-01")),
    (VALID, ("ed01", "v003", "feature_use", "search, advanced", "2025-03-05")),
    (DUP, ("ed01", " v003 ", "feature_use", "search, advanced", "2025-03-05T00:00:00Z")),
    # a customer seen only in events
    (VALID, ("eo01", "e_only", "content_view", "pricing", "2025-06-01T08:00:00Z")),
]
# (event_id, customer_id, event_type, event_name, occurred_at_text, reject_reason, raw_rows)
EXPECTED_QUARANTINED_EVENTS = [
    (None, "v001", "feature_use", "export", "2025-03-01T10:00:00Z", "missing_event_id", 1),
    ("eb01", None, "feature_use", "export", "2025-03-01T10:00:00Z", "missing_customer_id", 1),
    ("eb02", "v001", "feature_use", "export", "31/03/2025", "unparseable_timestamp", 1),
    ("eb03", "v001", "content_view", "blog", "2025-07-02T00:00:00Z", "timestamp_in_future", 1),
    ("eb04", "v002", "feature_use", "filter", "2025-03-01", "conflicting_duplicate", 1),
    ("eb04", "v002", "feature_use", "search", "2025-03-01", "conflicting_duplicate", 1),
]

# Campaign assignments (campaigns of seeds/campaigns.csv): (label, (customer_id, campaign_id,
# variant, assigned_at))
BAD_ASSIGNMENTS = [
    ("missing_customer_id", ("", "spring_win_back", "offer_10", "2025-04-16T10:00:00Z")),
    ("missing_campaign_id", ("v001", " ", "control", "2025-04-16T10:00:00Z")),
    ("missing_variant", ("v002", "spring_win_back", "", "2025-04-16")),
    ("unparseable_timestamp", ("v003", "spring_win_back", "control", "16/04/2025")),
    ("timestamp_in_future", ("v004", "spring_win_back", "control", "2025-07-05T00:00:00Z")),
    ("unknown_campaign", ("v005", "summer_sale", "control", "2025-04-16")),
    # assigned twice to one campaign: both versions quarantined
    ("conflicting_duplicate", ("v006", "vip_early_access", "control", "2025-05-21")),
    ("conflicting_duplicate", ("v006", "vip_early_access", "early_access", "2025-05-21")),
    # an exact duplicate after trimming, lower-casing the variant and parsing the time
    (VALID, ("v007", "vip_early_access", "Control ", "2025-05-21T09:00:00Z")),
    (DUP, ("v007 ", "vip_early_access", "control", "2025-05-21 09:00:00")),
]
EXPECTED_QUARANTINED_ASSIGNMENTS = [
    (None, "spring_win_back", "offer_10", "2025-04-16T10:00:00Z", "missing_customer_id", 1),
    ("v001", None, "control", "2025-04-16T10:00:00Z", "missing_campaign_id", 1),
    ("v002", "spring_win_back", None, "2025-04-16", "missing_variant", 1),
    ("v003", "spring_win_back", "control", "16/04/2025", "unparseable_timestamp", 1),
    ("v004", "spring_win_back", "control", "2025-07-05T00:00:00Z", "timestamp_in_future", 1),
    ("v005", "summer_sale", "control", "2025-04-16", "unknown_campaign", 1),
    ("v006", "vip_early_access", "control", "2025-05-21", "conflicting_duplicate", 1),
    ("v006", "vip_early_access", "early_access", "2025-05-21", "conflicting_duplicate", 1),
]

# Marketing spend: (label, (spent_on, channel, amount))
BAD_SPEND = [
    ("missing_channel", ("2025-03-01", " ", "100.00")),
    ("unparseable_date", ("03/01/2025", "display", "100.00")),
    ("unparseable_amount", ("2025-03-02", "display", "1,000.00")),
    ("negative_amount", ("2025-03-03", "display", "-5.00")),
    ("timestamp_in_future", ("2025-07-05", "display", "10.00")),
    # two totals for one day and channel: both quarantined
    ("conflicting_duplicate", ("2025-03-04", "social", "10.00")),
    ("conflicting_duplicate", ("2025-03-04", "Social", "12.00")),
    # an exact duplicate after trimming and lower-casing the channel
    (VALID, ("2025-03-05", "Email", "7.50")),
    (DUP, ("2025-03-05", " email ", "7.5")),
]
EXPECTED_QUARANTINED_SPEND = [
    (None, "2025-03-01", "100.00", "missing_channel", 1),
    ("display", "03/01/2025", "100.00", "unparseable_date", 1),
    ("display", "2025-03-02", "1,000.00", "unparseable_amount", 1),
    ("display", "2025-03-03", "-5.00", "negative_amount", 1),
    ("display", "2025-07-05", "10.00", "timestamp_in_future", 1),
    ("social", "2025-03-04", "10.00", "conflicting_duplicate", 1),
    ("social", "2025-03-04", "12.00", "conflicting_duplicate", 1),
]

BASE_CUSTOMERS = [f"v{i:03d}" for i in range(1, 61)]
BASE_TRANSACTION_COUNT = 705  # asserted in make_base_transactions (seeded generator)
# The raw transaction rows quarantined / collapsed, counted by hand from the tables above.
QUARANTINED_TRANSACTION_ROWS = 2 + 1 + 3 + 6 + 9 + 2 + 3 + 8  # = 34 (sum of raw_rows)
COLLAPSED_TRANSACTION_ROWS = 3 + 1  # td01 x4, td02 x2
CLEAN_SPECIAL_TRANSACTIONS = 2 + 2 + 5  # tf01 tf02, td01 td02, ti01..ti05


# ---------------------------------------------------------------------------------------------
# Data generation
# ---------------------------------------------------------------------------------------------


def make_base_transactions() -> list[tuple]:
    """Seeded valid transactions of v001..v060, 2025-01-01..2025-06-30; each customer's first
    row is a purchase (so all 60 are scored); some refunds and zero rows."""
    rng = random.Random(20250630)
    rows = []
    for customer in BASE_CUSTOMERS:
        for k in range(rng.randint(2, 20)):
            day = date(2025, 1, 1) + timedelta(days=rng.randrange(181))
            moment = f"{day}T{rng.randrange(24):02d}:{rng.randrange(60):02d}:00Z"
            roll = rng.random()
            if k > 0 and roll < 0.08:
                cents = -rng.randint(100, 5000)
            elif k > 0 and roll < 0.10:
                cents = 0
            else:
                cents = rng.randint(100, 30000)
            amount = str(Decimal(cents).scaleb(-2))
            rows.append((f"T{len(rows) + 1:04d}", customer, moment, amount))
    assert len(rows) == BASE_TRANSACTION_COUNT
    return rows


def make_base_customers() -> list[tuple]:
    """Valid profiles of v001..v045, v052..v060 and c1, C1, 客户1 and a profile-only p_only."""
    rng = random.Random(7)
    ids = [c for c in BASE_CUSTOMERS if not "v046" <= c <= "v051"] + ["c1", "C1", "客户1", "p_only"]
    rows = []
    for i, customer in enumerate(ids):
        signup = date(2023, 1, 1) + timedelta(days=rng.randrange(700))
        country = ["DE", "fr", " nl ", "AT"][i % 4]
        name = "Doe, John" if i % 10 == 0 else f"Name {i}"
        rows.append((customer, str(signup), country, f"{i}@example.com", f"+1 555 {i}", name))
    return rows


def make_base_events() -> list[tuple]:
    rng = random.Random(11)
    rows = []
    for customer in BASE_CUSTOMERS[:40]:
        for _ in range(rng.randint(1, 4)):
            day = date(2025, 1, 1) + timedelta(days=rng.randrange(181))
            event_type = rng.choice(["feature_use", "content_view"])
            name = rng.choice(["export", "search, advanced", "blog", 'say "hi"'])
            rows.append((f"E{len(rows) + 1:04d}", customer, event_type, name, f"{day}T08:00:00Z"))
    return rows


def make_base_assignments() -> list[tuple]:
    """Every base customer but v001-v007 (the bad rows' customers) in both campaigns,
    alternately control and treated."""
    rows = []
    for campaign, treated, day in (
        ("spring_win_back", "offer_10", "2025-04-16"),
        ("vip_early_access", "early_access", "2025-05-21"),
    ):
        for i, customer in enumerate(BASE_CUSTOMERS[7:]):
            rows.append((customer, campaign, "control" if i % 2 else treated, f"{day}T12:00:00Z"))
    return rows


def make_base_spend() -> list[tuple]:
    """A daily total per channel for the first half of 2025 (about 180 x 3 rows)."""
    rows = []
    for offset in range(181):
        day = date(2025, 1, 1) + timedelta(days=offset)
        for channel, amount in (("search", "20.00"), ("social", "12.50"), ("email", "3.00")):
            if (channel, day) not in {("social", date(2025, 3, 4)), ("email", date(2025, 3, 5))}:
                rows.append((day.isoformat(), channel, amount))
    return rows


def csv_bytes(
    header: list[str], rows: list[tuple], *, bom=False, crlf=False, quote_all=False
) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(
        buffer,
        lineterminator="\r\n" if crlf else "\n",
        quoting=csv.QUOTE_ALL if quote_all else csv.QUOTE_MINIMAL,
    )
    writer.writerow(header)
    writer.writerows(rows)
    data = buffer.getvalue().encode("utf-8")
    return b"\xef\xbb\xbf" + data if bom else data


@dataclass
class Table:
    header: list[str]
    rows: list[tuple]


def write_plain(raw_dir: Path, tables: dict[str, Table]) -> Path:
    raw_dir.mkdir(parents=True, exist_ok=True)
    for name, table in tables.items():
        (raw_dir / f"{name}.csv").write_bytes(csv_bytes(table.header, table.rows))
    return raw_dir


def write_quirky(raw_dir: Path, tables: dict[str, Table]) -> Path:
    """The same rows with a UTF-8 BOM, CRLF line ends, every field quoted, the columns after the
    first reordered and two unknown columns holding commas and quotes. The first column stays a
    contract column, so a BOM that is not stripped would break its name."""
    raw_dir.mkdir(parents=True, exist_ok=True)
    for name, table in tables.items():
        first, *rest = table.header
        order = [first, "note", *reversed(rest), "extra_flag"]
        rows = []
        for i, row in enumerate(table.rows):
            values = dict(zip(table.header, row, strict=True))
            values["note"] = f'gift, wrapped "{i}", ok'
            values["extra_flag"] = "1,2,3"
            rows.append(tuple(values[c] for c in order))
        data = csv_bytes(order, rows, bom=True, crlf=True, quote_all=True)
        (raw_dir / f"{name}.csv").write_bytes(data)
    return raw_dir


@dataclass
class Datasets:
    dirty: dict[str, Table]
    clean: dict[str, Table]
    clean_transactions: list[oracle.Transaction]


def make_datasets() -> Datasets:
    base_tx = make_base_transactions()
    special_tx = [item for kind in BAD_TRANSACTIONS.values() for item in kind]
    # spread the special rows through the file
    dirty_tx = list(base_tx)
    for i, (_, row) in enumerate(special_tx):
        dirty_tx.insert(7 + i * 19, row)
    clean_tx = base_tx + [row for label, row in special_tx if label == VALID]
    dirty_customers = make_base_customers() + [row for _, row in BAD_CUSTOMERS]
    clean_customers = make_base_customers() + [row for lbl, row in BAD_CUSTOMERS if lbl == VALID]
    dirty_events = make_base_events() + [row for _, row in BAD_EVENTS]
    clean_events = make_base_events() + [row for label, row in BAD_EVENTS if label == VALID]
    dirty_assignments = make_base_assignments() + [row for _, row in BAD_ASSIGNMENTS]
    clean_assignments = make_base_assignments() + [
        row for label, row in BAD_ASSIGNMENTS if label == VALID
    ]
    dirty_spend = make_base_spend() + [row for _, row in BAD_SPEND]
    clean_spend = make_base_spend() + [row for label, row in BAD_SPEND if label == VALID]
    clean_transactions = [
        oracle.Transaction(
            transaction_id=tid.strip(),
            customer_id=cid.strip(),
            transaction_date=oracle.parse_utc_date(ts),
            amount=oracle.parse_amount(amount),
        )
        for tid, cid, ts, amount in clean_tx
    ]
    return Datasets(
        dirty={
            "transactions": Table(TRANSACTION_COLUMNS, dirty_tx),
            "customers": Table(CUSTOMER_COLUMNS, dirty_customers),
            "events": Table(EVENT_COLUMNS, dirty_events),
            "campaign_assignments": Table(ASSIGNMENT_COLUMNS, dirty_assignments),
            "marketing_spend": Table(SPEND_COLUMNS, dirty_spend),
        },
        clean={
            "transactions": Table(TRANSACTION_COLUMNS, clean_tx),
            "customers": Table(CUSTOMER_COLUMNS, clean_customers),
            "events": Table(EVENT_COLUMNS, clean_events),
            "campaign_assignments": Table(ASSIGNMENT_COLUMNS, clean_assignments),
            "marketing_spend": Table(SPEND_COLUMNS, clean_spend),
        },
        clean_transactions=clean_transactions,
    )


# ---------------------------------------------------------------------------------------------
# Warehouse helpers
# ---------------------------------------------------------------------------------------------


def marts_snapshot(duckdb_path: Path) -> dict[str, list[tuple]]:
    """Every table of schema marts with its rows (as sorted (column, value) tuples), without
    the columns that differ between builds by design (fit_seconds)."""
    tables = query(
        duckdb_path,
        "select table_name from information_schema.tables where table_schema = 'marts'"
        " order by table_name",
    )
    snapshot = {}
    for row in tables:
        name = row["table_name"]
        rows = [
            tuple(
                (column, value)
                for column, value in r.items()
                if column not in BUILD_DEPENDENT_COLUMNS
            )
            for r in read_table(duckdb_path, f"marts.{name}")
        ]
        snapshot[name] = sorted(rows, key=repr)
    return snapshot


def assert_same_rows(actual: list[tuple], expected: list[tuple], label: str) -> None:
    """Equal row lists; floats may differ in the last bits (sums in another order)."""
    assert len(actual) == len(expected), f"{label}: {len(actual)} rows vs {len(expected)}"
    for a, e in zip(actual, expected, strict=True):
        same = len(a) == len(e) and all(
            ca == ce
            and (
                va == vb
                or (isinstance(va, float) and isinstance(vb, float) and math.isclose(va, vb))
            )
            for (ca, va), (ce, vb) in zip(a, e, strict=True)
        )
        assert same, f"{label}: row differs:\n  {a}\n  {e}"


def assert_marts_equal(actual: dict, expected: dict, label: str, skip=()) -> None:
    assert sorted(set(actual) - set(skip)) == sorted(set(expected) - set(skip)), label
    for table in sorted(set(expected) - set(skip)):
        assert_same_rows(actual[table], expected[table], f"{label}: marts.{table}")


def execute(duckdb_path: Path, sql: str) -> None:
    connection = duckdb.connect(str(duckdb_path))
    try:
        connection.execute(sql)
    finally:
        connection.close()


def count_csv_rows(path: Path) -> int:
    with open(path, newline="", encoding="utf-8-sig") as fh:
        return sum(1 for _ in csv.reader(fh)) - 1  # less the header


# ---------------------------------------------------------------------------------------------
# Builds (module scope: each is built once)
# ---------------------------------------------------------------------------------------------


@dataclass
class Build:
    raw_dir: Path
    tmp: Path
    duckdb_path: Path
    output: str
    marts: dict[str, list[tuple]]  # taken right after the build


@pytest.fixture(scope="session")
def datasets() -> Datasets:
    return make_datasets()


@pytest.fixture(scope="session")
def dirty(datasets, tmp_path_factory) -> Build:
    """The dirty dataset; ~5% bad rows, so it must build with warnings only."""
    raw_dir = write_plain(tmp_path_factory.mktemp("raw_dirty"), datasets.dirty)
    tmp = tmp_path_factory.mktemp("build_dirty")
    result = run_dbt_build(raw_dir, tmp, VARS, artifacts=True)  # run_results.json is read
    assert result.returncode == 0, failure_summary(result.output)
    return Build(
        raw_dir, tmp, result.duckdb_path, result.output, marts_snapshot(tmp / "strata.duckdb")
    )


@pytest.fixture(scope="session")
def clean(datasets, tmp_path_factory) -> Build:
    """The dirty dataset with the bad rows removed; the failing builds below reuse its file."""
    raw_dir = write_plain(tmp_path_factory.mktemp("raw_clean"), datasets.clean)
    tmp = tmp_path_factory.mktemp("build_clean")
    # compared with the dirty build, which runs the data tests on the same valid rows
    path = build_warehouse(raw_dir, tmp, VARS, BUILD_MODELS_ONLY)
    return Build(raw_dir, tmp, path, "", marts_snapshot(path))


@pytest.fixture(scope="session")
def quirky(datasets, tmp_path_factory) -> Build:
    raw_dir = write_quirky(tmp_path_factory.mktemp("raw_quirky"), datasets.clean)
    tmp = tmp_path_factory.mktemp("build_quirky")
    path = build_warehouse(raw_dir, tmp, VARS, BUILD_MODELS_ONLY)  # compared with clean
    return Build(raw_dir, tmp, path, "", marts_snapshot(path))


def fail_into(good: Build, raw_dir: Path) -> str:
    """A build that must fail, into the SAME DuckDB file as the good build; its output + log."""
    shutil.rmtree(good.tmp / "logs", ignore_errors=True)  # dbt.log appends: start afresh
    return build_expecting_failure(raw_dir, good.tmp, VARS)


def quarantined(build: Build, reason: str) -> list[tuple]:
    rows = query(
        build.duckdb_path,
        "select transaction_id, customer_id, transacted_at_text, amount_text, raw_rows"
        " from marts.fct_transactions_quarantined where reject_reason = ?",
        [reason],
    )
    return sorted((tuple(r.values()) for r in rows), key=repr)


def expected_quarantined(reason: str) -> list[tuple]:
    return sorted(EXPECTED_QUARANTINED_TRANSACTIONS[reason], key=repr)


def clean_transaction_ids(build: Build) -> set[str]:
    return {r["transaction_id"] for r in read_table(build.duckdb_path, "marts.fct_transactions")}


def kind_ids(kind: str) -> set[str]:
    return {row[0].strip() for _, row in BAD_TRANSACTIONS[kind] if row[0] and row[0].strip()}


# ---------------------------------------------------------------------------------------------
# One test per kind of bad transaction row
# ---------------------------------------------------------------------------------------------


def test_missing_or_blank_ids_are_quarantined(dirty):
    for reason in ("missing_transaction_id", "missing_customer_id"):
        assert quarantined(dirty, reason) == expected_quarantined(reason), reason
    assert not kind_ids("missing_ids") & clean_transaction_ids(dirty)
    # no null / blank id reaches a clean mart
    rows = query(
        dirty.duckdb_path,
        "select count(*) as n from marts.fct_transactions"
        " where coalesce(trim(transaction_id), '') = '' or coalesce(trim(customer_id), '') = ''",
    )
    assert rows == [{"n": 0}]


def test_unparseable_timestamps_are_quarantined(dirty):
    reason = "unparseable_timestamp"
    assert quarantined(dirty, reason) == expected_quarantined(reason)
    assert not kind_ids("unparseable_timestamps") & clean_transaction_ids(dirty)


def test_unparseable_amounts_are_quarantined_never_reinterpreted(dirty):
    reason = "unparseable_amount"
    assert quarantined(dirty, reason) == expected_quarantined(reason)
    assert not kind_ids("unparseable_amounts") & clean_transaction_ids(dirty)


def test_timestamps_out_of_range_are_quarantined(dirty):
    for reason in ("timestamp_before_min_date", "timestamp_in_future"):
        assert quarantined(dirty, reason) == expected_quarantined(reason), reason
    # the last valid instant (run_date + max_future_days, UTC) is kept, offsets shifted to UTC
    rows = query(
        dirty.duckdb_path,
        "select transaction_id, customer_id, amount, transaction_date, transacted_at"
        " from marts.fct_transactions where transaction_id in ('tf01', 'tf02')"
        " order by transaction_id",
    )
    assert rows == [
        {
            "transaction_id": "tf01",
            "customer_id": "v006",
            "amount": Decimal("30"),
            "transaction_date": date(2025, 7, 1),
            "transacted_at": datetime(2025, 7, 1, 23, 59, 59),
        },
        {
            "transaction_id": "tf02",
            "customer_id": "v006",
            "amount": Decimal("31"),
            "transaction_date": date(2025, 7, 1),
            "transacted_at": datetime(2025, 7, 1, 23, 0, 0),
        },
    ]
    # ... but, dated after as_of_date, no score counts them
    rfm = query(
        dirty.duckdb_path,
        "select last_purchase_date from marts.fct_customer_rfm where customer_id = 'v006'",
    )
    assert rfm[0]["last_purchase_date"] <= AS_OF


def test_conflicting_duplicates_quarantine_every_version(dirty):
    reason = "conflicting_duplicate"
    assert quarantined(dirty, reason) == expected_quarantined(reason)
    assert not {"tc01", "tc02", "tc03", "tc04"} & clean_transaction_ids(dirty)


def test_exact_duplicates_are_collapsed(dirty):
    rows = query(
        dirty.duckdb_path,
        "select transaction_id, duplicate_rows, raw_rows"
        " from intermediate.int_transactions_validated"
        " where reject_reason is null and duplicate_rows > 0 order by transaction_id",
    )
    assert rows == [
        {"transaction_id": "td01", "duplicate_rows": 3, "raw_rows": 4},
        {"transaction_id": "td02", "duplicate_rows": 1, "raw_rows": 2},
    ]
    facts = query(
        dirty.duckdb_path,
        "select transaction_id, customer_id, amount, transacted_at from marts.fct_transactions"
        " where transaction_id in ('td01', 'td02') order by transaction_id",
    )
    assert facts == [
        {
            "transaction_id": "td01",
            "customer_id": "v010",
            "amount": Decimal("10"),
            "transacted_at": datetime(2025, 2, 1),
        },
        {
            "transaction_id": "td02",
            "customer_id": "v011",
            "amount": Decimal("25.5"),
            "transacted_at": datetime(2025, 3, 15, 12),
        },
    ]


def test_identifiers_trimmed_case_and_unicode_preserved(dirty):
    facts = query(
        dirty.duckdb_path,
        "select transaction_id, customer_id from marts.fct_transactions"
        " where transaction_id like 'ti%' order by transaction_id",
    )
    assert [(r["transaction_id"], r["customer_id"]) for r in facts] == [
        ("ti01", "c1"),
        ("ti02", "c1"),
        ("ti03", "C1"),
        ("ti04", "客户1"),
        ("ti05", "客户1"),
    ]
    rfm = query(
        dirty.duckdb_path,
        "select customer_id, frequency, monetary from marts.fct_customer_rfm"
        " where customer_id in ('c1', 'C1', '客户1') order by customer_id",
    )
    assert sorted((r["customer_id"], r["frequency"], r["monetary"]) for r in rfm) == sorted(
        [("c1", 2, Decimal("150")), ("C1", 1, Decimal("75")), ("客户1", 2, Decimal("100"))]
    )
    for mart, column in (
        ("fct_transactions", "transaction_id"),
        ("fct_transactions", "customer_id"),
        ("dim_customers", "customer_id"),
        ("fct_events", "customer_id"),
    ):
        values = {r[column] for r in read_table(dirty.duckdb_path, f"marts.{mart}")}
        assert all(v == v.strip() for v in values), f"untrimmed {column} in {mart}"


def test_transaction_counts_add_up(dirty, datasets):
    """raw rows (counted from the file written) = clean + quarantined + collapsed duplicates."""
    raw_rows = count_csv_rows(dirty.raw_dir / "transactions.csv")
    assert raw_rows == len(datasets.dirty["transactions"].rows)
    assert raw_rows == (
        BASE_TRANSACTION_COUNT
        + CLEAN_SPECIAL_TRANSACTIONS
        + QUARANTINED_TRANSACTION_ROWS
        + COLLAPSED_TRANSACTION_ROWS
    )
    counts = query(
        dirty.duckdb_path,
        """
        select
            (select count(*) from marts.fct_transactions) as clean_rows,
            (select count(*) from marts.fct_transactions_quarantined) as quarantine_rows,
            (select sum(raw_rows) from marts.fct_transactions_quarantined) as quarantined_raw,
            (
                select sum(duplicate_rows) from intermediate.int_transactions_validated
                where reject_reason is null
            ) as collapsed
        """,
    )[0]
    assert counts == {
        "clean_rows": BASE_TRANSACTION_COUNT + CLEAN_SPECIAL_TRANSACTIONS,
        "quarantine_rows": sum(len(v) for v in EXPECTED_QUARANTINED_TRANSACTIONS.values()),
        "quarantined_raw": QUARANTINED_TRANSACTION_ROWS,
        "collapsed": COLLAPSED_TRANSACTION_ROWS,
    }
    assert raw_rows == (counts["clean_rows"] + counts["quarantined_raw"] + counts["collapsed"])
    # every reason seen is a documented one (models/reject_reasons.md), with the expected rows
    by_reason = query(
        dirty.duckdb_path,
        "select reject_reason, sum(raw_rows) as raw_rows from marts.fct_transactions_quarantined"
        " group by 1 order by 1",
    )
    assert {r["reject_reason"]: r["raw_rows"] for r in by_reason} == {
        reason: sum(row[-1] for row in rows)
        for reason, rows in EXPECTED_QUARANTINED_TRANSACTIONS.items()
    }
    # and dbt's own accounting tests ran and passed
    for table in ("transactions", "customers", "events"):
        assert re.search(rf"PASS raw_rows_accounted_for_int_{table}_validated", dirty.output), table


def test_valid_customers_score_as_without_bad_rows(dirty, clean, datasets):
    """The tiering marts (and the clean facts) of the dirty build equal the clean build's, and
    the pure-Python oracle on the clean transactions."""
    assert_marts_equal(dirty.marts, clean.marts, "dirty vs clean", skip=QUARANTINE_MARTS)
    for mart in QUARANTINE_MARTS:
        assert clean.marts[mart] == [], mart
    assert len(clean.marts["fct_customer_rfm"]) == 63  # v001..v060, c1, C1, 客户1
    expected = oracle.compute(datasets.clean_transactions, as_of_date=AS_OF, n_bins=5)
    for mart, rows in (
        ("fct_customer_rfm", expected.customer_rfm),
        ("fct_customer_tier_history", expected.tier_history),
    ):
        assert_rows_match(
            read_table(dirty.duckdb_path, f"marts.{mart}"),
            rows,
            MART_KEYS[mart],
            f"dirty build {mart} vs oracle(clean rows)",
            columns=MART_COLUMNS[mart],
        )


def test_quarantine_share_about_5_percent_warns(dirty):
    raw_rows = count_csv_rows(dirty.raw_dir / "transactions.csv")
    share = QUARANTINED_TRANSACTION_ROWS / raw_rows
    assert 0.04 < share < 0.06, share
    assert re.search(r"WARN \d+ transactions_quarantine_share_warn", dirty.output), dirty.output[
        -3000:
    ]
    assert re.search(r"PASS transactions_quarantine_share_error", dirty.output)


# ---------------------------------------------------------------------------------------------
# Customers and events files
# ---------------------------------------------------------------------------------------------


def test_customers_bad_rows(dirty, datasets):
    rows = query(
        dirty.duckdb_path,
        "select customer_id, country, signup_date_text, reject_reason, raw_rows"
        " from marts.fct_customers_quarantined",
    )
    assert sorted((tuple(r.values()) for r in rows), key=repr) == sorted(
        EXPECTED_QUARANTINED_CUSTOMERS, key=repr
    )
    dups = query(
        dirty.duckdb_path,
        "select customer_id, country, signup_date, duplicate_rows"
        " from intermediate.int_customers_validated where duplicate_rows > 0",
    )
    assert dups == [
        {
            "customer_id": "v047",
            "country": "DE",
            "signup_date": date(2024, 3, 1),
            "duplicate_rows": 1,
        }
    ]
    dim = {r["customer_id"]: r for r in read_table(dirty.duckdb_path, "marts.dim_customers")}
    # v001..v060 and c1, C1, 客户1 (transactions), p_only (profile), e_only (events)
    assert set(dim) == set(BASE_CUSTOMERS) | {"c1", "C1", "客户1", "p_only", "e_only"}
    without_profile = {c for c, r in dim.items() if not r["has_profile"]}
    assert without_profile == {"v048", "v049", "v050", "v051", "e_only"}
    assert {c for c, r in dim.items() if not r["is_scored"]} == {"p_only", "e_only"}
    assert dim["v046"]["signup_date"] is None and dim["v046"]["country"] == "NL"
    assert dim["v047"]["signup_date"] == date(2024, 3, 1) and dim["v047"]["country"] == "DE"
    raw_rows = count_csv_rows(dirty.raw_dir / "customers.csv")
    assert raw_rows == len(datasets.dirty["customers"].rows)
    profiles = sum(1 for r in dim.values() if r["has_profile"])
    assert raw_rows == profiles + len(EXPECTED_QUARANTINED_CUSTOMERS) + 1


def test_events_bad_rows(dirty, datasets):
    rows = query(
        dirty.duckdb_path,
        "select event_id, customer_id, event_type, event_name, occurred_at_text, reject_reason,"
        " raw_rows from marts.fct_events_quarantined",
    )
    assert sorted((tuple(r.values()) for r in rows), key=repr) == sorted(
        EXPECTED_QUARANTINED_EVENTS, key=repr
    )
    events = read_table(dirty.duckdb_path, "marts.fct_events")
    raw_rows = count_csv_rows(dirty.raw_dir / "events.csv")
    assert raw_rows == len(datasets.dirty["events"].rows)
    assert len(events) == len(make_base_events()) + 2  # + ed01 (collapsed x2) + eo01
    assert raw_rows == len(events) + len(EXPECTED_QUARANTINED_EVENTS) + 1
    ed01 = [r for r in events if r["event_id"] == "ed01"]
    assert [(r["customer_id"], r["event_name"], r["occurred_at"]) for r in ed01] == [
        ("v003", "search, advanced", datetime(2025, 3, 5))
    ]


def test_campaign_assignments_bad_rows(dirty, datasets):
    """Every kind of bad assignment is quarantined with its reason (a customer assigned twice to
    one campaign: both versions), the exact duplicate collapses into one valid assignment, and
    every raw row is accounted for."""
    rows = query(
        dirty.duckdb_path,
        "select customer_id, campaign_id, variant, assigned_at_text, reject_reason, raw_rows"
        " from marts.fct_campaign_assignments_quarantined",
    )
    assert sorted((tuple(r.values()) for r in rows), key=repr) == sorted(
        EXPECTED_QUARANTINED_ASSIGNMENTS, key=repr
    )
    assignments = read_table(dirty.duckdb_path, "marts.fct_campaign_assignments")
    raw_rows = count_csv_rows(dirty.raw_dir / "campaign_assignments.csv")
    assert raw_rows == len(datasets.dirty["campaign_assignments"].rows)
    assert len(assignments) == len(make_base_assignments()) + 1  # + v007 (collapsed x2)
    assert raw_rows == len(assignments) + len(EXPECTED_QUARANTINED_ASSIGNMENTS) + 1
    v007 = [r for r in assignments if r["customer_id"] == "v007"]
    assert [(r["campaign_id"], r["variant"], r["assigned_at"]) for r in v007] == [
        ("vip_early_access", "control", datetime(2025, 5, 21, 9))
    ]


def test_marketing_spend_bad_rows(dirty, datasets):
    """Every kind of bad spend row is quarantined with its reason (two totals for one day and
    channel: both), the exact duplicate collapses into one valid row, every raw row is
    accounted for, and the valid spend reaches the unit economics."""
    rows = query(
        dirty.duckdb_path,
        "select channel, spent_on_text, amount_text, reject_reason, raw_rows"
        " from marts.fct_marketing_spend_quarantined",
    )
    assert sorted((tuple(r.values()) for r in rows), key=repr) == sorted(
        EXPECTED_QUARANTINED_SPEND, key=repr
    )
    valid = query(
        dirty.duckdb_path,
        "select spent_on, channel, amount, raw_rows from intermediate.int_marketing_spend_validated"
        " where reject_reason is null",
    )
    raw_rows = count_csv_rows(dirty.raw_dir / "marketing_spend.csv")
    assert len(valid) == len(make_base_spend()) + 1
    assert raw_rows == sum(r["raw_rows"] for r in valid) + len(EXPECTED_QUARANTINED_SPEND)
    march_email = query(
        dirty.duckdb_path,
        "select spend from marts.rpt_unit_economics_monthly"
        " where month = date '2025-03-01' and channel = 'email'",
    )
    assert march_email == [{"spend": Decimal("3.00") * 30 + Decimal("7.50")}]


# ---------------------------------------------------------------------------------------------
# Reject reasons: the rules (macros/raw/reject_rules.sql) and their text (models/reject_reasons.md)
# ---------------------------------------------------------------------------------------------

REJECT_REASONS_DOCS = REPO_ROOT / "models" / "reject_reasons.md"
RAW_TABLES = ("transactions", "customers", "events", "campaign_assignments", "marketing_spend")


def documented_reject_reasons(table: str) -> list[str]:
    """The reasons of the table's docs block in models/reject_reasons.md, in table order."""
    text = REJECT_REASONS_DOCS.read_text(encoding="utf-8")
    block = re.search(
        r"\{%\s*docs\s+" + table + r"_reject_reasons\s*%\}(.*?)\{%\s*enddocs\s*%\}", text, re.S
    )
    assert block, f"no docs block {table}_reject_reasons in {REJECT_REASONS_DOCS}"
    return re.findall(r"^\| `([a-z_]+)` \|", block.group(1), re.M)


def compiled_reject_reasons(build: Build, table: str) -> list[str]:
    """The values of the accepted_values test on int_<table>_validated.reject_reason as dbt
    compiled them in the build (strata_reject_reasons: the names of the rules, in order)."""
    results = json.loads((build.tmp / "target" / "run_results.json").read_text())["results"]
    prefix = f"test.strata.accepted_values_int_{table}_validated_reject_reason_"
    (compiled,) = [r["compiled_code"] for r in results if r["unique_id"].startswith(prefix)]
    return re.findall(r"'([a-z_]+)'", compiled.split(" not in ", 1)[1])


@pytest.mark.parametrize("table", RAW_TABLES)
def test_reject_reasons_documented_once_as_the_rules_say(dirty, table):
    """The reasons documented for a raw table are the rules' reasons, in the rules' order, and
    the dirty build (which holds a bad row of every kind) gives each of them."""
    documented = documented_reject_reasons(table)
    assert documented == compiled_reject_reasons(dirty, table)
    seen = query(
        dirty.duckdb_path,
        f"select distinct reject_reason from intermediate.int_{table}_validated"
        " where reject_reason is not null",
    )
    assert {r["reject_reason"] for r in seen} == set(documented)


def test_no_pii_in_marts(dirty):
    columns = query(
        dirty.duckdb_path,
        "select table_name, column_name from information_schema.columns"
        " where table_schema = 'marts'",
    )
    assert columns, "no marts?"
    leaking = [c for c in columns if c["column_name"].lower() in PII_COLUMNS]
    assert leaking == []
    # nor any PII value (the e-mail addresses / phone numbers written) under another name
    for table, rows in dirty.marts.items():
        for row in rows:
            for column, value in row:
                if isinstance(value, str):
                    assert not re.search(r"@example\.com|^\+\d|Doe, J", value), (table, column)


# ---------------------------------------------------------------------------------------------
# CSV quirks
# ---------------------------------------------------------------------------------------------


def test_csv_quirks_read_like_plain_csv(quirky, clean):
    data = (quirky.raw_dir / "transactions.csv").read_bytes()
    assert data.startswith(b'\xef\xbb\xbf"transaction_id","note",')
    assert data.count(b"\r\n") == data.count(b"\n")  # CRLF only
    assert b'"gift, wrapped ""0"", ok"' in data
    assert_marts_equal(quirky.marts, clean.marts, "quirky csv vs plain csv")
    # sanity: the quoted commas really were inside contract columns too
    names = {dict(r)["event_name"] for r in quirky.marts["fct_events"]}
    assert "search, advanced" in names and 'say "hi"' in names


# ---------------------------------------------------------------------------------------------
# Unusable files: the build stops at its start, naming the file; the previous warehouse stays
# ---------------------------------------------------------------------------------------------

GOOD_ROWS = [("t1", "c1", "2025-01-05T10:00:00Z", "10.00"), ("t2", "c2", "2025-01-06", "12.50")]


def test_missing_transactions_file_fails(clean, tmp_path):
    raw_dir = write_plain(
        tmp_path / "raw", {"customers": Table(CUSTOMER_COLUMNS, make_base_customers())}
    )
    output = fail_into(clean, raw_dir)
    assert (
        f"Strata: required raw table 'transactions' not found: expected "
        f"{raw_dir}/transactions.parquet or {raw_dir}/transactions.csv"
    ) in output
    assert_marts_equal(marts_snapshot(clean.duckdb_path), clean.marts, "after failed build")


def test_transactions_missing_columns_fails(clean, tmp_path):
    raw_dir = tmp_path / "raw"
    raw_dir.mkdir()
    (raw_dir / "transactions.csv").write_bytes(
        csv_bytes(["transaction_id", "amount", "when"], [("t1", "10", "2025-01-01")])
    )
    output = fail_into(clean, raw_dir)
    assert (
        f"Strata: raw file {raw_dir}/transactions.csv is missing required column(s) "
        "customer_id, transacted_at (found: transaction_id, amount, when)"
    ) in output
    assert_marts_equal(marts_snapshot(clean.duckdb_path), clean.marts, "after failed build")


def test_header_only_transactions_fails(clean, tmp_path):
    raw_dir = tmp_path / "raw"
    raw_dir.mkdir()
    (raw_dir / "transactions.csv").write_bytes(csv_bytes(TRANSACTION_COLUMNS, []))
    output = fail_into(clean, raw_dir)
    assert f"Strata: required raw file {raw_dir}/transactions.csv has no rows" in output
    assert_marts_equal(marts_snapshot(clean.duckdb_path), clean.marts, "after failed build")


@pytest.fixture(scope="session")
def zero_byte_failure(clean, tmp_path_factory) -> tuple[Path, str, dict]:
    raw_dir = tmp_path_factory.mktemp("raw_zero_byte")
    (raw_dir / "transactions.csv").write_bytes(b"")
    output = fail_into(clean, raw_dir)
    return raw_dir, output, marts_snapshot(clean.duckdb_path)


def test_zero_byte_transactions_fails(clean, zero_byte_failure):
    raw_dir, output, marts_after = zero_byte_failure
    # stops in the hook with a Strata message naming the file
    assert re.search(rf"Strata: .*{re.escape(str(raw_dir))}/transactions\.csv", output)
    assert_marts_equal(marts_after, clean.marts, "after failed build")


def test_zero_byte_transactions_message(zero_byte_failure):
    raw_dir, output, _ = zero_byte_failure
    assert f"Strata: required raw file {raw_dir}/transactions.csv has no rows" in output


def test_corrupt_parquet_fails_naming_the_file(clean, tmp_path):
    raw_dir = tmp_path / "raw"
    raw_dir.mkdir()
    (raw_dir / "transactions.parquet").write_bytes(b"PAR1" + b"\x00not parquet\x00" * 8 + b"PAR1")
    # a readable CSV beside it is not used instead: the Parquet file wins
    (raw_dir / "transactions.csv").write_bytes(csv_bytes(TRANSACTION_COLUMNS, GOOD_ROWS))
    output = fail_into(clean, raw_dir)
    # DuckDB's own error, naming the file
    assert "Runtime Error" in output
    assert f"in file '{raw_dir}/transactions.parquet'" in output
    assert_marts_equal(marts_snapshot(clean.duckdb_path), clean.marts, "after failed build")


# ---------------------------------------------------------------------------------------------
# Quarantine limits
# ---------------------------------------------------------------------------------------------


def test_quarantine_share_above_error_limit_stops(clean, datasets, tmp_path):
    """The next export holds the same rows plus a batch with day-first dates: 25% of the raw
    rows are quarantined, above quarantine_error_share (20%)."""
    good_rows = datasets.clean["transactions"].rows
    bad_rows = [(f"qb{i}", "v001", "31/05/2025", "1.00") for i in range(len(good_rows) // 3)]
    assert len(bad_rows) / (len(good_rows) + len(bad_rows)) > 0.2
    raw_dir = write_plain(
        tmp_path / "raw",
        {
            "transactions": Table(TRANSACTION_COLUMNS, good_rows + bad_rows),
            # The optional tables are the good build's: marts built only from them (fct_events,
            # fct_events_quarantined, fct_customers_quarantined) ARE rebuilt by the stopped build
            # (dbt build goes on with independent nodes), so with a different events file they
            # would change while dim_customers and the tiers stay old (reported, not asserted).
            "customers": datasets.clean["customers"],
            "events": datasets.clean["events"],
        },
    )
    output = fail_into(clean, raw_dir)
    assert re.search(r"ERROR transactions_quarantine_share_error", output), output[-3000:]
    # The stop says why, in words: table, rows of rows, the commonest reasons, limit, var, where.
    raw_rows = len(good_rows) + len(bad_rows)
    share = f"{100 * len(bad_rows) / raw_rows:.1f}%"
    message = (
        f"Strata: {share} of the raw transactions rows are quarantined ({len(bad_rows)} of "
        f"{raw_rows}), above quarantine_error_share = 0.2. Commonest reasons: "
        f"unparseable_timestamp {len(bad_rows)}. Nothing built from the raw transactions was "
        "replaced. Each rejected row and its reason: select * from "
    )
    assert message in output, output[-3000:]
    assert "fct_transactions_quarantined" in output[output.index(message) :][:400]
    # nothing built from the transactions is replaced ...
    for mart in ("fct_transactions", "fct_customer_rfm", "fct_customer_tier_history",
                 "dim_customers"):  # fmt: skip
        assert re.search(rf"SKIP relation marts\.{mart} ", output), mart
    after = marts_snapshot(clean.duckdb_path)
    assert_marts_equal(
        after, clean.marts, "after failed build", skip=("fct_transactions_quarantined",)
    )
    # ... but the quarantine mart that explains the stop is built and can be queried
    rejected = query(
        clean.duckdb_path,
        "select reject_reason, sum(raw_rows) as raw_rows from marts.fct_transactions_quarantined"
        " group by 1",
    )
    assert rejected == [{"reject_reason": "unparseable_timestamp", "raw_rows": len(bad_rows)}]


# ---------------------------------------------------------------------------------------------
# PII guard: the privacy test can fail
# ---------------------------------------------------------------------------------------------


def test_pii_guard_fails_on_leaking_column(quirky):
    select = "assert_no_pii_columns_in_marts"
    execute(quirky.duckdb_path, "create table marts.leak (email varchar)")
    try:
        failed = run_dbt(["test", "--select", select], quirky.raw_dir, quirky.tmp, VARS)
    finally:
        execute(quirky.duckdb_path, "drop table if exists marts.leak")
    assert failed.returncode != 0, failed.output[-3000:]
    assert re.search(rf"FAIL 1 {select}", failed.output), failed.output[-3000:]
    passed = run_dbt(["test", "--select", select], quirky.raw_dir, quirky.tmp, VARS)
    assert passed.returncode == 0, passed.output[-3000:]
    assert re.search(rf"PASS {select}", passed.output), passed.output[-3000:]


def test_quoted_comma_after_the_sniffer_sample_is_read(tmp_path):
    rows = [(f"t{i}", f"c{i % 7}", f"2025-01-{i % 28 + 1:02d}", f"{i}.50") for i in range(30000)]
    rows[25000] = ("t25000", "Smith, J", "2025-01-01", "5")
    raw_dir = write_plain(tmp_path / "raw", {"transactions": Table(TRANSACTION_COLUMNS, rows)})
    assert b'"Smith, J"' in (raw_dir / "transactions.csv").read_bytes()
    # `dbt run` of the one staging view: the hook reads the whole file first
    result = run_dbt(["run", "--select", "stg_raw__transactions"], raw_dir, tmp_path, VARS)
    assert result.returncode == 0, failure_summary(result.output)
    counts = query(
        result.duckdb_path,
        "select count(*) as n, count(*) filter (where customer_id = 'Smith, J') as smith"
        " from staging.stg_raw__transactions",
    )
    assert counts == [{"n": 30000, "smith": 1}]
