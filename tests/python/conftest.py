"""Shared helpers and fixtures: build the dbt project into a throw-away DuckDB file.

Each distinct dataset is built once per test session (a dbt build takes 30-60 s), see the
session-scoped fixtures below and in the test modules.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

# The test modules import `oracle`, `compare` and this file's helpers as plain modules; make
# that work whatever pytest's import mode is.
TESTS_DIR = Path(__file__).resolve().parent
if str(TESTS_DIR) not in sys.path:
    sys.path.insert(0, str(TESTS_DIR))

REPO_ROOT = Path(__file__).resolve().parents[2]
HANDMADE_DIR = TESTS_DIR / "fixtures" / "handmade"
GENERATOR = REPO_ROOT / "scripts" / "generate_data.py"
OUTPUT_TAIL_CHARS = 8000


def dbt_executable() -> str:
    """The `dbt` next to the running interpreter (the project's virtualenv)."""
    candidate = Path(sys.executable).parent / ("dbt.exe" if os.name == "nt" else "dbt")
    if not candidate.exists():
        raise RuntimeError(f"dbt not found next to {sys.executable}")
    return str(candidate)


@dataclass
class BuildResult:
    returncode: int
    output: str  # stdout + stderr
    duckdb_path: Path


def run_dbt(args: list[str], raw_dir: Path, tmp_path: Path, vars: dict) -> BuildResult:
    """Run `dbt <args>` from the repo root into <tmp_path>/strata.duckdb; never raises."""
    tmp_path = Path(tmp_path)
    tmp_path.mkdir(parents=True, exist_ok=True)
    duckdb_path = tmp_path / "strata.duckdb"
    all_vars = {"raw_path": str(raw_dir), **vars}
    command = [
        dbt_executable(),
        *args,
        "--profiles-dir",
        "profiles",
        "--project-dir",
        str(REPO_ROOT),
        "--target-path",
        str(tmp_path / "target"),
        "--log-path",
        str(tmp_path / "logs"),
        "--vars",
        json.dumps(all_vars, default=str),
    ]
    env = {**os.environ, "STRATA_DUCKDB_PATH": str(duckdb_path), "DBT_USE_COLORS": "false"}
    completed = subprocess.run(
        command,
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    return BuildResult(
        returncode=completed.returncode,
        output=completed.stdout + completed.stderr,
        duckdb_path=duckdb_path,
    )


def run_dbt_build(raw_dir: Path, tmp_path: Path, vars: dict) -> BuildResult:
    """Run `dbt build` from the repo root into <tmp_path>/strata.duckdb; never raises."""
    return run_dbt(["build"], raw_dir, tmp_path, vars)


def failure_summary(output: str) -> str:
    """The part of dbt's output that explains a failure (its summary), else the tail."""
    for marker in ("Completed with", "Encountered an error", "Runtime Error", "Compilation Error"):
        position = output.find(marker)
        if position >= 0:
            return output[position : position + OUTPUT_TAIL_CHARS]
    return output[-OUTPUT_TAIL_CHARS:]


def build_warehouse(raw_dir: Path, tmp_path: Path, vars: dict) -> Path:
    """dbt build (seeds, models, all tests) and assert it succeeded; returns the DuckDB path."""
    result = run_dbt_build(raw_dir, tmp_path, vars)
    assert result.returncode == 0, (
        f"dbt build failed (exit {result.returncode}) for raw_path={raw_dir} vars={vars}; "
        f"dbt says:\n{failure_summary(result.output)}"
    )
    return result.duckdb_path


def build_expecting_failure(raw_dir: Path, tmp_path: Path, vars: dict) -> str:
    """dbt build that must FAIL; returns its output (stdout + stderr, incl. dbt's log file)."""
    result = run_dbt_build(raw_dir, tmp_path, vars)
    assert result.returncode != 0, (
        f"dbt build unexpectedly succeeded for raw_path={raw_dir}; output tail:\n"
        f"{result.output[-OUTPUT_TAIL_CHARS:]}"
    )
    log_file = Path(tmp_path) / "logs" / "dbt.log"
    log_text = log_file.read_text(errors="replace") if log_file.exists() else ""
    return result.output + "\n" + log_text


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
    """Run scripts/generate_data.py into out_dir and return it."""
    assert GENERATOR.exists(), f"{GENERATOR} does not exist"
    command = [
        sys.executable,
        str(GENERATOR),
        "--out",
        str(out_dir),
        "--customers",
        str(customers),
        "--months",
        str(months),
        "--end-date",
        end_date,
        "--seed",
        str(seed),
        "--format",
        fmt,
    ]
    completed = subprocess.run(command, cwd=REPO_ROOT, capture_output=True, text=True, check=False)
    assert completed.returncode == 0, (
        f"generator failed (exit {completed.returncode}):\n"
        f"{(completed.stdout + completed.stderr)[-OUTPUT_TAIL_CHARS:]}"
    )
    return Path(out_dir)


@pytest.fixture(scope="session")
def handmade_warehouse(tmp_path_factory) -> Path:
    """The handmade fixture (transactions.csv only) built with as_of_date 2025-04-10."""
    tmp = tmp_path_factory.mktemp("handmade_build")
    return build_warehouse(HANDMADE_DIR, tmp, {"as_of_date": "2025-04-10"})
