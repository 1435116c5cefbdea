"""Hand-computed expectations on the small handmade dataset (fixtures/handmade).

The fixture has only transactions.csv (no customers / events file: the optional tables are
absent) and is built with as_of_date = 2025-04-10, N = 5.

Raw rows (transaction UTC dates; amounts):
  c01: t01 02-03 100, t02 03-15 50 (timestamp without offset = UTC), t03 04-08 50
  c02: t04 2025-02-28T12:00Z 80 (ON a month end),
       t05 2025-03-31T23:30:00-02:00 120  -> 2025-04-01 UTC (crosses the date/month boundary)
  c03: t06 "2025-04-08" 30 (date-only value; one-time buyer)
  c04: t07 2024-12-20 0.00 (zero row, BEFORE the first purchase month: must not create a
       December snapshot), t08 02-10 60, t09 03-05 40, t10 03-20 -20 (refund)
  c05: t29 2024-12-28 -5.00 (a refund BEFORE the first purchase of the data: counts in monetary
       and in the first snapshot's period, but does not start the snapshots in December),
       t11 2025-01-05 25 (the first purchase of the data), t12 04-03 -25 (refund)
  c06: t13 03-10 45, t14 03-25 45 (ids padded with blanks: " t14", " c06 "), t15 04-05 10,
       t28 2025-04-11T02:00:00+05:00 -10 -> 2025-04-10 UTC = ON as_of_date (refund, counted)
  c07: t16 02-20 500, t17 2025-04-01T01:00:00+03:00 100 -> 2025-03-31 UTC (month end)
  c08: t18 2025-03-31T18:00Z 30 (one-time buyer, month end)
  c09: t19 02-05 20, t20 02-25 20 (t20 appears twice, an exact duplicate: collapses),
       t21 2025-03-12T09:30:00.250Z 20, t22 04-09 20,
       t23 2025-04-10T23:00:00-05:00 1000 -> 2025-04-11 UTC: AFTER as_of_date, ignored
  c10: t24 2025-03-31T23:59:59Z 70 (month end), t25 04-02 0.00 (zero row)
  c11: t26 04-12 90, t27 "2025-04-15" 10: only rows after as_of_date -> never scored

Snapshots: first purchase 2025-01-05 (c05) -> month ends 2025-01-31, 2025-02-28, 2025-03-31,
then as_of_date 2025-04-10.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import oracle
import pytest
from compare import MART_COLUMNS, MART_KEYS, assert_rows_match
from conftest import HANDMADE_DIR, HANDMADE_RULES_DIR, read_table

AS_OF = date(2025, 4, 10)
D = Decimal

# ---------------------------------------------------------------------------------------------
# fct_customer_rfm at as_of_date 2025-04-10 (10 scored customers c01..c10; NTILE(5) over 10
# rows = 5 buckets of 2 rows: positions 1-2 -> 1, 3-4 -> 2, 5-6 -> 3, 7-8 -> 4, 9-10 -> 5).
#
# Metrics (purchases on or before 04-10; monetary = net sum of all rows on or before 04-10):
#   c01 last 04-08 rec 2,  f 3, m 100+50+50          = 200
#   c02 last 04-01 rec 9,  f 2, m 80+120             = 200
#   c03 last 04-08 rec 2,  f 1, m 30                 = 30
#   c04 last 03-05 rec 36, f 2, m 0+60+40-20         = 80
#   c05 last 01-05 rec 95 (26 + 28 + 31 + 10), f 1, m -5+25-25 = -5
#   c06 last 04-05 rec 5,  f 3, m 45+45+10-10        = 90
#   c07 last 03-31 rec 10, f 2, m 500+100            = 600
#   c08 last 03-31 rec 10, f 1, m 30                 = 30
#   c09 last 04-09 rec 1,  f 4, m 20*4 (t23 ignored) = 80
#   c10 last 03-31 rec 10, f 1, m 70+0               = 70
#
# R: order recency desc, id asc:
#   c05 95:1, c04 36:1, c07 10:2, c08 10:2, c10 10:3, c02 9:3, c06 5:4, c01 2:4, c03 2:5, c09 1:5
#   ties: rec 10 {2,2,3} -> 2 (c10 2); rec 2 {4,5} -> 4 (c03 4)
# F: order freq asc, id asc:
#   c03 1:1, c05 1:1, c08 1:2, c10 1:2, c02 2:3, c04 2:3, c07 2:4, c01 3:4, c06 3:5, c09 4:5
#   ties: f1 -> 1 (c08, c10 1); f2 {3,3,4} -> 3 (c07 3); f3 {4,5} -> 4 (c06 4); c09 5
# M: order monetary asc, id asc:
#   c05 -5:1, c03 30:1, c08 30:2, c10 70:2, c04 80:3, c09 80:3, c06 90:4, c01 200:4,
#   c02 200:5, c07 600:5
#   ties: 30 {1,2} -> 1 (c08 1); 80 -> 3; 200 {4,5} -> 4 (c02 4)
#
# cell / score / tier (top 12-15, potential 9-11, general 6-8, sleeping 3-5) / segment (first
# rule by priority whose R, F, M ranges contain the scores) / bucket (0-30, 31-90, 91-180):
#   c01 444 12 top       champions      (r4-5 f4-5 m4-5)               0-30
#   c02 334 10 potential loyal          (not champions: r3; loyal r3-5 f3-5 m3-5)  0-30
#   c03 411  6 general   promising      (r4 f1)                        0-30
#   c04 133  7 general   at_risk        (r1-2 f3-5 m3-5)               31-90
#   c05 111  3 sleeping  lost           (r1)                           91-180
#   c06 444 12 top       champions                                     0-30
#   c07 235 10 potential at_risk        (r2 f3 m5)                     0-30
#   c08 211  4 sleeping  about_to_sleep (r2 f1-2)                      0-30
#   c09 553 13 top       loyal          (champions needs m>=4)         0-30
#   c10 212  5 sleeping  about_to_sleep                                0-30
# ---------------------------------------------------------------------------------------------
# (customer, rec, freq, monetary, r, f, m, cell, score, tier, rank, segment, bucket, first, last)
EXPECTED_RFM = [
    ("c01", 2, 3, D("200"), 4, 4, 4, "444", 12, "top", 4, "champions", "0-30",
     date(2025, 2, 3), date(2025, 4, 8)),
    ("c02", 9, 2, D("200"), 3, 3, 4, "334", 10, "potential", 3, "loyal", "0-30",
     date(2025, 2, 28), date(2025, 4, 1)),
    ("c03", 2, 1, D("30"), 4, 1, 1, "411", 6, "general", 2, "promising", "0-30",
     date(2025, 4, 8), date(2025, 4, 8)),
    ("c04", 36, 2, D("80"), 1, 3, 3, "133", 7, "general", 2, "at_risk", "31-90",
     date(2025, 2, 10), date(2025, 3, 5)),
    ("c05", 95, 1, D("-5"), 1, 1, 1, "111", 3, "sleeping", 1, "lost", "91-180",
     date(2025, 1, 5), date(2025, 1, 5)),
    ("c06", 5, 3, D("90"), 4, 4, 4, "444", 12, "top", 4, "champions", "0-30",
     date(2025, 3, 10), date(2025, 4, 5)),
    ("c07", 10, 2, D("600"), 2, 3, 5, "235", 10, "potential", 3, "at_risk", "0-30",
     date(2025, 2, 20), date(2025, 3, 31)),
    ("c08", 10, 1, D("30"), 2, 1, 1, "211", 4, "sleeping", 1, "about_to_sleep", "0-30",
     date(2025, 3, 31), date(2025, 3, 31)),
    ("c09", 1, 4, D("80"), 5, 5, 3, "553", 13, "top", 4, "loyal", "0-30",
     date(2025, 2, 5), date(2025, 4, 9)),
    ("c10", 10, 1, D("70"), 2, 1, 2, "212", 5, "sleeping", 1, "about_to_sleep", "0-30",
     date(2025, 3, 31), date(2025, 3, 31)),
]  # fmt: skip

RFM_FIELDS = (
    "customer_id", "recency_days", "frequency", "monetary", "r_score", "f_score", "m_score",
    "rfm_cell", "rfm_score", "tier", "tier_rank", "segment", "recency_bucket",
    "first_purchase_date", "last_purchase_date",
)  # fmt: skip


def expected_rfm_rows() -> list[dict]:
    rows = []
    for values in EXPECTED_RFM:
        row = dict(zip(RFM_FIELDS, values, strict=True))
        row["as_of_date"] = AS_OF
        rows.append(row)
    return rows


# ---------------------------------------------------------------------------------------------
# A few fct_customer_tier_history rows.
#
# 2025-01-31: only c05 is scored (purchase 01-05): NTILE(5) over 1 row -> bucket 1 everywhere:
#   111, score 3, sleeping, lost, rec 26, 0-30, monetary -5+25 = 20; first snapshot:
#   previous_* null.
# 2025-02-28: scored c01 (02-03, 100), c02 (02-28, 80), c04 (02-10, 60 + zero row),
#   c05 (01-05, 25 - 5 = 20), c07 (02-20, 500), c09 (02-05 + 02-25, 40). NTILE(5) over 6 rows:
#   bucket sizes 2,1,1,1,1 -> positions 1,1,2,3,4,5.
#   R (rec desc): c05 54:1, c01 25:1, c04 18:2, c07 8:3, c09 3:4, c02 0:5
#   F (freq asc): c01,c02,c04,c05,c07 all f1 (buckets 1,1,2,3,4 -> 1), c09 f2:5
#   M (asc): c05 20:1, c09 40:1, c04 60:2, c02 80:3, c01 100:4, c07 500:5
#   c09: 451, score 10 potential, segment: no rule matches (loyal needs m>=3, promising f1,
#   potential_loyalist f2-3 ...) -> 'other'. previous_tier null (not scored at 01-31).
# 2025-03-31: 9 scored (c01,c02,c04..c10); t05 of c02 is 04-01 UTC so NOT included.
#   NTILE(5) over 9 rows: sizes 2,2,2,2,1 -> positions 1,1,2,2,3,3,4,4,5.
#   R (rec desc): c05 85:1, c02 31:1, c04 26:2, c09 19:2, c01 16:3, c06 6:3, c07 0:4, c08 0:4,
#     c10 0:5 -> tie at 0 -> c10 4
#   F: f1 c02,c05,c08,c10 -> 1; f2 c01,c04,c06,c07 (3,3,4,4) -> 3; c09 f3 -> 5
#   M: c05 20:1, c08 30:1, c09 60:2, c10 70:2, c02 80:3, c04 80:3, c06 90:4, c01 150:4,
#     c07 600:5
#   c02: 113, 5, sleeping, lost, rec 31 -> '31-90'; was potential at 02-28.
#   c10: 412, 7, general, promising, rec 0; first scored here -> previous_tier null.
# 2025-04-10: c07 as in fct_customer_rfm, previous_tier 'top' (435 = 12 at 03-31).
# ---------------------------------------------------------------------------------------------
HISTORY_FIELDS = RFM_FIELDS + ("snapshot_date", "previous_tier", "previous_snapshot_date")
EXPECTED_HISTORY = [
    ("c05", 26, 1, D("20"), 1, 1, 1, "111", 3, "sleeping", 1, "lost", "0-30",
     date(2025, 1, 5), date(2025, 1, 5), date(2025, 1, 31), None, None),
    ("c09", 3, 2, D("40"), 4, 5, 1, "451", 10, "potential", 3, "other", "0-30",
     date(2025, 2, 5), date(2025, 2, 25), date(2025, 2, 28), None, date(2025, 1, 31)),
    ("c02", 31, 1, D("80"), 1, 1, 3, "113", 5, "sleeping", 1, "lost", "31-90",
     date(2025, 2, 28), date(2025, 2, 28), date(2025, 3, 31), "potential", date(2025, 2, 28)),
    ("c10", 0, 1, D("70"), 4, 1, 2, "412", 7, "general", 2, "promising", "0-30",
     date(2025, 3, 31), date(2025, 3, 31), date(2025, 3, 31), None, date(2025, 2, 28)),
    ("c07", 10, 2, D("600"), 2, 3, 5, "235", 10, "potential", 3, "at_risk", "0-30",
     date(2025, 2, 20), date(2025, 3, 31), date(2025, 4, 10), "top", date(2025, 3, 31)),
]  # fmt: skip

# ---------------------------------------------------------------------------------------------
# fct_tier_migrations.
# 2025-01-31 (first snapshot): new -> sleeping 1 (c05), from_tier_customers 1, share 1.0.
# 2025-04-10, tiers at 03-31 -> 04-10:
#   c01 potential->top, c02 sleeping->potential, c03 new->general, c04 general->general,
#   c05 sleeping->sleeping, c06 potential->top, c07 top->potential, c08 general->sleeping,
#   c09 potential->top, c10 general->sleeping.
#   Tier sizes at 03-31: top 1 (c07), potential 3 (c01,c06,c09), general 3 (c04,c08,c10),
#   sleeping 2 (c02,c05); new at 04-10: 1 (c03).
# ---------------------------------------------------------------------------------------------
MIGRATION_FIELDS = (
    "from_tier", "to_tier", "direction", "customers", "from_tier_customers",
    "share_of_from_tier", "snapshot_date", "previous_snapshot_date",
)  # fmt: skip
MAR31 = date(2025, 3, 31)
EXPECTED_MIGRATIONS_FIRST = [
    ("new", "sleeping", "new", 1, 1, 1.0, date(2025, 1, 31), None),
]
EXPECTED_MIGRATIONS_AS_OF = [
    ("potential", "top", "up", 3, 3, 1.0, AS_OF, MAR31),
    ("sleeping", "potential", "up", 1, 2, 0.5, AS_OF, MAR31),
    ("sleeping", "sleeping", "same", 1, 2, 0.5, AS_OF, MAR31),
    ("new", "general", "new", 1, 1, 1.0, AS_OF, MAR31),
    ("general", "general", "same", 1, 3, 1 / 3, AS_OF, MAR31),
    ("general", "sleeping", "down", 2, 3, 2 / 3, AS_OF, MAR31),
    ("top", "potential", "down", 1, 1, 1.0, AS_OF, MAR31),
]

# ---------------------------------------------------------------------------------------------
# rpt_tier_kpis at 2025-04-10; period = 2025-04-01 .. 2025-04-10. Transactions in the period:
#   c01 +50 (04-08), c02 +120 (t05, 04-01 UTC), c03 +30, c05 -25, c06 +10 and -10 (t28 on
#   as_of), c09 +20 (04-09; t23 is 04-11: outside), c10 0.00. c11 is not scored: not counted.
# Monetary at 04-10 (see above); at 03-31: c07 600 | c01 150, c06 90, c09 60 |
#   c04 80, c08 30, c10 70 | c02 80, c05 20.
#   top (c01,c06,c09): 3 cust, share 3/10; net 50+10-10+20 = 70; total 200+90+80 = 370;
#       avg 370/3; in 3 (all were potential); out 1 (c07); mig 1/1; growth 370/600 - 1
#   potential (c02,c07): 2, 0.2; net 120+0 = 120; total 200+600 = 800; avg 400; in 2 (c02 from
#       sleeping, c07 from top); out 3 (c01,c06,c09); mig 3/3; growth 800/(150+90+60) - 1
#   general (c03,c04): 2, 0.2; net 30+0 = 30; total 30+80 = 110; avg 55; in 1 (c03 new);
#       out 2 (c08,c10); mig 2/3; growth 110/(80+30+70) - 1
#   sleeping (c05,c08,c10): 3, 0.3; net -25+0+0 = -25; total -5+30+70 = 95; avg 95/3;
#       in 2 (c08,c10); out 1 (c02); mig 1/2; growth 95/(80+20) - 1
#   sum of net revenue = 70+120+30-25 = 195 -> revenue shares 70/195, 120/195, 30/195, -25/195
# At 2025-01-31 (first snapshot, period = everything up to 01-31) only c05 is scored:
#   sleeping: 1 customer, share 1.0, net -5+25 = 20 (the December refund is in the period),
#   revenue share 20/20 = 1.0, total 20, avg 20, in 1 (new), out 0, rates null (first).
#   top is empty: customers 0, share 0/1 = 0, net 0, revenue share 0/20 = 0, total 0,
#   avg null, in 0, out 0, rates null.
# ---------------------------------------------------------------------------------------------
KPI_FIELDS = (
    "tier", "tier_rank", "customers", "customer_share", "net_revenue", "revenue_share",
    "total_monetary", "avg_monetary", "customers_in", "customers_out", "migration_rate",
    "value_growth_rate", "snapshot_date", "previous_snapshot_date",
)  # fmt: skip
EXPECTED_KPIS = [
    ("top", 4, 3, 0.3, D("70"), 70 / 195, D("370"), 370 / 3, 3, 1, 1.0, 370 / 600 - 1,
     AS_OF, MAR31),
    ("potential", 3, 2, 0.2, D("120"), 120 / 195, D("800"), 400.0, 2, 3, 1.0, 800 / 300 - 1,
     AS_OF, MAR31),
    ("general", 2, 2, 0.2, D("30"), 30 / 195, D("110"), 55.0, 1, 2, 2 / 3, 110 / 180 - 1,
     AS_OF, MAR31),
    ("sleeping", 1, 3, 0.3, D("-25"), -25 / 195, D("95"), 95 / 3, 2, 1, 0.5, 95 / 100 - 1,
     AS_OF, MAR31),
    ("sleeping", 1, 1, 1.0, D("20"), 1.0, D("20"), 20.0, 1, 0, None, None, date(2025, 1, 31),
     None),
    ("top", 4, 0, 0.0, D("0"), 0.0, D("0"), None, 0, 0, None, None, date(2025, 1, 31), None),
]  # fmt: skip


def _rows(fields, values_list) -> list[dict]:
    return [dict(zip(fields, values, strict=True)) for values in values_list]


def _subset(rows: list[dict], key: tuple[str, ...], wanted: list[dict]) -> list[dict]:
    keys = {tuple(w[c] for c in key) for w in wanted}
    return [r for r in rows if tuple(r[c] for c in key) in keys]


@pytest.fixture(scope="session")
def oracle_result():
    loaded = oracle.load_raw_transactions(HANDMADE_DIR)
    return oracle.compute(loaded.valid, as_of_date=AS_OF, n_bins=5, seeds_dir=HANDMADE_RULES_DIR)


# --------------------------------------------------------------------------------- the oracle


def test_oracle_agrees_with_hand_computation(oracle_result):
    """The oracle itself reproduces every hand-computed value (no dbt needed)."""
    assert oracle_result.snapshot_dates == [
        date(2025, 1, 31), date(2025, 2, 28), date(2025, 3, 31), AS_OF,
    ]  # fmt: skip
    assert_rows_match(
        oracle_result.customer_rfm, expected_rfm_rows(), ("customer_id",), "oracle rfm"
    )
    history = _rows(HISTORY_FIELDS, EXPECTED_HISTORY)
    key = MART_KEYS["fct_customer_tier_history"]
    assert_rows_match(_subset(oracle_result.tier_history, key, history), history, key, "oracle")
    migrations = _rows(MIGRATION_FIELDS, EXPECTED_MIGRATIONS_AS_OF + EXPECTED_MIGRATIONS_FIRST)
    key = MART_KEYS["fct_tier_migrations"]
    wanted = [
        r for r in oracle_result.tier_migrations if r["snapshot_date"] in (AS_OF, date(2025, 1, 31))
    ]
    assert_rows_match(wanted, migrations, key, "oracle migrations")
    kpis = _rows(KPI_FIELDS, EXPECTED_KPIS)
    key = MART_KEYS["rpt_tier_kpis"]
    assert_rows_match(_subset(oracle_result.tier_kpis, key, kpis), kpis, key, "oracle kpis")


def test_ntile_matches_sql_definition():
    assert oracle.ntile(10, 5) == [1, 1, 2, 2, 3, 3, 4, 4, 5, 5]
    assert oracle.ntile(9, 5) == [1, 1, 2, 2, 3, 3, 4, 4, 5]
    assert oracle.ntile(6, 5) == [1, 1, 2, 3, 4, 5]
    assert oracle.ntile(3, 5) == [1, 2, 3]
    assert oracle.ntile(7, 3) == [1, 1, 1, 2, 2, 3, 3]
    assert oracle.ntile(0, 5) == []


# ----------------------------------------------------------------------------- the dbt marts


def test_fct_customer_rfm_hand_computed(handmade_warehouse):
    actual = read_table(handmade_warehouse, "marts.fct_customer_rfm")
    assert_rows_match(
        actual,
        expected_rfm_rows(),
        ("customer_id",),
        "fct_customer_rfm (hand-computed)",
        columns=MART_COLUMNS["fct_customer_rfm"],
    )


def test_fct_customer_tier_history_hand_computed(handmade_warehouse):
    actual = read_table(handmade_warehouse, "marts.fct_customer_tier_history")
    assert sorted({r["snapshot_date"] for r in actual}) == [
        date(2025, 1, 31), date(2025, 2, 28), date(2025, 3, 31), AS_OF,
    ], "no December snapshot (zero row is not a purchase), no snapshot after as_of"  # fmt: skip
    expected = _rows(HISTORY_FIELDS, EXPECTED_HISTORY)
    key = MART_KEYS["fct_customer_tier_history"]
    assert_rows_match(_subset(actual, key, expected), expected, key, "history (hand-computed)")
    assert len(actual) == 1 + 6 + 9 + 10


def test_fct_tier_migrations_hand_computed(handmade_warehouse):
    actual = read_table(handmade_warehouse, "marts.fct_tier_migrations")
    key = MART_KEYS["fct_tier_migrations"]
    for snapshot, expected_values in (
        (AS_OF, EXPECTED_MIGRATIONS_AS_OF),
        (date(2025, 1, 31), EXPECTED_MIGRATIONS_FIRST),
    ):
        assert_rows_match(
            [r for r in actual if r["snapshot_date"] == snapshot],
            _rows(MIGRATION_FIELDS, expected_values),
            key,
            f"fct_tier_migrations at {snapshot} (hand-computed)",
        )


def test_rpt_tier_kpis_hand_computed(handmade_warehouse):
    actual = read_table(handmade_warehouse, "marts.rpt_tier_kpis")
    expected = _rows(KPI_FIELDS, EXPECTED_KPIS)
    key = MART_KEYS["rpt_tier_kpis"]
    assert_rows_match(_subset(actual, key, expected), expected, key, "rpt_tier_kpis (hand)")
    assert len(actual) == 4 * 4, "every tier of the bands at each of the 4 snapshots"


def test_fct_transactions_handmade(handmade_warehouse):
    rows = {
        r["transaction_id"]: r for r in read_table(handmade_warehouse, "marts.fct_transactions")
    }
    # 30 raw rows, t20 twice (exact duplicate) -> 29 transactions, nothing quarantined
    assert len(rows) == 29
    assert read_table(handmade_warehouse, "marts.fct_transactions_quarantined") == []
    assert rows["t14"]["customer_id"] == "c06", "identifiers are trimmed"
    types = {t: r["transaction_type"] for t, r in rows.items()}
    assert {t for t, kind in types.items() if kind == "zero_amount"} == {"t07", "t25"}
    assert {t for t, kind in types.items() if kind == "refund"} == {"t10", "t12", "t28", "t29"}
    assert {t for t, r in rows.items() if r["is_refund"]} == {"t10", "t12", "t28", "t29"}
    assert sum(1 for r in rows.values() if r["is_purchase"]) == 29 - 2 - 4
    assert rows["t05"]["transaction_date"] == date(2025, 4, 1)  # 23:30 at -02:00
    assert rows["t17"]["transaction_date"] == date(2025, 3, 31)  # 01:00 at +03:00
    assert rows["t23"]["transaction_date"] == date(2025, 4, 11)  # 23:00 at -05:00
    assert rows["t28"]["transaction_date"] == date(2025, 4, 10)  # 02:00 at +05:00
    assert rows["t06"]["transaction_date"] == date(2025, 4, 8)  # date-only
    assert rows["t10"]["amount"] == D("-20")
    validated = read_table(handmade_warehouse, "intermediate.int_transactions_validated")
    assert sum(r["duplicate_rows"] or 0 for r in validated) == 1


def test_dim_customers_handmade(handmade_warehouse):
    rows = {r["customer_id"]: r for r in read_table(handmade_warehouse, "marts.dim_customers")}
    assert set(rows) == {f"c{i:02d}" for i in range(1, 12)}
    # c11 only has transactions after as_of_date: seen, but not scored
    assert rows["c11"]["is_scored"] is False
    assert rows["c11"]["current_tier"] is None
    for customer_id, *_rest in EXPECTED_RFM:
        assert rows[customer_id]["is_scored"] is True
    assert (rows["c09"]["current_tier"], rows["c09"]["current_segment"]) == ("top", "loyal")
    assert rows["c09"]["current_rfm_cell"] == "553"
    # no customers file: no profile, no country
    assert all(r["has_profile"] is False and r["country"] is None for r in rows.values())


def test_handmade_marts_match_oracle(handmade_warehouse, oracle_result):
    for mart, expected in (
        ("fct_customer_rfm", oracle_result.customer_rfm),
        ("fct_customer_tier_history", oracle_result.tier_history),
        ("fct_tier_migrations", oracle_result.tier_migrations),
        ("rpt_tier_kpis", oracle_result.tier_kpis),
    ):
        assert_rows_match(
            read_table(handmade_warehouse, f"marts.{mart}"),
            expected,
            MART_KEYS[mart],
            f"handmade {mart} vs oracle",
            columns=MART_COLUMNS[mart],
        )


def test_behaviour_without_an_events_file(handmade_warehouse):
    """No events file: the behaviour marts are empty (the build passed), and dim_customers has no
    usage band and no content preference for anyone (no behaviour data), rather than calling
    every customer 'inactive'."""
    for mart in (
        "fct_customer_usage_weekly",
        "rpt_usage_depth_weekly",
        "fct_customer_content_preference",
        "rpt_engagement_daily",
        "rpt_activation_retention",
    ):
        assert read_table(handmade_warehouse, f"marts.{mart}") == [], mart
    rows = read_table(handmade_warehouse, "marts.dim_customers")
    assert rows
    assert {(r["current_usage_band"], r["current_content_preference"]) for r in rows} == {
        (None, None)
    }
