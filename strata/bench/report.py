"""The benchmark report: one markdown document with the figures, targets, checks and top nodes."""

from __future__ import annotations

import datetime as dt
import os
import platform
import subprocess
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

from strata.bench.common import GIB, MEMORY_LIMIT_ENV, THREADS_ENV, Measured, Settings
from strata.bench.datasets import DataSpec, RawData
from strata.bench.dbt_runs import DbtRun
from strata.bench.verify import Check

#: Targets (see docs/benchmark.md).
TARGET_FULL_VS_BASELINE = 1.25
TARGET_INCREMENTAL_SHARE = 0.15
TARGET_PEAK_MEMORY_BYTES = 6 * GIB
TARGET_PANDAS_VS_CURRENT_RFM = 3.0

CURRENT_RFM_MART = "fct_customer_rfm"
# The lifecycle, cohort and growth models (issue 13), reported apart: they may add at most 15% to
# the full build.
LIFECYCLE_MODELS = (
    "int_customer_first_seen",
    "int_customer_months_aggregated",
    "fct_customer_lifecycle_history",
    "fct_lifecycle_transitions",
    "rpt_cohort_retention",
    "rpt_growth_kpis_monthly",
)
# The customer value models (issue 14): the BTYD summary, the BG/NBD and Gamma-Gamma fit and the
# scoring (Python models, numpy and scipy), and their marts; at 1M customers they must take
# seconds, not minutes.
VALUE_MODELS = (
    "int_value_model_settings",
    "int_customer_orders_summarised",
    "int_value_model_fit",
    "int_customer_value_scored",
    "fct_customer_value",
    "rpt_value_model_fit",
)
# The behaviour models (issue 15): the catalogued events view, weekly usage depth and its moves,
# content preference, engagement and activation retention; they may add at most 15% to the full
# build.
BEHAVIOUR_MODELS = (
    "int_events_catalogued",
    "int_customer_event_days",
    "fct_customer_usage_weekly",
    "rpt_usage_depth_weekly",
    "fct_customer_content_preference",
    "rpt_engagement_daily",
    "rpt_activation_retention",
)
TOP_NODES = 10


@dataclass(frozen=True)
class ScriptRun:
    """A measured run of strata.bench.baseline or .pandas_rfm and the timings it printed."""

    measured: Measured
    timings: dict[str, float]


@dataclass(frozen=True)
class Round:
    """One repetition of the timed steps (they run back to back, so they share the load)."""

    full: DbtRun
    baseline: ScriptRun
    pandas: ScriptRun | None
    incremental: DbtRun | None
    load: float  # 1-minute load average when the round started

    @property
    def current_rfm_s(self) -> float:
        return self.full.lineage_seconds(CURRENT_RFM_MART)[0]

    @property
    def full_vs_baseline(self) -> float | None:
        return ratio(self.full.measured.wall_s, self.baseline.measured.wall_s)

    @property
    def incremental_share(self) -> float | None:
        if self.incremental is None:
            return None
        return ratio(self.incremental.measured.wall_s, self.full.measured.wall_s)

    @property
    def peak_bytes(self) -> int:
        return max(r.measured.max_rss_bytes for r in (self.full, self.incremental) if r)

    def pandas_vs_current_rfm(self, run: DbtRun | None) -> float | None:
        """pandas time / the current-RFM lineage time of ``run`` (the full build or refresh)."""
        if self.pandas is None or run is None:
            return None
        return ratio(self.pandas.timings["total"], run.lineage_seconds(CURRENT_RFM_MART)[0])


@dataclass
class Results:
    """Everything the report shows."""

    spec: DataSpec
    settings: Settings
    project: Path
    base: RawData
    new_day: RawData | None = None
    parse: Measured | None = None
    rounds: list[Round] = field(default_factory=list)
    checks: list[Check] = field(default_factory=list)
    scored_customers: int | None = None
    history_rows: int | None = None
    warehouse_bytes: int | None = None
    load_before: tuple[float, float, float] = (0.0, 0.0, 0.0)
    load_after: tuple[float, float, float] = (0.0, 0.0, 0.0)

    @property
    def median_round(self) -> Round | None:
        """The round whose full build took the median wall time (its details are shown)."""
        if not self.rounds:
            return None
        ordered = sorted(self.rounds, key=lambda r: r.full.measured.wall_s)
        return ordered[(len(ordered) - 1) // 2]

    @property
    def full(self) -> DbtRun | None:
        return self.median_round.full if self.median_round else None

    @property
    def incremental(self) -> DbtRun | None:
        return self.median_round.incremental if self.median_round else None

    @property
    def baseline(self) -> ScriptRun | None:
        return self.median_round.baseline if self.median_round else None

    @property
    def pandas(self) -> ScriptRun | None:
        return self.median_round.pandas if self.median_round else None


def median(values: Iterable[float | None]) -> float | None:
    """Median of the values that are not None (None when there are none)."""
    present = sorted(v for v in values if v is not None)
    if not present:
        return None
    middle = len(present) // 2
    if len(present) % 2:
        return present[middle]
    return (present[middle - 1] + present[middle]) / 2


def seconds(value: float | None) -> str:
    return "n/a" if value is None else f"{value:,.1f} s"


def gib(value: int | None) -> str:
    return "n/a" if value is None else f"{value / GIB:,.2f} GiB"


def ratio(numerator: float | None, denominator: float | None) -> float | None:
    if numerator is None or not denominator:
        return None
    return numerator / denominator


def ratio_text(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f}x"


def verdict(value: float | None, limit: float, at_most: bool) -> str:
    if value is None:
        return "n/a"
    return "PASS" if (value <= limit if at_most else value >= limit) else "FAIL"


def machine_description() -> str:
    """CPU model, cores and memory of this machine."""
    model = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
        mem_kib = next(
            int(line.split()[1])
            for line in Path("/proc/meminfo").read_text().splitlines()
            if line.startswith("MemTotal:")
        )
        memory = f"{mem_kib * 1024 / GIB:.1f} GiB RAM"
    except (OSError, StopIteration):
        memory = "RAM unknown"
    return f"{os.cpu_count()} cores ({model}), {memory}"


def package_version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "not installed"


def project_revision(project: Path) -> str:
    """``git`` commit of the project folder (and whether its tree has local changes)."""
    try:
        commit = subprocess.run(
            ["git", "-C", str(project), "rev-parse", "--short", "HEAD"],
            capture_output=True, text=True, check=True,
        ).stdout.strip()  # fmt: skip
        dirty = subprocess.run(
            ["git", "-C", str(project), "status", "--porcelain", "--untracked-files=no"],
            capture_output=True, text=True, check=True,
        ).stdout.strip()  # fmt: skip
    except (OSError, subprocess.CalledProcessError):
        return "not a git work tree"
    return f"git {commit}" + (" with uncommitted changes" if dirty else " (clean)")


def settings_text(settings: Settings) -> str:
    threads = settings.threads if settings.threads is not None else "not set"
    memory = settings.memory_limit if settings.memory_limit is not None else "not set"
    return (
        f"--threads {threads} (env {THREADS_ENV}), --memory-limit {memory} "
        f"(env {MEMORY_LIMIT_ENV}); the baseline applies them to its DuckDB connection, dbt "
        "gets them as environment variables (used only if the profile reads them); unset = "
        "DuckDB defaults (threads = cores, memory_limit = 80% of RAM); dbt threads (nodes run "
        f"at once): {settings.dbt_threads or 'from the profile'}; builds: "
        + (f"`--select {' '.join(settings.select)}` only" if settings.select else "every node")
    )


def header_lines(results: Results) -> list[str]:
    spec, base = results.spec, results.base
    lines = [
        f"# Strata benchmark, {dt.datetime.now(dt.timezone.utc):%Y-%m-%d %H:%M} UTC",
        "",
        f"- Machine: {machine_description()}",
        f"- Software: Python {platform.python_version()}, DuckDB {package_version('duckdb')}, "
        f"dbt-core {package_version('dbt-core')}, dbt-duckdb {package_version('dbt-duckdb')}, "
        f"pandas {package_version('pandas')}, pyarrow {package_version('pyarrow')}",
        f"- Project: `{results.project}` ({project_revision(results.project)})",
        f"- Data: {spec.customers:,} customers, {spec.months} months ending {spec.end_date}, "
        f"seed {spec.seed}: {base.transactions:,} transactions, {base.customers:,} customer "
        f"rows, {base.events:,} events ("
        + ("reused" if base.generated_s is None else f"generated in {base.generated_s:.0f} s")
        + ")",
    ]
    if results.new_day is not None:
        lines.append(
            f"- New day {spec.new_day}: {results.new_day.transactions - base.transactions:,} "
            "transactions (seeded sample of the last month's rows, re-dated, new ids)"
        )
    if results.scored_customers is not None and results.history_rows is not None:
        lines.append(
            f"- Output: {results.scored_customers:,} scored customers at as_of_date, "
            f"{results.history_rows:,} tier-history rows, warehouse file "
            f"{gib(results.warehouse_bytes)}"
        )
    lines.append(f"- Settings: {settings_text(results.settings)}")
    lines.append(
        "- Load average (1/5/15 min) before the run: "
        + "/".join(f"{x:.2f}" for x in results.load_before)
        + ", after: "
        + "/".join(f"{x:.2f}" for x in results.load_after)
        + " (other work on the machine inflates the timings)"
    )
    return lines


def share_note(part_s: float, run: DbtRun) -> str:
    """How much a group of nodes adds to the others, in sums of node times: with two dbt
    threads the nodes' times overlap, so a share of the wall time would overstate it."""
    others_s = run.node_seconds - part_s
    if not part_s or others_s <= 0:
        return "not in this build"
    return f"adds {part_s / others_s:.0%} to the other nodes' time"


def figure_rows(results: Results) -> list[tuple[str, str, str]]:
    """(figure, value, note) rows of the main table."""
    rows: list[tuple[str, str, str]] = []
    full, inc = results.full, results.incremental
    if full is not None:
        wall = full.measured.wall_s
        rows += [
            ("Strata full build (`dbt build --full-refresh`, wall)", seconds(wall),
             full.status_text()),
            ("  models (sum of node times)", seconds(full.seconds("model")),
             f"{sum(n.resource_type == 'model' for n in full.nodes)} models"),
            ("  tests (sum of node times)", seconds(full.seconds("test", "unit_test")),
             f"{sum(n.resource_type in ('test', 'unit_test') for n in full.nodes)} data + "
             "unit tests"),
            ("  seeds + on-run-start hook", seconds(full.seconds("seed", "operation")), ""),
            ("  start-up + parse (wall − run_results elapsed)", seconds(wall - full.elapsed_s),
             "process start, imports, full parse (fresh target folder)"),
            ("  run_results elapsed / baseline",
             ratio_text(ratio(full.elapsed_s, results.baseline.measured.wall_s)
                        if results.baseline else None),
             "the full build without dbt's start-up and parse, which grow with the whole "
             "project, not with `--select`"),
            ("  wall − sum of node times", seconds(wall - full.node_seconds),
             "fixed cost; understated (even negative) when dbt runs nodes at once"),
            ("  wall − time any node was running", seconds(wall - full.busy_s),
             "fixed cost incl. scheduling gaps"),
            ("  peak memory (max RSS of the dbt process)", gib(full.measured.max_rss_bytes), ""),
        ]  # fmt: skip
        lifecycle_s = full.models_and_tests_seconds(LIFECYCLE_MODELS)
        rows.append(
            ("  lifecycle, cohort and growth models + their tests (sum of node times)",
             seconds(lifecycle_s), share_note(lifecycle_s, full))
        )  # fmt: skip
        value_s = full.models_and_tests_seconds(VALUE_MODELS)
        fit_s, scoring_s = (
            sum(n.seconds for n in full.nodes if n.resource_type == "model" and n.name == name)
            for name in ("int_value_model_fit", "int_customer_value_scored")
        )
        rows.append(
            ("  customer value models (summary, fit, scoring, marts) + their tests",
             seconds(value_s), f"{share_note(value_s, full)}; "
             f"the fit {seconds(fit_s)}, the scoring {seconds(scoring_s)}")
        )  # fmt: skip
        behaviour_s = full.models_and_tests_seconds(BEHAVIOUR_MODELS)
        rows.append(
            ("  behaviour models (usage depth, content, engagement, retention) + their tests",
             seconds(behaviour_s), share_note(behaviour_s, full))
        )  # fmt: skip
        current_s, lineage = full.lineage_seconds(CURRENT_RFM_MART)
        rows.append(
            (f"Strata current RFM (sum of node times of `{CURRENT_RFM_MART}` + upstream)",
             seconds(current_s), f"{len(lineage)} models/seeds")
        )  # fmt: skip
    if results.parse is not None:
        rows.append(("`dbt parse` alone (cold, wall)", seconds(results.parse.wall_s),
                     "fixed start-up + parse cost of every dbt command"))  # fmt: skip
    if inc is not None:
        rows += [
            ("Strata one-day refresh (`dbt build` as `make refresh` runs it, wall)",
             seconds(inc.measured.wall_s), inc.status_text() + "; data tests only, no unit tests"),
            ("  models / tests (sum of node times)",
             f"{seconds(inc.seconds('model'))} / {seconds(inc.seconds('test', 'unit_test'))}", ""),
            ("  start-up + parse (wall − run_results elapsed)",
             seconds(inc.measured.wall_s - inc.elapsed_s), "same target folder and vars"),
            ("  current RFM (sum of node times of the same lineage)",
             seconds(inc.lineage_seconds(CURRENT_RFM_MART)[0]), ""),
            ("  lifecycle, cohort and growth models + their tests (sum of node times)",
             seconds(inc.models_and_tests_seconds(LIFECYCLE_MODELS)), ""),
            ("  customer value models + their tests (sum of node times)",
             seconds(inc.models_and_tests_seconds(VALUE_MODELS)), ""),
            ("  behaviour models + their tests (sum of node times)",
             seconds(inc.models_and_tests_seconds(BEHAVIOUR_MODELS)), ""),
            ("  peak memory", gib(inc.measured.max_rss_bytes), ""),
        ]  # fmt: skip
    if results.baseline is not None:
        b = results.baseline
        steps = ", ".join(f"{k} {v:.1f}" for k, v in b.timings.items() if k != "total")
        rows += [
            ("Hand-written DuckDB baseline (wall)", seconds(b.measured.wall_s), f"steps: {steps}"),
            ("  peak memory", gib(b.measured.max_rss_bytes), ""),
        ]
    if results.pandas is not None:
        p = results.pandas
        rows += [
            ("pandas current RFM (read + compute)", seconds(p.timings["total"]),
             f"read {p.timings['read']:.1f} s, compute {p.timings['compute']:.1f} s; "
             f"process wall {p.measured.wall_s:.1f} s"),
            ("  peak memory", gib(p.measured.max_rss_bytes), ""),
        ]  # fmt: skip
    return rows


def speedup(value: float | None) -> str:
    """A pandas / Strata time ratio, with the slowdown spelled out when Strata is slower."""
    if value is None:
        return "n/a"
    if value >= 1:
        return f"{value:.2f}x"
    return f"{value:.2f}x (Strata {1 / value:.1f}x slower)"


def target_rows(results: Results) -> list[tuple[str, str, str, str]]:
    """(target, measured, limit, verdict) rows: medians over the rounds of per-round ratios."""
    rounds = results.rounds
    vs_baseline = median(r.full_vs_baseline for r in rounds)
    inc_share = median(r.incremental_share for r in rounds)
    peaks = [r.peak_bytes for r in rounds]
    peak = max(peaks) if peaks else None
    vs_pandas_full = median(r.pandas_vs_current_rfm(r.full) for r in rounds)
    vs_pandas_inc = median(r.pandas_vs_current_rfm(r.incremental) for r in rounds)
    scale_note = "" if 8_000_000 <= results.base.transactions <= 12_000_000 else " (not at 10M)"

    def fmt(value: float | None, pattern: str) -> str:
        return "n/a" if value is None else pattern.format(value)

    return [
        ("Strata full build incl. tests / baseline", fmt(vs_baseline, "{:.2f}x"),
         f"≤ {TARGET_FULL_VS_BASELINE}x", verdict(vs_baseline, TARGET_FULL_VS_BASELINE, True)),
        ("one-day refresh / full build", fmt(inc_share, "{:.0%}"),
         f"≤ {TARGET_INCREMENTAL_SHARE:.0%}", verdict(inc_share, TARGET_INCREMENTAL_SHARE, True)),
        (f"peak memory of dbt, largest of all builds{scale_note}", gib(peak),
         f"≤ {gib(TARGET_PEAK_MEMORY_BYTES)}", verdict(peak, TARGET_PEAK_MEMORY_BYTES, True)),
        ("pandas / Strata current-RFM models (full build)", speedup(vs_pandas_full),
         f"≥ {TARGET_PANDAS_VS_CURRENT_RFM}x",
         verdict(vs_pandas_full, TARGET_PANDAS_VS_CURRENT_RFM, False)),
        ("pandas / Strata current-RFM models (one-day refresh)", speedup(vs_pandas_inc),
         f"≥ {TARGET_PANDAS_VS_CURRENT_RFM}x",
         verdict(vs_pandas_inc, TARGET_PANDAS_VS_CURRENT_RFM, False)),
    ]  # fmt: skip


def rounds_table(results: Results) -> list[str]:
    """One row per round, and the medians."""

    def wall(run: DbtRun | ScriptRun | None) -> float | None:
        return None if run is None else run.measured.wall_s

    def pct(value: float | None) -> str:
        return "n/a" if value is None else f"{value:.0%}"

    def pandas_s(r: Round) -> float | None:
        return r.pandas.timings["total"] if r.pandas else None

    rows = [
        (str(i), f"{r.load:.2f}", seconds(wall(r.full)), seconds(wall(r.incremental)),
         seconds(wall(r.baseline)), seconds(pandas_s(r)), seconds(r.current_rfm_s),
         ratio_text(r.full_vs_baseline), pct(r.incremental_share))
        for i, r in enumerate(results.rounds, start=1)
    ]  # fmt: skip
    rs = results.rounds
    rows.append(
        ("median", "", seconds(median(wall(r.full) for r in rs)),
         seconds(median(wall(r.incremental) for r in rs)),
         seconds(median(wall(r.baseline) for r in rs)), seconds(median(pandas_s(r) for r in rs)),
         seconds(median(r.current_rfm_s for r in rs)),
         ratio_text(median(r.full_vs_baseline for r in rs)),
         pct(median(r.incremental_share for r in rs)))
    )  # fmt: skip
    headers = ["round", "load", "full build", "one-day refresh", "baseline", "pandas",
               "current RFM (Σ)", "full / baseline", "refresh / full"]  # fmt: skip
    return markdown_table(headers, rows)


def markdown_table(headers: Sequence[str], rows: Iterable[Sequence[str]]) -> list[str]:
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += [
        "| " + " | ".join(str(cell).replace("|", "\\|") for cell in row) + " |" for row in rows
    ]
    return lines


def top_nodes_table(run: DbtRun, count: int) -> list[str]:
    total = run.node_seconds or 1.0
    nodes = sorted(run.nodes, key=lambda n: n.seconds, reverse=True)[:count]
    return markdown_table(
        ["node", "type", "seconds", "share of Σ node time"],
        [(f"`{n.name}`", n.resource_type, f"{n.seconds:,.2f}", f"{n.seconds / total:.0%}")
         for n in nodes],
    )  # fmt: skip


def lineage_text(run: DbtRun) -> str:
    """The nodes of the current-RFM lineage with their times, slowest first."""
    _, lineage = run.lineage_seconds(CURRENT_RFM_MART)
    parts = [f"`{n.name}` {n.seconds:.1f} s" for n in sorted(lineage, key=lambda n: -n.seconds)]
    return f"Current-RFM lineage (`{CURRENT_RFM_MART}` and upstream): " + ", ".join(parts)


def render(results: Results) -> str:
    """The whole report as markdown."""
    lines = header_lines(results) + ["", "## Figures", ""]
    if len(results.rounds) > 1:
        lines.append(
            f"From the round with the median full build of {len(results.rounds)} rounds "
            "(all rounds below)."
        )
        lines.append("")
    lines += markdown_table(["figure", "value", "note"], figure_rows(results))
    lines += ["", "## Targets", ""]
    lines += markdown_table(["target", "measured", "limit", "result"], target_rows(results))
    if len(results.rounds) > 1:
        lines += ["", "## Rounds", ""]
        lines += rounds_table(results)
    if results.checks:
        lines += ["", "## Checks: same output as Strata's marts", ""]
        lines += markdown_table(
            ["comparison", "Strata rows", "other rows", "checksums", "result"],
            [(c.name, f"{c.expected_rows:,}", f"{c.actual_rows:,}",
              "equal" if c.expected_checksum == c.actual_checksum else "DIFFERENT",
              "match" if c.ok else "MISMATCH") for c in results.checks],
        )  # fmt: skip
    if results.full is not None:
        lines += ["", f"## Where the time goes: full build, top {TOP_NODES} nodes", ""]
        lines += top_nodes_table(results.full, TOP_NODES)
        lines += ["", lineage_text(results.full)]
    if results.incremental is not None:
        lines += ["", "## One-day refresh, top 5 nodes", ""]
        lines += top_nodes_table(results.incremental, 5)
    return "\n".join(lines) + "\n"
