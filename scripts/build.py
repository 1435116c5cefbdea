#!/usr/bin/env python3
"""`dbt build` with a short progress view (the build step of `make demo` and `make build`).

    python scripts/build.py [--log-dir DIR] [dbt build arguments ...]

dbt's own console output (about 330 lines) goes to <log-dir>/build.log (default
warehouse/logs); the terminal gets one progress line, every warning or error in full (the
"Strata: ..." messages of the checks included) and a one-line result. The exit code is dbt's.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_LOG_DIR = "warehouse/logs"
# dbt's JSON log events that close a node, and the node kind each one counts.
NODE_DONE_EVENTS = {
    "LogSeedResult": "seeds",
    "LogModelResult": "models",
    "LogTestResult": "tests",
}
SAY_LEVELS = {"warn", "error"}


def progress_line(done: Counter, statuses: Counter) -> str:
    kinds = " · ".join(
        f"{kind} {done[kind]}" for kind in ("seeds", "models", "tests") if done[kind]
    )
    problems = ", ".join(f"{count} {status}" for status, count in sorted(statuses.items()))
    return f"  {kinds}" + (f" ({problems})" if problems else "")


def summarise(lines: list[str], show_progress: bool, log_file) -> tuple[Counter, Counter]:
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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--log-dir", default=DEFAULT_LOG_DIR, help="where build.log goes")
    args, dbt_args = parser.parse_known_args(argv)
    log_dir = Path(args.log_dir)
    log_dir.mkdir(parents=True, exist_ok=True)
    warehouse = os.environ.get("STRATA_DUCKDB_PATH", "warehouse/strata.duckdb")
    Path(warehouse).parent.mkdir(parents=True, exist_ok=True)
    dbt = Path(sys.executable).parent / "dbt"
    command = [
        str(dbt),
        "build",
        "--profiles-dir",
        "profiles",
        "--log-format",
        "json",
        "--log-path",
        str(log_dir),
        *dbt_args,
    ]
    log_path = log_dir / "build.log"
    print(f"dbt build into {warehouse} (full log: {log_path})", flush=True)
    started = time.monotonic()
    with open(log_path, "w") as log_file:
        process = subprocess.Popen(
            command, cwd=REPO_ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
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


if __name__ == "__main__":
    sys.exit(main())
