"""The analyses (analyses/*.sql) compiled by dbt, run, and compared with Python computations.

`dbt compile` compiles the analyses once for the module against the handmade warehouse (the
session fixture of conftest.py). Each compiled query then runs read-only with DuckDB, and its
rows (values and order) must equal an independent Python computation from the mart rows
(the dropouts, the matrix and the tier sizes from fct_customer_tier_history, never from the
marts the analyses read; tier ranks from seeds/rfm_tier_bands.csv), and the hand-computed
answers of test_handmade.py where it has them.

The handmade data has one top-tier dropout at the latest snapshot (c07: top at 2025-03-31,
potential at 2025-04-10), so ordering and the choice of the best tier are also checked on small
hand-made mart tables (no dbt build): several dropouts with a monetary tie, a dropout at an
earlier snapshot, tiers not called 'top', and an empty best tier (then no one dropped out of it).
"""

from __future__ import annotations

import itertools
import re
from collections import Counter
from datetime import date
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import duckdb
import oracle
import pytest
from compare import assert_rows_match
from conftest import (
    HANDMADE_DIR,
    HANDMADE_RULES_DIR,
    REPO_ROOT,
    failure_summary,
    read_table,
    run_dbt,
)
from test_handmade import (
    AS_OF,
    EXPECTED_HISTORY,
    EXPECTED_KPIS,
    EXPECTED_MIGRATIONS_AS_OF,
    EXPECTED_RFM,
    HISTORY_FIELDS,
    KPI_FIELDS,
    MAR31,
    MIGRATION_FIELDS,
    RFM_FIELDS,
)

ANALYSES_DIR = REPO_ROOT / "analyses"
NEW = "new"

# The columns each analysis returns, in order (its header comment names every one of them).
COLUMNS = {
    "top_tier_dropouts": [
        "customer_id", "previous_tier", "tier", "segment", "tier_rank", "recency_days",
        "frequency", "monetary", "snapshot_date", "previous_snapshot_date",
    ],
    "tier_migration_matrix_latest": [
        "from_tier", "to_tier", "from_tier_rank", "to_tier_rank", "customers",
        "from_tier_customers", "share_of_from_tier", "snapshot_date", "previous_snapshot_date",
    ],
    "tier_sizes_over_time": ["tier", "tier_rank", "customers", "customer_share", "snapshot_date"],
    "segment_tier_counts": [
        "segment", "tier", "tier_rank", "customers", "customer_share", "as_of_date",
    ],
    "tier_threshold_calibration": [
        "tiering_method", "tier", "tier_rank", "customers", "customer_share", "value_share",
        "min_rfm_score", "max_rfm_score", "changed_customers", "as_of_date",
    ],
}  # fmt: skip
KEYS = {
    "top_tier_dropouts": ("customer_id",),
    "tier_migration_matrix_latest": ("from_tier", "to_tier"),
    "tier_sizes_over_time": ("snapshot_date", "tier"),
    "segment_tier_counts": ("segment", "tier"),
    "tier_threshold_calibration": ("tiering_method", "tier"),
}


# ------------------------------------------------------------------ compile once, run read-only


@pytest.fixture(scope="session")
def compiled(handmade_warehouse: Path) -> dict[str, str]:
    """Compiled SQL of every analysis, by name: one `dbt compile` on the handmade warehouse."""
    build_dir = handmade_warehouse.parent  # run_dbt uses <dir>/strata.duckdb and <dir>/target
    result = run_dbt(
        ["compile", "--select", "resource_type:analysis"],
        HANDMADE_DIR,
        build_dir,
        {"as_of_date": AS_OF.isoformat()},
    )
    assert result.returncode == 0, f"dbt compile failed:\n{failure_summary(result.output)}"
    compiled_dir = build_dir / "target" / "compiled" / "strata" / "analyses"
    return {path.stem: path.read_text() for path in sorted(compiled_dir.glob("*.sql"))}


def run_sql(duckdb_path: Path, sql: str) -> tuple[list[str], list[dict]]:
    """Column names and rows (in the query's order) of a read-only query."""
    connection = duckdb.connect(str(duckdb_path), read_only=True)
    try:
        cursor = connection.execute(sql)
        columns = [d[0] for d in cursor.description]
        return columns, [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]
    finally:
        connection.close()


def assert_analysis_returns(
    name: str, duckdb_path: Path, sql: str, expected: list[dict], label: str
) -> list[dict]:
    """The analysis returns exactly the expected rows, in the expected order and columns."""
    columns, rows = run_sql(duckdb_path, sql)
    assert columns == COLUMNS[name], f"{label}: columns {columns}"
    key = KEYS[name]
    assert_rows_match(rows, expected, key, label, columns=COLUMNS[name])
    order = [tuple(r[c] for c in key) for r in rows]
    assert order == [tuple(r[c] for c in key) for r in expected], f"{label}: order {order}"
    return rows


# ------------------------------------------------------- the definitions, computed in Python


def handmade_tier_ranks() -> dict[str, int]:
    return {band.tier: band.tier_rank for band in oracle.load_seeds(5, HANDMADE_RULES_DIR).bands}


def _share(numerator: int, denominator: int) -> float | None:
    return numerator / denominator if denominator else None


def expected_dropouts(history: list[dict], tier_ranks: dict[str, int]) -> list[dict]:
    latest = max(r["snapshot_date"] for r in history)
    best_rank = max(tier_ranks.values())
    dropouts = [
        {c: r[c] for c in COLUMNS["top_tier_dropouts"]}
        for r in history
        if r["snapshot_date"] == latest
        and r["previous_tier"] is not None
        and tier_ranks[r["previous_tier"]] == best_rank
        and tier_ranks[r["tier"]] < best_rank
    ]
    return sorted(dropouts, key=lambda r: (-r["monetary"], r["customer_id"]))


def expected_matrix(history: list[dict], tier_ranks: dict[str, int]) -> list[dict]:
    """Every (from, to) cell at the latest snapshot, from the history's tier / previous_tier."""
    snapshots = sorted({r["snapshot_date"] for r in history})
    latest = snapshots[-1]
    at_latest = [r for r in history if r["snapshot_date"] == latest]
    previous_date = at_latest[0]["previous_snapshot_date"]
    cells = Counter((r["previous_tier"] or NEW, r["tier"]) for r in at_latest)
    # customers in each tier at the previous snapshot, counted at that snapshot
    from_sizes = Counter(r["tier"] for r in history if r["snapshot_date"] == previous_date)
    from_sizes[NEW] = sum(1 for r in at_latest if r["previous_tier"] is None)
    by_rank = sorted(tier_ranks, key=lambda tier: -tier_ranks[tier])
    return [
        {
            "from_tier": from_tier,
            "to_tier": to_tier,
            "from_tier_rank": tier_ranks.get(from_tier),
            "to_tier_rank": tier_ranks[to_tier],
            "customers": cells[(from_tier, to_tier)],
            "from_tier_customers": from_sizes[from_tier],
            "share_of_from_tier": _share(cells[(from_tier, to_tier)], from_sizes[from_tier]),
            "snapshot_date": latest,
            "previous_snapshot_date": previous_date,
        }
        for from_tier in [*by_rank, NEW]
        for to_tier in by_rank
    ]


def expected_tier_sizes(history: list[dict], tier_ranks: dict[str, int]) -> list[dict]:
    sizes = Counter((r["snapshot_date"], r["tier"]) for r in history)
    totals = Counter(r["snapshot_date"] for r in history)
    return [
        {
            "tier": tier,
            "tier_rank": tier_ranks[tier],
            "customers": sizes[(snapshot, tier)],
            "customer_share": _share(sizes[(snapshot, tier)], totals[snapshot]),
            "snapshot_date": snapshot,
        }
        for snapshot in sorted(totals)
        for tier in sorted(tier_ranks, key=lambda tier: -tier_ranks[tier])
    ]


def expected_segment_tier_counts(customer_rfm: list[dict], tier_ranks: dict[str, int]) -> list:
    cells = Counter((r["segment"], r["tier"]) for r in customer_rfm)
    (as_of_date,) = {r["as_of_date"] for r in customer_rfm}
    rows = [
        {
            "segment": segment,
            "tier": tier,
            "tier_rank": tier_ranks[tier],
            "customers": customers,
            "customer_share": customers / len(customer_rfm),
            "as_of_date": as_of_date,
        }
        for (segment, tier), customers in cells.items()
    ]
    return sorted(rows, key=lambda r: (r["segment"], -r["tier_rank"]))


# ----------------------------------------------------------------------------- the files


def test_every_analysis_compiles_and_says_what_it_returns(compiled):
    files = sorted(path.stem for path in ANALYSES_DIR.glob("*.sql"))
    assert files == sorted(COLUMNS), "one test expectation per analysis file"
    assert sorted(compiled) == files, "dbt compile wrote every analysis"
    for name in files:
        source = (ANALYSES_DIR / f"{name}.sql").read_text()
        header = "\n".join(re.findall(r"^--(.*)$", source.split("\nwith\n", 1)[0], re.M))
        assert source.startswith("-- "), f"{name}.sql starts with a comment"
        missing = [c for c in COLUMNS[name] if not re.search(rf"\b{c}\b", header)]
        assert not missing, f"{name}.sql: the header comment does not name {missing}"
        assert "source(" not in source, f"{name}.sql reads marts only"
        for relation in re.findall(r"\{\{\s*ref\('(\w+)'\)\s*\}\}", source):
            assert relation.startswith(("fct_", "dim_", "rpt_")), f"{name}: reads {relation}"
        assert '"marts".' in compiled[name], f"{name} reads the marts schema"


# ------------------------------------------------------------------- the handmade warehouse


def test_top_tier_dropouts_handmade(handmade_warehouse, compiled):
    history = read_table(handmade_warehouse, "marts.fct_customer_tier_history")
    expected = expected_dropouts(history, handmade_tier_ranks())
    rows = assert_analysis_returns(
        "top_tier_dropouts",
        handmade_warehouse,
        compiled["top_tier_dropouts"],
        expected,
        "top_tier_dropouts (handmade)",
    )
    # Hand-computed (test_handmade.py): c07 was the only top customer at 2025-03-31 and is
    # potential / at_risk at 2025-04-10 (rec 10, freq 2, monetary 600).
    c07 = dict(zip(HISTORY_FIELDS, next(v for v in EXPECTED_HISTORY if v[0] == "c07"), strict=True))
    assert rows == [{c: c07[c] for c in COLUMNS["top_tier_dropouts"]}]
    assert (rows[0]["previous_tier"], rows[0]["tier"], rows[0]["monetary"]) == (
        "top",
        "potential",
        Decimal("600"),
    )


def test_tier_migration_matrix_latest_handmade(handmade_warehouse, compiled):
    history = read_table(handmade_warehouse, "marts.fct_customer_tier_history")
    expected = expected_matrix(history, handmade_tier_ranks())
    assert len(expected) == 5 * 4, "(4 tiers + new) x 4 tiers"
    rows = assert_analysis_returns(
        "tier_migration_matrix_latest",
        handmade_warehouse,
        compiled["tier_migration_matrix_latest"],
        expected,
        "tier_migration_matrix_latest (handmade)",
    )
    # Hand-computed (test_handmade.py): the non-empty cells are the migrations at 2025-04-10.
    hand = [dict(zip(MIGRATION_FIELDS, v, strict=True)) for v in EXPECTED_MIGRATIONS_AS_OF]
    non_empty = [{c: r[c] for c in MIGRATION_FIELDS if c != "direction"} for r in hand]
    assert_rows_match(
        [r for r in rows if r["customers"] > 0],
        non_empty,
        KEYS["tier_migration_matrix_latest"],
        "matrix vs hand-computed migrations",
    )
    assert {(r["snapshot_date"], r["previous_snapshot_date"]) for r in rows} == {(AS_OF, MAR31)}


def test_tier_sizes_over_time_handmade(handmade_warehouse, compiled):
    history = read_table(handmade_warehouse, "marts.fct_customer_tier_history")
    expected = expected_tier_sizes(history, handmade_tier_ranks())
    assert len(expected) == 4 * 4, "4 snapshots x 4 tiers"
    rows = assert_analysis_returns(
        "tier_sizes_over_time",
        handmade_warehouse,
        compiled["tier_sizes_over_time"],
        expected,
        "tier_sizes_over_time (handmade)",
    )
    # Hand-computed (test_handmade.py): the tier sizes at 2025-01-31 and 2025-04-10.
    hand = [dict(zip(KPI_FIELDS, v, strict=True)) for v in EXPECTED_KPIS]
    assert_rows_match(
        [
            r
            for r in rows
            if (r["snapshot_date"], r["tier"]) in {(h["snapshot_date"], h["tier"]) for h in hand}
        ],
        [{c: h[c] for c in COLUMNS["tier_sizes_over_time"]} for h in hand],
        KEYS["tier_sizes_over_time"],
        "tier sizes vs hand-computed KPIs",
    )


def test_segment_tier_counts_handmade(handmade_warehouse, compiled):
    customer_rfm = read_table(handmade_warehouse, "marts.fct_customer_rfm")
    expected = expected_segment_tier_counts(customer_rfm, handmade_tier_ranks())
    rows = assert_analysis_returns(
        "segment_tier_counts",
        handmade_warehouse,
        compiled["segment_tier_counts"],
        expected,
        "segment_tier_counts (handmade)",
    )
    # Hand-computed (test_handmade.py): segment and tier of the 10 scored customers.
    hand = [dict(zip(RFM_FIELDS, v, strict=True)) for v in EXPECTED_RFM]
    assert {(r["segment"], r["tier"]): r["customers"] for r in rows} == Counter(
        (h["segment"], h["tier"]) for h in hand
    )
    assert sum(r["customers"] for r in rows) == 10
    assert {r["as_of_date"] for r in rows} == {AS_OF}


SHARES_FROM_BEST = (0.2, 0.3, 0.3, 0.2)  # as set at the top of tier_threshold_calibration.sql


def natural_breaks(scores: list[int], classes: int) -> tuple[int, ...] | None:
    """Jenks by brute force: the upper bounds of the cut of the distinct scores into `classes`
    ranges with the least sum of squared deviations of the customers' scores from their range's
    mean (exact fractions; ties: the smaller bounds first). None with too few distinct scores."""
    distinct = sorted(set(scores))
    best = None
    for cuts in itertools.combinations(range(1, len(distinct)), classes - 1):
        edges = (0, *cuts, len(distinct))
        total = Fraction(0)
        for low, high in itertools.pairwise(edges):
            members = [s for s in scores if distinct[low] <= s <= distinct[high - 1]]
            mean = Fraction(sum(members), len(members))
            total += sum((s - mean) ** 2 for s in members)
        bounds = tuple(distinct[high - 1] for high in edges[1:])
        if best is None or (total, bounds) < best:
            best = (total, bounds)
    return best[1] if best else None


def expected_calibration(customer_rfm: list[dict], tier_ranks: dict[str, int]) -> list[dict]:
    tiers = sorted(tier_ranks, key=tier_ranks.get)  # lowest rank first
    n = len(customer_rfm)
    methods = {"score_bands": {r["customer_id"]: r["tier"] for r in customer_rfm}}
    if len(tiers) == len(SHARES_FROM_BEST):
        cumulative = list(itertools.accumulate(SHARES_FROM_BEST))
        for method, order in (
            ("score_percentiles", lambda r: (-r["rfm_score"], -r["monetary"], r["customer_id"])),
            ("monetary_percentiles", lambda r: (-r["monetary"], -r["rfm_score"], r["customer_id"])),
        ):
            methods[method] = {
                r["customer_id"]: tiers[
                    len(tiers) - 1 - next(j for j, c in enumerate(cumulative) if c * n >= p - 1e-9)
                ]
                for p, r in enumerate(sorted(customer_rfm, key=order), start=1)
            }
    bounds = natural_breaks([r["rfm_score"] for r in customer_rfm], len(tiers))
    if bounds is not None:
        methods["score_natural_breaks"] = {
            r["customer_id"]: tiers[next(k for k, b in enumerate(bounds) if r["rfm_score"] <= b)]
            for r in customer_rfm
        }
    total_value = sum(r["monetary"] for r in customer_rfm)
    as_of = max(r["as_of_date"] for r in customer_rfm)
    rows = []
    for method in sorted(methods):
        for tier in reversed(tiers):
            members = [r for r in customer_rfm if methods[method][r["customer_id"]] == tier]
            rows.append(
                {
                    "tiering_method": method,
                    "tier": tier,
                    "tier_rank": tier_ranks[tier],
                    "customers": len(members),
                    "customer_share": _share(len(members), n),
                    "value_share": float(sum(r["monetary"] for r in members) / total_value),
                    "min_rfm_score": min((r["rfm_score"] for r in members), default=None),
                    "max_rfm_score": max((r["rfm_score"] for r in members), default=None),
                    "changed_customers": sum(r["tier"] != tier for r in members),
                    "as_of_date": as_of,
                }
            )
    return rows


def test_tier_threshold_calibration_handmade(handmade_warehouse, compiled):
    customer_rfm = read_table(handmade_warehouse, "marts.fct_customer_rfm")
    expected = expected_calibration(customer_rfm, handmade_tier_ranks())
    rows = assert_analysis_returns(
        "tier_threshold_calibration",
        handmade_warehouse,
        compiled["tier_threshold_calibration"],
        expected,
        "tier_threshold_calibration (handmade)",
    )
    assert {r["tiering_method"] for r in rows} == {
        "score_bands", "score_percentiles", "monetary_percentiles", "score_natural_breaks",
    }  # fmt: skip
    for method in {r["tiering_method"] for r in rows}:
        assert sum(r["customers"] for r in rows if r["tiering_method"] == method) == 10, method
    assert all(r["changed_customers"] == 0 for r in rows if r["tiering_method"] == "score_bands")


def test_natural_breaks_by_hand():
    """Scores 1, 1, 2, 9, 10, 10 in two ranges: {1, 1, 2} and {9, 10, 10} (2/3 + 2/3), not
    {1, 1} and {2, 9, 10, 10} (0 + 42.75); in three: {1, 1}, {2}, {9, 10, 10} (2/3), which ties
    with {1, 1, 2}, {9}, {10, 10} and wins on its smaller bounds."""
    assert natural_breaks([1, 1, 2, 9, 10, 10], 2) == (2, 10)
    assert natural_breaks([1, 1, 2, 9, 10, 10], 3) == (1, 2, 10)
    assert natural_breaks([4, 4], 2) is None


# ------------------------------------------------------------- hand-made mart tables, no dbt

JAN, FEB, MAR = date(2025, 1, 31), date(2025, 2, 28), date(2025, 3, 31)
# Bands named gold / silver / bronze (3 tiers, none called 'top').
METAL_RANKS = {"gold": 3, "silver": 2, "bronze": 1}
# (customer, tier at JAN, FEB, MAR; None = not scored yet), monetary at MAR
SYNTHETIC_TIERS = [
    ("a", "gold", "gold", "silver", "100"),  # dropout, ties on monetary with f
    ("b", None, "gold", "bronze", "300"),  # dropout, most valuable
    ("c", "silver", "gold", "gold", "500"),  # stays in the best tier
    ("d", "gold", "silver", "bronze", "900"),  # left gold at FEB, not at the latest snapshot
    ("e", None, None, "silver", "50"),  # new at MAR
    ("f", "bronze", "gold", "silver", "100"),  # dropout
    ("g", "silver", "silver", "gold", "40"),  # up into gold
]


def synthetic_history(tier_ranks: dict[str, int]) -> list[dict]:
    snapshots = [JAN, FEB, MAR]
    rows = []
    for index, (customer_id, *tiers, monetary) in enumerate(SYNTHETIC_TIERS):
        for position, (snapshot, tier) in enumerate(zip(snapshots, tiers, strict=True)):
            if tier is None:
                continue
            previous = snapshots[position - 1] if position else None
            rows.append(
                {
                    "customer_id": customer_id,
                    "tier": tier,
                    "previous_tier": tiers[position - 1] if position else None,
                    "segment": f"segment_{tier}",
                    "tier_rank": tier_ranks[tier],
                    "recency_days": 10 * index,
                    "frequency": index + 1,
                    "monetary": Decimal(monetary) - (2 - position),
                    "snapshot_date": snapshot,
                    "previous_snapshot_date": previous,
                }
            )
    return rows


def write_synthetic_marts(path: Path, history: list[dict], tier_ranks: dict[str, int]) -> None:
    """The marts the two analyses read, as tables in <path> (database 'strata', schema 'marts').

    fct_tier_migrations (non-empty pairs) and rpt_tier_kpis (every tier of tier_ranks, empty
    ones included) are derived from the history rows, as the marts are.
    """
    snapshots = sorted({r["snapshot_date"] for r in history})
    migrations = Counter(
        (r["snapshot_date"], r["previous_snapshot_date"], r["previous_tier"] or NEW, r["tier"])
        for r in history
    )
    from_sizes = Counter()
    for (snapshot, _previous, from_tier, _to_tier), customers in migrations.items():
        from_sizes[(snapshot, from_tier)] += customers
    sizes = Counter((r["snapshot_date"], r["tier"]) for r in history)
    totals = Counter(r["snapshot_date"] for r in history)
    connection = duckdb.connect(str(path))
    try:
        connection.execute("create schema marts")
        connection.execute(
            "create table marts.fct_customer_tier_history (customer_id varchar, tier varchar,"
            " previous_tier varchar, segment varchar, tier_rank integer, recency_days integer,"
            " frequency bigint, monetary decimal(28, 6), snapshot_date date,"
            " previous_snapshot_date date)"
        )
        connection.executemany(
            "insert into marts.fct_customer_tier_history values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [list(r.values()) for r in history],
        )
        connection.execute(
            "create table marts.fct_tier_migrations (from_tier varchar, to_tier varchar,"
            " customers bigint, from_tier_customers bigint, share_of_from_tier double,"
            " snapshot_date date, previous_snapshot_date date)"
        )
        connection.executemany(
            "insert into marts.fct_tier_migrations values (?, ?, ?, ?, ?, ?, ?)",
            [
                [from_tier, to_tier, n, from_sizes[(snapshot, from_tier)],
                 n / from_sizes[(snapshot, from_tier)], snapshot, previous]
                for (snapshot, previous, from_tier, to_tier), n in migrations.items()
            ],
        )  # fmt: skip
        connection.execute(
            "create table marts.rpt_tier_kpis (tier varchar, tier_rank integer, customers bigint,"
            " customer_share double, snapshot_date date, previous_snapshot_date date)"
        )
        connection.executemany(
            "insert into marts.rpt_tier_kpis values (?, ?, ?, ?, ?, ?)",
            [
                [tier, rank, sizes[(snapshot, tier)], sizes[(snapshot, tier)] / totals[snapshot],
                 snapshot, snapshots[i - 1] if i else None]
                for i, snapshot in enumerate(snapshots)
                for tier, rank in tier_ranks.items()
            ],
        )  # fmt: skip
    finally:
        connection.close()


@pytest.mark.parametrize(
    "tier_ranks",
    [METAL_RANKS, {"platinum": 4, **METAL_RANKS}],
    ids=["best_tier_gold", "best_tier_platinum_empty"],
)
def test_dropouts_and_matrix_on_handmade_marts(tmp_path, compiled, tier_ranks):
    """Several dropouts ordered by monetary then customer_id; the best tier is the highest rank
    of the bands, also when no customer is in it (platinum: then nobody dropped out of it)."""
    history = synthetic_history(tier_ranks)
    warehouse = tmp_path / "strata.duckdb"  # the compiled SQL names the database 'strata'
    write_synthetic_marts(warehouse, history, tier_ranks)
    expected = expected_dropouts(history, tier_ranks)
    label = f"top_tier_dropouts (hand-made marts, {sorted(tier_ranks)})"
    rows = assert_analysis_returns(
        "top_tier_dropouts", warehouse, compiled["top_tier_dropouts"], expected, label
    )
    if "platinum" in tier_ranks:
        assert rows == []
    else:
        assert [(r["customer_id"], r["tier"], r["monetary"]) for r in rows] == [
            ("b", "bronze", Decimal("300")),
            ("a", "silver", Decimal("100")),
            ("f", "silver", Decimal("100")),
        ]
        assert {r["previous_tier"] for r in rows} == {"gold"}
    matrix = assert_analysis_returns(
        "tier_migration_matrix_latest",
        warehouse,
        compiled["tier_migration_matrix_latest"],
        expected_matrix(history, tier_ranks),
        f"tier_migration_matrix_latest (hand-made marts, {sorted(tier_ranks)})",
    )
    assert len(matrix) == (len(tier_ranks) + 1) * len(tier_ranks)
    cells = {(r["from_tier"], r["to_tier"]): r for r in matrix}
    assert (
        cells[("gold", "silver")]["customers"],
        cells[("gold", "silver")]["share_of_from_tier"],
    ) == (
        2,
        pytest.approx(2 / 4),
    )
    if "platinum" in tier_ranks:
        assert cells[("platinum", "gold")]["customers"] == 0
        assert cells[("platinum", "gold")]["share_of_from_tier"] is None
