"""``strata build``: `dbt build` with a short progress view (the build step of `make demo` and
`make build`).

    strata build [--log-dir DIR] [--vars YAML] [dbt build arguments ...]

dbt's own console output (about 330 lines) goes to <log-dir>/build.log (default
warehouse/logs); the terminal gets one progress line, every warning or error in full (the
"Strata: ..." messages of the checks included) and a one-line result. The exit code is dbt's.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import sys
import time
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import TextIO

from strata import engines
from strata.dbt import DbtNotFound, dbt_command, dbt_environment, start_dbt
from strata.project import REPO_ROOT, cwd_relative, repo_relative, warehouse_setting

DEFAULT_LOG_DIR = "warehouse/logs"
# dbt's JSON log events that close a node, and the node kind each one counts.
NODE_DONE_EVENTS = {
    "LogSeedResult": "seeds",
    "LogModelResult": "models",
    "LogTestResult": "tests",
}
SAY_LEVELS = {"warn", "error"}
# Node statuses the progress line counts (PostgreSQL's models report what the database said,
# e.g. "insert 0 12"; DuckDB's "ok").
PROBLEM_STATUSES = {"error", "fail", "warn", "skipped", "runtime error"}
SELECTION_OPTIONS = ("--select", "-s", "--exclude", "--selector")

DESCRIPTION = (
    "dbt build (seeds, models, every test) into $STRATA_DUCKDB_PATH (default "
    "warehouse/strata.duckdb) with a one-line progress view; warnings and errors in full, dbt's "
    "whole output in <log dir>/build.log. The exit code is dbt's."
)
EPILOG = (
    "Other arguments are passed to dbt build as they are, e.g. --select fct_customer_rfm+ or "
    "--full-refresh."
)
PASSES_ARGS = True


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--log-dir",
        default=DEFAULT_LOG_DIR,
        help=f"where build.log goes (default {DEFAULT_LOG_DIR})",
    )
    parser.add_argument(
        "--vars", help="dbt vars as YAML/JSON, e.g. '{raw_path: /data/export}' (passed to dbt)"
    )


def progress_line(done: Counter, statuses: Counter) -> str:
    kinds = " · ".join(
        f"{kind} {done[kind]}" for kind in ("seeds", "models", "tests") if done[kind]
    )
    problems = ", ".join(f"{count} {status}" for status, count in sorted(statuses.items()))
    return f"  {kinds}" + (f" ({problems})" if problems else "")


def summarise(
    lines: Iterable[str], show_progress: bool, log_file: TextIO
) -> tuple[Counter, Counter]:
    """Read dbt's JSON log lines: write each as text to log_file, print progress and problems."""
    done: Counter = Counter()
    statuses: Counter = Counter()
    for line in lines:
        try:
            event = json.loads(line)
        except json.JSONDecodeError:
            log_file.write(line)
            continue
        info = event.get("info", {})
        message = info.get("msg", "")
        log_file.write(f"{info.get('ts', '')[:19]}  {message}\n")
        name = info.get("name", "")
        if name in NODE_DONE_EVENTS:
            done[NODE_DONE_EVENTS[name]] += 1
            status = str(event.get("data", {}).get("status", "")).lower()
            if status in PROBLEM_STATUSES:
                statuses[status] += 1
            if show_progress:
                print("\r" + progress_line(done, statuses), end="", flush=True)
        elif info.get("level") in SAY_LEVELS and name not in ("LogTestResult",):
            if show_progress:
                print()
            print(f"  {message.strip()}", flush=True)
    return done, statuses


def build_command(log_dir: Path, vars: str | None, passed: list[str]) -> list[str]:
    """dbt build with JSON log lines (summarise reads them), the vars and the arguments passed."""
    extra = ["--log-format", "json", *(["--vars", vars] if vars else []), *passed]
    return dbt_command(["build"], log_path=log_dir, extra=extra)


def python_model_names() -> list[str]:
    """The project's Python models (models/**/*.py; a model is named after its file)."""
    return sorted(path.stem for path in (REPO_ROOT / "models").rglob("*.py"))


def target_path_of(passed: list[str]) -> Path:
    """Where dbt writes manifest.json: --target-path, else $DBT_TARGET_PATH, else target/."""
    for index, argument in enumerate(passed):
        if argument == "--target-path" and index + 1 < len(passed):
            return repo_relative(passed[index + 1])
        if argument.startswith("--target-path="):
            return repo_relative(argument.split("=", 1)[1])
    return repo_relative(os.environ.get("DBT_TARGET_PATH") or "target")


def dbt_build(
    command: list[str], log_file: TextIO, env: dict[str, str]
) -> tuple[int, Counter, Counter]:
    """Run one dbt build, its output summarised; returns (exit code, nodes done, statuses)."""
    process = start_dbt(command, env)
    assert process.stdout is not None
    done, statuses = summarise(process.stdout, sys.stdout.isatty(), log_file)
    returncode = process.wait()
    if sys.stdout.isatty():
        print()
    else:
        print(progress_line(done, statuses))
    return returncode, done, statuses


def run(args: argparse.Namespace) -> int:
    log_dir = cwd_relative(args.log_dir)  # dbt runs in the repo root: give it an absolute path
    log_dir.mkdir(parents=True, exist_ok=True)
    try:
        engine = engines.engine_of_target(engines.target_of(args.passed))
        if engine == "spark":  # before building: the Python models need a local session
            engines.spark_session_settings(engines.target_of(args.passed))
        command = build_command(log_dir, args.vars, args.passed)
    except (DbtNotFound, ValueError) as error:
        print(f"strata build: {error}", file=sys.stderr)
        return 1
    if engine == "spark" and importlib.util.find_spec("pyspark") is None:
        print(
            "strata build: the spark target needs pyspark and dbt-spark: run make install-spark "
            "(README, 'Running on Spark / PostgreSQL').",
            file=sys.stderr,
        )
        return 1
    log_path = Path(args.log_dir) / "build.log"  # as given, for the messages
    if engine == "duckdb":
        warehouse = warehouse_setting()
        repo_relative(warehouse).parent.mkdir(parents=True, exist_ok=True)
        print(f"dbt build into {warehouse} (full log: {log_path})", flush=True)
    else:
        print(f"dbt build on {engine} (full log: {log_path})", flush=True)
    started = time.monotonic()
    with open(log_dir / "build.log", "w") as log_file:
        if engine in engines.RUNS_PYTHON_MODELS:
            returncode = dbt_build(command, log_file, dbt_environment())[0]
        else:
            returncode = build_around_python_models(command, args.passed, log_file)
    seconds = time.monotonic() - started
    if returncode == 0:
        print(f"Build passed in {seconds:.0f} s.")
    else:
        print(
            f"Build FAILED (dbt exit {returncode}) after {seconds:.0f} s: see above and {log_path}."
        )
    return returncode


def build_around_python_models(command: list[str], passed: list[str], log_file: TextIO) -> int:
    """On an engine whose dbt adapter cannot run Python: build what is not downstream of a Python
    model, run the Python models here (strata.engines), then build the rest."""
    selecting = [
        a for a in passed if a.split("=")[0] in ("--select", "-s", "--exclude", "--selector")
    ]
    if selecting:
        print(
            "strata build: on this engine it builds the whole project in two parts around the "
            f"Python models; {selecting[0]} is not supported here (run dbt itself for a part "
            "that has no Python model upstream).",
            file=sys.stderr,
        )
        return 2
    downstream = [f"{name}+" for name in python_model_names()]
    print("  1/3 dbt build of what does not depend on a Python model", flush=True)
    returncode = dbt_build([*command, "--exclude", *downstream], log_file, dbt_environment())[0]
    if returncode != 0:
        return returncode
    print("  2/3 the Python models", flush=True)
    try:
        engines.run_python_models(
            target_path_of(passed) / "manifest.json", engines.target_of(passed)
        )
    except Exception as error:  # the model's own error, said once; dbt's builds are not run
        print(f"  Python model failed: {type(error).__name__}: {error}", flush=True)
        log_file.write(f"Python model failed: {type(error).__name__}: {error}\n")
        return 1
    print("  3/3 dbt build of the Python models' tables and what depends on them", flush=True)
    environment = dbt_environment(STRATA_PYTHON_MODELS_RAN="yes")
    return dbt_build([*command, "--select", *downstream], log_file, environment)[0]
