"""Shared helpers and fixtures: build the dbt project into a throw-away DuckDB file.

Each distinct dataset is built once per test session (a dbt build takes 30-60 s), see the
session-scoped fixtures below and in the test modules.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

import strata
from strata import generate
from strata.dbt import EXCLUDE_UNIT_TESTS, NUMPY_IMPORT_ENV, dbt_args

# dbt runs in this process: set what numpy 2.2 would set and unset while a Python model imports
# it in one of dbt's threads (strata.dbt.NUMPY_IMPORT_ENV).
for _name, _value in NUMPY_IMPORT_ENV.items():
    os.environ.setdefault(_name, _value)

# The test modules import `oracle`, `compare` and this file's helpers as plain modules; make
# that work whatever pytest's import mode is.
TESTS_DIR = Path(__file__).resolve().parent
if str(TESTS_DIR) not in sys.path:
    sys.path.insert(0, str(TESTS_DIR))

REPO_ROOT = Path(__file__).resolve().parents[2]
if Path(strata.__file__).resolve().parents[1] != REPO_ROOT:
    raise RuntimeError(
        f"the strata package imported is {strata.__file__}, not this tree's: run make install "
        "(it installs the package of the tree into its .venv)"
    )
HANDMADE_DIR = TESTS_DIR / "fixtures" / "handmade"
# The rules (tier bands, segments, recency buckets) the hand-computed answers assume: a copy of the
# shipped seeds, so that an analyst's edit of seeds/ does not break them.
HANDMADE_RULES_DIR = TESTS_DIR / "fixtures" / "rules"
OUTPUT_TAIL_CHARS = 8000
# The `strata` command of the running venv (make install puts it there, with the package).
STRATA = Path(sys.executable).parent / "strata"


def strata_command(*args: str) -> list[str]:
    """The command line `strata <args>` (the console script, as a user or cron runs it)."""
    assert STRATA.exists(), f"{STRATA} does not exist: run make install"
    return [str(STRATA), *args]


@dataclass
class BuildResult:
    returncode: int
    output: str  # what dbt printed (its console lines)
    duckdb_path: Path


# The builds of the tests skip dbt's unit tests (they check SQL on fixed rows, whatever the data):
# the handmade warehouse, built once per session, runs them (BUILD_WITH_UNIT_TESTS).
BUILD = ("build", *EXCLUDE_UNIT_TESTS)
# A reference full build that a test only compares with (seeds and models, no data tests: its
# tests pass or fail with the build it is compared to, which runs them).
BUILD_MODELS_ONLY = ("build", *EXCLUDE_UNIT_TESTS, "--exclude-resource-type", "test")
BUILD_WITH_UNIT_TESTS = ("build",)

# Every test warehouse is a file named strata.duckdb (in its own folder): DuckDB names the
# catalog after the file, and the parsed manifest below is shared by all of them.
WAREHOUSE_FILE = "strata.duckdb"
_MANIFESTS: dict[Path, object] = {}


def _close_dbt_duckdb() -> None:
    """Close the DuckDB database dbt-duckdb keeps open in this process after an invocation, so
    the test (or a dbt subprocess) can open the file next."""
    from dbt.adapters.duckdb.connections import DuckDBConnectionManager

    environment = DuckDBConnectionManager._ENV
    if environment is not None:
        environment.close()
    DuckDBConnectionManager.close_all_connections()


def _parsed_manifest(project_dir: Path, target_path: Path):
    """The project's manifest, parsed once per test session and project folder. dbt renders
    models, tests and hooks again at run time with each run's vars, so one parse serves every
    dataset and var."""
    from dbt.cli.main import dbtRunner

    if project_dir not in _MANIFESTS:
        result = dbtRunner().invoke(
            dbt_args(
                ["parse"],
                project_dir=project_dir,
                target_path=target_path / "parse-target",
                log_path=target_path / "parse-logs",
                extra=["--quiet"],
            )
        )
        if not result.success:
            raise RuntimeError(f"dbt parse failed: {result.exception}")
        _MANIFESTS[project_dir] = result.result
    return _MANIFESTS[project_dir]


def parsed_manifest(project_dir: Path = REPO_ROOT):
    """The parsed manifest of a project folder (parsed once per session and folder)."""
    return _parsed_manifest(Path(project_dir), Path(tempfile.mkdtemp(prefix="strata-parse-")))


# What dbt writes besides the warehouse, left out of test builds unless a test reads it: its log
# lines on stdout and in logs/dbt.log, and manifest.json / run_results.json in the target folder.
# Writing them took about 3 s of a 15 s fixture build (2026-12-02); the test sees dbt's info,
# warning and error lines through the callback below either way.
QUIET = ("--log-level", "none", "--log-level-file", "none", "--no-write-json")


def run_dbt(
    args: list[str],
    raw_dir: Path,
    tmp_path: Path,
    vars: dict,
    project_dir: Path = REPO_ROOT,
    *,
    artifacts: bool = False,
) -> BuildResult:
    """Run `dbt <args>` on project_dir into <tmp_path>/strata.duckdb; never raises.

    dbt runs in this process (dbtRunner) on a manifest parsed once per session: a dbt
    subprocess spends 10 s importing and parsing before it does anything, which was most of the
    suite's time. Returns code 0 (success), 1 (a node failed) or 2 (dbt stopped with an error),
    as the dbt command would. `artifacts`: write logs/dbt.log and target/run_results.json (see
    QUIET).
    """
    from dbt.cli.main import dbtRunner

    tmp_path = Path(tmp_path)
    tmp_path.mkdir(parents=True, exist_ok=True)
    duckdb_path = tmp_path / WAREHOUSE_FILE
    all_vars = {"raw_path": str(raw_dir), **vars}
    command = dbt_args(
        args,
        project_dir=project_dir,
        target_path=tmp_path / "target",
        log_path=tmp_path / "logs",
        vars=all_vars,
        extra=["--no-use-colors", *(() if artifacts else QUIET)],
    )
    lines: list[str] = []

    def collect(event) -> None:
        if event.info.level in ("info", "warn", "error") and event.info.msg:
            lines.append(str(event.info.msg))

    previous = os.environ.get("STRATA_DUCKDB_PATH")
    os.environ["STRATA_DUCKDB_PATH"] = str(duckdb_path)
    try:
        manifest = _parsed_manifest(Path(project_dir), tmp_path)
        result = dbtRunner(manifest=manifest, callbacks=[collect]).invoke(command)
    finally:
        _close_dbt_duckdb()
        if previous is None:
            os.environ.pop("STRATA_DUCKDB_PATH", None)
        else:
            os.environ["STRATA_DUCKDB_PATH"] = previous
    if result.exception is not None:
        lines.append(f"Encountered an error:\n{result.exception}")
        returncode = 2
    else:
        returncode = 0 if result.success else 1
    return BuildResult(returncode=returncode, output="\n".join(lines), duckdb_path=duckdb_path)


def run_dbt_build(
    raw_dir: Path,
    tmp_path: Path,
    vars: dict,
    args: tuple[str, ...] = BUILD,
    *,
    artifacts: bool = False,
) -> BuildResult:
    """Run `dbt build` from the repo root into <tmp_path>/strata.duckdb; never raises."""
    return run_dbt(list(args), raw_dir, tmp_path, vars, artifacts=artifacts)


def failure_summary(output: str) -> str:
    """The part of dbt's output that explains a failure (its summary), else the tail."""
    for marker in ("Completed with", "Encountered an error", "Runtime Error", "Compilation Error"):
        position = output.find(marker)
        if position >= 0:
            return output[position : position + OUTPUT_TAIL_CHARS]
    return output[-OUTPUT_TAIL_CHARS:]


def build_warehouse(
    raw_dir: Path, tmp_path: Path, vars: dict, args: tuple[str, ...] = BUILD
) -> Path:
    """dbt build (seeds, models, all tests) and assert it succeeded; returns the DuckDB path."""
    result = run_dbt_build(raw_dir, tmp_path, vars, args)
    assert result.returncode == 0, (
        f"dbt build failed (exit {result.returncode}) for raw_path={raw_dir} vars={vars}; "
        f"dbt says:\n{failure_summary(result.output)}"
    )
    return result.duckdb_path


def build_expecting_failure(
    raw_dir: Path, tmp_path: Path, vars: dict, args: tuple[str, ...] = BUILD
) -> str:
    """dbt build that must FAIL; returns its output (stdout + stderr, incl. dbt's log file)."""
    result = run_dbt_build(raw_dir, tmp_path, vars, args, artifacts=True)
    assert result.returncode != 0, (
        f"dbt build unexpectedly succeeded for raw_path={raw_dir}; output tail:\n"
        f"{result.output[-OUTPUT_TAIL_CHARS:]}"
    )
    log_file = Path(tmp_path) / "logs" / "dbt.log"
    log_text = log_file.read_text(errors="replace") if log_file.exists() else ""
    return result.output + "\n" + log_text


# Columns that differ between two builds of the same data by design: judged_at records when a
# verdict was made, fit_seconds how long a value model took to fit. Comparisons of whole
# warehouses leave them out.
BUILD_DEPENDENT_COLUMNS = ("judged_at", "fit_seconds")


def query(duckdb_path: Path, sql: str, params: list | None = None) -> list[dict]:
    """Rows of a read-only query as dicts (the connection is closed afterwards)."""
    connection = duckdb.connect(str(duckdb_path), read_only=True)
    try:
        cursor = connection.execute(sql, params or [])
        columns = [d[0] for d in cursor.description]
        return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]
    finally:
        connection.close()


def read_table(duckdb_path: Path, relation: str) -> list[dict]:
    """All rows of a relation (e.g. 'marts.fct_customer_rfm') as dicts; read-only connection."""
    return query(duckdb_path, f"select * from {relation}")


def generate_data(
    out_dir: Path, *, customers: int, months: int, end_date: str, seed: int, fmt: str
) -> Path:
    """Generate demo data into out_dir (strata generate, in this process) and return it."""
    out_dir = Path(out_dir)
    generate.generate(out_dir, customers, months, dt.date.fromisoformat(end_date), seed, fmt)
    return out_dir


def working_tree_files() -> list[str]:
    """The files a fresh clone of this working tree would hold: tracked files plus untracked ones
    git does not ignore (so uncommitted work is tested too), as paths relative to the repo."""
    completed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
        cwd=REPO_ROOT,
        capture_output=True,
        check=True,
    )
    names = [name for name in completed.stdout.decode().split("\0") if name]
    return [name for name in names if (REPO_ROOT / name).is_file()]


def fresh_checkout(dest: Path, only: tuple[str, ...] | None = None) -> Path:
    """Copy the working tree as a fresh clone would have it (no .venv, data or warehouse) into
    dest; `only` limits it to files under these top-level names (e.g. the dbt project alone)."""
    dest = Path(dest)
    for name in working_tree_files():
        if only is not None and name.split("/", 1)[0] not in only:
            continue
        target = dest / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(REPO_ROOT / name, target)
    return dest


# What a dbt project copy needs (tests that edit rule seeds work on such a copy).
DBT_PROJECT_PARTS = (
    "dbt_project.yml",
    "profiles",
    "models",
    "macros",
    "seeds",
    "tests",
    "analyses",
)


@pytest.fixture(scope="session")
def handmade_warehouse(tmp_path_factory) -> Path:
    """The handmade fixture (transactions.csv only) built with as_of_date 2025-04-10, on a copy of
    the project whose rule seeds are the fixture's (HANDMADE_RULES_DIR)."""
    tmp = tmp_path_factory.mktemp("handmade_build")
    project = fresh_checkout(tmp / "project", only=DBT_PROJECT_PARTS)
    for seed in HANDMADE_RULES_DIR.glob("*.csv"):
        shutil.copy2(seed, project / "seeds" / seed.name)
    result = run_dbt(
        list(BUILD_WITH_UNIT_TESTS),
        HANDMADE_DIR,
        tmp / "build",
        {"as_of_date": "2025-04-10"},
        project_dir=project,
    )
    assert result.returncode == 0, failure_summary(result.output)
    return result.duckdb_path


# Worker seconds of the largest groups (pytest --durations=0, 2026-12-02, summed per group). make
# pytest runs the groups in this order, largest first (--no-loadscope-reorder; xdist's own order
# is by number of tests), so the two workers finish together: about 30 s sooner than in
# collection order. A group not listed runs after these; the figures only order the groups.
GROUP_SECONDS = {
    "test_bi": 150,
    "test_refresh": 165,
    "test_readme": 105,
    "test_incremental": 95,
    "test_marts_match_oracle": 90,
    "test_bad_input": 88,
    "test_own_data": 88,
    "test_own_data:switching": 58,
    "test_incremental:test_uniqueness_tests_cover_writes_since_the_last_verified_build[build]": 50,
    "handmade": 35,
    "test_incremental:test_uniqueness_tests_cover_writes_since_the_last_verified_build[run]": 30,
    "test_incremental:test_empty_runs_and_an_upgraded_warehouse": 29,
    "test_incremental:test_a_stopped_run_is_caught_up_by_the_next": 17,
    "test_value_model": 11,
}


@pytest.hookimpl(tryfirst=True)  # before xdist's own hook, which reads the marks
def pytest_collection_modifyitems(items) -> None:
    """Group the tests for `pytest -n 2 --dist loadgroup` (make pytest): a group runs on one
    worker, so each fixture warehouse is built once. A module is a group, except that modules
    sharing the handmade warehouse share a group, each test of test_incremental that does not use
    the module's long fixture is a group of its own, and so are the tests of test_own_data that
    do not use the analyst's warehouse. The groups are then put in GROUP_SECONDS order."""
    groups = {}
    for item in items:
        group = item.module.__name__
        fixtures = set(getattr(item, "fixturenames", ()))
        if "handmade_warehouse" in fixtures:
            group = "handmade"
        elif group in ("test_semantic_layer", "test_docs_site"):
            group = "test_marts_match_oracle"  # the same generated warehouses (fixture built)
        elif group == "test_incremental" and "incremental_runs" not in fixtures:
            group += ":" + item.name
        elif group == "test_own_data" and "analyst" not in fixtures:
            group += ":switching"
        item.add_marker(pytest.mark.xdist_group(group))
        groups[item] = group
    items.sort(key=lambda item: -GROUP_SECONDS.get(groups[item], 0))  # stable: keeps file order


# The generated-data warehouses shared by test_marts_match_oracle.py and test_semantic_layer.py:
# imported here (after the helpers it uses) so that both modules use one fixture, built once.
from generated_warehouses import built  # noqa: E402, F401
