"""dbt as a subprocess: where its executable is, its command lines, and what its artifacts
(run_results.json, manifest.json) say."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
import sys
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from strata.project import REPO_ROOT
from strata.times import from_iso

RUN_RESULTS_FILE = "run_results.json"
MANIFEST_FILE = "manifest.json"
SEMANTIC_MANIFEST_FILE = "semantic_manifest.json"
#: dbt's unit tests check the SQL on fixed rows, not the data: scheduled runs and most test
#: builds leave them out (make test runs them once, on the handmade fixture).
EXCLUDE_UNIT_TESTS = ("--exclude-resource-type", "unit_test")
#: Node statuses of run_results.json that fail a build (warn does not).
FAILED_STATUSES = ("error", "fail", "runtime error")
TEST_RESOURCE_TYPES = ("test", "unit_test")
#: numpy 2.2 (the last release for Python 3.10) sets these variables in os.environ while it
#: imports and deletes them after. A dbt Python model imports numpy in one thread while dbt's
#: other threads read os.environ to log, and their model fails with KeyError:
#: 'OPENBLAS_MAIN_FREE' (numpy gh-30627). Set before dbt starts, numpy leaves os.environ alone.
NUMPY_IMPORT_ENV = {"OPENBLAS_MAIN_FREE": "1", "GOTOBLAS_MAIN_FREE": "1"}


class DbtNotFound(RuntimeError):
    """No dbt next to the interpreter nor on PATH."""


def dbt_executable() -> str:
    """The dbt next to the running interpreter (the project's virtualenv), else on PATH."""
    candidate = Path(sys.executable).parent / ("dbt.exe" if os.name == "nt" else "dbt")
    if candidate.exists():
        return str(candidate)
    found = shutil.which("dbt")
    if found is None:
        raise DbtNotFound(f"dbt not found next to {sys.executable} or on PATH")
    return found


def dbt_environment(**overrides: str) -> dict[str, str]:
    """The environment of a dbt process: this one's, ``NUMPY_IMPORT_ENV`` where it is not set,
    then ``overrides``."""
    return {**NUMPY_IMPORT_ENV, **os.environ, **overrides}


def start_dbt(command: Sequence[str], env: dict[str, str], **options: Any) -> subprocess.Popen:
    """dbt started in the repository root, its output and errors as text lines on stdout."""
    return subprocess.Popen(
        list(command),
        cwd=REPO_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        **options,
    )


def dbt_args(
    command: Sequence[str],
    *,
    project_dir: Path | None = None,
    target_path: Path | None = None,
    log_path: Path | None = None,
    vars: dict[str, Any] | None = None,
    extra: Sequence[str] = (),
) -> list[str]:
    """dbt's arguments (without the executable): ``command`` (e.g. ``["build"]``) on the project's
    profiles folder, then the folders and vars that are given, then ``extra``.

    Without ``project_dir`` dbt reads the project in its working directory (``profiles``
    relative to it); ``vars`` are written as JSON."""
    profiles = project_dir / "profiles" if project_dir is not None else Path("profiles")
    args = [*command, "--profiles-dir", str(profiles)]
    if project_dir is not None:
        args += ["--project-dir", str(project_dir)]
    if target_path is not None:
        args += ["--target-path", str(target_path)]
    if log_path is not None:
        args += ["--log-path", str(log_path)]
    if vars is not None:
        args += ["--vars", json.dumps(vars, default=str)]
    return args + list(extra)


def dbt_command(command: Sequence[str], **options: Any) -> list[str]:
    """The whole command line: ``dbt_executable()`` and ``dbt_args(command, **options)``."""
    return [dbt_executable(), *dbt_args(command, **options)]


# --------------------------------------------------------------------------------------------
# Artifacts
# --------------------------------------------------------------------------------------------


def read_run_results(target_path: Path) -> dict[str, Any] | None:
    """``target_path/run_results.json``, or None when it is missing or not JSON."""
    path = target_path / RUN_RESULTS_FILE
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None


def read_manifest(target_path: Path) -> dict[str, Any]:
    """``target_path/manifest.json`` (raises OSError or ValueError when unreadable)."""
    return json.loads((target_path / MANIFEST_FILE).read_text())


def resource_type(unique_id: str) -> str:
    """'test.strata.unique_x.ab12' -> 'test'."""
    return unique_id.split(".", 1)[0]


def node_label(unique_id: str) -> str:
    """'test.strata.unique_x.ab12' -> 'test unique_x'; unit tests keep their model's name."""
    parts = unique_id.split(".")
    if len(parts) < 3:
        return unique_id
    resource = parts[0].replace("_", " ")
    name = ".".join(parts[2:4]) if parts[0] == "unit_test" else parts[2]
    return f"{resource} {name}"


@dataclass
class TestCounts:
    """Data and unit tests of one invocation, by outcome."""

    __test__ = False  # not a pytest test class

    passed: int = 0
    warned: int = 0
    failed: int = 0
    skipped: int = 0


def count_tests(run_results: dict[str, Any] | None) -> TestCounts:
    counts = TestCounts()
    if not run_results:
        return counts
    statuses = Counter(
        result.get("status")
        for result in run_results.get("results", [])
        if resource_type(str(result.get("unique_id", ""))) in TEST_RESOURCE_TYPES
    )
    counts.passed = statuses["pass"] + statuses["success"]
    counts.warned = statuses["warn"]
    counts.failed = statuses["fail"] + statuses["error"]
    counts.skipped = statuses["skipped"]
    return counts


def failed_nodes(run_results: dict[str, Any] | None) -> list[str]:
    """'test x (fail: Got 1 result, ...)' for every node whose status is error or fail."""
    if not run_results:
        return []
    failures = []
    for result in run_results.get("results", []):
        if result.get("status") in FAILED_STATUSES:
            lines = [line.strip() for line in (result.get("message") or "").strip().splitlines()]
            # A Strata check says why in a line of its own; show that line rather than dbt's.
            said = [line for line in lines if line.startswith("Strata:")]
            first_line = said[:1] or lines[:1]
            detail = f": {first_line[0][:400]}" if first_line else ""
            failures.append(f"{node_label(result['unique_id'])} ({result['status']}{detail})")
    return failures


@dataclass(frozen=True)
class NodeTime:
    """One node of run_results.json: its status and when it ran."""

    unique_id: str
    resource_type: str
    status: str
    seconds: float
    started: dt.datetime | None
    completed: dt.datetime | None

    @property
    def name(self) -> str:
        return self.unique_id.split(".", 2)[-1]

    @property
    def failed(self) -> bool:
        return self.status in FAILED_STATUSES


def node_times(run_results: dict[str, Any]) -> list[NodeTime]:
    """Every node of a run_results.json, with its execution time and its first start and last
    completion (over compile and execute)."""
    nodes = []
    for result in run_results["results"]:
        timing = result.get("timing") or []
        starts = [from_iso(t["started_at"]) for t in timing if t.get("started_at")]
        ends = [from_iso(t["completed_at"]) for t in timing if t.get("completed_at")]
        nodes.append(
            NodeTime(
                unique_id=result["unique_id"],
                resource_type=resource_type(result["unique_id"]),
                status=str(result["status"]),
                seconds=float(result.get("execution_time") or 0.0),
                started=min(starts, default=None),
                completed=max(ends, default=None),
            )
        )
    return nodes
