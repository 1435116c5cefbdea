"""Shared plumbing of the benchmark: settings, work-folder layout, measured child processes."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from strata.project import REPO_ROOT

#: Reports (results/, tracked) and the default work folder (work/, git-ignored).
BENCH_DIR = REPO_ROOT / "bench"
RAW_TABLES = ("transactions", "customers", "events")
GIB = 1024**3

#: Environment variables carrying --threads / --memory-limit to dbt (for the profile to read).
THREADS_ENV = "STRATA_DUCKDB_THREADS"
MEMORY_LIMIT_ENV = "STRATA_DUCKDB_MEMORY_LIMIT"


@dataclass(frozen=True)
class Settings:
    """Run settings shared by dbt (via environment variables) and the baseline."""

    threads: int | None
    memory_limit: str | None
    dbt_threads: int | None = None  # dbt's own --threads (models run at once); None = profile
    select: tuple[str, ...] = ()  # dbt --select of both builds; () = the whole project

    def dbt_args(self) -> list[str]:
        """Extra dbt command-line flags of the timed builds."""
        args = [] if self.dbt_threads is None else ["--threads", str(self.dbt_threads)]
        if self.select:  # cautious: not a test that also reads a model left out
            args += ["--select", *self.select, "--indirect-selection", "cautious"]
        return args

    def env(self) -> dict[str, str]:
        """Environment variables for the dbt process (only the ones that were set)."""
        values: dict[str, str] = {}
        if self.threads is not None:
            values[THREADS_ENV] = str(self.threads)
        if self.memory_limit is not None:
            values[MEMORY_LIMIT_ENV] = self.memory_limit
        return values

    def baseline_args(self) -> list[str]:
        """Command-line flags for strata.bench.baseline."""
        args: list[str] = []
        if self.threads is not None:
            args += ["--threads", str(self.threads)]
        if self.memory_limit is not None:
            args += ["--memory-limit", self.memory_limit]
        return args


@dataclass(frozen=True)
class Paths:
    """Everything the run writes, under one work folder."""

    work: Path

    @property
    def data(self) -> Path:
        return self.work / "data"

    @property
    def raw_link(self) -> Path:
        return self.work / "raw-current"

    @property
    def warehouse(self) -> Path:
        return self.work / "strata.duckdb"

    @property
    def dbt_target(self) -> Path:
        return self.work / "dbt" / "target"

    @property
    def dbt_parse_target(self) -> Path:
        return self.work / "dbt" / "parse-target"

    @property
    def dbt_logs(self) -> Path:
        return self.work / "dbt" / "logs"

    @property
    def logs(self) -> Path:
        return self.work / "logs"

    @property
    def runs(self) -> Path:
        return self.work / "runs"

    @property
    def baseline_db(self) -> Path:
        return self.work / "baseline.duckdb"

    @property
    def baseline_new_day_db(self) -> Path:
        return self.work / "baseline_new_day.duckdb"

    @property
    def pandas_out(self) -> Path:
        return self.work / "pandas_rfm.parquet"


@dataclass(frozen=True)
class Measured:
    """Wall time, peak resident memory and exit code of one child process."""

    wall_s: float
    max_rss_bytes: int
    returncode: int
    log_path: Path

    @property
    def ok(self) -> bool:
        return self.returncode == 0


def run_measured(
    command: Sequence[str], log_path: Path, cwd: Path, env: dict[str, str] | None = None
) -> Measured:
    """Run ``command`` with output to ``log_path``; measure wall time and peak RSS.

    The child is reaped with ``os.wait4``, whose ``ru_maxrss`` (KiB on Linux) is the peak
    resident set of that child (and of any descendants it waited for).
    """
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with open(log_path, "wb") as log:
        started = time.perf_counter()
        process = subprocess.Popen(
            list(command), cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )  # fmt: skip
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    return Measured(wall, usage.ru_maxrss * 1024, process.returncode, log_path)


def log_tail(path: Path, lines: int = 25) -> str:
    """The last lines of a log file."""
    text = path.read_text(errors="replace").splitlines()
    return "\n".join(text[-lines:])


def progress(message: str) -> None:
    """Print a timestamped progress line to stderr."""
    print(f"[bench {dt.datetime.now():%H:%M:%S}] {message}", file=sys.stderr, flush=True)


def timed_child_parser(description: str) -> argparse.ArgumentParser:
    """The options of both timed implementations (baseline, pandas) that the benchmark passes."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--raw", type=Path, required=True, help="folder with transactions.parquet")
    parser.add_argument("--seeds", type=Path, default=REPO_ROOT / "seeds", help="seeds folder")
    parser.add_argument("--bins", type=int, default=5, help="NTILE buckets per score")
    parser.add_argument("--json-out", type=Path, default=None, help="also write timings here")
    return parser


def emit_timings(timings: dict[str, float], json_out: Path | None) -> None:
    """Print a timed child's timings as JSON, and write them to ``json_out`` when given (the
    benchmark reads them from there)."""
    text = json.dumps(timings)
    if json_out is not None:
        json_out.write_text(text + "\n")
    print(text)
