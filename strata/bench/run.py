"""``strata bench``: dbt build at scale vs a hand-written DuckDB baseline and pandas.

One run (``make bench``, or ``strata bench [flags]``):

1. generates seeded transactions with ``strata generate`` (reused when a generated folder
   with the same parameters and generator exists: ``manifest.json`` in the folder), and derives a
   second raw folder holding the same data plus one new day (``--end-date`` + 1);
2. times a cold ``dbt parse`` and a full ``dbt build --full-refresh`` (models, seeds and every
   test) into a fresh DuckDB file: wall time, peak memory, and the per-node times of
   ``run_results.json``;
3. times the hand-written baseline (``strata.bench.baseline``) and the pandas current RFM
   (``strata.bench.pandas_rfm``), each in a process of its own, on the same data and checks
   that both equal Strata's marts;
4. times the one-day incremental refresh, ``dbt build`` as ``make refresh`` runs it (every data
   test, no unit tests), on the same DuckDB file after the new day has arrived, and checks its
   marts against the baseline run on the new data;
5. prints one markdown report and writes it to ``bench/results/latest.md`` (``--results``).

Peak memory is the ``ru_maxrss`` that the kernel reports for each child process when it is
reaped with ``os.wait4``: the largest resident set the process (dbt and DuckDB share one process)
ever had, with no sampling gaps and no extra dependency.

dbt reads raw data through a stable path, ``<work-dir>/raw-current``, a symlink switched from the
base folder to the folder with the new day before the incremental run: like a scheduled job, both
runs see the same ``raw_path`` and the same target folder (so dbt can reuse its partial parse).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

from strata.bench.common import (
    BENCH_DIR,
    MEMORY_LIMIT_ENV,
    RAW_TABLES,
    THREADS_ENV,
    Paths,
    Settings,
    log_tail,
    progress,
    run_measured,
)
from strata.bench.datasets import (
    DataSpec,
    RawData,
    ensure_base_data,
    ensure_new_day_data,
    point_raw_link,
    warm_page_cache,
)
from strata.bench.dbt_runs import DbtRun, remove_duckdb_file, time_dbt_build, time_dbt_parse
from strata.bench.report import Results, Round, ScriptRun, render
from strata.bench.verify import Check, compare_with_strata, scalar
from strata.generate import DEFAULT_END_DATE
from strata.project import REPO_ROOT

DEFAULT_WORK_DIR = BENCH_DIR / "work"
DEFAULT_RESULTS = BENCH_DIR / "results" / "latest.md"
QUICK_RESULTS = BENCH_DIR / "results" / "quick.md"


def run_script(module: str, args: list[str], log_name: str, paths: Paths) -> ScriptRun:
    """Run a module of strata.bench in a child process; read the JSON timings it writes."""
    json_out = paths.logs / f"{log_name}.json"
    json_out.unlink(missing_ok=True)
    command = [sys.executable, "-m", f"strata.bench.{module}", *args, "--json-out", str(json_out)]
    measured = run_measured(command, paths.logs / f"{log_name}.log", REPO_ROOT)
    if not measured.ok:
        raise RuntimeError(f"strata.bench.{module} failed:\n{log_tail(measured.log_path)}")
    return ScriptRun(measured, json.loads(json_out.read_text()))


def time_baseline(
    raw: RawData, db_path: Path, project: Path, settings: Settings, paths: Paths, log_name: str
) -> ScriptRun:
    """The hand-written DuckDB baseline on ``raw`` into a fresh ``db_path``."""
    args = ["--raw", str(raw.folder), "--db", str(db_path), "--seeds", str(project / "seeds")]
    return run_script("baseline", args + settings.baseline_args(), log_name, paths)


def time_pandas(raw: RawData, project: Path, paths: Paths) -> ScriptRun:
    """The pandas current RFM on ``raw``."""
    args = ["--raw", str(raw.folder), "--out", str(paths.pandas_out)]
    return run_script("pandas_rfm", args + ["--seeds", str(project / "seeds")], "pandas", paths)


DESCRIPTION = (
    "Benchmark Strata's dbt build against a hand-written DuckDB baseline and pandas: "
    "generated data, full build, one-day refresh, checks that all agree; a markdown report "
    "(docs/benchmark.md)."
)


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--customers",
        type=int,
        default=1_000_000,
        help="generated customers (default 1,000,000 = ~9.7M transactions)",
    )
    parser.add_argument("--months", type=int, default=24, help="months of history (default 24)")
    parser.add_argument(
        "--end-date",
        type=dt.date.fromisoformat,
        default=DEFAULT_END_DATE,
        help=f"last day of the generated history (default {DEFAULT_END_DATE})",
    )
    parser.add_argument("--seed", type=int, default=42, help="generator and sampling seed")
    parser.add_argument(
        "--quick",
        action="store_true",
        help="development size: 20,000 customers x 6 months, report to bench/results/quick.md",
    )
    parser.add_argument(
        "--day-rows",
        type=int,
        default=None,
        help="transactions on the new day (default: the average per day)",
    )
    parser.add_argument(
        "--threads",
        type=int,
        default=None,
        help=f"DuckDB threads (env {THREADS_ENV} for the profile)",
    )
    parser.add_argument(
        "--memory-limit",
        default=None,
        help=f"DuckDB memory_limit, e.g. 6GB (env {MEMORY_LIMIT_ENV})",
    )
    parser.add_argument(
        "--dbt-threads",
        type=int,
        default=None,
        help="dbt --threads (nodes run at once; default: the profile's). 1 makes node times "
        "add up to the build time",
    )
    parser.add_argument(
        "--select",
        nargs="+",
        default=(),
        help="time only these dbt nodes in both builds (dbt --select), e.g. the tier chain "
        "'+fct_customer_rfm +fct_tier_migrations +rpt_tier_kpis'; the checks against the "
        "baseline need the tier marts in it",
    )
    parser.add_argument(
        "--project-dir",
        type=Path,
        default=REPO_ROOT,
        help="the Strata project to benchmark (default: this repository)",
    )
    parser.add_argument(
        "--work-dir",
        type=Path,
        default=DEFAULT_WORK_DIR,
        help="data, DuckDB files and logs (default bench/work)",
    )
    parser.add_argument(
        "--results",
        type=Path,
        default=None,
        help="markdown report (default bench/results/latest.md)",
    )
    parser.add_argument(
        "--repeat",
        type=int,
        default=1,
        help="rounds of full build, baseline, pandas and refresh; the report shows medians",
    )
    parser.add_argument("--skip-pandas", action="store_true", help="do not run pandas")
    parser.add_argument(
        "--skip-incremental", action="store_true", help="do not run the one-day refresh"
    )


def check(args: argparse.Namespace) -> str | None:
    """Completes the arguments (--quick sets the size; where the report goes)."""
    if args.quick:
        args.customers, args.months = 20_000, 6
    if args.results is None:
        args.results = QUICK_RESULTS if args.quick else DEFAULT_RESULTS
    if args.customers < 1 or args.months < 1 or args.repeat < 1:
        return "--customers, --months and --repeat must be positive"
    return None


def record_output_sizes(results: Results, paths: Paths) -> None:
    """Warehouse file size and mart row counts after the full build."""
    results.warehouse_bytes = paths.warehouse.stat().st_size
    results.scored_customers = scalar(
        paths.warehouse, "select count(*) from marts.fct_customer_rfm"
    )
    results.history_rows = scalar(
        paths.warehouse, "select count(*) from marts.fct_customer_tier_history"
    )


@dataclass(frozen=True)
class Context:
    """What every round needs."""

    project: Path
    paths: Paths
    settings: Settings
    base: RawData
    new_day: RawData | None
    with_pandas: bool


def run_full_build(ctx: Context, number: int) -> DbtRun:
    """``dbt build --full-refresh`` on the base data into a fresh DuckDB file and target."""
    label = f"round {number}"
    point_raw_link(ctx.paths, ctx.base.folder)
    shutil.rmtree(ctx.paths.dbt_target, ignore_errors=True)
    remove_duckdb_file(ctx.paths.warehouse)
    progress(f"{label}: dbt build --full-refresh")
    run = time_dbt_build(ctx.project, ctx.paths, ctx.settings, f"round{number}_full", True)
    progress(f"{label}: full build {run.measured.wall_s:.1f} s, {run.status_text()}")
    return run


def run_refresh(ctx: Context, new_day: RawData, number: int) -> DbtRun:
    """The refresh's ``dbt build`` on the same DuckDB file after the new day has arrived."""
    label = f"round {number}"
    warm_page_cache([new_day.folder / "transactions.parquet"])
    point_raw_link(ctx.paths, new_day.folder)
    progress(f"{label}: dbt build (one-day refresh)")
    run = time_dbt_build(ctx.project, ctx.paths, ctx.settings, f"round{number}_incremental", False)
    progress(f"{label}: one-day refresh {run.measured.wall_s:.1f} s, {run.status_text()}")
    point_raw_link(ctx.paths, ctx.base.folder)
    return run


def check_refresh(ctx: Context, new_day: RawData) -> list[Check]:
    """The marts after the refresh against the baseline on the new data (untimed)."""
    progress("baseline on the new data (checks the refresh; not timed)")
    time_baseline(
        new_day, ctx.paths.baseline_new_day_db, ctx.project, ctx.settings, ctx.paths,
        "baseline_new_day",
    )  # fmt: skip
    return compare_with_strata(
        ctx.paths.warehouse,
        baseline_db=ctx.paths.baseline_new_day_db,
        label="after one-day refresh",
    )


def run_round(ctx: Context, number: int, results: Results) -> Round:
    """Full build, baseline, pandas and one-day refresh, back to back; checks in round 1."""
    label = f"round {number}"
    load = os.getloadavg()[0]
    full = run_full_build(ctx, number)
    first = number == 1
    if first and full.ok:
        record_output_sizes(results, ctx.paths)
    baseline = time_baseline(
        ctx.base, ctx.paths.baseline_db, ctx.project, ctx.settings, ctx.paths, "baseline"
    )
    progress(f"{label}: baseline {baseline.measured.wall_s:.1f} s")
    pandas = time_pandas(ctx.base, ctx.project, ctx.paths) if ctx.with_pandas else None
    if pandas is not None:
        progress(f"{label}: pandas {pandas.timings['total']:.1f} s")
    if first and full.ok:
        progress("checking outputs against the marts")
        results.checks += compare_with_strata(
            ctx.paths.warehouse,
            baseline_db=ctx.paths.baseline_db,
            pandas_file=ctx.paths.pandas_out if ctx.with_pandas else None,
            label="baseline",
        )
    incremental = None
    if ctx.new_day is not None and full.ok:
        incremental = run_refresh(ctx, ctx.new_day, number)
        if first and incremental.ok:
            results.checks += check_refresh(ctx, ctx.new_day)
    return Round(full, baseline, pandas, incremental, load)


def settings_of(args: argparse.Namespace) -> Settings:
    """The run settings given on the command line."""
    return Settings(args.threads, args.memory_limit, args.dbt_threads, tuple(args.select))


def run_rounds(args: argparse.Namespace) -> Results:
    """Prepare the data, time a cold dbt parse, then run the rounds."""
    spec = DataSpec(args.customers, args.months, args.end_date, args.seed)
    settings = settings_of(args)
    project = args.project_dir.resolve()
    paths = Paths(args.work_dir.resolve())
    paths.work.mkdir(parents=True, exist_ok=True)

    base = ensure_base_data(spec, project, paths)
    new_day = (
        None if args.skip_incremental else ensure_new_day_data(spec, base, args.day_rows, paths)
    )
    ctx = Context(project, paths, settings, base, new_day, not args.skip_pandas)
    results = Results(spec, settings, project, base, new_day, load_before=os.getloadavg())
    warm_page_cache(base.folder / f"{t}.parquet" for t in RAW_TABLES)

    point_raw_link(paths, base.folder)
    progress("dbt parse (cold)")
    results.parse = time_dbt_parse(project, paths, settings)
    for number in range(1, args.repeat + 1):
        results.rounds.append(run_round(ctx, number, results))
    results.load_after = os.getloadavg()
    return results


def run(args: argparse.Namespace) -> int:
    """Run, print and write the report; 1 when a build failed or an output differs."""
    results = run_rounds(args)
    report = render(results)
    args.results.parent.mkdir(parents=True, exist_ok=True)
    args.results.write_text(report)
    print(report)
    progress(f"report written to {args.results}")
    builds = [run for r in results.rounds for run in (r.full, r.incremental) if run is not None]
    failed_runs = [run for run in builds if not run.ok]
    mismatches = [c for c in results.checks if not c.ok]
    return 1 if failed_runs or mismatches else 0
