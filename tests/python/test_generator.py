"""Tests of the demo-data generator ``strata generate``.

The generator is run as a CLI (the ``strata`` command) at its default demo size, once per format
and seed, and its output is read back with DuckDB, as the warehouse reads it.
"""

from __future__ import annotations

import collections
import csv
import datetime as dt
import subprocess
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from conftest import REPO_ROOT, strata_command

from strata import generate

TABLES = generate.TABLES
END_DATE = dt.date(2025, 6, 30)
WINDOW_START = dt.date(2023, 7, 1)  # first day of the 24 months ending 2025-06-30

EXPECTED_ARROW = {
    "transactions": pa.schema(
        [
            ("transaction_id", pa.string()),
            ("customer_id", pa.string()),
            ("transacted_at", pa.timestamp("us")),
            ("amount", pa.decimal128(18, 2)),
        ]
    ),
    "customers": pa.schema(
        [
            ("customer_id", pa.string()),
            ("signup_date", pa.date32()),
            ("country", pa.string()),
            ("email", pa.string()),
            ("phone", pa.string()),
            ("full_name", pa.string()),
            ("acquisition_channel", pa.string()),
        ]
    ),
    "events": pa.schema(
        [
            ("event_id", pa.string()),
            ("customer_id", pa.string()),
            ("event_type", pa.string()),
            ("event_name", pa.string()),
            ("occurred_at", pa.timestamp("us")),
        ]
    ),
    "campaign_assignments": pa.schema(
        [
            ("customer_id", pa.string()),
            ("campaign_id", pa.string()),
            ("variant", pa.string()),
            ("assigned_at", pa.timestamp("us")),
        ]
    ),
    "marketing_spend": pa.schema(
        [
            ("spent_on", pa.date32()),
            ("channel", pa.string()),
            ("amount", pa.decimal128(18, 2)),
        ]
    ),
}
EXPECTED_DUCKDB = {
    "transactions": ["VARCHAR", "VARCHAR", "TIMESTAMP", "DECIMAL(18,2)"],
    "customers": ["VARCHAR", "DATE", "VARCHAR", "VARCHAR", "VARCHAR", "VARCHAR", "VARCHAR"],
    "events": ["VARCHAR", "VARCHAR", "VARCHAR", "VARCHAR", "TIMESTAMP"],
    "campaign_assignments": ["VARCHAR", "VARCHAR", "VARCHAR", "TIMESTAMP"],
    "marketing_spend": ["DATE", "VARCHAR", "DECIMAL(18,2)"],
}


def run_generator(out: Path, *args: str) -> str:
    """Run the generator CLI into ``out`` and return what it printed."""
    proc = subprocess.run(
        strata_command("generate", "--out", str(out), *args),
        check=True,
        capture_output=True,
        text=True,
        timeout=120,
    )
    return proc.stdout


@pytest.fixture(scope="module")
def parquet_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Default-size Parquet output, seed 42."""
    out = tmp_path_factory.mktemp("parquet_a")
    printed = run_generator(out)
    assert "transactions=" in printed and "customers=5000" in printed
    return out


@pytest.fixture(scope="module")
def con(parquet_dir: Path) -> duckdb.DuckDBPyConnection:
    """DuckDB connection with views ``transactions``, ``customers``, ``events`` on the output."""
    connection = duckdb.connect()
    for table in TABLES:
        connection.execute(
            f"create view {table} as select * from read_parquet('{parquet_dir / table}.parquet')"
        )
    return connection


def scalar(con: duckdb.DuckDBPyConnection, sql: str) -> object:
    """Return the single value of a query."""
    return con.execute(sql).fetchall()[0][0]


# --- determinism ---------------------------------------------------------------------------


def test_same_seed_gives_identical_files(parquet_dir: Path, tmp_path: Path) -> None:
    run_generator(tmp_path)
    for table in TABLES:
        name = f"{table}.parquet"
        assert (tmp_path / name).read_bytes() == (parquet_dir / name).read_bytes(), name


def test_other_seed_gives_other_data(parquet_dir: Path, tmp_path: Path) -> None:
    run_generator(tmp_path, "--seed", "43")
    for table in TABLES:
        name = f"{table}.parquet"
        assert (tmp_path / name).read_bytes() != (parquet_dir / name).read_bytes(), name


# --- contract --------------------------------------------------------------------------------


@pytest.mark.parametrize("table", TABLES)
def test_parquet_types(parquet_dir: Path, con: duckdb.DuckDBPyConnection, table: str) -> None:
    schema = pq.read_schema(parquet_dir / f"{table}.parquet")
    assert schema.remove_metadata() == EXPECTED_ARROW[table]
    described = con.execute(f"describe {table}").fetchall()
    assert [row[0] for row in described] == EXPECTED_ARROW[table].names
    assert [row[1] for row in described] == EXPECTED_DUCKDB[table]


def test_csv_has_same_rows_in_contract_format(parquet_dir: Path, tmp_path: Path) -> None:
    run_generator(tmp_path, "--format", "csv")
    csv_con = duckdb.connect()
    formats = {
        "transactions": {
            "transacted_at": r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$",
            "amount": r"^-?\d+\.\d{2}$",
        },
        "customers": {"signup_date": r"^\d{4}-\d{2}-\d{2}$"},
        "events": {"occurred_at": r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$"},
        "campaign_assignments": {"assigned_at": r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$"},
        "marketing_spend": {"spent_on": r"^\d{4}-\d{2}-\d{2}$", "amount": r"^\d+\.\d{2}$"},
    }
    for table in TABLES:
        csv_path = tmp_path / f"{table}.csv"
        header = csv_path.read_text(encoding="utf-8").splitlines()[0]
        assert header.replace('"', "").split(",") == EXPECTED_ARROW[table].names
        csv = f"read_csv('{csv_path}', header = true, all_varchar = true)"
        for column, pattern in formats[table].items():
            bad = csv_con.execute(
                f"select count(*) from {csv} where not regexp_matches({column}, '{pattern}')"
            ).fetchall()[0][0]
            assert bad == 0, f"{table}.{column}"
        # the CSV holds exactly the Parquet rows, rendered as the contract says
        rendered = ", ".join(
            f"strftime({f.name}, '%Y-%m-%d %H:%M:%S')"
            if pa.types.is_timestamp(f.type)
            else f"{f.name}::varchar"
            for f in EXPECTED_ARROW[table]
        )
        parquet_rows = csv_con.execute(
            f"select {rendered} from read_parquet('{parquet_dir / table}.parquet')"
        ).fetchall()
        csv_rows = csv_con.execute(f"select * from {csv}").fetchall()
        assert csv_rows == parquet_rows, table


def test_writing_a_format_removes_stale_files_of_the_other(tmp_path: Path) -> None:
    for table in TABLES:
        (tmp_path / f"{table}.csv").write_text("stale\n", encoding="utf-8")
    (tmp_path / "unrelated.csv").write_text("keep\n", encoding="utf-8")
    run_generator(tmp_path, "--customers", "50")
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == [
        "campaign_assignments.parquet",
        "customers.parquet",
        "events.parquet",
        "marketing_spend.parquet",
        "transactions.parquet",
        "unrelated.csv",
    ]


# --- integrity -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("table", "column", "pattern"),
    [
        ("transactions", "transaction_id", r"^tc?\d{9}$"),  # tc: purchases campaigns caused
        ("customers", "customer_id", r"^c\d{8}$"),
        ("events", "event_id", r"^e\d{9}$"),
    ],
)
def test_ids_unique_well_formed_and_in_file_order(
    con: duckdb.DuckDBPyConnection, table: str, column: str, pattern: str
) -> None:
    total, distinct, bad = con.execute(
        f"select count(*), count(distinct {column}), "
        f"count(*) filter (where not regexp_matches({column}, '{pattern}')) from {table}"
    ).fetchall()[0]
    assert total > 0 and distinct == total and bad == 0
    ids = [row[0] for row in con.execute(f"select {column} from {table}").fetchall()]
    assert ids == sorted(ids)


def test_transactions_inside_window_and_latest_purchase_on_end_date(
    con: duckdb.DuckDBPyConnection,
) -> None:
    first, last, last_purchase = con.execute(
        "select min(transacted_at), max(transacted_at), "
        "max(transacted_at) filter (where amount > 0) from transactions"
    ).fetchall()[0]
    assert first.date() >= WINDOW_START
    assert last.date() == END_DATE
    assert last_purchase.date() == END_DATE
    first_event, last_event = con.execute(
        "select min(occurred_at), max(occurred_at) from events"
    ).fetchall()[0]
    assert first_event.date() >= WINDOW_START and last_event.date() <= END_DATE


def test_customer_ids_exist_and_signup_precedes_activity(con: duckdb.DuckDBPyConnection) -> None:
    for table, ts in (("transactions", "transacted_at"), ("events", "occurred_at")):
        orphans = scalar(
            con,
            f"select count(*) from {table} t anti join customers c using (customer_id)",
        )
        assert orphans == 0, table
        early = scalar(
            con,
            f"select count(*) from {table} t join customers c using (customer_id) "
            f"where t.{ts}::date < c.signup_date",
        )
        assert early == 0, table


def test_customers_file(con: duckdb.DuckDBPyConnection) -> None:
    total, before_window, bad_email, bad_phone, no_name = con.execute(
        f"""select count(*),
                count(*) filter (where signup_date < date '{WINDOW_START}'),
                count(*) filter (where email <> customer_id || '@example.com'),
                count(*) filter (where not regexp_matches(phone, '^\\+\\d{{8,15}}$')),
                count(*) filter (where full_name is null or full_name not like '% %')
            from customers"""
    ).fetchall()[0]
    assert total == 5000
    assert 0 < before_window < total
    assert bad_email == bad_phone == no_name == 0
    assert scalar(con, "select max(signup_date) from customers") <= END_DATE
    never_bought = scalar(
        con, "select count(*) from customers anti join transactions using (customer_id)"
    )
    assert 0.05 * total < never_bought < 0.5 * total


# --- distributions ---------------------------------------------------------------------------


def test_volume_and_one_time_buyers(con: duckdb.DuckDBPyConnection) -> None:
    rows = scalar(con, "select count(*) from transactions")
    assert 40_000 <= rows <= 60_000
    buyers, one_time, max_purchases = con.execute(
        """select count(*), count(*) filter (where n = 1), max(n) from (
               select customer_id, count(*) as n from transactions
               where amount > 0 group by customer_id)"""
    ).fetchall()[0]
    assert 0.40 <= one_time / buyers <= 0.55
    assert max_purchases >= 100  # a few very frequent buyers


def test_refunds_follow_a_larger_or_equal_purchase(con: duckdb.DuckDBPyConnection) -> None:
    purchases = scalar(con, "select count(*) from transactions where amount > 0")
    refunds = scalar(con, "select count(*) from transactions where amount < 0")
    assert 0.02 <= refunds / purchases <= 0.04
    unmatched = scalar(
        con,
        """select count(*) from transactions r
           where r.amount < 0 and not exists (
               select 1 from transactions p
               where p.customer_id = r.customer_id and p.amount >= -r.amount
                 and p.transacted_at < r.transacted_at
                 and p.transacted_at >= r.transacted_at - interval 15 days)""",
    )
    assert unmatched == 0


def test_zero_amount_rows_are_rare_but_present(con: duckdb.DuckDBPyConnection) -> None:
    zeros = scalar(con, "select count(*) from transactions where amount = 0")
    rows = scalar(con, "select count(*) from transactions")
    assert 0 < zeros <= 0.005 * rows


def test_amounts_are_heavy_tailed(con: duckdb.DuckDBPyConnection) -> None:
    median, p99, top = con.execute(
        "select median(amount), quantile_cont(amount, 0.99), max(amount) "
        "from transactions where amount > 0"
    ).fetchall()[0]
    assert 10 < median < 100
    assert p99 > 4 * median and top > 10 * median


def test_seasonality_peaks_in_december(con: duckdb.DuckDBPyConnection) -> None:
    by_month = dict(
        con.execute(
            "select strftime(transacted_at, '%Y-%m'), count(*) from transactions "
            "where amount > 0 group by 1"
        ).fetchall()
    )
    assert len(by_month) == 24
    assert by_month["2024-12"] > 1.3 * by_month["2024-10"]
    assert by_month["2024-07"] < by_month["2024-05"]


def test_events_for_a_subset_of_customers(con: duckdb.DuckDBPyConnection) -> None:
    with_events = scalar(con, "select count(distinct customer_id) from events")
    assert 0.1 * 5000 < with_events < 0.6 * 5000
    names = con.execute("select distinct event_type, event_name from events").fetchall()
    assert sorted(names) == sorted((row[1], row[0]) for row in generate.EVENT_CATALOG)


# --- behaviour (spec of issue 15: usage bands, content preference) ---------------------------


def read_event_catalog() -> list[dict[str, str]]:
    """Return the rows of the shipped seed ``seeds/event_catalog.csv``."""
    with (REPO_ROOT / "seeds" / "event_catalog.csv").open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def test_event_catalog_seed_matches_the_generator() -> None:
    rows = read_event_catalog()
    assert list(rows[0]) == ["event_name", "is_core_feature", "feature", "content_category"]
    assert [
        (r["event_name"], r["is_core_feature"], r["feature"], r["content_category"]) for r in rows
    ] == [
        (name, "true" if core else "false", feature, category)
        for name, _, core, feature, category in generate.EVENT_CATALOG
    ]


def test_small_dataset_exercises_every_band_and_content_preference(tmp_path: Path) -> None:
    """800 customers x 14 months (the oracle datasets' size) cover every behaviour case.

    Bands and preferences are computed here in plain Python from the spec's rules, with
    as_of_date = the end date (the latest purchase date).
    """
    generate.generate(tmp_path, 800, 14, END_DATE, 42, "parquet")
    catalog = {r["event_name"]: r for r in read_event_catalog()}
    events = pq.read_table(tmp_path / "events.parquet").to_pylist()
    assert {e["event_name"] for e in events} == set(catalog)

    week_days: dict[tuple[str, dt.date], set[dt.date]] = collections.defaultdict(set)
    week_features: dict[tuple[str, dt.date], set[str]] = collections.defaultdict(set)
    content: dict[str, collections.Counter[str]] = collections.defaultdict(collections.Counter)
    window_start = END_DATE - dt.timedelta(days=89)
    for event in events:
        day = event["occurred_at"].date()
        assert day <= END_DATE
        week = (event["customer_id"], day - dt.timedelta(days=day.weekday()))
        week_days[week].add(day)
        row = catalog[event["event_name"]]
        if row["is_core_feature"] == "true":
            week_features[week].add(row["feature"])
        if row["content_category"] and day >= window_start:
            content[event["customer_id"]][row["content_category"]] += 1

    bands: collections.Counter[str] = collections.Counter()
    for week, days in week_days.items():
        features = len(week_features[week])
        if features >= 3 and len(days) >= 5:
            bands["deep"] += 1
        elif features >= 1 and len(days) >= 2:
            bands["medium"] += 1
        else:
            bands["shallow"] += 1
    assert set(bands) == {"deep", "medium", "shallow"}, bands

    preferences: collections.Counter[str] = collections.Counter()
    for counts in content.values():
        top = max(counts.values())
        leaders = [category for category, n in counts.items() if n == top]
        if sum(counts.values()) < 3:
            preferences["undetermined"] += 1
        else:
            preferences[leaders[0] if len(leaders) == 1 else "mixed"] += 1
    assert {"beginner", "technical", "business"} <= set(preferences), preferences
    assert {"mixed", "undetermined"} & set(preferences), preferences


# --- helpers of the module -------------------------------------------------------------------


def test_window_start_spans_calendar_months() -> None:
    assert generate.window_start(dt.date(2025, 6, 30), 24) == WINDOW_START
    assert generate.window_start(dt.date(2025, 6, 15), 1) == dt.date(2025, 6, 1)
    assert generate.window_start(dt.date(2024, 2, 29), 14) == dt.date(2023, 1, 1)


def test_small_runs_keep_the_end_date_guarantee(tmp_path: Path) -> None:
    run_generator(tmp_path, "--customers", "100", "--months", "3", "--end-date", "2024-02-29")
    last = duckdb.execute(
        "select max(transacted_at) filter (where amount > 0), min(transacted_at) "
        f"from read_parquet('{tmp_path / 'transactions.parquet'}')"
    ).fetchall()[0]
    assert last[0].date() == dt.date(2024, 2, 29)
    assert last[1].date() >= dt.date(2023, 12, 1)


def test_campaign_assignments_match_the_campaigns_seed(con: duckdb.DuckDBPyConnection) -> None:
    """Every assignment is to a campaign of seeds/campaigns.csv, once per customer and campaign,
    to control or the campaign's treatment, of a customer signed up by then; the purchases the
    campaigns caused (ids tc...) fall in a treated customer's conversion window."""
    seed = REPO_ROOT / "seeds" / "campaigns.csv"
    windows = dict(
        duckdb.execute(
            f"select campaign_id, conversion_window_days from read_csv('{seed}')"
        ).fetchall()
    )
    assert set(windows) == {c[0] for c in generate.CAMPAIGNS}
    rows = con.execute(
        "select campaign_id, variant, count(*), count(distinct customer_id) "
        "from campaign_assignments group by all"
    ).fetchall()
    assert {(campaign, variant) for campaign, variant, *_ in rows} == {
        pair for c in generate.CAMPAIGNS for pair in ((c[0], "control"), (c[0], c[4]))
    }
    assert all(n == distinct and n > 0 for *_, n, distinct in rows)
    for campaign, _, window, *_ in generate.CAMPAIGNS:
        assert windows[campaign] == window
    late_signups = scalar(
        con,
        "select count(*) from campaign_assignments a join customers c using (customer_id) "
        "where c.signup_date > cast(a.assigned_at as date)",
    )
    assert late_signups == 0
    values = ", ".join(f"('{campaign}', {window})" for campaign, window in windows.items())
    caused, outside = con.execute(
        f"with windows(campaign_id, days) as (values {values}) "
        "select count(*), count(*) filter (where not exists ("
        " select 1 from campaign_assignments a join windows w using (campaign_id)"
        " where a.customer_id = t.customer_id and a.variant <> 'control'"
        " and t.transacted_at > a.assigned_at"
        " and cast(t.transacted_at as date) <= cast(a.assigned_at as date) + w.days))"
        " from transactions t where t.transaction_id like 'tc%'"
    ).fetchall()[0]
    assert caused > 0 and outside == 0


def test_marketing_spend_follows_the_new_buyers_of_each_channel(
    con: duckdb.DuckDBPyConnection,
) -> None:
    """One spend row per calendar month of the window and channel, dated on its first day; a
    channel's spend grows with its new buyers (first purchases in the month), and customers
    without a channel have none."""
    rows = con.execute(
        "select spent_on, channel, amount from marketing_spend order by all"
    ).fetchall()
    channels = {c[0] for c in generate.CHANNELS}
    assert len(rows) == 24 * len(channels) and {r[1] for r in rows} == channels
    assert all(r[0].day == 1 and WINDOW_START <= r[0] <= END_DATE for r in rows)
    correlation = scalar(
        con,
        "with buyers as (select customer_id, date_trunc('month', min(transacted_at)) as month"
        " from transactions where amount > 0 group by 1),"
        " per_channel as (select b.month, c.acquisition_channel as channel, count(*) as n"
        " from buyers b join customers c using (customer_id)"
        " where c.acquisition_channel is not null group by all)"
        " select corr(p.n, s.amount) from per_channel p join marketing_spend s"
        " on s.spent_on = p.month and s.channel = p.channel",
    )
    assert correlation > 0.8, correlation
    shares = dict(
        con.execute(
            "select coalesce(acquisition_channel, '-'), count(*) / sum(count(*)) over ()"
            " from customers group by 1"
        ).fetchall()
    )
    assert abs(shares["-"] - generate.SHARE_UNATTRIBUTED) < 0.03, shares
