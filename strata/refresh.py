"""``strata refresh``: the scheduled refresh. Lock, `dbt build`, then publish the marts for BI.

    strata refresh [--vars YAML] [--full-refresh] [--select ...] [--exclude ...]
                   [--serving-dir DIR] [--wait-seconds N] [--keep-versions N]
                   [--publish-saved-queries]

Steps (docs/refresh.md has the whole story):

1. Take an exclusive ``flock`` on ``<warehouse dir>/refresh.lock``; when another refresh holds
   it, wait up to ``--wait-seconds`` and then exit 75 naming the holder (PID, start time).
2. Run ``dbt build --profiles-dir profiles`` from the repository root into the warehouse
   (``$STRATA_DUCKDB_PATH``, default ``warehouse/strata.duckdb``), streaming its output.
3. Only when dbt exits 0 (warnings allowed): open the warehouse read-only and publish every model
   of schema ``marts`` to the serving directory (default ``<warehouse dir>/serving``):
   ``strata_serving.duckdb`` (written to a temp file in DuckDB v1.5.0 storage format, so DuckDB
   1.5 clients can open it, then ``os.replace``-d over the old one) and
   ``parquet/<run_id>/<mart>.parquet`` with the symlink ``parquet/current`` swapped atomically;
   the audience files (and, with --publish-saved-queries, the answers of the semantic layer's
   saved queries) go in that version.
4. Record the run: ``marts.strata_runs`` in the serving file (successful runs),
   ``runs.jsonl`` (every run) and ``last_run.json`` (the latest run) in the serving directory.

A failed build, test or publish leaves the served data exactly as it was. Exit codes: 0 success,
1 dbt build or a test failed, 2 bad arguments, 3 publishing failed, 75 another refresh holds the
lock, 130 / 143 interrupted by SIGINT / SIGTERM.
"""

from __future__ import annotations

import argparse
import ctypes
import datetime as dt
import fcntl
import json
import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections import deque
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from strata import dbt
from strata.dbt import TestCounts, count_tests, failed_nodes, read_run_results
from strata.project import cwd_relative, repo_relative, warehouse_setting
from strata.sql import sql_identifier, sql_string
from strata.times import from_iso, iso, utc_now

SERVING_FILE = "strata_serving.duckdb"
PARQUET_DIR = "parquet"
CURRENT_LINK = "current"
RUNS_JSONL = "runs.jsonl"
LAST_RUN_JSON = "last_run.json"
TMP_MARKER = ".tmp-"
MARTS_SCHEMA = "marts"
RUN_LOG_TABLE = "strata_runs"
RFM_MART = "fct_customer_rfm"
# DuckDB 2.0 writes storage format v2.0.0 by default, which DuckDB 1.x cannot open.
SERVING_STORAGE_VERSION = "v1.5.0"
SERVING_ALIAS = "strata_serving"
PREVIOUS_ALIAS = "strata_previous"

EXIT_OK = 0
EXIT_BUILD_FAILED = 1
EXIT_BAD_ARGUMENTS = 2  # argparse's
EXIT_PUBLISH_FAILED = 3
EXIT_LOCKED = 75  # EX_TEMPFAIL: try again later
EXIT_SIGNAL_BASE = 128
OUTPUT_TAIL_LINES = 400
LOCK_POLL_SECONDS = 0.2
HOLDER_READ_ATTEMPTS = 20
HOLDER_READ_PAUSE_SECONDS = 0.05
TERMINATE_GRACE_SECONDS = 30
PR_SET_PDEATHSIG = 1
ANSI_ESCAPE = re.compile(r"\x1b\[[0-9;]*m")
RUN_ID_PATTERN = re.compile(r"\d{8}T\d{6}\.\d{6}Z")

RUN_LOG_COMMENT = (
    "One row per successful Strata refresh, oldest first; the row with the greatest run_id is "
    "the version in this file. rows_per_mart is JSON. Failed runs: runs.jsonl beside this file."
)
RUN_LOG_COLUMNS: tuple[tuple[str, str], ...] = (
    ("run_id", "VARCHAR NOT NULL"),
    ("started_at", "TIMESTAMP NOT NULL"),
    ("finished_at", "TIMESTAMP NOT NULL"),
    ("status", "VARCHAR NOT NULL"),
    ("as_of_date", "DATE"),
    ("rows_per_mart", "VARCHAR"),
    ("tests_passed", "INTEGER"),
    ("tests_warned", "INTEGER"),
    ("tests_failed", "INTEGER"),
    ("tests_skipped", "INTEGER"),
    ("dbt_exit_code", "INTEGER"),
    ("dbt_args", "VARCHAR"),
)


# --------------------------------------------------------------------------------------------
# Data
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Settings:
    """Everything a refresh needs, resolved from the command line and the environment."""

    warehouse: Path
    serving_dir: Path
    lock_file: Path
    target_path: Path
    log_path: Path | None
    wait_seconds: float
    keep_versions: int
    dbt_args: list[str]
    publish_saved_queries: bool = False

    @property
    def serving_file(self) -> Path:
        return self.serving_dir / SERVING_FILE

    @property
    def parquet_root(self) -> Path:
        return self.serving_dir / PARQUET_DIR


@dataclass
class RunRecord:
    """One line of runs.jsonl / one row of marts.strata_runs (the row only for successes)."""

    run_id: str
    started_at: str
    finished_at: str | None = None
    status: str = "running"
    as_of_date: str | None = None
    rows_per_mart: dict[str, int] = field(default_factory=dict)
    tests_passed: int = 0
    tests_warned: int = 0
    tests_failed: int = 0
    tests_skipped: int = 0
    dbt_exit_code: int | None = None
    dbt_args: str = ""
    message: str = ""
    served_run_id: str | None = None
    pid: int = field(default_factory=os.getpid)
    host: str = field(default_factory=socket.gethostname)

    def set_tests(self, counts: TestCounts) -> None:
        self.tests_passed = counts.passed
        self.tests_warned = counts.warned
        self.tests_failed = counts.failed
        self.tests_skipped = counts.skipped


class RefreshError(Exception):
    """A failure that ends the refresh with a message and an exit code."""

    def __init__(self, status: str, message: str, exit_code: int) -> None:
        super().__init__(message)
        self.status = status
        self.exit_code = exit_code


class LockBusy(Exception):
    """Another refresh holds the lock."""


class Interrupted(BaseException):
    """SIGTERM (or SIGINT) arrived; dbt is stopped and nothing is published."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


# --------------------------------------------------------------------------------------------
# Small helpers
# --------------------------------------------------------------------------------------------


def new_run_id(moment: dt.datetime) -> str:
    """Sortable, unique per microsecond, usable as a directory name: 20250630T120000.123456Z."""
    return moment.strftime("%Y%m%dT%H%M%S.%fZ")


def log(message: str) -> None:
    print(f"refresh: {message}", file=sys.stderr, flush=True)


def fsync_path(path: Path) -> None:
    """Flush a file or a directory entry to disk (best effort where the OS does not allow it)."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def write_text_atomically(path: Path, text: str) -> None:
    temporary = path.with_name(f"{path.name}{TMP_MARKER}{os.getpid()}")
    temporary.write_text(text)
    fsync_path(temporary)
    os.replace(temporary, path)
    fsync_path(path.parent)


def append_line(path: Path, line: str) -> None:
    with path.open("a") as handle:
        handle.write(line + "\n")
        handle.flush()
        os.fsync(handle.fileno())


# --------------------------------------------------------------------------------------------
# Command line
# --------------------------------------------------------------------------------------------


DESCRIPTION = "Lock, dbt build, and publish the marts for BI (see docs/refresh.md)."
EPILOG = (
    "exit codes: 0 published; 1 dbt build or a test failed; 2 bad arguments; "
    "3 publishing failed; 75 another refresh holds the lock; 130/143 SIGINT/SIGTERM. "
    "Served data changes only on 0."
)


def configure(parser: argparse.ArgumentParser) -> None:
    dbt_group = parser.add_argument_group("passed to dbt build")
    dbt_group.add_argument("--vars", help="dbt vars as YAML/JSON, e.g. '{as_of_date: 2025-06-30}'")
    dbt_group.add_argument("--full-refresh", action="store_true", help="rebuild incrementals")
    dbt_group.add_argument("-s", "--select", nargs="+", action="extend", help="dbt selection")
    dbt_group.add_argument("--exclude", nargs="+", action="extend", help="dbt exclusion")
    dbt_group.add_argument(
        "--with-unit-tests",
        action="store_true",
        help="also run dbt's unit tests (they check the SQL logic on fixed rows, not the data, "
        "so a scheduled refresh skips them by default; make test runs them)",
    )
    dbt_group.add_argument(
        "--target-path",
        help="dbt artifacts folder (run_results.json); default $DBT_TARGET_PATH or target",
    )
    dbt_group.add_argument("--log-path", help="dbt log folder (default: dbt's own, logs)")
    parser.add_argument(
        "--serving-dir",
        help="where BI reads: default $STRATA_SERVING_DIR or <warehouse dir>/serving",
    )
    parser.add_argument("--lock-file", help="default <warehouse dir>/refresh.lock")
    parser.add_argument(
        "--wait-seconds",
        type=float,
        default=0.0,
        help="how long to wait for a running refresh before giving up with exit 75 (default 0)",
    )
    parser.add_argument(
        "--publish-saved-queries",
        action="store_true",
        help="also publish the answer of every saved query of the semantic layer as "
        "saved_queries/<name>.csv and .parquet in the Parquet version (about 4 s more)",
    )
    parser.add_argument(
        "--keep-versions",
        type=int,
        default=3,
        help="Parquet versions kept under <serving dir>/parquet, current included (default 3)",
    )


def check(args: argparse.Namespace) -> str | None:
    if args.keep_versions < 1:
        return "--keep-versions must be at least 1"
    if args.wait_seconds < 0:
        return "--wait-seconds must not be negative"
    return None


def dbt_build_args(args: argparse.Namespace) -> list[str]:
    """The user's options for dbt build, in dbt's own syntax."""
    extra: list[str] = []
    if args.vars:
        extra += ["--vars", args.vars]
    if args.full_refresh:
        extra.append("--full-refresh")
    if args.select:
        extra += ["--select", *args.select]
    if args.exclude:
        extra += ["--exclude", *args.exclude]
    if not args.with_unit_tests:
        extra += dbt.EXCLUDE_UNIT_TESTS
    return extra


def resolve_settings(args: argparse.Namespace) -> Settings:
    warehouse = repo_relative(warehouse_setting()).resolve()
    if args.serving_dir:
        serving_dir = cwd_relative(args.serving_dir)
    elif os.environ.get("STRATA_SERVING_DIR"):
        serving_dir = repo_relative(os.environ["STRATA_SERVING_DIR"]).resolve()
    else:
        serving_dir = warehouse.parent / "serving"
    lock_file = (
        cwd_relative(args.lock_file) if args.lock_file else warehouse.parent / "refresh.lock"
    )
    if args.target_path:
        target_path = cwd_relative(args.target_path)
    else:
        target_path = repo_relative(os.environ.get("DBT_TARGET_PATH") or "target").resolve()
    return Settings(
        warehouse=warehouse,
        serving_dir=serving_dir,
        lock_file=lock_file,
        target_path=target_path,
        log_path=cwd_relative(args.log_path) if args.log_path else None,
        wait_seconds=args.wait_seconds,
        keep_versions=args.keep_versions,
        dbt_args=dbt_build_args(args),
        publish_saved_queries=args.publish_saved_queries,
    )


# --------------------------------------------------------------------------------------------
# Lock
# --------------------------------------------------------------------------------------------


def describe_holder(text: str) -> str:
    try:
        holder = json.loads(text)
        return (
            f"PID {holder['pid']} on {holder.get('host', '?')}, "
            f"started {holder['started_at']} (run {holder['run_id']})"
        )
    except (ValueError, KeyError, TypeError):
        return "an unknown process (the lock file names no holder yet)"


def read_lock_text(fd: int) -> str:
    return os.pread(fd, 4096, 0).decode(errors="replace").strip()


def read_holder_text(fd: int) -> str:
    """The holder's record; a holder that has just taken the lock writes it a moment later."""
    for _ in range(HOLDER_READ_ATTEMPTS):
        text = read_lock_text(fd)
        if text:
            return text
        time.sleep(HOLDER_READ_PAUSE_SECONDS)
    return ""


def acquire_lock(path: Path, wait_seconds: float) -> tuple[int, str]:
    """flock(LOCK_EX) on path, waiting up to wait_seconds; returns (fd, previous holder text).

    The holder (PID, start time, run id) is written into the lock file while it is held
    (write_holder) and cleared on a normal exit, so text left there means the previous holder
    died mid-run. The kernel releases a flock when its process dies, so a crashed refresh never
    blocks the next.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)  # not inherited by dbt (O_CLOEXEC)
    deadline = time.monotonic() + wait_seconds
    announced = False
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            break
        except BlockingIOError:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                holder_text = read_holder_text(fd)
                os.close(fd)
                raise LockBusy(
                    f"another refresh is running: {path} is locked by "
                    f"{describe_holder(holder_text)}; gave up after waiting "
                    f"{wait_seconds:g} s (--wait-seconds)"
                ) from None
            if not announced:
                log(f"waiting up to {wait_seconds:g} s for {describe_holder(read_holder_text(fd))}")
                announced = True
            time.sleep(min(LOCK_POLL_SECONDS, remaining))
    return fd, read_lock_text(fd)


def write_holder(fd: int, record: RunRecord) -> None:
    holder = {key: getattr(record, key) for key in ("pid", "host", "run_id", "started_at")}
    os.ftruncate(fd, 0)
    os.pwrite(fd, json.dumps(holder).encode(), 0)


def release_lock(fd: int) -> None:
    os.ftruncate(fd, 0)
    fcntl.flock(fd, fcntl.LOCK_UN)
    os.close(fd)


def record_aborted_run(previous_holder: str, runs_jsonl: Path) -> None:
    """The previous refresh died holding the lock (killed, power loss): log it as aborted."""
    try:
        holder = json.loads(previous_holder)
        run_id = str(holder["run_id"])
    except (ValueError, KeyError, TypeError):
        return
    if runs_jsonl.exists() and f'"run_id": "{run_id}"' in runs_jsonl.read_text():
        return  # it got as far as recording itself
    log(
        f"the previous refresh did not finish ({describe_holder(previous_holder)}); "
        "logged as aborted"
    )
    record = {
        **holder,
        "finished_at": None,
        "status": "aborted",
        "message": "the refresh process ended without finishing (killed?); served data unchanged",
    }
    append_line(runs_jsonl, json.dumps(record))


# --------------------------------------------------------------------------------------------
# dbt
# --------------------------------------------------------------------------------------------


def dbt_command(settings: Settings) -> list[str]:
    try:
        return dbt.dbt_command(
            ["build"],
            target_path=settings.target_path,
            log_path=settings.log_path,
            extra=settings.dbt_args,
        )
    except dbt.DbtNotFound as error:
        raise RefreshError("build_failed", str(error), EXIT_BUILD_FAILED) from error


def _die_with_parent() -> None:
    """In the dbt child: get SIGTERM when the refresh dies, so no orphan keeps writing."""
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)


def stop_child(process: subprocess.Popen[str]) -> None:
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=TERMINATE_GRACE_SECONDS)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def run_dbt(settings: Settings) -> tuple[int, list[str]]:
    """Run dbt build from the repo root, streaming its output; returns (exit code, output tail)."""
    env = dbt.dbt_environment(STRATA_DUCKDB_PATH=str(settings.warehouse))
    if not sys.stdout.isatty():
        env.setdefault("DBT_USE_COLORS", "false")
    command = dbt_command(settings)
    log("running " + shlex.join(command[1:]))
    tail: deque[str] = deque(maxlen=OUTPUT_TAIL_LINES)
    process = dbt.start_dbt(
        command,
        env,
        errors="replace",
        preexec_fn=_die_with_parent,  # the refresh is single-threaded
    )
    try:
        assert process.stdout is not None
        for line in process.stdout:
            sys.stdout.write(line)
            sys.stdout.flush()
            tail.append(ANSI_ESCAPE.sub("", line.rstrip("\n")))
        return process.wait(), list(tail)
    finally:
        stop_child(process)


def dbt_error_excerpt(output_tail: list[str]) -> str:
    """The lines explaining a failure that left no failed node (parse error, locked file, ...)."""
    for line in output_tail:
        if "Could not set lock on file" in line:
            excerpt = line[line.find("IO Error") :] if "IO Error" in line else line.strip()
            return (
                "the warehouse file is open in another process; point BI tools at the serving "
                f"file instead. DuckDB says: {excerpt}"
            )
    markers = ("Encountered an error", "Compilation Error", "Parsing Error", "Runtime Error")
    for index, line in enumerate(output_tail):
        if any(marker in line for marker in markers):
            lines = [text.strip() for text in output_tail[index : index + 6] if text.strip()]
            return " | ".join(lines)[:1500]
    return " | ".join(text.strip() for text in output_tail[-5:] if text.strip())[:1500]


def build_failure_message(
    exit_code: int, run_results: dict[str, Any] | None, tail: list[str]
) -> str:
    failures = failed_nodes(run_results)
    if failures:
        skipped = sum(1 for r in (run_results or {}).get("results", []) if r["status"] == "skipped")
        shown = "; ".join(failures[:20]) + (
            f"; and {len(failures) - 20} more" if len(failures) > 20 else ""
        )
        return f"dbt build failed (exit {exit_code}): {shown}" + (
            f"; {skipped} dependent nodes skipped" if skipped else ""
        )
    return f"dbt build failed (exit {exit_code}): {dbt_error_excerpt(tail)}"


# --------------------------------------------------------------------------------------------
# Publishing
# --------------------------------------------------------------------------------------------


def mart_models(target_path: Path) -> list[str]:
    """Relation names of the project's models in schema marts, from dbt's manifest."""
    manifest_path = target_path / dbt.MANIFEST_FILE
    try:
        manifest = dbt.read_manifest(target_path)
    except (OSError, ValueError) as error:
        raise RefreshError(
            "publish_failed", f"cannot read {manifest_path}: {error}", EXIT_PUBLISH_FAILED
        ) from error
    names = {
        node.get("alias") or node["name"]
        for node in manifest.get("nodes", {}).values()
        if node.get("resource_type") == "model"
        and node.get("schema") == MARTS_SCHEMA
        and node.get("config", {}).get("materialized") != "ephemeral"
    }
    if RUN_LOG_TABLE in names:
        raise RefreshError(
            "publish_failed", f"a model is named {RUN_LOG_TABLE}: rename it", EXIT_PUBLISH_FAILED
        )
    return sorted(names)


def clean_leftovers(settings: Settings) -> None:
    """Remove the temp files of refreshes that died (safe: we hold the lock)."""
    prefixes = {
        settings.serving_dir: (SERVING_FILE + TMP_MARKER, LAST_RUN_JSON + TMP_MARKER),
        settings.parquet_root: (TMP_MARKER, CURRENT_LINK + TMP_MARKER),
    }
    for directory, names in prefixes.items():
        if not directory.is_dir():
            continue
        for entry in directory.iterdir():
            if not entry.name.startswith(names):
                continue
            log(f"removing leftover {entry}")
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry)
            else:
                entry.unlink()


def served_run_id(settings: Settings) -> str | None:
    """The run currently served: the target of parquet/current."""
    link = settings.parquet_root / CURRENT_LINK
    return os.readlink(link) if link.is_symlink() else None


def relation_kinds(connection: duckdb.DuckDBPyConnection, database: str) -> dict[str, str]:
    rows = connection.execute(
        "select table_name, table_type from information_schema.tables "
        "where table_catalog = ? and table_schema = ?",
        [database, MARTS_SCHEMA],
    ).fetchall()
    return {name: kind for name, kind in rows}


def copy_comments(
    connection: duckdb.DuckDBPyConnection, source_db: str, table: str, target: str
) -> None:
    """Carry dbt's persisted docs (table and column comments) over to the served table."""
    row = connection.execute(
        "select comment from duckdb_tables() "
        "where database_name = ? and schema_name = ? and table_name = ?",
        [source_db, MARTS_SCHEMA, table],
    ).fetchone()
    if row and row[0]:
        connection.execute(f"comment on table {target} is {sql_string(row[0])}")
    columns = connection.execute(
        "select column_name, comment from duckdb_columns() "
        "where database_name = ? and schema_name = ? and table_name = ? and comment is not null",
        [source_db, MARTS_SCHEMA, table],
    ).fetchall()
    for column, comment in columns:
        connection.execute(
            f"comment on column {target}.{sql_identifier(column)} is {sql_string(comment)}"
        )


def copy_mart(connection: duckdb.DuckDBPyConnection, source_db: str, table: str, kind: str) -> int:
    """Copy one mart into the serving database (keeping NOT NULL constraints); returns rows."""
    source = f"{sql_identifier(source_db)}.{MARTS_SCHEMA}.{sql_identifier(table)}"
    target = f"{SERVING_ALIAS}.{MARTS_SCHEMA}.{sql_identifier(table)}"
    ddl_row = connection.execute(
        "select sql from duckdb_tables() "
        "where database_name = ? and schema_name = ? and table_name = ?",
        [source_db, MARTS_SCHEMA, table],
    ).fetchone()
    if kind == "BASE TABLE" and ddl_row and ddl_row[0]:
        connection.execute(f"use {SERVING_ALIAS}")  # the DDL names marts.<table> unqualified
        try:
            connection.execute(ddl_row[0])
        finally:
            connection.execute(f"use {sql_identifier(source_db)}")
        connection.execute(f"insert into {target} select * from {source}")
    else:  # a view (or anything else): materialise it, BI reads no other schema
        connection.execute(f"create table {target} as select * from {source}")
    copy_comments(connection, source_db, table, target)
    row = connection.execute(f"select count(*) from {target}").fetchone()
    return int(row[0]) if row else 0


def carry_over_run_log(connection: duckdb.DuckDBPyConnection, previous_file: Path) -> None:
    """Append the runs already recorded in the currently served file."""
    if not previous_file.exists():
        return
    try:
        connection.execute(
            f"attach {sql_string(str(previous_file))} as {PREVIOUS_ALIAS} (read_only)"
        )
    except duckdb.Error as error:
        raise RefreshError(
            "publish_failed",
            f"cannot open the served file {previous_file} to carry its run log over ({error}); "
            "move it away to start a new run log",
            EXIT_PUBLISH_FAILED,
        ) from error
    try:
        old_columns = {
            row[0]
            for row in connection.execute(
                "select column_name from duckdb_columns() "
                "where database_name = ? and schema_name = ? and table_name = ?",
                [PREVIOUS_ALIAS, MARTS_SCHEMA, RUN_LOG_TABLE],
            ).fetchall()
        }
        shared = [name for name, _ in RUN_LOG_COLUMNS if name in old_columns]
        if shared:
            column_list = ", ".join(shared)
            connection.execute(
                f"insert into {SERVING_ALIAS}.{MARTS_SCHEMA}.{RUN_LOG_TABLE} ({column_list}) "
                f"select {column_list} from {PREVIOUS_ALIAS}.{MARTS_SCHEMA}.{RUN_LOG_TABLE} "
                "order by started_at"
            )
    finally:
        connection.execute(f"detach {PREVIOUS_ALIAS}")


def insert_run_row(connection: duckdb.DuckDBPyConnection, record: RunRecord) -> None:
    values = [
        record.run_id,
        from_iso(record.started_at).replace(tzinfo=None),
        from_iso(record.finished_at or record.started_at).replace(tzinfo=None),
        record.status,
        record.as_of_date,
        json.dumps(record.rows_per_mart, sort_keys=True),
        record.tests_passed,
        record.tests_warned,
        record.tests_failed,
        record.tests_skipped,
        record.dbt_exit_code,
        record.dbt_args,
    ]
    placeholders = ", ".join("?" for _ in values)
    connection.execute(
        f"insert into {SERVING_ALIAS}.{MARTS_SCHEMA}.{RUN_LOG_TABLE} values ({placeholders})",
        values,
    )


def read_as_of_date(connection: duckdb.DuckDBPyConnection, marts: list[str]) -> str | None:
    if RFM_MART not in marts:
        return None
    row = connection.execute(
        f"select max(as_of_date) from {SERVING_ALIAS}.{MARTS_SCHEMA}.{RFM_MART}"
    ).fetchone()
    return row[0].isoformat() if row and row[0] is not None else None


def export_parquet(
    connection: duckdb.DuckDBPyConnection, marts: list[str], directory: Path
) -> None:
    directory.mkdir(parents=True)
    for table in marts:
        destination = sql_string(str(directory / f"{table}.parquet"))
        connection.execute(
            f"copy {SERVING_ALIAS}.{MARTS_SCHEMA}.{sql_identifier(table)} "
            f"to {destination} (format parquet)"
        )


# Audience files (README "Audiences"): one per play of this mart and format, named
# <play>_<as_of_date>, in audiences/ of the Parquet version, so they are swapped in with it. The
# dbt macro strata_export_audiences writes the same files for users who run dbt themselves.
AUDIENCE_MART = "fct_customer_actions"
AUDIENCES_DIR = "audiences"
AUDIENCE_FORMATS = {"csv": "(format csv, header)", "parquet": "(format parquet)"}


def export_audiences(
    connection: duckdb.DuckDBPyConnection,
    marts: list[str],
    directory: Path,
    as_of_date: str | None,
) -> None:
    """Write <directory>/audiences/<play>_<as_of_date>.csv and .parquet: the rows of
    fct_customer_actions for each play, ordered by customer_id (no PII: the mart has none)."""
    if AUDIENCE_MART not in marts or as_of_date is None:
        return
    table = f"{SERVING_ALIAS}.{MARTS_SCHEMA}.{AUDIENCE_MART}"
    plays = [
        row[0]
        for row in connection.execute(f"select distinct play from {table} order by 1").fetchall()
    ]
    folder = directory / AUDIENCES_DIR
    folder.mkdir()
    for play in plays:
        if not re.fullmatch(r"[a-z0-9_]+", play):
            raise RefreshError(
                "publish_failed",
                f"play {play!r} of seeds/tier_playbook.csv is not a file name: use a-z, 0-9 and _",
                EXIT_PUBLISH_FAILED,
            )
        rows = f"(select * from {table} where play = {sql_string(play)} order by customer_id)"
        for extension, options in AUDIENCE_FORMATS.items():
            destination = sql_string(str(folder / f"{play}_{as_of_date}.{extension}"))
            connection.execute(f"copy {rows} to {destination} {options}")


# Saved queries of the semantic layer (README "Semantic layer"): each one's answer, as
# saved_queries/<name>.csv and .parquet in the Parquet version, swapped in with the marts. They
# run on the warehouse (the semantic models read an intermediate model too), through MetricFlow's
# engine on the refresh's own read-only connection.
SAVED_QUERIES_DIR = "saved_queries"


def export_saved_queries(
    connection: duckdb.DuckDBPyConnection, semantic_manifest: Path, directory: Path
) -> list[str]:
    """Write <directory>/saved_queries/<name>.csv and .parquet for every saved query of the
    semantic manifest dbt wrote with this build, rows ordered by every column; the names."""
    from strata import semantic

    if not semantic_manifest.exists():
        raise RefreshError(
            "publish_failed",
            f"{semantic_manifest} is missing: dbt build writes it (was --no-write-json set?)",
            EXIT_PUBLISH_FAILED,
        )
    names = semantic.saved_query_names(semantic_manifest)
    if not names:
        return []
    engine = semantic.open_engine(semantic_manifest, connection)
    folder = directory / SAVED_QUERIES_DIR
    folder.mkdir()
    for name in names:
        try:
            sql = semantic.query(engine, saved_query=name).sql
        except Exception as error:  # MetricFlow's own errors name the metric or dimension
            raise RefreshError(
                "publish_failed", f"saved query {name} failed: {error}", EXIT_PUBLISH_FAILED
            ) from error
        rows = f"(select * from ({sql}) order by all)"
        for extension, options in AUDIENCE_FORMATS.items():
            destination = sql_string(str(folder / f"{name}.{extension}"))
            connection.execute(f"copy {rows} to {destination} {options}")
    return names


def build_serving(
    settings: Settings, record: RunRecord, marts: list[str], database_file: Path, parquet_dir: Path
) -> None:
    """Write the complete new serving database and Parquet version under temporary names.

    The warehouse is opened read-only (dbt has exited); the serving file is created with
    DuckDB storage version v1.5.0 so that DuckDB 1.5 clients (BI connectors) can open it.
    """
    connection = duckdb.connect(str(settings.warehouse), read_only=True)
    try:
        source_db = connection.execute("select current_database()").fetchone()[0]
        kinds = relation_kinds(connection, source_db)
        missing = [table for table in marts if table not in kinds]
        if missing:
            raise RefreshError(
                "publish_failed",
                f"marts missing from the warehouse {settings.warehouse}: {', '.join(missing)} "
                "(deselected and never built? run a full build first)",
                EXIT_PUBLISH_FAILED,
            )
        connection.execute(
            f"attach {sql_string(str(database_file))} as {SERVING_ALIAS} "
            f"(read_write, storage_version {sql_string(SERVING_STORAGE_VERSION)})"
        )
        connection.execute(f"create schema {SERVING_ALIAS}.{MARTS_SCHEMA}")
        for table in marts:
            record.rows_per_mart[table] = copy_mart(connection, source_db, table, kinds[table])
        record.as_of_date = read_as_of_date(connection, marts)
        columns = ", ".join(f"{name} {kind}" for name, kind in RUN_LOG_COLUMNS)
        connection.execute(
            f"create table {SERVING_ALIAS}.{MARTS_SCHEMA}.{RUN_LOG_TABLE} ({columns})"
        )
        connection.execute(
            f"comment on table {SERVING_ALIAS}.{MARTS_SCHEMA}.{RUN_LOG_TABLE} is "
            f"{sql_string(RUN_LOG_COMMENT)}"
        )
        carry_over_run_log(connection, settings.serving_file)
        # The row describes the run as served: it only becomes visible if the swap succeeds.
        record.status, record.served_run_id = "success", record.run_id
        record.finished_at = iso(utc_now())
        insert_run_row(connection, record)
        export_parquet(connection, marts, parquet_dir)
        export_audiences(connection, marts, parquet_dir, record.as_of_date)
        if settings.publish_saved_queries:
            export_saved_queries(
                connection, settings.target_path / dbt.SEMANTIC_MANIFEST_FILE, parquet_dir
            )
        (parquet_dir / "run.json").write_text(json.dumps(asdict(record), indent=2) + "\n")
        connection.execute(f"checkpoint {SERVING_ALIAS}")
        connection.execute(f"detach {SERVING_ALIAS}")
    finally:
        connection.close()
    wal = database_file.with_name(database_file.name + ".wal")
    if wal.exists():
        raise RefreshError("publish_failed", f"{wal} left after checkpoint", EXIT_PUBLISH_FAILED)
    fsync_path(database_file)
    for path in sorted(parquet_dir.rglob("*"), reverse=True):  # files before their folders
        fsync_path(path)
    fsync_path(parquet_dir)


def swap_in(settings: Settings, run_id: str, database_file: Path, parquet_tmp: Path) -> None:
    """Make the new version the served one: two atomic renames, DuckDB file first."""
    version_dir = settings.parquet_root / run_id
    os.replace(parquet_tmp, version_dir)
    os.replace(database_file, settings.serving_file)
    fsync_path(settings.serving_dir)
    link_tmp = settings.parquet_root / f"{CURRENT_LINK}{TMP_MARKER}{run_id}"
    os.symlink(run_id, link_tmp)  # relative: the serving dir can be moved or mounted elsewhere
    os.replace(link_tmp, settings.parquet_root / CURRENT_LINK)
    fsync_path(settings.parquet_root)


def prune_versions(settings: Settings) -> None:
    """Keep the newest keep_versions Parquet versions (never the one current points to)."""
    current = served_run_id(settings)
    versions = sorted(
        entry.name
        for entry in settings.parquet_root.iterdir()
        if RUN_ID_PATTERN.fullmatch(entry.name) and entry.is_dir() and not entry.is_symlink()
    )
    for name in versions[: -settings.keep_versions]:
        if name != current:
            shutil.rmtree(settings.parquet_root / name)


def publish(settings: Settings, record: RunRecord, marts: list[str]) -> None:
    settings.parquet_root.mkdir(parents=True, exist_ok=True)
    database_file = settings.serving_dir / f"{SERVING_FILE}{TMP_MARKER}{record.run_id}"
    parquet_tmp = settings.parquet_root / f"{TMP_MARKER}{record.run_id}"
    try:
        build_serving(settings, record, marts, database_file, parquet_tmp)
        swap_in(settings, record.run_id, database_file, parquet_tmp)
    except duckdb.Error as error:
        raise RefreshError(
            "publish_failed", f"publishing failed: {error}", EXIT_PUBLISH_FAILED
        ) from error
    except OSError as error:
        raise RefreshError(
            "publish_failed", f"publishing failed: {error}", EXIT_PUBLISH_FAILED
        ) from error
    finally:
        for leftover in (database_file, database_file.with_name(database_file.name + ".wal")):
            leftover.unlink(missing_ok=True)
        if parquet_tmp.exists():
            shutil.rmtree(parquet_tmp)
    prune_versions(settings)


# --------------------------------------------------------------------------------------------
# The run
# --------------------------------------------------------------------------------------------


def build_and_publish(settings: Settings, record: RunRecord) -> None:
    """dbt build, then publish; raises RefreshError (served data unchanged) on any failure."""
    results_file = settings.target_path / dbt.RUN_RESULTS_FILE
    results_file.unlink(missing_ok=True)  # never read a previous invocation's results
    settings.warehouse.parent.mkdir(parents=True, exist_ok=True)
    exit_code, tail = run_dbt(settings)
    record.dbt_exit_code = exit_code
    run_results = read_run_results(settings.target_path)
    record.set_tests(count_tests(run_results))
    if exit_code != 0:
        message = build_failure_message(exit_code, run_results, tail)
        raise RefreshError("build_failed", message, EXIT_BUILD_FAILED)
    publish(settings, record, mart_models(settings.target_path))


def summary_line(record: RunRecord, settings: Settings, seconds: float) -> str:
    tests = (
        f"tests {record.tests_passed} passed, {record.tests_warned} warned, "
        f"{record.tests_failed} failed"
    )
    if record.status == "success":
        rows = sum(record.rows_per_mart.values())
        return (
            f"refresh {record.run_id} success in {seconds:.1f} s: published "
            f"{len(record.rows_per_mart)} marts ({rows} rows, as of {record.as_of_date}) to "
            f"{settings.serving_file} and {settings.parquet_root / record.run_id}; {tests}"
        )
    return (
        f"refresh {record.run_id} FAILED ({record.status}) in {seconds:.1f} s; {tests}; "
        f"served data unchanged (run {record.served_run_id or 'none'})"
    )


def finish(record: RunRecord, settings: Settings) -> None:
    record.finished_at = record.finished_at or iso(utc_now())
    record.served_run_id = served_run_id(settings)
    settings.serving_dir.mkdir(parents=True, exist_ok=True)
    line = json.dumps(asdict(record))
    append_line(settings.serving_dir / RUNS_JSONL, line)
    write_text_atomically(
        settings.serving_dir / LAST_RUN_JSON, json.dumps(asdict(record), indent=2)
    )


def raise_interrupted(signum: int, _frame: object) -> None:
    raise Interrupted(signum)


def next_run_id(settings: Settings, started: dt.datetime) -> str:
    """The start time as run id, kept above the served run's even if the clock went back, so
    that the greatest run_id is always the served version."""
    served = served_run_id(settings)
    if served and RUN_ID_PATTERN.fullmatch(served):
        last = dt.datetime.strptime(served, "%Y%m%dT%H%M%S.%fZ").replace(tzinfo=dt.timezone.utc)
        started = max(started, last + dt.timedelta(microseconds=1))
    return new_run_id(started)


def refresh(settings: Settings) -> int:
    try:
        lock_fd, previous_holder = acquire_lock(settings.lock_file, settings.wait_seconds)
    except LockBusy as busy:
        log(str(busy))
        print(f"refresh not started: {busy}", flush=True)
        return EXIT_LOCKED
    exit_code = EXIT_OK
    try:
        # the run id is taken under the lock: runs are served in the order of their ids
        started = utc_now()
        record = RunRecord(
            run_id=next_run_id(settings, started),
            started_at=iso(started),
            dbt_args=shlex.join(settings.dbt_args),
        )
        write_holder(lock_fd, record)
        log(f"run {record.run_id}: holding {settings.lock_file} (PID {record.pid})")
        settings.serving_dir.mkdir(parents=True, exist_ok=True)
        if previous_holder:
            record_aborted_run(previous_holder, settings.serving_dir / RUNS_JSONL)
        clean_leftovers(settings)
        try:
            build_and_publish(settings, record)
            record.status = "success"
        except RefreshError as error:
            record.status, record.message, exit_code = error.status, str(error), error.exit_code
            log(f"{error}")
        except Interrupted as interrupted:
            record.status = "interrupted"
            record.message = f"stopped by {interrupted}; served data unchanged"
            exit_code = EXIT_SIGNAL_BASE + interrupted.signum
            log(record.message)
        finish(record, settings)
        print(summary_line(record, settings, (utc_now() - started).total_seconds()), flush=True)
    finally:
        release_lock(lock_fd)
    return exit_code


def run(args: argparse.Namespace) -> int:
    settings = resolve_settings(args)
    signal.signal(signal.SIGTERM, raise_interrupted)
    signal.signal(signal.SIGINT, raise_interrupted)
    try:
        return refresh(settings)
    except Interrupted as interrupted:  # while waiting for the lock or writing the run log
        log(f"stopped by {interrupted}")
        return EXIT_SIGNAL_BASE + interrupted.signum
