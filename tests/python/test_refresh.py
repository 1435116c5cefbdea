"""strata refresh: lock, dbt build, publish for BI; a failed or killed run never half-serves.

One workspace (warehouse, serving dir, dbt target) in a temp folder is shared by the tests of this
module, in file order, to keep the number of dbt builds small (one of the whole project, then
about six of the tier chain, TIER_CHAIN). Every test leaves a good version served, which is all
the next one assumes.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import re
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest
from conftest import OUTPUT_TAIL_CHARS, generate_data, strata_command

from strata.refresh import EXIT_BUILD_FAILED, EXIT_LOCKED

REFRESH_TIMEOUT = 600
# DuckDB 1.5.6 refuses newer files with "we can only read versions between 64 and 68".
DUCKDB_15_READABLE_VERSIONS = range(64, 69)
DUCKDB_15_VERSION = "1.5.6"
NEW_CUSTOMERS = 7
# After the first refresh (every model, every test), the tests refresh the tier chain and the
# transactions only, without their data tests: what they check is the locking, publishing and
# failure handling around dbt, and fct_customer_rfm is what the readers count. A refresh of the
# whole project takes about twice as long; the tier chain's 86 data tests were a third of each
# of its refreshes. The failing refresh runs the chain with its tests (one of them fails).
TIER_CHAIN_WITH_TESTS = ("--select", "+fct_customer_rfm", "+fct_transactions")
TIER_CHAIN = (*TIER_CHAIN_WITH_TESTS, "--exclude", "resource_type:test")
VERSION_QUERY = """
    select
        (select count(*) from marts.fct_customer_rfm),
        (select max(run_id) from marts.strata_runs),
        (select count(*) from marts.strata_runs)
"""

# A BI client: queries the served file in a loop until told to stop, writing what it saw.
# mode "hold": one connection opened before the refresh and kept; "reconnect": a new
# connection per query (and the Parquet version `current` points to).
READER = r"""
import json, os, sys, time
import duckdb

path, parquet_root, mode, out_path, stop_path = sys.argv[1:6]
held = duckdb.connect(path, read_only=True) if mode == "hold" else None


def observe():
    if held is not None:
        return {"db": list(held.execute(QUERY).fetchone())}
    connection = duckdb.connect(path, read_only=True)
    try:
        seen = {"db": list(connection.execute(QUERY).fetchone())}
        version = os.readlink(os.path.join(parquet_root, "current"))
        parquet = os.path.join(parquet_root, version, "fct_customer_rfm.parquet")
        rows = connection.execute("select count(*) from read_parquet(?)", [parquet]).fetchone()
        seen["parquet"] = [rows[0], version]
        return seen
    finally:
        connection.close()


with open(out_path, "w") as out:
    while not os.path.exists(stop_path):
        try:
            seen = observe()
        except Exception as error:
            seen = {"error": repr(error)}
        out.write(json.dumps(seen) + "\n")
        out.flush()
        time.sleep(0.02)
"""


# Run by another DuckDB (1.5): the version and the row count of every table in schema marts.
COUNT_ROWS = """
import json, sys
import duckdb

connection = duckdb.connect(sys.argv[1], read_only=True)
tables = connection.execute(
    "select table_name from duckdb_tables() where schema_name = 'marts' order by 1"
).fetchall()
rows = {t: connection.execute(f"select count(*) from marts.{t}").fetchone()[0] for (t,) in tables}
print(json.dumps({"version": duckdb.__version__, "rows": rows}))
"""


@dataclass(frozen=True)
class Workspace:
    root: Path
    raw_dir: Path

    @property
    def warehouse(self) -> Path:
        return self.root / "warehouse" / "strata.duckdb"

    @property
    def serving_dir(self) -> Path:
        return self.root / "serving"

    @property
    def serving_file(self) -> Path:
        return self.serving_dir / "strata_serving.duckdb"

    @property
    def parquet_root(self) -> Path:
        return self.serving_dir / "parquet"

    @property
    def current(self) -> Path:
        return self.parquet_root / "current"

    @property
    def lock_file(self) -> Path:
        return self.warehouse.parent / "refresh.lock"

    def command(self, *options: str, vars: dict | None = None) -> list[str]:
        all_vars = {"raw_path": str(self.raw_dir), **(vars or {})}
        return strata_command(
            "refresh",
            "--serving-dir",
            str(self.serving_dir),
            "--target-path",
            str(self.root / "target"),
            "--log-path",
            str(self.root / "logs"),
            "--vars",
            json.dumps(all_vars),
            *options,
        )

    def env(self) -> dict[str, str]:
        return {
            **os.environ,
            "STRATA_DUCKDB_PATH": str(self.warehouse),
            "DBT_USE_COLORS": "false",
        }

    def run(self, *options: str, vars: dict | None = None) -> subprocess.CompletedProcess:
        return subprocess.run(
            self.command(*options, vars=vars),
            cwd=self.root,
            env=self.env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            timeout=REFRESH_TIMEOUT,
            check=False,
        )

    def start(self, *options: str, output: Path | None = None) -> subprocess.Popen:
        """A refresh in its own process group (as cron or systemd would run it); its output
        goes to the file output, else to a pipe."""
        with open(output, "w") if output else open(os.devnull) as sink:
            return subprocess.Popen(
                self.command(*options),
                cwd=self.root,
                env=self.env(),
                stdout=sink if output else subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
                start_new_session=True,
            )

    def served_version(self) -> tuple[int, str, int]:
        """(rows of fct_customer_rfm, greatest run_id, runs logged) of the served file."""
        connection = duckdb.connect(str(self.serving_file), read_only=True)
        try:
            rows, run_id, runs = connection.execute(VERSION_QUERY).fetchone()
        finally:
            connection.close()
        return rows, run_id, runs

    def runs_log(self) -> list[dict]:
        path = self.serving_dir / "runs.jsonl"
        return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]

    def last_run(self) -> dict:
        return json.loads((self.serving_dir / "last_run.json").read_text())

    def snapshot(self) -> tuple[str, str, list[str]]:
        """What BI sees: the served file's hash, `current`'s target, the Parquet versions."""
        digest = hashlib.sha256(self.serving_file.read_bytes()).hexdigest()
        return (
            digest,
            os.readlink(self.current),
            sorted(p.name for p in self.parquet_root.iterdir()),
        )


def assert_succeeded(result: subprocess.CompletedProcess) -> None:
    assert result.returncode == 0, (
        f"refresh failed (exit {result.returncode}):\n{result.stdout[-OUTPUT_TAIL_CHARS:]}"
    )


def summary_line(output: str) -> str:
    lines = [line for line in output.splitlines() if line.startswith("refresh ")]
    assert lines, f"no summary line in:\n{output[-OUTPUT_TAIL_CHARS:]}"
    return lines[-1]


def run_id_of(output: str) -> str:
    match = re.search(r"refresh: run (\S+): holding", output)
    assert match, f"no run id in:\n{output[-OUTPUT_TAIL_CHARS:]}"
    return match.group(1)


def mart_names(database: Path) -> list[str]:
    connection = duckdb.connect(str(database), read_only=True)
    try:
        rows = connection.execute(
            "select table_name from information_schema.tables "
            "where table_schema = 'marts' and table_name <> 'strata_runs' order by 1"
        ).fetchall()
    finally:
        connection.close()
    return [name for (name,) in rows]


def wait_for_line(process: subprocess.Popen, needle: str) -> list[str]:
    """Read the process's output until a line contains needle; returns the lines read."""
    lines: list[str] = []
    deadline = time.monotonic() + REFRESH_TIMEOUT
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        lines.append(line)
        if needle in line:
            return lines
    raise AssertionError(f"never saw {needle!r}; output:\n{''.join(lines)[-OUTPUT_TAIL_CHARS:]}")


def wait_until_gone(process_group: int, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            os.killpg(process_group, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.1)
    return False


@pytest.fixture(scope="session")
def workspace(tmp_path_factory) -> Workspace:
    root = tmp_path_factory.mktemp("refresh")
    raw_dir = generate_data(
        root / "raw", customers=300, months=6, end_date="2025-06-30", seed=1, fmt="csv"
    )
    space = Workspace(root=root, raw_dir=raw_dir)
    assert_succeeded(space.run("--publish-saved-queries"))
    return space


def test_publishes_every_mart_as_duckdb_and_parquet(workspace):
    served = workspace.serving_file
    marts = mart_names(workspace.warehouse)
    assert "fct_customer_rfm" in marts and len(marts) >= 10
    assert mart_names(served) == marts

    version = os.readlink(workspace.current)
    assert not os.path.isabs(version), "a relative link keeps the serving dir movable"
    parquet_files = sorted(p.name for p in workspace.current.iterdir() if p.suffix == ".parquet")
    assert parquet_files == [f"{mart}.parquet" for mart in marts], "one file per mart"

    connection = duckdb.connect(str(served), read_only=True)
    try:
        for mart in marts:
            table = f"marts.{mart}"
            parquet = f"read_parquet('{workspace.current / mart}.parquet')"
            served_columns, parquet_columns = (
                [row[:2] for row in connection.execute(f"describe {relation}").fetchall()]
                for relation in (table, f"select * from {parquet}")
            )
            assert served_columns == parquet_columns, f"{mart}: columns or types differ"
            for left, right in ((table, parquet), (parquet, table)):
                difference = connection.execute(
                    f"select count(*) from (select * from {left} except all select * from {right})"
                ).fetchone()[0]
                assert difference == 0, f"{mart}: {left} has rows that {right} lacks"
        runs = connection.execute(
            "select run_id, status, as_of_date, rows_per_mart, tests_failed, dbt_exit_code "
            "from marts.strata_runs"
        ).fetchall()
    finally:
        connection.close()

    (run_id, status, as_of_date, rows_per_mart, tests_failed, dbt_exit_code) = runs[-1]
    assert run_id == version and status == "success" and dbt_exit_code == 0
    assert str(as_of_date) == "2025-06-30" and tests_failed == 0
    last = workspace.last_run()
    assert last["run_id"] == run_id and last["status"] == "success"
    assert last["served_run_id"] == run_id and last["tests_passed"] > 100
    assert json.loads(rows_per_mart) == last["rows_per_mart"]
    assert last["rows_per_mart"]["fct_customer_rfm"] > 0
    assert workspace.runs_log()[-1] == last
    assert not [p for p in workspace.serving_dir.rglob("*") if ".tmp-" in p.name]


def test_publishes_one_audience_file_per_play(workspace):
    """audiences/<play>_<as_of_date>.csv and .parquet in the served version: each holds exactly
    the rows of the served fct_customer_actions for its play, in customer_id order."""
    folder = workspace.current / "audiences"
    connection = duckdb.connect(str(workspace.serving_file), read_only=True)
    try:
        plays = [
            row[0]
            for row in connection.execute(
                "select distinct play from marts.fct_customer_actions order by 1"
            ).fetchall()
        ]
        assert len(plays) >= 3, plays
        assert sorted(p.name for p in folder.iterdir()) == sorted(
            f"{play}_2025-06-30.{extension}" for play in plays for extension in ("csv", "parquet")
        )
        expected_sql = (
            "select * from marts.fct_customer_actions where play = ? order by customer_id"
        )
        for play in plays:
            expected = connection.execute(expected_sql, [play]).fetchall()
            for reader in ("read_parquet", "read_csv"):
                path = (
                    folder / f"{play}_2025-06-30.{'parquet' if reader == 'read_parquet' else 'csv'}"
                )
                written = connection.execute(f"select * from {reader}(?)", [str(path)]).fetchall()
                assert written == expected, f"{path.name} differs from the mart"
    finally:
        connection.close()


def test_publishes_the_saved_queries(workspace):
    """With --publish-saved-queries (the fixture's first refresh): saved_queries/<name>.csv and
    .parquet in the served version, one pair per saved query of the semantic layer; the latest
    tier KPIs equal the served rpt_tier_kpis at as_of_date."""
    folder = workspace.current / "saved_queries"
    names = [
        "latest_migration_matrix",
        "latest_tier_kpis",
        "monthly_growth",
        "tier_sizes_over_time",
    ]
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        f"{name}.{extension}" for name in names for extension in ("csv", "parquet")
    )
    connection = duckdb.connect(str(workspace.serving_file), read_only=True)
    try:
        expected = connection.execute(
            "select tier, customers, customer_share, migration_rate from marts.rpt_tier_kpis"
            " where snapshot_date = (select max(snapshot_date) from marts.rpt_tier_kpis)"
            " order by tier"
        ).fetchall()
        for reader, extension in (("read_parquet", "parquet"), ("read_csv", "csv")):
            written = connection.execute(
                "select tier, scored_customers, tier_customer_share, migration_rate"
                f" from {reader}(?) order by tier",
                [str(folder / f"latest_tier_kpis.{extension}")],
            ).fetchall()
            assert len(written) == len(expected) == 4
            for got, want in zip(written, expected, strict=True):
                assert got[:2] == want[:2]
                assert all(
                    (a is None and b is None) or abs(a - b) < 1e-9
                    for a, b in zip(got[2:], want[2:], strict=True)
                ), (got, want)
    finally:
        connection.close()


def test_served_file_uses_storage_format_duckdb_1_5_reads(workspace):
    header = workspace.serving_file.read_bytes()[:20]
    assert header[8:12] == b"DUCK"
    version = int.from_bytes(header[12:20], "little")
    assert version in DUCKDB_15_READABLE_VERSIONS, f"storage version number {version}"
    connection = duckdb.connect(str(workspace.serving_file), read_only=True)
    try:
        tags = connection.execute(
            "select tags from duckdb_databases() where database_name = 'strata_serving'"
        ).fetchone()[0]
    finally:
        connection.close()
    assert tags["storage_version"] == "v1.5.0+"


@pytest.fixture(scope="session")
def duckdb15_python(tmp_path_factory) -> str:
    setting = os.environ.get("STRATA_TEST_DUCKDB15", "")
    if not setting:
        pytest.skip(
            "opening the served file with DuckDB 1.5 is opt-in: set STRATA_TEST_DUCKDB15=1 "
            f"(installs duckdb=={DUCKDB_15_VERSION} from PyPI into a folder of its own) or to a "
            "python that has duckdb 1.5"
        )
    if Path(setting).is_file():
        return setting
    # duckdb 1.5 in a folder of its own, put before this venv's duckdb by a wrapper script: the
    # fixture takes 1.9 s; a venv of its own took 22.7 s (ensurepip, pip's start-up in it)
    folder = tmp_path_factory.mktemp("duckdb15")
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-compile",
         "--disable-pip-version-check", "--target", str(folder / "site"),
         f"duckdb=={DUCKDB_15_VERSION}"],
        check=True,
    )  # fmt: skip
    wrapper = folder / "python"
    wrapper.write_text(f'#!/bin/sh\nPYTHONPATH="{folder / "site"}" exec "{sys.executable}" "$@"\n')
    wrapper.chmod(0o755)
    return str(wrapper)


def test_served_file_opens_in_duckdb_1_5(workspace, duckdb15_python):
    completed = subprocess.run(
        [duckdb15_python, "-c", COUNT_ROWS, str(workspace.serving_file)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    seen = json.loads(completed.stdout)
    assert seen["version"].startswith("1.5.")
    last = workspace.last_run()
    assert seen["rows"] == {**last["rows_per_mart"], "strata_runs": workspace.served_version()[2]}


def test_readers_see_one_whole_version_during_a_refresh(workspace, tmp_path):
    before = workspace.served_version()
    before_parquet = os.readlink(workspace.current)
    stop = tmp_path / "stop"
    readers = {}
    for mode in ("hold", "reconnect"):
        out = tmp_path / f"{mode}.jsonl"
        arguments = [str(workspace.serving_file), str(workspace.parquet_root), mode, str(out)]
        process = subprocess.Popen(
            [sys.executable, "-c", f"QUERY = {VERSION_QUERY!r}\n{READER}", *arguments, str(stop)]
        )
        readers[mode] = (process, out)

    def observations(mode: str) -> list[dict]:
        out = readers[mode][1]
        text = out.read_text() if out.exists() else ""
        complete = text[: text.rfind("\n") + 1]  # the reader may be writing a line
        return [json.loads(line) for line in complete.splitlines()]

    def wait_for_more(mode: str, count: int) -> None:
        deadline = time.monotonic() + 60
        while len(observations(mode)) < count and time.monotonic() < deadline:
            time.sleep(0.05)

    try:
        for mode in readers:
            wait_for_more(mode, 1)
        # new data arrives: purchases of new customers on the last day, so the second version
        # has more scored customers than the first
        with (workspace.raw_dir / "transactions.csv").open("a") as transactions:
            for number in range(NEW_CUSTOMERS):
                transactions.write(f"t9{number:09d},c9{number:08d},2025-06-30 12:00:00,10.00\n")
        result = workspace.run(*TIER_CHAIN)
        seen_by_end = {mode: len(observations(mode)) for mode in readers}
        for mode in readers:
            wait_for_more(mode, seen_by_end[mode] + 5)
    finally:
        stop.touch()
        for process, _ in readers.values():
            process.wait(timeout=60)
    assert_succeeded(result)
    after = workspace.served_version()
    assert after[1] > before[1] and after[2] == before[2] + 1
    assert after[0] == before[0] + NEW_CUSTOMERS
    parquet_versions = {(before[0], before_parquet), (after[0], after[1])}

    for mode in readers:
        seen = observations(mode)
        errors = [entry["error"] for entry in seen if "error" in entry]
        assert not errors, f"{mode} reader got errors: {errors[:3]}"
        versions = [tuple(entry["db"]) for entry in seen]
        assert set(versions) <= {before, after}, f"{mode} reader saw a mixed version"
        assert len(seen) > 20, f"{mode} reader hardly ran during the refresh"
        if mode == "hold":
            # an open connection keeps the file it opened: consistent, the old version
            assert set(versions) == {before}
        else:
            assert versions[0] == before and versions[-1] == after
            assert versions == sorted(versions, key=lambda v: v[1]), "never back to the old one"
            parquet = {tuple(entry["parquet"]) for entry in seen}
            assert parquet <= parquet_versions, f"Parquet versions seen: {parquet}"


def test_failing_test_keeps_the_served_version(workspace):
    before = workspace.snapshot()
    runs_before = len(workspace.runs_log())
    # a bad export: a third of its rows have no amount, above quarantine_error_share (0.2).
    # (Bad data rather than a changed var: a var change costs dbt a full parse, here and in
    # the next refresh.)
    transactions = workspace.raw_dir / "transactions.csv"
    good_export = transactions.read_bytes()
    bad_rows = good_export.count(b"\n") // 2
    with transactions.open("a") as export:
        for number in range(bad_rows):
            export.write(f"tq{number:09d},c00000001,2025-06-30 12:00:00,\n")
    try:
        result = workspace.run(*TIER_CHAIN_WITH_TESTS)
    finally:
        transactions.write_bytes(good_export)
    assert result.returncode == EXIT_BUILD_FAILED, result.stdout[-OUTPUT_TAIL_CHARS:]
    assert workspace.snapshot() == before, "served data changed after a failed build"
    failure = [line for line in result.stdout.splitlines() if "dbt build failed" in line]
    assert failure and "test transactions_quarantine_share_error (error: Strata: " in failure[0]
    assert "above quarantine_error_share = 0.2" in failure[0]
    assert "FAILED (build_failed)" in summary_line(result.stdout)
    assert "served data unchanged" in summary_line(result.stdout)
    last = workspace.last_run()
    assert last["status"] == "build_failed" and last["dbt_exit_code"] == 1
    assert last["tests_failed"] >= 1 and "transactions_quarantine_share_error" in last["message"]
    assert last["served_run_id"] == before[1]
    assert len(workspace.runs_log()) == runs_before + 1 and workspace.runs_log()[-1] == last


def test_a_killed_refresh_leaves_the_old_version_and_blocks_nothing(workspace):
    before = workspace.snapshot()
    served_before = workspace.served_version()
    killed_runs = []
    # 1. SIGKILL the refresh alone while dbt builds: dbt must not live on as an orphan writer
    # 2. SIGKILL the whole process group (what cron's or systemd's kill does)
    for kill_group in (False, True):
        process = workspace.start(*TIER_CHAIN)
        lines = wait_for_line(process, " START ")
        killed_runs.append(run_id_of("".join(lines)))
        if kill_group:
            os.killpg(process.pid, signal.SIGKILL)
        else:
            os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=60)
        process.stdout.close()
        assert wait_until_gone(process.pid, 60), "dbt outlived the killed refresh"
        assert workspace.snapshot() == before
    # leftovers of a refresh killed while publishing: must not break the next one
    (workspace.serving_dir / "strata_serving.duckdb.tmp-x").write_bytes(b"half a file")
    (workspace.parquet_root / ".tmp-x").mkdir()
    (workspace.parquet_root / ".tmp-x" / "dim_customers.parquet").write_bytes(b"half")
    os.symlink(".tmp-x", workspace.parquet_root / "current.tmp-x")

    result = workspace.run(*TIER_CHAIN)  # the dead holder's flock is gone with it: no waiting
    assert_succeeded(result)
    assert not [p for p in workspace.serving_dir.rglob("*") if ".tmp-" in p.name]
    after = workspace.served_version()
    assert after[1] == os.readlink(workspace.current) > served_before[1]
    assert after[2] == served_before[2] + 1
    aborted = {r["run_id"] for r in workspace.runs_log() if r["status"] == "aborted"}
    assert set(killed_runs) <= aborted


def test_a_held_lock_names_its_holder(workspace):
    before = workspace.snapshot()
    runs_before = len(workspace.runs_log())
    fd = os.open(workspace.lock_file, os.O_RDWR | os.O_CREAT)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        holder = {"pid": 4242, "host": "elsewhere", "run_id": "R", "started_at": "2025-07-01"}
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps(holder).encode(), 0)
        started = time.monotonic()
        result = workspace.run("--wait-seconds", "1")
        waited = time.monotonic() - started
    finally:
        os.ftruncate(fd, 0)
        os.close(fd)
    assert result.returncode == EXIT_LOCKED, result.stdout[-OUTPUT_TAIL_CHARS:]
    assert waited >= 1
    assert "another refresh is running" in result.stdout
    assert "PID 4242 on elsewhere, started 2025-07-01" in result.stdout
    assert "Running with dbt" not in result.stdout
    assert workspace.snapshot() == before and len(workspace.runs_log()) == runs_before


def test_refreshes_started_together_run_one_at_a_time(workspace, tmp_path):
    served_before = workspace.served_version()
    first = workspace.start(*TIER_CHAIN, output=tmp_path / "first.txt")
    second = workspace.start(*TIER_CHAIN, output=tmp_path / "second.txt")
    # the patient one comes once the lock is taken, so that it cannot be the one taking it
    deadline = time.monotonic() + 60
    while not workspace.lock_file.read_text().strip() and time.monotonic() < deadline:
        time.sleep(0.02)
    patient = workspace.start(*TIER_CHAIN, "--wait-seconds", "300", output=tmp_path / "patient.txt")
    outputs = {}
    for name, process in (("first", first), ("second", second), ("patient", patient)):
        process.wait(timeout=REFRESH_TIMEOUT)
        outputs[name] = (tmp_path / f"{name}.txt").read_text()
    codes = {"first": first.returncode, "second": second.returncode}
    assert sorted(codes.values()) == [0, EXIT_LOCKED], {k: outputs[k][-3000:] for k in codes}
    winner = "first" if codes["first"] == 0 else "second"
    loser = "second" if winner == "first" else "first"
    winner_pid = (first if winner == "first" else second).pid
    assert f"is locked by PID {winner_pid} on " in outputs[loser]
    assert "Running with dbt" not in outputs[loser]

    assert patient.returncode == 0, outputs["patient"][-OUTPUT_TAIL_CHARS:]
    assert "waiting up to 300 s" in outputs["patient"]
    winner_run, patient_run = run_id_of(outputs[winner]), run_id_of(outputs["patient"])
    assert patient_run > winner_run
    after = workspace.served_version()
    assert after[1] == patient_run and after[2] == served_before[2] + 2
    statuses = {r["run_id"]: r["status"] for r in workspace.runs_log()}
    assert statuses[winner_run] == statuses[patient_run] == "success"
