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
import subprocess
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
            returncode = build_around_python_models(log_dir, args.vars, args.passed, log_file)
    seconds = time.monotonic() - started
    if returncode == 0:
        print(f"Build passed in {seconds:.0f} s.")
    else:
        print(
            f"Build FAILED (dbt exit {returncode}) after {seconds:.0f} s: see above and {log_path}."
        )
    return returncode


def split_selection(passed: list[str]) -> tuple[list[str], list[str], list[str]]:
    """dbt build's arguments as (--select / -s values, --exclude values, the other arguments);
    an option's values are the arguments after it up to the next option, as dbt reads them."""
    selects: list[str] = []
    excludes: list[str] = []
    others: list[str] = []
    collecting: list[str] | None = None
    for argument in passed:
        name, has_value, value = argument.partition("=")
        if name in ("--select", "-s", "--exclude"):
            collecting = excludes if name == "--exclude" else selects
            if has_value:
                collecting.append(value)
        elif collecting is not None and not argument.startswith("-"):
            collecting.append(argument)
        else:
            collecting = None
            others.append(argument)
    return selects, excludes, others


# Node types dbt ls lists that a dbt build writes nothing for (every other type counts as work,
# so a type dbt adds later is never skipped).
NOT_BUILT_TYPES = frozenset(
    {"source", "exposure", "metric", "semantic_model", "saved_query", "analysis"}
)
RESOURCE_TYPE_OPTIONS = (
    "--resource-type", "--resource-types", "--exclude-resource-type", "--exclude-resource-types",
)  # fmt: skip


def resource_type_arguments(passed: list[str]) -> list[str]:
    """The --resource-type(s) / --exclude-resource-type(s) options among dbt build's arguments,
    with their values, for dbt ls to list what the build runs."""
    kept: list[str] = []
    collecting = False
    for argument in passed:
        name = argument.split("=")[0]
        if name in RESOURCE_TYPE_OPTIONS:
            kept.append(argument)
            collecting = "=" not in argument
        elif collecting and not argument.startswith("-"):
            kept.append(argument)
        else:
            collecting = False
    return kept


def selected_nodes(
    selects: list[str], excludes: list[str], passed: list[str], vars: str | None, log_dir: Path
) -> dict[str, tuple[str, str]]:
    """The nodes a dbt build of this selection runs, as {unique_id: (resource_type, name)}, from
    dbt ls (so the selection means exactly what it means to dbt). dbt ls also writes the
    manifest into the target path, which downstream_of_python_models reads."""
    target = engines.target_of(passed)
    target_path = target_path_of(passed)
    command = dbt_command(
        ["ls"],
        log_path=log_dir,
        extra=[
            "--quiet", "--output", "json", "--output-keys", "unique_id", "resource_type", "name",
            "--target-path", str(target_path), *resource_type_arguments(passed),
            *(["--target", target] if target else []), *(["--vars", vars] if vars else []),
            *(["--select", *selects] if selects else []),
            *(["--exclude", *excludes] if excludes else []),
        ],
    )  # fmt: skip
    listed = subprocess.run(
        command, cwd=REPO_ROOT, env=dbt_environment(), capture_output=True, text=True
    )
    if listed.returncode != 0:
        raise ValueError(f"dbt ls of the selection failed:\n{listed.stdout}{listed.stderr}")
    nodes = {}
    for line in listed.stdout.splitlines():
        if line.startswith("{"):
            row = json.loads(line)
            if row["resource_type"] not in NOT_BUILT_TYPES:
                nodes[row["unique_id"]] = (row["resource_type"], row["name"])
    return nodes


def downstream_of_python_models(manifest_path: Path) -> set[str]:
    """The unique ids of the manifest's Python models and of every node downstream of one
    (their tests included): what `python_model+` selects."""
    manifest = json.loads(manifest_path.read_text())
    children = manifest["child_map"]
    found = {
        unique_id
        for unique_id, node in manifest["nodes"].items()
        if node["resource_type"] == "model" and node.get("language") == "python"
    }
    pending = list(found)
    while pending:
        for child in children.get(pending.pop(), []):
            if child not in found:
                found.add(child)
                pending.append(child)
    return found


def build_around_python_models(
    log_dir: Path, vars: str | None, passed: list[str], log_file: TextIO
) -> int:
    """On an engine whose dbt adapter cannot run Python: build what is not downstream of a Python
    model, run the Python models here (strata.engines), then build the rest. With --select /
    --exclude, each step keeps to the selection: the first excludes the Python models and what
    depends on them, the second runs the selected Python models, the third builds the selection's
    part downstream of them (each selector intersected with each `python_model+`)."""
    if any(argument.split("=")[0] == "--selector" for argument in passed):
        print(
            "strata build: on this engine it builds in three steps around the Python models and "
            "cannot split a YAML selector between them: use --select / --exclude.",
            file=sys.stderr,
        )
        return 2
    selects, excludes, others = split_selection(passed)
    python = python_model_names()
    downstream = [f"{name}+" for name in python]
    to_run = None  # every Python model
    before = after = True  # whether the first and the third step have anything to build
    if selects or excludes:
        try:
            nodes = selected_nodes(selects, excludes, others, vars, log_dir)
            downstream_ids = downstream_of_python_models(target_path_of(passed) / "manifest.json")
        except (DbtNotFound, ValueError) as error:
            print(f"strata build: {error}", file=sys.stderr)
            return 1
        if not nodes:
            print("strata build: the selection matches nothing to build.", flush=True)
            return 0
        to_run = {name for kind, name in nodes.values() if kind == "model"} & set(python)
        before = any(unique_id not in downstream_ids for unique_id in nodes)
        after = any(unique_id in downstream_ids for unique_id in nodes)
    select = ["--select", *selects] if selects else []
    if before:
        print("  1/3 dbt build of what does not depend on a Python model", flush=True)
        first = [*others, *select, "--exclude", *excludes, *downstream]
        returncode = dbt_build(build_command(log_dir, vars, first), log_file, dbt_environment())[0]
        if returncode != 0:
            return returncode
    else:
        print("  1/3 skipped: everything selected depends on a Python model", flush=True)
    print(f"  2/3 the Python models{': none selected' if to_run == set() else ''}", flush=True)
    try:
        engines.run_python_models(
            target_path_of(passed) / "manifest.json", engines.target_of(passed), only=to_run
        )
    except Exception as error:  # the model's own error, said once; dbt's builds are not run
        print(f"  Python model failed: {type(error).__name__}: {error}", flush=True)
        log_file.write(f"Python model failed: {type(error).__name__}: {error}\n")
        return 1
    if not after:
        print("  3/3 skipped: nothing selected depends on a Python model", flush=True)
        return 0
    print("  3/3 dbt build of the Python models' tables and what depends on them", flush=True)
    rest = downstream
    if selects:
        rest = [f"{selector},{python_model}" for selector in selects for python_model in downstream]
    third = [*others, "--select", *rest, *(["--exclude", *excludes] if excludes else [])]
    environment = dbt_environment(STRATA_PYTHON_MODELS_RAN="yes")
    return dbt_build(build_command(log_dir, vars, third), log_file, environment)[0]
