"""The `strata` command and the helpers its subcommands share (no dbt build here: a few seconds).

`strata --help` lists every subcommand, each subcommand's `--help` names its options, argument
errors exit 2 before anything runs; dbt command lines, run_results.json parsing and SQL quoting
are checked on made-up input.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import duckdb
import pytest
from conftest import REPO_ROOT, parsed_manifest, strata_command

from strata import build, cli, dbt, engines, refresh
from strata.bench.datasets import generator_of
from strata.sql import sql_identifier, sql_string

OPTIONS = {
    "refresh": [
        "--vars",
        "--full-refresh",
        "--select",
        "--exclude",
        "--with-unit-tests",
        "--target-path",
        "--log-path",
        "--serving-dir",
        "--lock-file",
        "--wait-seconds",
        "--keep-versions",
    ],
    "build": ["--log-dir", "--vars"],
    "load-raw": ["--raw-path"],
    "summary": ["--database"],
    "generate": ["--out", "--customers", "--months", "--end-date", "--seed", "--format"],
    "bench": [
        "--customers",
        "--months",
        "--end-date",
        "--seed",
        "--quick",
        "--day-rows",
        "--threads",
        "--memory-limit",
        "--dbt-threads",
        "--project-dir",
        "--work-dir",
        "--results",
        "--repeat",
        "--skip-pandas",
        "--skip-incremental",
        "--select",
    ],
}


def run_strata(*args: str, cwd: Path = REPO_ROOT, env: dict | None = None):
    return subprocess.run(
        strata_command(*args), cwd=cwd, env=env, capture_output=True, text=True, timeout=60
    )


def test_every_command_is_checked_here():
    assert set(OPTIONS) == set(cli.COMMANDS)


def test_strata_help_lists_the_commands(tmp_path):
    completed = run_strata("--help", cwd=tmp_path)  # from anywhere
    assert completed.returncode == 0, completed.stderr
    for name in cli.COMMANDS:
        assert f"    {name} " in completed.stdout, name


@pytest.mark.parametrize("name", sorted(OPTIONS))
def test_command_help_names_its_options(name):
    completed = run_strata(name, "--help")
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.startswith(f"usage: strata {name} ")
    for option in OPTIONS[name]:
        assert option in completed.stdout, f"strata {name} --help does not name {option}"


def test_bench_select_reaches_both_builds_and_the_report():
    """`strata bench --select`: the timed dbt builds get the selection (cautious, so no test
    reading a model left out runs), and the report says the builds were a part of the project."""
    from strata.bench import report, run

    parser = argparse.ArgumentParser()
    run.configure(parser)
    whole = run.settings_of(parser.parse_args([]))
    assert "--select" not in whole.dbt_args()
    assert report.settings_text(whole).endswith("builds: every node")
    part = run.settings_of(parser.parse_args(["--select", "+fct_customer_rfm", "+fct_events"]))
    assert part.dbt_args() == [
        "--select", "+fct_customer_rfm", "+fct_events", "--indirect-selection", "cautious",
    ]  # fmt: skip
    assert report.settings_text(part).endswith(
        "builds: `--select +fct_customer_rfm +fct_events` only"
    )


def test_refresh_help_gives_the_exit_codes():
    text = run_strata("refresh", "--help").stdout
    assert "75 another refresh holds the lock" in " ".join(text.split())


def test_python_dash_m_strata_is_the_same_command():
    completed = subprocess.run(
        [sys.executable, "-m", "strata", "--help"], capture_output=True, text=True, check=False
    )
    assert completed.returncode == 0 and completed.stdout.startswith("usage: strata ")


def test_help_loads_no_data_library():
    code = (
        "import sys\nfrom strata import cli\n"
        "try:\n    cli.main(['--help'])\nexcept SystemExit:\n    pass\n"
        "print(sorted(m for m in ('numpy', 'pyarrow', 'pandas', 'duckdb') if m in sys.modules))"
    )
    completed = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert completed.stdout.strip().splitlines()[-1] == "[]"


@pytest.mark.parametrize(
    "args",
    [
        [],
        ["nope"],
        ["refresh", "--keep-versions", "0"],
        ["refresh", "--wait-seconds", "-1"],
        ["refresh", "--wait-seconds", "soon"],
        ["refresh", "--bogus"],
        ["build", "--log-dir"],
        ["summary", "extra"],
        ["generate", "--months", "0"],
        ["generate", "--customers", "-1"],
        ["generate", "--format", "xml"],
        ["generate", "--end-date", "2025-13-01"],
        ["bench", "--repeat", "0"],
    ],
    ids=lambda args: " ".join(args) or "no command",
)
def test_argument_errors_exit_2_with_the_usage(args, capsys):
    with pytest.raises(SystemExit) as raised:
        cli.main(args)
    assert raised.value.code == 2 == refresh.EXIT_BAD_ARGUMENTS
    error = capsys.readouterr().err
    assert error.startswith("usage: strata") and "error: " in error


def test_a_refused_refresh_touches_nothing(tmp_path):
    """The console script's exit code for a bad argument, and no lock or warehouse folder."""
    env = {**os.environ, "STRATA_DUCKDB_PATH": str(tmp_path / "warehouse" / "strata.duckdb")}
    completed = run_strata("refresh", "--keep-versions", "0", cwd=tmp_path, env=env)
    assert completed.returncode == 2
    assert "--keep-versions must be at least 1" in completed.stderr
    assert list(tmp_path.iterdir()) == []


def test_summary_without_a_warehouse_says_so(tmp_path, capsys):
    assert cli.main(["summary", "--database", str(tmp_path / "none.duckdb")]) == 1
    assert "no warehouse at" in capsys.readouterr().err


# --------------------------------------------------------------------------------------------
# What the commands pass to dbt
# --------------------------------------------------------------------------------------------


def test_build_passes_vars_and_unknown_arguments_to_dbt(monkeypatch, tmp_path):
    seen = []

    def record(args) -> int:
        seen.append(args)
        return 0

    monkeypatch.setattr(build, "run", record)
    cli.main(["build", "--vars", "{a: 1}", "--select", "x+", "--full-refresh", "--log-dir", "L"])
    [args] = seen
    assert (args.vars, args.log_dir, args.passed) == (
        "{a: 1}",
        "L",
        ["--select", "x+", "--full-refresh"],
    )
    command = build.build_command(tmp_path, args.vars, args.passed)
    assert command[0] == dbt.dbt_executable()
    assert command[1:] == [
        "build",
        "--profiles-dir",
        "profiles",
        "--log-path",
        str(tmp_path),
        "--log-format",
        "json",
        "--vars",
        "{a: 1}",
        "--select",
        "x+",
        "--full-refresh",
    ]


def test_the_engine_of_a_build_is_its_targets_adapter(monkeypatch):
    monkeypatch.delenv("DBT_TARGET", raising=False)
    assert engines.target_of(["--vars", "{}", "--target", "postgres"]) == "postgres"
    assert engines.target_of(["-t", "lint"]) == "lint"
    assert engines.target_of(["--target=postgres"]) == "postgres"
    assert engines.target_of([]) is None
    assert engines.engine_of_target(None) == "duckdb"  # the profile's default target
    assert engines.engine_of_target("postgres") == "postgres"
    assert engines.engine_of_target("spark") == "spark"
    with pytest.raises(ValueError, match="no target 'databricks'"):
        engines.engine_of_target("databricks")
    # the Python models' Spark session: the profile's settings, env_var() rendered
    monkeypatch.setenv("STRATA_SPARK_DIR", "/data/spark")
    settings = engines.spark_session_settings("spark")
    assert settings["spark.sql.warehouse.dir"] == "/data/spark/tables"
    assert settings["spark.sql.ansi.enabled"] == "false"  # as dbt-spark sets it
    with pytest.raises(ValueError, match="method: session"):
        engines.spark_session_settings("postgres")
    assert build.python_model_names() == [
        "int_customer_value_scored", "int_experiment_statistics", "int_value_model_fit"
    ]  # fmt: skip


def test_a_selection_is_split_as_dbt_reads_it():
    """strata build on PostgreSQL / Spark keeps each of its three steps to the selection."""
    passed = ["--select", "a", "+b", "--full-refresh", "--exclude=c", "-s", "d,e", "--vars", "{}"]
    assert build.split_selection(passed) == (
        ["a", "+b", "d,e"], ["c"], ["--full-refresh", "--vars", "{}"]
    )  # fmt: skip
    assert build.split_selection(["--target", "postgres"]) == ([], [], ["--target", "postgres"])


def test_the_steps_of_a_selected_build_know_what_is_downstream_of_a_python_model(tmp_path):
    """The first or third step of a selected build on PostgreSQL / Spark is skipped when it has
    nothing to build: what depends on a Python model (its tests and unit tests included) is told
    from the manifest's child map, and dbt ls gets the build's resource-type options."""
    nodes = {
        "model.p.stg": {"resource_type": "model", "language": "sql"},
        "model.p.fit": {"resource_type": "model", "language": "python"},
        "model.p.scored": {"resource_type": "model", "language": "sql"},
        "model.p.other": {"resource_type": "model", "language": "sql"},
    }
    children = {
        "model.p.stg": ["model.p.fit", "model.p.other", "test.p.stg_unique"],
        "model.p.fit": ["model.p.scored"],
        "model.p.scored": ["test.p.scored_unique", "unit_test.p.scored.case"],
        "model.p.other": [],
    }
    manifest = tmp_path / "manifest.json"
    manifest.write_text(json.dumps({"nodes": nodes, "child_map": children}))
    assert build.downstream_of_python_models(manifest) == {
        "model.p.fit", "model.p.scored", "test.p.scored_unique", "unit_test.p.scored.case"
    }  # fmt: skip
    passed = ["--full-refresh", "--exclude-resource-type", "unit_test", "seed", "--target", "pg"]
    assert build.resource_type_arguments(passed) == [
        "--exclude-resource-type", "unit_test", "seed"
    ]  # fmt: skip
    only_models = ["--resource-type=model"]
    assert build.resource_type_arguments([*only_models, "x"]) == only_models
    plural = ["--resource-types", "model", "test"]
    assert build.resource_type_arguments([*plural, "--full-refresh"]) == plural


def test_build_on_postgres_refuses_a_yaml_selector(tmp_path, capsys):
    """A YAML selector cannot be split between the steps around the Python models."""
    arguments = ["--log-dir", str(tmp_path), "--target", "postgres", "--selector", "x"]
    code = cli.main(["build", *arguments])
    assert code == 2
    assert "use --select / --exclude" in capsys.readouterr().err


def test_python_models_run_after_the_python_models_they_ref():
    manifest = parsed_manifest(REPO_ROOT)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "manifest.json"
        path.write_text(json.dumps(manifest.writable_manifest().to_dict()))
        models = engines.python_models(path)
    names = [model.name for model in models]
    assert names.index("int_value_model_fit") < names.index("int_customer_value_scored")
    scored = models[names.index("int_customer_value_scored")]
    assert scored.refs["int_value_model_fit"] == ("intermediate", "int_value_model_fit")
    assert set(scored.refs) == {
        "int_value_model_fit", "int_value_model_settings", "int_customer_orders_summarised"
    }  # fmt: skip


def refresh_settings(monkeypatch, tmp_path, *args: str) -> refresh.Settings:
    monkeypatch.setenv("STRATA_DUCKDB_PATH", str(tmp_path / "wh" / "strata.duckdb"))
    monkeypatch.delenv("STRATA_SERVING_DIR", raising=False)
    monkeypatch.delenv("DBT_TARGET_PATH", raising=False)
    parser, parsers = cli.make_parser("refresh")
    parsed = parser.parse_args(["refresh", *args])
    assert refresh.check(parsed) is None
    return refresh.resolve_settings(parsed)


def test_refresh_settings_and_dbt_arguments(monkeypatch, tmp_path):
    settings = refresh_settings(
        monkeypatch,
        tmp_path,
        "--vars",
        "{x: 1}",
        "--full-refresh",
        "-s",
        "a",
        "b",
        "--exclude",
        "c",
    )
    assert settings.warehouse == tmp_path / "wh" / "strata.duckdb"
    assert settings.serving_dir == tmp_path / "wh" / "serving"
    assert settings.lock_file == tmp_path / "wh" / "refresh.lock"
    assert settings.target_path == REPO_ROOT / "target"
    assert settings.dbt_args == [
        "--vars",
        "{x: 1}",
        "--full-refresh",
        "--select",
        "a",
        "b",
        "--exclude",
        "c",
        *dbt.EXCLUDE_UNIT_TESTS,
    ]
    command = refresh.dbt_command(settings)
    assert command[1:6] == [
        "build",
        "--profiles-dir",
        "profiles",
        "--target-path",
        str(settings.target_path),
    ]
    with_unit_tests = refresh_settings(monkeypatch, tmp_path, "--with-unit-tests")
    assert with_unit_tests.dbt_args == []


# --------------------------------------------------------------------------------------------
# Shared helpers
# --------------------------------------------------------------------------------------------


def test_dbt_args():
    project = Path("/p")
    assert dbt.dbt_args(
        ["parse"],
        project_dir=project,
        target_path=Path("/t"),
        log_path=Path("/l"),
        vars={"raw_path": "/r", "as_of_date": None},
        extra=["--quiet"],
    ) == [
        "parse",
        "--profiles-dir",
        str(project / "profiles"),
        "--project-dir",
        "/p",
        "--target-path",
        "/t",
        "--log-path",
        "/l",
        "--vars",
        json.dumps({"raw_path": "/r", "as_of_date": None}),
        "--quiet",
    ]
    assert dbt.dbt_args(["build"]) == ["build", "--profiles-dir", "profiles"]


# What numpy 2.2 (Python 3.10's) does while it is imported, with a dbt thread logging beside it.
NUMPY_2_2_IMPORT_BESIDE_A_LOGGING_THREAD = """
import os, threading
failures = []
done = threading.Event()
def log_like_dbt():
    while not done.is_set():
        try:
            [value for key, value in os.environ.items()]
        except (KeyError, RuntimeError) as error:
            failures.append(repr(error))
            return
threading.Thread(target=log_like_dbt).start()
for _ in range(20000):
    added = []
    for key in ["OPENBLAS_MAIN_FREE", "GOTOBLAS_MAIN_FREE"]:
        if key not in os.environ:
            os.environ[key] = "1"
            added.append(key)
    for key in added:
        del os.environ[key]
done.set()
print(failures)
"""


def test_dbt_environment_keeps_numpy_2_2_from_changing_it(monkeypatch):
    """strata runs dbt with OPENBLAS_MAIN_FREE set, so numpy 2.2 does not set and delete it
    under dbt's logging threads (the 3.10 demo once failed a model with KeyError on it)."""
    for name in dbt.NUMPY_IMPORT_ENV:  # set by the Makefile and conftest: test the defaults
        monkeypatch.delenv(name, raising=False)
    environment = dbt.dbt_environment(STRATA_X="1")
    assert environment["STRATA_X"] == "1"
    completed = subprocess.run(
        [sys.executable, "-c", NUMPY_2_2_IMPORT_BESIDE_A_LOGGING_THREAD],
        env=environment,
        capture_output=True,
        text=True,
        check=True,
    )
    assert completed.stdout.strip() == "[]"
    assert dbt.dbt_environment(OPENBLAS_MAIN_FREE="0")["OPENBLAS_MAIN_FREE"] == "0"


def test_dbt_executable_is_the_venvs_else_on_path(monkeypatch, tmp_path):
    assert dbt.dbt_executable() == str(Path(sys.executable).parent / "dbt")
    monkeypatch.setattr(sys, "executable", str(tmp_path / "python"))  # no dbt beside it
    monkeypatch.setenv("PATH", str(tmp_path / "bin"))
    with pytest.raises(dbt.DbtNotFound, match="dbt not found next to"):
        dbt.dbt_executable()
    on_path = tmp_path / "bin" / "dbt"
    on_path.parent.mkdir()
    on_path.write_text("#!/bin/sh\n")
    on_path.chmod(0o755)
    assert dbt.dbt_executable() == str(on_path)


RUN_RESULTS = {
    "elapsed_time": 12.5,
    "results": [
        {"unique_id": "seed.strata.rfm_tier_bands", "status": "success", "execution_time": 0.5},
        {
            "unique_id": "model.strata.fct_customer_rfm",
            "status": "success",
            "execution_time": 2.0,
            "timing": [
                {
                    "started_at": "2025-07-01T02:00:00.000000Z",
                    "completed_at": "2025-07-01T02:00:01.000000Z",
                },
                {
                    "started_at": "2025-07-01T02:00:01.000000Z",  # 6 digits, as dbt writes
                    "completed_at": "2025-07-01T02:00:03.500000Z",
                },
            ],
        },
        {"unique_id": "test.strata.unique_a.1", "status": "pass"},
        {"unique_id": "test.strata.segments_reachable.2", "status": "warn"},
        {
            "unique_id": "test.strata.quarantine_share.3",
            "status": "error",
            "message": "Database Error\n  Strata: 25.0% of the rows are quarantined",
        },
        {"unique_id": "test.strata.not_null_b.4", "status": "fail", "message": "Got 3 results"},
        {"unique_id": "unit_test.strata.fct_customer_rfm.ties", "status": "pass"},
        {"unique_id": "model.strata.rpt_tier_kpis", "status": "skipped"},
        {"unique_id": "test.strata.unique_c.5", "status": "skipped"},
    ],
}


def test_run_results_parsing(tmp_path):
    assert dbt.read_run_results(tmp_path) is None
    (tmp_path / dbt.RUN_RESULTS_FILE).write_text("{half")
    assert dbt.read_run_results(tmp_path) is None
    (tmp_path / dbt.RUN_RESULTS_FILE).write_text(json.dumps(RUN_RESULTS))
    results = dbt.read_run_results(tmp_path)
    assert results == RUN_RESULTS

    assert dbt.count_tests(results) == dbt.TestCounts(passed=2, warned=1, failed=2, skipped=1)
    assert dbt.count_tests(None) == dbt.TestCounts()
    assert dbt.failed_nodes(results) == [
        "test quarantine_share (error: Strata: 25.0% of the rows are quarantined)",
        "test not_null_b (fail: Got 3 results)",
    ]
    assert dbt.node_label("unit_test.strata.fct_customer_rfm.ties") == (
        "unit test fct_customer_rfm.ties"
    )

    nodes = {node.unique_id: node for node in dbt.node_times(results)}
    model = nodes["model.strata.fct_customer_rfm"]
    assert (model.resource_type, model.name, model.seconds) == ("model", "fct_customer_rfm", 2.0)
    assert (model.completed - model.started).total_seconds() == 3.5
    assert nodes["seed.strata.rfm_tier_bands"].started is None
    assert [n.name for n in nodes.values() if n.failed] == ["quarantine_share.3", "not_null_b.4"]

    message = refresh.build_failure_message(1, results, [])
    assert message.startswith("dbt build failed (exit 1): test quarantine_share (error: Strata:")
    assert message.endswith("; 2 dependent nodes skipped")


def test_sql_quoting_round_trips_through_duckdb():
    value, name = 'it\'s a "test"; drop table x --', 'col "one"'
    row = duckdb.sql(f"select {sql_string(value)} as {sql_identifier(name)}")
    assert row.columns == [name] and row.fetchall() == [(value,)]


def test_bench_runs_the_generator_of_the_project_it_benchmarks(tmp_path):
    source, command = generator_of(REPO_ROOT)
    assert source == REPO_ROOT / "strata" / "generate.py"
    assert command == [sys.executable, "-m", "strata", "generate"]
    old = tmp_path / "scripts" / "generate_data.py"  # a checkout from before the package
    old.parent.mkdir()
    old.write_text("")
    assert generator_of(tmp_path) == (old, [sys.executable, str(old)])
