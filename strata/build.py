"""``strata build``: `dbt build` with a short progress view (the build step of `make demo` and
`make build`).

    strata build [--log-dir DIR] [--vars YAML] [dbt build arguments ...]

dbt's own console output (about 330 lines) goes to <log-dir>/build.log (default
warehouse/logs); the terminal gets one progress line, every warning or error in full (the
"Strata: ..." messages of the checks included) and a one-line result. The exit code is dbt's.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import TextIO

from strata.dbt import DbtNotFound, dbt_command, dbt_environment
from strata.project import REPO_ROOT, cwd_relative, repo_relative, warehouse_setting

DEFAULT_LOG_DIR = "warehouse/logs"
# dbt's JSON log events that close a node, and the node kind each one counts.
NODE_DONE_EVENTS = {
    "LogSeedResult": "seeds",
    "LogModelResult": "models",
    "LogTestResult": "tests",
}
SAY_LEVELS = {"warn", "error"}

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
            if status not in ("success", "pass", "ok", ""):
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


def run(args: argparse.Namespace) -> int:
    log_dir = cwd_relative(args.log_dir)  # dbt runs in the repo root: give it an absolute path
    log_dir.mkdir(parents=True, exist_ok=True)
    warehouse = warehouse_setting()
    repo_relative(warehouse).parent.mkdir(parents=True, exist_ok=True)
    try:
        command = build_command(log_dir, args.vars, args.passed)
    except DbtNotFound as error:
        print(f"strata build: {error}", file=sys.stderr)
        return 1
    log_path = Path(args.log_dir) / "build.log"  # as given, for the messages
    print(f"dbt build into {warehouse} (full log: {log_path})", flush=True)
    started = time.monotonic()
    with open(log_dir / "build.log", "w") as log_file:
        process = subprocess.Popen(
            command,
            cwd=REPO_ROOT,
            env=dbt_environment(),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        assert process.stdout is not None
        done, statuses = summarise(process.stdout, sys.stdout.isatty(), log_file)
        returncode = process.wait()
    if sys.stdout.isatty():
        print()
    else:
        print(progress_line(done, statuses))
    seconds = time.monotonic() - started
    if returncode == 0:
        print(f"Build passed in {seconds:.0f} s.")
    else:
        print(
            f"Build FAILED (dbt exit {returncode}) after {seconds:.0f} s: see above and {log_path}."
        )
    return returncode
