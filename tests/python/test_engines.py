"""The same project on PostgreSQL and Spark (issue 20; README "Running on Spark / PostgreSQL"):
every mart built on PostgreSQL or on a local Spark session equals, row by row, the mart built on
DuckDB from the same raw files, and the marts the oracle defines equal the oracle there too.

`make test-engines` runs this module (its own CI step). It starts a PostgreSQL server itself,
from the PostgreSQL binaries of the machine, in a temporary folder on a free port, and stops it
at the end; Spark runs in the processes of the builds (pyspark, from `make install-spark`, and
Java). Without them the engine's tests are skipped, unless STRATA_REQUIRE_ENGINES=1 (set by make
test-engines) makes that a failure.

Datasets, each built on every engine with the same vars (one DuckDB build shared by both):
- bad_input: test_bad_input.py's dirty CSV files, every kind of bad row (parsing, quarantine),
  built with dbt's unit tests too;
- cdnow: the CDNOW sample (the value models' published fits; Python models run by strata);
- incremental (PostgreSQL): test_incremental.py's day1 then day3 exports built incrementally,
  against a full DuckDB build of day3. Spark rebuilds every model in full on each build.
"""

from __future__ import annotations

import glob
import math
import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import duckdb
import oracle
import psycopg2
import pytest
from compare import MART_COLUMNS, MART_KEYS, assert_rows_match
from conftest import (
    BUILD_DEPENDENT_COLUMNS,
    BUILD_MODELS_ONLY,
    EXCLUDE_UNIT_TESTS,
    build_warehouse,
    generate_data,
    strata_command,
)

#: A decimal mart column may differ in its 6th decimal: PostgreSQL averages numeric values
#: exactly, DuckDB through doubles, and both round the result to 6 decimals.
DECIMAL_TOLERANCE = Decimal("0.000001")
FLOAT_TOLERANCE = 1e-9


# ------------------------------------------------------------------------- the server


@dataclass(frozen=True)
class Server:
    port: int
    bindir: Path

    def environment(self, database: str) -> dict[str, str]:
        return {
            **os.environ,
            "STRATA_PG_HOST": "127.0.0.1",
            "STRATA_PG_PORT": str(self.port),
            "STRATA_PG_USER": "strata",
            "STRATA_PG_PASSWORD": "",
            "STRATA_PG_DATABASE": database,
        }

    def connect(self, database: str):
        return psycopg2.connect(
            host="127.0.0.1", port=self.port, user="strata", password="", dbname=database
        )

    def create_database(self, name: str) -> str:
        connection = self.connect("postgres")
        connection.autocommit = True
        with connection.cursor() as cursor:
            cursor.execute(f"create database {name}")
        connection.close()
        return name


def postgres_bindir() -> Path | None:
    found = shutil.which("pg_ctl")
    if found:
        return Path(os.path.realpath(found)).parent
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
    return Path(candidates[-1]).parent if candidates else None


def user_exists(name: str) -> bool:
    try:
        pwd.getpwnam(name)
    except KeyError:
        return False
    return True


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def server():
    bindir = postgres_bindir()
    missing = None
    if bindir is None:
        missing = "PostgreSQL's pg_ctl / initdb are not installed"
    elif os.geteuid() == 0 and not user_exists("postgres"):
        missing = "PostgreSQL refuses to run as root, and there is no postgres user to run it as"
    if missing is not None:
        if os.environ.get("STRATA_REQUIRE_ENGINES") == "1":
            pytest.fail(missing)
        pytest.skip(missing)
    # not under pytest's temporary folder, which only root may enter
    folder = Path(tempfile.mkdtemp(prefix="strata-postgres-"))
    data, sockets = folder / "data", folder / "sockets"
    sockets.mkdir()
    # PostgreSQL refuses to run as root: as root, run it as the postgres user
    prefix: list[str] = []
    if os.geteuid() == 0:
        prefix = ["runuser", "-u", "postgres", "--"]
        for path in (folder, sockets):
            shutil.chown(path, "postgres")
    port = free_port()
    subprocess.run(
        [*prefix, str(bindir / "initdb"), "-D", str(data), "-U", "strata", "--auth=trust",
         "-E", "UTF8", "--no-locale"],
        check=True, capture_output=True, cwd=folder,
    )  # fmt: skip
    options = f"-p {port} -k {sockets} -c listen_addresses=127.0.0.1 -c fsync=off"
    subprocess.run(
        [*prefix, str(bindir / "pg_ctl"), "-D", str(data), "-o", options,
         "-l", str(folder / "server.log"), "-w", "start"],
        check=True, capture_output=True, cwd=folder,
    )  # fmt: skip
    try:
        yield Server(port, bindir)
    finally:
        subprocess.run(
            [*prefix, str(bindir / "pg_ctl"), "-D", str(data), "-m", "fast", "stop"],
            capture_output=True, cwd=folder,
        )  # fmt: skip
        shutil.rmtree(folder, ignore_errors=True)


# ------------------------------------------------------------------------- builds


def strata(server: Server, database: str, *args: str) -> str:
    """Run `strata <args>` against the database; its output, asserting it succeeded."""
    completed = subprocess.run(
        strata_command(*args),
        env=server.environment(database),
        capture_output=True,
        text=True,
    )
    output = completed.stdout + completed.stderr
    assert completed.returncode == 0, f"strata {' '.join(args)} failed:\n{output[-6000:]}"
    return output


def build_on_postgres(
    server, database, raw_dir: Path, vars: str, work: Path, unit_tests: bool = False
) -> str:
    """load-raw and strata build; dbt's unit tests (SQL on fixed rows) only when asked."""
    strata(server, database, "load-raw", "--raw-path", str(raw_dir))
    return strata(
        server, database, "build", "--log-dir", str(work / "logs"), "--target", "postgres",
        "--target-path", str(work / "target"), "--vars", vars,
        *(() if unit_tests else EXCLUDE_UNIT_TESTS),
    )  # fmt: skip


def marts_of(connection) -> dict[str, tuple[list[str], list[tuple]]]:
    """Every table of schema marts: its columns and rows (a DB-API connection of either engine)."""
    cursor = connection.cursor()
    try:
        cursor.execute(
            "select table_name from information_schema.tables where table_schema = 'marts' "
            "order by table_name"
        )
        marts = {}
        for (table,) in cursor.fetchall():
            cursor.execute(f"select * from marts.{table}")
            rows = cursor.fetchall()
            marts[table] = ([d[0] for d in cursor.description], rows)
        return marts
    finally:
        cursor.close()
        connection.close()


def duckdb_marts(path: Path) -> dict[str, tuple[list[str], list[tuple]]]:
    return marts_of(duckdb.connect(str(path), read_only=True))


def postgres_marts(server: Server, database: str) -> dict[str, tuple[list[str], list[tuple]]]:
    return marts_of(server.connect(database))


def same_value(a, b) -> bool:
    if a is None or b is None:
        return a is None and b is None
    if isinstance(a, float) or isinstance(b, float):
        return math.isclose(float(a), float(b), rel_tol=FLOAT_TOLERANCE, abs_tol=FLOAT_TOLERANCE)
    if isinstance(a, Decimal) or isinstance(b, Decimal):
        return abs(Decimal(a) - Decimal(b)) <= DECIMAL_TOLERANCE
    if isinstance(a, datetime) or isinstance(b, datetime):
        return a == b
    if isinstance(a, date) or isinstance(b, date):
        return type(a) is type(b) and a == b
    return type(a) is type(b) and a == b


def sort_key(row: tuple) -> tuple:
    """Rows in an order both engines agree on: floats rounded, None first."""
    return tuple(
        (0, "") if v is None else (1, f"{float(v):.6e}" if isinstance(v, float | Decimal) else v)
        for v in row
    )


def assert_marts_equal_across_engines(duck: dict, other: dict, engine: str = "PostgreSQL") -> None:
    assert sorted(other) == sorted(duck), f"{engine} built other marts than DuckDB"
    problems = []
    for table in sorted(duck):
        columns, duck_rows = duck[table]
        pg_columns, pg_rows = other[table]
        assert pg_columns == columns, f"marts.{table}: columns {pg_columns} on {engine}"
        kept = [i for i, c in enumerate(columns) if c not in BUILD_DEPENDENT_COLUMNS]
        a = sorted((tuple(r[i] for i in kept) for r in duck_rows), key=sort_key)
        b = sorted((tuple(r[i] for i in kept) for r in pg_rows), key=sort_key)
        if len(a) != len(b):
            problems.append(f"marts.{table}: {len(a)} rows on DuckDB, {len(b)} on {engine}")
            continue
        for row_a, row_b in zip(a, b, strict=True):
            if not all(same_value(x, y) for x, y in zip(row_a, row_b, strict=True)):
                names = [columns[i] for i in kept]
                problems.append(
                    f"marts.{table}: first different row"
                    f"\n  DuckDB {dict(zip(names, row_a, strict=True))}"
                    f"\n  {engine} {dict(zip(names, row_b, strict=True))}"
                )
                break
    assert not problems, "\n".join(problems)


@dataclass(frozen=True)
class Dataset:
    raw_dir: Path
    vars: dict


@dataclass(frozen=True)
class Built:
    database: str
    output: str


def build_postgres(server, tmp_path_factory, name: str, data: Dataset, unit_tests=False) -> Built:
    import json

    work = tmp_path_factory.mktemp(f"postgres_{name}")
    database = server.create_database(name)
    output = build_on_postgres(
        server, database, data.raw_dir, json.dumps(data.vars), work, unit_tests
    )
    return Built(database, output)


def build_duckdb(tmp_path_factory, name: str, data: Dataset) -> Path:
    return build_warehouse(
        data.raw_dir, tmp_path_factory.mktemp(f"duckdb_{name}"), data.vars, BUILD_MODELS_ONLY
    )


# ------------------------------------------------------------------------- Spark


@pytest.fixture(scope="module")
def spark() -> None:
    """pyspark (make install-spark) and Java are there, else skip (fail under make test-engines)."""
    missing = None
    try:
        import pyspark  # noqa: F401
    except ImportError:
        missing = "pyspark is not installed: make install-spark"
    if missing is None and shutil.which("java") is None:
        missing = "Spark needs Java, and there is no java on the PATH"
    if missing is not None:
        if os.environ.get("STRATA_REQUIRE_ENGINES") == "1":
            pytest.fail(missing)
        pytest.skip(missing)


@dataclass(frozen=True)
class SparkBuilt:
    marts: dict
    output: str


def build_spark(tmp_path_factory, name: str, data: Dataset, unit_tests=False) -> SparkBuilt:
    """strata build --target spark into a warehouse of its own, then its marts read back."""
    import json

    work = tmp_path_factory.mktemp(f"spark_{name}")
    environment = {**os.environ, "STRATA_SPARK_DIR": str(work / "spark")}
    completed = subprocess.run(
        strata_command(
            "build", "--log-dir", str(work / "logs"), "--target", "spark",
            "--target-path", str(work / "target"), "--vars", json.dumps(data.vars),
            *(() if unit_tests else EXCLUDE_UNIT_TESTS),
        ),
        env=environment, capture_output=True, text=True,
    )  # fmt: skip
    output = completed.stdout + completed.stderr
    assert completed.returncode == 0, f"strata build --target spark failed:\n{output[-6000:]}"
    # the marts, written to Parquet by a process of their own (the catalog takes one at a time)
    dumped = work / "marts"
    subprocess.run(
        [sys.executable, str(Path(__file__).with_name("spark_tables.py")), "marts", str(dumped)],
        env=environment, check=True, capture_output=True, cwd=Path(__file__).resolve().parents[2],
    )  # fmt: skip
    connection = duckdb.connect()
    connection.execute("create schema marts")
    for parquet in sorted(dumped.glob("*.parquet")):
        path = str(parquet).replace("'", "''")
        connection.execute(
            f"create view marts.{parquet.stem} as select * from read_parquet('{path}')"
        )
    return SparkBuilt(marts_of(connection), output)


# ------------------------------------------------------------------------- datasets


@pytest.fixture(scope="module")
def bad_input_data(tmp_path_factory) -> Dataset:
    import test_bad_input

    raw_dir = test_bad_input.write_plain(
        tmp_path_factory.mktemp("raw_bad_input"), test_bad_input.make_datasets().dirty
    )
    return Dataset(raw_dir, {**test_bad_input.VARS, "raw_path": str(raw_dir)})


@pytest.fixture(scope="module")
def bad_input_duckdb(bad_input_data, tmp_path_factory) -> Path:
    return build_duckdb(tmp_path_factory, "bad_input", bad_input_data)


@pytest.fixture(scope="module")
def bad_input(server, bad_input_data, tmp_path_factory) -> Built:
    # with dbt's unit tests: they pin parsing, scoring and every boundary on fixed rows (a
    # PostgreSQL trim() that kept tabs around ids failed transactions_parse_strictly)
    return build_postgres(server, tmp_path_factory, "bad_input", bad_input_data, unit_tests=True)


@pytest.fixture(scope="module")
def cdnow_data(tmp_path_factory) -> Dataset:
    import test_value_model

    raw_dir = test_value_model.write_raw_transactions(tmp_path_factory.mktemp("raw_cdnow"))
    return Dataset(
        raw_dir, {"as_of_date": test_value_model.AS_OF.isoformat(), "raw_path": str(raw_dir)}
    )


@pytest.fixture(scope="module")
def cdnow_duckdb(cdnow_data, tmp_path_factory) -> Path:
    return build_duckdb(tmp_path_factory, "cdnow", cdnow_data)


@pytest.fixture(scope="module")
def cdnow(server, cdnow_data, tmp_path_factory) -> Built:
    return build_postgres(server, tmp_path_factory, "cdnow", cdnow_data)


def assert_bad_input_marts(marts: dict, engine: str) -> None:
    """Every kind of bad row quarantined (none crashed the build); the tiers equal the oracle's."""
    import test_bad_input

    assert marts["fct_transactions_quarantined"][1], "the bad rows were quarantined"
    datasets = test_bad_input.make_datasets()
    expected = oracle.compute(
        datasets.clean_transactions, as_of_date=test_bad_input.AS_OF, n_bins=5
    )
    for mart, rows in (
        ("fct_customer_rfm", expected.customer_rfm),
        ("fct_customer_tier_history", expected.tier_history),
    ):
        columns, values = marts[mart]
        assert_rows_match(
            [dict(zip(columns, row, strict=True)) for row in values],
            rows,
            MART_KEYS[mart],
            f"{engine} {mart} vs oracle",
            columns=MART_COLUMNS[mart],
        )


def assert_cdnow_fits_published(marts: dict) -> None:
    import test_value_model

    columns, rows = marts["rpt_value_model_fit"]
    fit = {
        (row["model"], row["parameter"]): row
        for row in (dict(zip(columns, values, strict=True)) for values in rows)
    }
    for parameter, (published, places) in test_value_model.PUBLISHED_BG_NBD.items():
        assert round(fit["bg_nbd", parameter]["estimate"], places) == published, parameter
    for parameter, (published, places) in test_value_model.PUBLISHED_GAMMA_GAMMA.items():
        assert round(fit["gamma_gamma", parameter]["estimate"], places) == published, parameter


def test_bad_input_marts_equal_across_engines_and_the_oracle(server, bad_input, bad_input_duckdb):
    marts = postgres_marts(server, bad_input.database)
    assert_marts_equal_across_engines(duckdb_marts(bad_input_duckdb), marts)
    assert_bad_input_marts(marts, "PostgreSQL")


def test_cdnow_marts_equal_across_engines_with_the_python_models(server, cdnow, cdnow_duckdb):
    assert "Python model int_value_model_fit" in cdnow.output
    marts = postgres_marts(server, cdnow.database)
    assert_marts_equal_across_engines(duckdb_marts(cdnow_duckdb), marts)
    assert_cdnow_fits_published(marts)


def test_a_selected_build_on_postgres_keeps_to_the_selection(
    server, cdnow, cdnow_data, cdnow_duckdb, tmp_path
):
    """strata build --select / --exclude on PostgreSQL: each of its three steps keeps to the
    selection, only the selected Python models run, a step with nothing selected is skipped,
    and the marts stay a full build's."""
    import json

    def build(*selection: str) -> str:
        return strata(
            server, cdnow.database, "build", "--log-dir", str(tmp_path / "logs"),
            "--target", "postgres", "--target-path", str(tmp_path / "target"),
            "--vars", json.dumps(cdnow_data.vars), *EXCLUDE_UNIT_TESTS, *selection,
        )  # fmt: skip

    output = build("--select", "stg_raw__transactions")
    assert "1/3 dbt build" in output and "2/3 the Python models: none selected" in output
    assert "3/3 skipped: nothing selected depends on a Python model" in output
    output = build("--select", "int_value_model_fit+", "--exclude", "fct_tier_alerts")
    assert "1/3 skipped: everything selected depends on a Python model" in output
    assert "Python model int_value_model_fit" in output
    assert "Python model int_customer_value_scored" in output
    assert "int_experiment_statistics" not in output
    results = json.loads((tmp_path / "target" / "run_results.json").read_text())  # the 3rd step
    built = {result["unique_id"] for result in results["results"]}
    assert {"model.strata.fct_customer_value", "model.strata.dim_customers"} <= built
    assert "model.strata.fct_tier_alerts" not in built  # excluded
    assert "model.strata.fct_customer_tier_history" not in built  # not selected
    assert "model.strata.rpt_experiment_readout" not in built  # after another Python model
    assert_marts_equal_across_engines(
        duckdb_marts(cdnow_duckdb), postgres_marts(server, cdnow.database)
    )


def test_bad_input_on_spark_equals_duckdb_and_the_oracle(
    spark, bad_input_data, bad_input_duckdb, tmp_path_factory
):
    built = build_spark(tmp_path_factory, "bad_input", bad_input_data, unit_tests=True)
    assert_marts_equal_across_engines(duckdb_marts(bad_input_duckdb), built.marts, "Spark")
    assert_bad_input_marts(built.marts, "Spark")


def test_cdnow_on_spark_equals_duckdb_with_the_python_models(
    spark, cdnow_data, cdnow_duckdb, tmp_path_factory
):
    built = build_spark(tmp_path_factory, "cdnow", cdnow_data)
    assert "Python model int_value_model_fit" in built.output
    assert_marts_equal_across_engines(duckdb_marts(cdnow_duckdb), built.marts, "Spark")
    assert_cdnow_fits_published(built.marts)


def test_incremental_build_on_postgres_equals_a_full_build(server, tmp_path_factory):
    import test_incremental

    base = tmp_path_factory.mktemp("engines_incremental")
    source = generate_data(
        base / "generated", customers=300, months=6, end_date="2025-06-30", seed=5, fmt="csv"
    )
    late = "{day} between date '2025-05-29' and date '2025-05-31'"
    day1 = test_incremental.write_export(source, base / "day1", "2025-06-02", late, None)
    day3 = test_incremental.write_export(
        source, base / "day3", "2025-06-30", "false", test_incremental.REUSED_0625
    )
    work = base / "work"
    work.mkdir()
    database = server.create_database("incremental")
    for export in (day1, day3):
        raw = test_incremental.current_export(work, export)
        build_on_postgres(server, database, raw, f'{{"raw_path": "{raw}"}}', work)
    connection = server.connect(database)
    with connection.cursor() as cursor:
        cursor.execute(
            "select model_name from intermediate.strata_model_state as state where "
            "run_started_at = (select max(run_started_at) from intermediate.strata_model_state) "
            "and rebuilt_in_full"
        )
        rebuilt = [row[0] for row in cursor.fetchall()]
    connection.close()
    assert rebuilt == [], f"day3 was not an incremental run on PostgreSQL: {rebuilt}"
    raw = test_incremental.current_export(work, day3)
    full = build_warehouse(raw, base / "duckdb", {"raw_path": str(raw)}, BUILD_MODELS_ONLY)
    assert_marts_equal_across_engines(duckdb_marts(full), postgres_marts(server, database))


def test_plain_dbt_on_postgres_names_the_command_that_runs_python_models(server, cdnow):
    """dbt alone cannot run the Python models on PostgreSQL: it stops with what to run."""
    vars = f'{{"as_of_date": "1997-09-30", "raw_path": "{read_raw_path(server, cdnow)}"}}'
    completed = subprocess.run(
        [
            str(Path(strata_command()[0]).parent / "dbt"), "build", "--profiles-dir", "profiles",
            "--target", "postgres", "--select", "int_value_model_fit", "--vars", vars,
        ],
        cwd=Path(__file__).resolve().parents[2],
        env=server.environment(cdnow.database),
        capture_output=True,
        text=True,
    )  # fmt: skip
    assert completed.returncode != 0
    assert "strata build --target postgres" in completed.stdout


def read_raw_path(server: Server, built: Built) -> str:
    connection = server.connect(built.database)
    with connection.cursor() as cursor:
        cursor.execute("select distinct raw_path from raw_files.strata_raw_load")
        [(raw_path,)] = cursor.fetchall()
    connection.close()
    return raw_path


def test_a_raw_path_that_was_not_loaded_stops_the_build(server, cdnow, tmp_path):
    completed = subprocess.run(
        strata_command(
            "build", "--log-dir", str(tmp_path), "--target", "postgres",
            "--target-path", str(tmp_path / "target"), "--vars", '{"raw_path": "/elsewhere"}',
        ),
        env=server.environment(cdnow.database),
        capture_output=True,
        text=True,
    )  # fmt: skip
    assert completed.returncode != 0
    assert "strata load-raw --raw-path /elsewhere" in completed.stdout, completed.stdout[-3000:]
