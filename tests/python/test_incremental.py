"""Incremental refresh (docs/incremental.md): an incremental run after new days arrive
gives exactly the marts a full refresh gives on the same data, late rows for a closed month
inside the lookback included, and re-running the same refresh changes nothing."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import duckdb
import pytest
from conftest import (
    BUILD,
    BUILD_DEPENDENT_COLUMNS,
    BUILD_MODELS_ONLY,
    REPO_ROOT,
    build_warehouse,
    failure_summary,
    generate_data,
    parsed_manifest,
    query,
    run_dbt,
)

BACKFILL_VARS = {"as_of_date": "2025-05-31"}


def project_models() -> dict[str, object]:
    """The project's models by relation (schema.alias), from the parsed manifest."""
    return {
        f"{node.schema}.{node.alias}": node
        for node in parsed_manifest(REPO_ROOT).nodes.values()
        if node.resource_type == "model" and node.package_name == "strata"
    }


def compared_relations() -> list[str]:
    """The relations the incremental tests build and compare: every incremental model and every
    model upstream of one (tables, views; ephemeral ones have no relation), read from the
    manifest, so that a new incremental model or a new parent of one is compared without a list
    to maintain here. The models downstream of them only are plain tables and views, rebuilt in
    full by every run from these relations, the seeds and the vars: equal inputs give them equal
    rows, so they are left out of these builds (their definitions are checked against the
    oracle on full builds, test_marts_match_oracle.py)."""
    nodes = parsed_manifest(REPO_ROOT).nodes
    models = project_models()
    chain = set()
    pending = [
        node.unique_id for node in models.values() if node.config.materialized == "incremental"
    ]
    while pending:
        unique_id = pending.pop()
        if unique_id in chain or unique_id not in nodes:
            continue
        chain.add(unique_id)
        pending.extend(getattr(nodes[unique_id].depends_on, "nodes", ()))
    relations = [
        relation
        for relation, node in models.items()
        if node.unique_id in chain and node.config.materialized != "ephemeral"
    ]
    assert "marts.fct_customer_tier_history" in relations
    return sorted(relations)


# The builds of these tests select the same models (and, with data tests, the tests of those
# models only: `cautious` leaves out a test that also reads a model downstream).
CAUTIOUS = ("--indirect-selection", "cautious")
CHAIN = ("--select", "+config.materialized:incremental", *CAUTIOUS)
CHAIN_BUILD = (*BUILD, *CHAIN)
CHAIN_MODELS_ONLY = (*BUILD_MODELS_ONLY, *CHAIN)


def incremental_relations() -> list[str]:
    relations = [
        relation
        for relation, node in project_models().items()
        if node.config.materialized == "incremental"
    ]
    assert "marts.fct_customer_tier_history" in relations
    return sorted(relations)


def model_columns(relation: str) -> list[str]:
    """The columns of a contracted model, in order (its yml)."""
    return list(project_models()[relation].columns)


def snapshot_of(duckdb_path: Path) -> dict[str, list[tuple]]:
    """Every compared relation as a sorted list of row tuples (one read-only connection)."""
    result = {}
    connection = duckdb.connect(str(duckdb_path), read_only=True)
    try:
        for relation in compared_relations():
            # sorted by DuckDB on the compared columns (half the time of a sort in Python)
            empty = connection.execute(f"select * from {relation} limit 0")
            names = [d[0] for d in empty.description]
            kept = ", ".join(f'"{n}"' for n in names if n not in BUILD_DEPENDENT_COLUMNS)
            result[relation] = connection.execute(
                f"select {kept} from {relation} order by all"
            ).fetchall()
    finally:
        connection.close()
    return result


# Raw rows that arrive with the day3 export (and stay in later ones): each makes an incremental
# run judge rows outside its refresh window, or rows without a date, as a full build would.
# The June row is dated {reused_at}, and its transaction_id is {reused_id}: the April id it
# reuses, or the new id upstream gave it when fixing the export.
BAD_TRANSACTIONS = """
    -- a new version of an April transaction, dated in June: both versions become conflicting
    select {reused_id} as transaction_id, customer_id, '{reused_at} 10:00:00' as transacted_at,
        '999.00' as amount
    from source where transaction_id = (
        select min(transaction_id) from source where transacted_at like '2025-04-%'
    )
    -- an exact duplicate of a June transaction: collapsed, counted
    union all
    select * from source where transaction_id = (
        select min(transaction_id) from source where transacted_at like '2025-06-1%'
    )
    -- no parseable timestamp: it has no date, so every run judges it again
    union all
    select 't_bad_date', 'c00000001', '31/06/2025', '5.00'
"""
REUSED_ID = {"reused": "transaction_id", "fixed": "'t_fixed_0001'"}
REUSED_0625 = ("reused", "2025-06-25")
FIXED_0625 = ("fixed", "2025-06-25")
REUSED_0606 = ("reused", "2025-06-06")
BAD_EVENTS = """
    select event_id, customer_id, event_type, 'other_name' as event_name,
        '2025-06-21 08:00:00' as occurred_at
    from source where event_id = (
        select min(event_id) from source where occurred_at like '2025-05-%'
    )
    union all
    select 'e_bad_date', 'c00000001', 'feature_use', 'export', 'yesterday'
"""


def write_export(
    source_dir: Path,
    out_dir: Path,
    up_to: str,
    hold_back: str,
    bad_rows: tuple[str, str] | None,
) -> Path:
    """One cumulative export: the generated rows dated up to `up_to` (as text, all columns kept
    verbatim), minus those matching `hold_back`, plus the bad rows when `bad_rows` is given as
    ("reused" or "fixed", the June row's date); customers whole."""
    out_dir.mkdir(parents=True, exist_ok=True)
    connection = duckdb.connect()
    try:
        for table, timestamp, bad in (
            ("transactions", "transacted_at", BAD_TRANSACTIONS),
            ("events", "occurred_at", BAD_EVENTS),
        ):
            connection.execute(
                f"""
                create or replace temp view source as
                select * from read_csv(
                    '{source_dir / f"{table}.csv"}', header = true, all_varchar = true
                )
                """
            )
            day = f"cast({timestamp} as date)"
            extra = ""
            if bad_rows is not None:
                id_kind, reused_at = bad_rows
                filled = bad.format(reused_id=REUSED_ID[id_kind], reused_at=reused_at)
                extra = f"union all ({filled})"
            connection.execute(
                f"""
                copy (
                    select * from (
                        select * from source
                        where {day} <= date '{up_to}' and not ({hold_back.format(day=day)})
                        {extra}
                    )
                    order by all
                ) to '{out_dir / f"{table}.csv"}' (header, delimiter ',')
                """
            )
        shutil.copy(source_dir / "customers.csv", out_dir / "customers.csv")
    finally:
        connection.close()
    return out_dir


def assert_same(actual: dict[str, list[tuple]], expected: dict[str, list[tuple]]) -> None:
    assert actual.keys() == expected.keys()
    for relation in expected:
        missing = set(expected[relation]) - set(actual[relation])
        extra = set(actual[relation]) - set(expected[relation])
        assert not missing and not extra and len(actual[relation]) == len(expected[relation]), (
            f"{relation}: {len(missing)} rows only in the full refresh, {len(extra)} only in the "
            f"incremental build; e.g. full {sorted(missing, key=repr)[:2]}, "
            f"incremental {sorted(extra, key=repr)[:2]}"
        )


def rebuilt_in_full(duckdb_path: Path) -> list[str]:
    """The incremental models the last run rebuilt in full (macros/state/warehouse_state.sql)."""
    rows = query(
        duckdb_path,
        "select model_name from intermediate.strata_model_state"
        " qualify run_started_at = max(run_started_at) over (partition by model_name)"
        " and rebuilt_in_full order by model_name",
    )
    return [row["model_name"] for row in rows]


def current_export(work: Path, export: Path) -> Path:
    """What a scheduler reads: one stable raw_path (<work>/raw-current), pointed at the day's
    export. (Another raw_path would make every incremental model rebuild in full by itself, as
    it must: README "When raw data or a rule changes".)"""
    link = Path(work) / "raw-current"
    if link.is_symlink() or link.exists():
        link.unlink()
    link.symlink_to(export, target_is_directory=True)
    return link


@pytest.fixture(scope="session")
def daily_exports(tmp_path_factory) -> dict[str, Path]:
    """Four cumulative exports (transactions, events, customers) of one generated history, as a
    scheduler would see them.

    day1: everything up to 2025-06-02, but rows dated 2025-05-29..31 arrive late (held back).
    day2: everything up to 2025-06-05, the late May rows included (inside the 7-day lookback of
          as_of 2025-06-05, for the closed month-end snapshot 2025-05-31).
    day2_removed: day2 without the rows dated 2025-05-30 (removed upstream; inside the lookback,
          before the month end 2025-05-31 that as_of_date 2025-06-05 no longer recomputes
          unless the removal is noticed).
    day3: everything up to 2025-06-30 (as_of_date on a month end; most of a month of new data),
          plus the bad rows above: a June version of an April transaction, of a May event,
          an exact duplicate, rows without a parseable timestamp.
    day4: everything up to 2025-07-20 (as_of_date jumps further than the lookback from a
          month-end as_of_date, as after a paused scheduler); upstream has given the June
          version (2025-06-25, inside the refresh window) a new id, so the April transaction
          is valid again.
    day3_early, day4_early: as day3 and day4, with the June version dated 2025-06-06 and never
          fixed: inside day3's refresh window, outside day4's.
    """
    base = tmp_path_factory.mktemp("incremental_source")
    source = generate_data(
        base / "generated", customers=400, months=8, end_date="2025-07-20", seed=11, fmt="csv"
    )
    late = "{day} between date '2025-05-29' and date '2025-05-31'"
    exports = {
        "day1": write_export(source, base / "day1", "2025-06-02", late, bad_rows=None),
        "day2": write_export(source, base / "day2", "2025-06-05", "false", bad_rows=None),
        "day2_removed": write_export(
            source, base / "day2_removed", "2025-06-05", "{day} = date '2025-05-30'", bad_rows=None
        ),
        "day3": write_export(source, base / "day3", "2025-06-30", "false", REUSED_0625),
        "day4": write_export(source, base / "day4", "2025-07-20", "false", FIXED_0625),
        "day3_early": write_export(source, base / "day3_early", "2025-06-30", "false", REUSED_0606),
        "day4_early": write_export(source, base / "day4_early", "2025-07-20", "false", REUSED_0606),
    }
    day = "cast(transacted_at as date)"
    connection = duckdb.connect()
    try:
        late_rows = connection.execute(
            f"select count(*) from read_csv('{source / 'transactions.csv'}', header = true, "
            "all_varchar = true) "
            f"where {day} between date '2025-05-29' and date '2025-05-31'"
        ).fetchone()[0]
    finally:
        connection.close()
    assert late_rows > 0, "the fixture must hold late rows for the closed month"
    return exports


@pytest.fixture(scope="session")
def incremental_runs(daily_exports, tmp_path_factory) -> dict[str, dict]:
    """One warehouse refreshed day after day, snapshotted after each run (and a re-run).

    The runs build the models only: the data tests change no table, and a build with them takes
    twice as long (test_uniqueness_tests_cover_writes_since_the_last_verified_build runs them in
    incremental builds)."""
    work = tmp_path_factory.mktemp("incremental_warehouse")
    states = {}
    for name in ("day1", "day2", "day2_removed", "day3", "day4"):
        export = current_export(work, daily_exports[name])
        path = build_warehouse(export, work, {}, CHAIN_MODELS_ONLY)
        states[name] = snapshot_of(path)
        if name != "day1":  # else the comparisons with a full refresh would prove nothing
            assert rebuilt_in_full(path) == [], f"{name} was not an incremental run"
    day4 = current_export(work, daily_exports["day4"])
    path = build_warehouse(day4, work, {}, CHAIN_MODELS_ONLY)
    states["day4_rerun"] = snapshot_of(path)
    # a backfill moves as_of_date back to a past month end, then returns to the latest data
    path = build_warehouse(day4, work, BACKFILL_VARS, CHAIN_MODELS_ONLY)
    states["backfill"] = snapshot_of(path)
    path = build_warehouse(day4, work, {}, CHAIN_MODELS_ONLY)
    states["after_backfill"] = snapshot_of(path)
    return states


@pytest.mark.parametrize("day", ["day2", "day2_removed", "day3", "day4"])
def test_incremental_equals_full_refresh(day, daily_exports, incremental_runs, tmp_path):
    full = build_warehouse(daily_exports[day], tmp_path, {}, CHAIN_MODELS_ONLY)
    assert_same(incremental_runs[day], snapshot_of(full))


def closed_may_snapshot(state: dict[str, list[tuple]]) -> list[tuple]:
    history = "marts.fct_customer_tier_history"
    snapshot_date = model_columns(history).index("snapshot_date")
    return [row for row in state[history] if str(row[snapshot_date]) == "2025-05-31"]


def test_late_rows_for_a_closed_month_change_its_snapshot(incremental_runs):
    """The late May rows really moved the closed 2025-05-31 snapshot (else the test is idle)."""
    assert closed_may_snapshot(incremental_runs["day1"]) != closed_may_snapshot(
        incremental_runs["day2"]
    )


def test_rows_removed_inside_the_lookback_change_its_closed_snapshot(incremental_runs):
    """Removing the 2025-05-30 rows moved the closed 2025-05-31 snapshot, so day2_removed's
    comparison with a full refresh shows that a removal is noticed (only the as_of_date
    snapshot would be recomputed otherwise)."""
    assert closed_may_snapshot(incremental_runs["day2"]) != closed_may_snapshot(
        incremental_runs["day2_removed"]
    )


def test_bad_rows_reach_back_before_the_refresh_window(incremental_runs):
    """The June version of an April transaction made the stored April row a conflicting
    duplicate (else the comparison with a full refresh would not exercise it)."""

    def conflicting(state):
        return [
            row
            for row in state["marts.fct_transactions_quarantined"]
            if "conflicting_duplicate" in row
        ]

    assert not conflicting(incremental_runs["day2"])
    assert len(conflicting(incremental_runs["day3"])) == 2
    assert not conflicting(incremental_runs["day4"])  # the June row got its own id


def test_a_stopped_run_is_caught_up_by_the_next(daily_exports, tmp_path_factory, tmp_path):
    """day3_early stops after fct_transactions (as a failed test or SIGTERM would stop it), so
    the snapshot models never saw the April verdict change; the next run, whose window has moved
    past the June row, still recomputes from April (the last completed refresh is older)."""
    work = tmp_path_factory.mktemp("stopped_run_warehouse")
    build_warehouse(current_export(work, daily_exports["day2"]), work, {}, CHAIN_MODELS_ONLY)
    partial = run_dbt(
        ["run", "--select", "+fct_transactions"],
        current_export(work, daily_exports["day3_early"]),
        work,
        {},
    )
    assert partial.returncode == 0, failure_summary(partial.output)
    day4 = current_export(work, daily_exports["day4_early"])
    path = build_warehouse(day4, work, {}, CHAIN_MODELS_ONLY)
    full = build_warehouse(daily_exports["day4_early"], tmp_path, {}, CHAIN_MODELS_ONLY)
    assert_same(snapshot_of(path), snapshot_of(full))


def test_rerun_changes_nothing(incremental_runs):
    assert_same(incremental_runs["day4_rerun"], incremental_runs["day4"])


def test_backfill_to_an_earlier_as_of_date_and_back(daily_exports, incremental_runs, tmp_path):
    full = build_warehouse(daily_exports["day4"], tmp_path, BACKFILL_VARS, CHAIN_MODELS_ONLY)
    assert_same(incremental_runs["backfill"], snapshot_of(full))
    assert_same(incremental_runs["after_backfill"], incremental_runs["day4"])


# The uniqueness tests of the large incremental tables, in a build after a verified build, check
# only the keys dated on or after the earliest date rewritten since it (README "Tests in a
# refresh"). The day3 run rewrites from April (the reused id), the day4 run only from 2025-06-23
# (the rejudged window; the *_early exports change no older verdict in day4, and day4 reads the
# stored history only at 2025-05-31). Duplicates planted between the two are in day4's test
# window only when the day3 run was not verified. (A duplicate transaction also fails the
# whole-table raw_rows_accounted_for, so only the history one can pass a build unseen.)
PLANTED_DUPLICATES = {
    "marts.fct_customer_tier_history": "snapshot_date = date '2025-04-30'",
    "marts.fct_transactions": "transaction_date = date '2025-06-10'",
}


def plant_duplicates(duckdb_path: Path, relations) -> None:
    connection = duckdb.connect(str(duckdb_path))
    try:
        for relation in relations:
            where = PLANTED_DUPLICATES[relation]
            connection.execute(
                f"insert into {relation} select * from {relation} where {where} limit 1"
            )
    finally:
        connection.close()


def remove_duplicate_transactions(duckdb_path: Path) -> None:
    connection = duckdb.connect(str(duckdb_path))
    try:
        connection.execute(
            "create temp table kept as select distinct * from marts.fct_transactions; "
            "delete from marts.fct_transactions; "
            "insert into marts.fct_transactions select * from kept"
        )
    finally:
        connection.close()


def failed_uniqueness_tests(output: str) -> set[str]:
    return {
        relation
        for relation in PLANTED_DUPLICATES
        if re.search(rf"FAIL \d+ unique_combination_of_columns_{relation.split('.')[1]}_", output)
    }


@pytest.mark.parametrize("day3_command", ["run", "build"])
def test_uniqueness_tests_cover_writes_since_the_last_verified_build(
    day3_command, daily_exports, tmp_path
):
    """After an unverified day3 run (`dbt run`: no tests), day4's build checks the keys dated
    since day3's window and finds both duplicates (the tier chain reads the validated
    transactions, so the failing fct_transactions test does not stop it), and once the
    transaction one is removed the next build still finds the history one; after a verified day3
    build they check only day4's window, `dbt test` (always whole tables) is what finds the
    history one, and after that failure the next build checks the whole history again."""
    history = "marts.fct_customer_tier_history"
    # day2 is a verified build where the scoping after the unverified day3 run depends on it
    day2_args = CHAIN_BUILD if day3_command == "run" else CHAIN_MODELS_ONLY
    build_warehouse(current_export(tmp_path, daily_exports["day2"]), tmp_path, {}, day2_args)
    day3 = run_dbt(
        [day3_command, *CHAIN], current_export(tmp_path, daily_exports["day3_early"]), tmp_path, {}
    )
    assert day3.returncode == 0, failure_summary(day3.output)
    if day3_command == "run":
        plant_duplicates(day3.duckdb_path, PLANTED_DUPLICATES)
        day4 = run_dbt(
            [*CHAIN_BUILD], current_export(tmp_path, daily_exports["day4_early"]), tmp_path, {}
        )
        assert day4.returncode != 0
        assert failed_uniqueness_tests(day4.output) == {"marts.fct_transactions", history}, (
            failure_summary(day4.output)
        )
        remove_duplicate_transactions(day4.duckdb_path)
        day4_again = run_dbt(
            [*CHAIN_BUILD], current_export(tmp_path, daily_exports["day4_early"]), tmp_path, {}
        )
        assert day4_again.returncode != 0
        assert failed_uniqueness_tests(day4_again.output) == {history}, failure_summary(
            day4_again.output
        )
    else:
        plant_duplicates(day3.duckdb_path, [history])
        day4 = run_dbt(
            [*CHAIN_BUILD], current_export(tmp_path, daily_exports["day4_early"]), tmp_path, {}
        )
        # Only the uniqueness tests are asserted on: a test that reads the whole history (the
        # migration counts, or one an analyst adds) may well see the planted row.
        assert "Compilation Error" not in day4.output, failure_summary(day4.output)
        assert failed_uniqueness_tests(day4.output) == set(), failure_summary(day4.output)
        full_check = run_dbt(
            ["test", *CHAIN], current_export(tmp_path, daily_exports["day4_early"]), tmp_path, {}
        )
        assert full_check.returncode != 0
        assert failed_uniqueness_tests(full_check.output) == {history}, failure_summary(
            full_check.output
        )
        # a failed test is no longer verified: the next build checks its whole table again
        day4_again = run_dbt(
            [*CHAIN_BUILD], current_export(tmp_path, daily_exports["day4_early"]), tmp_path, {}
        )
        assert day4_again.returncode != 0
        assert failed_uniqueness_tests(day4_again.output) == {history}, failure_summary(
            day4_again.output
        )


def test_empty_runs_and_an_upgraded_warehouse(daily_exports, tmp_path):
    """`dbt build --empty` (refs read as empty relations, for checking the SQL) must not let the
    incremental hooks delete the rows they would recompute; `--empty --full-refresh` empties the
    selected tables, and the next build must rebuild them in full, not append to nothing. Then a
    warehouse built by the version before the state table had recomputed_from (with that
    version's bookkeeping tables) is upgraded by the next plain build: the old tables go, and
    every incremental model is rebuilt in full, since none has a record of its build inputs."""
    path = build_warehouse(daily_exports["day2"], tmp_path, {}, CHAIN_MODELS_ONLY)
    before = snapshot_of(path)
    incremental = incremental_relations()
    empty = run_dbt([*CHAIN_BUILD, "--empty"], daily_exports["day2"], tmp_path, {})
    assert "Compilation Error" not in empty.output, failure_summary(empty.output)
    after = snapshot_of(path)
    changed = [relation for relation in incremental if after[relation] != before[relation]]
    assert not changed, f"dbt build --empty changed {changed}"

    facts = ["fct_events", "fct_transactions"]
    empty_full = [*BUILD, "--empty", "--full-refresh", "--select", *facts, *CAUTIOUS]
    emptied = run_dbt(empty_full, daily_exports["day2"], tmp_path, {})
    assert emptied.returncode == 0, failure_summary(emptied.output)
    assert query(path, "select count(*) as n from marts.fct_transactions")[0]["n"] == 0
    path = build_warehouse(daily_exports["day2"], tmp_path, {}, CHAIN_MODELS_ONLY)
    assert rebuilt_in_full(path) == facts
    assert_same(snapshot_of(path), before)

    connection = duckdb.connect(str(path))
    try:
        connection.execute(
            "drop table intermediate.strata_model_state; "
            "create table intermediate.strata_model_state (model_name varchar, "
            "run_started_at timestamp, inputs varchar, rebuilt_in_full boolean); "
            "create table intermediate.strata_recompute_log (model_name varchar, "
            "run_started_at timestamp, recomputed_from date)"
        )
    finally:
        connection.close()
    path = build_warehouse(daily_exports["day2"], tmp_path, {}, CHAIN_BUILD)
    assert rebuilt_in_full(path) == sorted(relation.split(".")[1] for relation in incremental)
    tables = query(
        path,
        "select table_name from information_schema.tables"
        " where table_schema = 'intermediate' and table_name like 'strata%' order by 1",
    )
    assert [row["table_name"] for row in tables] == ["strata_model_state", "strata_verified_tests"]
    assert_same(snapshot_of(path), before)
