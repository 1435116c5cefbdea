"""``strata summary [--database FILE]``: the tier summary of a built Strata warehouse (the last
step of `make demo`)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import duckdb

from strata.project import warehouse_setting

DESCRIPTION = (
    "Print the tiers (customers, shares, KPIs) and segments at as_of_date of a built warehouse, "
    "with what each column means."
)


def tier_summary(database_path: str) -> str:
    """Return the tier and segment summary at as_of_date as printable text."""
    with duckdb.connect(database_path, read_only=True) as connection:
        as_of = connection.execute("select max(as_of_date) from marts.fct_customer_rfm").fetchone()
        if as_of is None or as_of[0] is None:
            return "No scored customers: there is no purchase on or before as_of_date."
        tiers = connection.execute(
            """
            select tier, customers, customer_share, avg_monetary, revenue_share, migration_rate
            from marts.rpt_tier_kpis
            where snapshot_date = (select max(snapshot_date) from marts.rpt_tier_kpis)
            order by tier_rank desc
            """
        ).fetchall()
        segments = connection.execute(
            """
            select segment, count(*) as customers
            from marts.fct_customer_rfm
            group by segment
            order by customers desc, segment
            """
        ).fetchall()
        counts = connection.execute(
            """
            select
                (select count(*) from marts.fct_transactions),
                (select coalesce(sum(raw_rows), 0) from marts.fct_transactions_quarantined),
                (select count(distinct snapshot_date) from marts.fct_customer_tier_history),
                (select count(*) from marts.dim_customers),
                (select count(*) from marts.dim_customers where is_scored)
            """
        ).fetchone()

    def pct(value: float | None) -> str:
        return "-" if value is None else f"{value:.1%}"

    lines = [
        f"Strata tiers as of {as_of[0]} ({database_path})",
        f"transactions: {counts[0]} valid, {counts[1]} quarantined; snapshots: {counts[2]}",
        "",
        f"{'tier':<10} {'customers':>9} {'share':>7} {'avg monetary':>13} "
        f"{'revenue share':>13} {'left tier':>9}",
    ]
    for tier, customers, share, avg_monetary, revenue_share, migration_rate in tiers:
        avg = "-" if avg_monetary is None else f"{avg_monetary:,.2f}"
        lines.append(
            f"{tier:<10} {customers:>9} {pct(share):>7} {avg:>13} "
            f"{pct(revenue_share):>13} {pct(migration_rate):>9}"
        )
    lines += ["", f"{'segment':<20} {'customers':>9}"]
    lines += [f"{segment:<20} {customers:>9}" for segment, customers in segments]
    known, scored = counts[3], counts[4]
    lines += [
        "",
        f"customers: {scored} scored of {known} known; the other {known - scored} have no purchase",
        "on or before the as-of date (a profile or behaviour events only), so no R, F or M score.",
        "",
        "customers      scored customers in the tier at the as-of date",
        "share          of all scored customers",
        "avg monetary   mean net spend to date (purchases minus refunds) of the tier's customers",
        "revenue share  the tier's share of the net revenue since the previous snapshot",
        "left tier      of the tier's customers at the previous snapshot (the month end before),",
        "               the share now in another tier (migration_rate; - at the first snapshot)",
        "Definitions: README 'Definitions'. Marts: marts.* in the warehouse file above.",
    ]
    return "\n".join(lines)


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--database",
        help="warehouse file (default: $STRATA_DUCKDB_PATH or warehouse/strata.duckdb)",
    )


def run(args: argparse.Namespace) -> int:
    database = args.database or warehouse_setting()
    if not Path(database).is_file():
        print(
            f"strata summary: no warehouse at {database}: build it first (make build)",
            file=sys.stderr,
        )
        return 1
    print(tier_summary(database))
    return 0
