"""dbt invocations of the benchmark and what their run_results.json / manifest.json say."""

from __future__ import annotations

import datetime as dt
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

from strata import dbt
from strata.bench.common import Measured, Paths, Settings, log_tail, run_measured
from strata.dbt import NodeTime


@dataclass(frozen=True)
class DbtRun:
    """A measured dbt invocation and what its run_results.json says."""

    measured: Measured
    elapsed_s: float  # run_results elapsed_time: from after parsing to the end of the run
    nodes: list[NodeTime]
    parent_map: dict[str, list[str]] = field(default_factory=dict)

    def seconds(self, *resource_types: str) -> float:
        """Sum of node execution times of the given resource types."""
        return sum(n.seconds for n in self.nodes if n.resource_type in resource_types)

    @property
    def node_seconds(self) -> float:
        return sum(n.seconds for n in self.nodes)

    @property
    def busy_s(self) -> float:
        """Time during which at least one node was compiling or executing."""
        intervals = sorted(
            (n.started, n.completed) for n in self.nodes if n.started and n.completed
        )
        busy = 0.0
        covered_until: dt.datetime | None = None
        for start, end in intervals:
            if covered_until is None or start >= covered_until:
                busy += (end - start).total_seconds()
                covered_until = end
            elif end > covered_until:
                busy += (end - covered_until).total_seconds()
                covered_until = end
        return busy

    @property
    def ok(self) -> bool:
        """dbt exited 0 and no node errored or failed (warnings are fine)."""
        return self.measured.ok and not self.failed

    @property
    def failed(self) -> list[NodeTime]:
        return [n for n in self.nodes if n.failed]

    @property
    def warned(self) -> list[NodeTime]:
        return [n for n in self.nodes if n.status == "warn"]

    def status_text(self) -> str:
        """``ok`` or a short description of what went wrong."""
        if self.failed:
            names = ", ".join(n.name for n in self.failed[:5])
            return f"FAILED nodes: {names} (log: {self.measured.log_path})"
        if not self.measured.ok:
            return f"FAILED (exit {self.measured.returncode}, log: {self.measured.log_path})"
        return "ok" + (f", {len(self.warned)} warning(s)" if self.warned else "")

    def lineage_seconds(self, mart: str) -> tuple[float, list[NodeTime]]:
        """Execution time of ``mart`` and every model / seed upstream of it."""
        target = next((n.unique_id for n in self.nodes if n.unique_id.endswith(f".{mart}")), None)
        if target is None:
            return 0.0, []
        upstream: set[str] = set()
        pending = [target]
        while pending:
            node = pending.pop()
            if node in upstream:
                continue
            upstream.add(node)
            pending.extend(self.parent_map.get(node, []))
        lineage = [
            n for n in self.nodes
            if n.unique_id in upstream and n.resource_type in ("model", "seed", "snapshot")
        ]  # fmt: skip
        return sum(n.seconds for n in lineage), lineage

    def models_and_tests_seconds(self, models: tuple[str, ...]) -> float:
        """Execution time of the named models and of the tests whose parents include one."""
        ids = {n.unique_id for n in self.nodes if n.resource_type == "model" and n.name in models}
        return sum(
            n.seconds
            for n in self.nodes
            if n.unique_id in ids
            or (
                n.resource_type in ("test", "unit_test")
                and ids.intersection(self.parent_map.get(n.unique_id, []))
            )
        )


def load_run_results(target: Path) -> tuple[float, list[NodeTime]]:
    """Elapsed time and node times from ``target/run_results.json``."""
    results = dbt.read_run_results(target)
    if results is None:
        raise RuntimeError(f"no readable {target / dbt.RUN_RESULTS_FILE}")
    return float(results["elapsed_time"]), dbt.node_times(results)


def load_parent_map(target: Path) -> dict[str, list[str]]:
    """manifest.json's parent_map."""
    return dbt.read_manifest(target).get("parent_map", {})


def dbt_command(
    subcommand: str, project: Path, paths: Paths, target: Path, *extra: str
) -> list[str]:
    """A dbt command line against the benchmark's raw link, target and log folders."""
    return dbt.dbt_command(
        [subcommand],
        project_dir=project,
        target_path=target,
        log_path=paths.dbt_logs,
        vars={"raw_path": str(paths.raw_link)},
        extra=extra,
    )


def dbt_env(paths: Paths, settings: Settings) -> dict[str, str]:
    """Environment of the dbt process."""
    return dbt.dbt_environment(
        STRATA_DUCKDB_PATH=str(paths.warehouse),
        DBT_USE_COLORS="false",
        DBT_SEND_ANONYMOUS_USAGE_STATS="false",
        **settings.env(),
    )


def remove_duckdb_file(path: Path) -> None:
    """Delete a DuckDB file and its write-ahead log."""
    for stale in (path, path.with_name(path.name + ".wal")):
        stale.unlink(missing_ok=True)


def time_dbt_parse(project: Path, paths: Paths, settings: Settings) -> Measured:
    """A cold ``dbt parse`` (no partial-parse state): dbt's fixed start-up and parse cost."""
    shutil.rmtree(paths.dbt_parse_target, ignore_errors=True)
    command = dbt_command("parse", project, paths, paths.dbt_parse_target)
    measured = run_measured(
        command, paths.logs / "dbt_parse.log", project, dbt_env(paths, settings)
    )
    if not measured.ok:
        raise RuntimeError(f"dbt parse failed:\n{log_tail(measured.log_path)}")
    return measured


# The scheduled refresh's own options (strata refresh): every data test, no unit tests.
REFRESH_BUILD_ARGS = dbt.EXCLUDE_UNIT_TESTS


def time_dbt_build(
    project: Path, paths: Paths, settings: Settings, label: str, full_refresh: bool
) -> DbtRun:
    """Run and time ``dbt build``; keep a copy of its run_results.json and manifest.json.

    The full build runs every node (``--full-refresh``); the refresh runs what ``make refresh``
    runs (REFRESH_BUILD_ARGS)."""
    extra = ("--full-refresh",) if full_refresh else REFRESH_BUILD_ARGS
    command = dbt_command("build", project, paths, paths.dbt_target, *extra, *settings.dbt_args())
    measured = run_measured(
        command, paths.logs / f"dbt_build_{label}.log", project, dbt_env(paths, settings)
    )
    results = paths.dbt_target / dbt.RUN_RESULTS_FILE
    if not results.exists() or results.stat().st_mtime < time.time() - measured.wall_s - 1:
        raise RuntimeError(
            f"dbt build ({label}) wrote no run_results:\n{log_tail(measured.log_path)}"
        )
    keep = paths.runs / label
    keep.mkdir(parents=True, exist_ok=True)
    for name in (dbt.RUN_RESULTS_FILE, dbt.MANIFEST_FILE):
        shutil.copy2(paths.dbt_target / name, keep / name)
    elapsed, nodes = load_run_results(keep)
    return DbtRun(measured, elapsed, nodes, load_parent_map(keep))
