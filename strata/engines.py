"""The engines other than DuckDB (README, "Running on Spark / PostgreSQL").

dbt runs the project's SQL models on every engine. Its Python models (the value fits and the
experiment statistics) run only where the adapter can run Python: DuckDB runs them in dbt's own
process. On PostgreSQL and Spark, ``strata build`` runs them here, between two dbt builds
(``run_python_models``): the first builds everything that is not downstream of a Python model;
then each Python model's own ``model(dbt, session)`` runs unchanged on an in-memory DuckDB
holding copies of the tables it refs, and its result replaces its table in the engine; then the
second build builds the rest, with the Python models' tests. On Spark that step opens its own
local Spark session on the target's warehouse and catalog (dbt's has ended by then: the embedded
catalog takes one process at a time).
"""

from __future__ import annotations

import importlib.util
import json
import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from strata.project import REPO_ROOT
from strata.sql import sql_identifier, sql_string

#: The postgres target's connection: environment variable and default, as in
#: profiles/profiles.yml (which reads the same variables).
POSTGRES_CONNECTION_ENV = {
    "host": ("STRATA_PG_HOST", "127.0.0.1"),
    "port": ("STRATA_PG_PORT", "5432"),
    "user": ("STRATA_PG_USER", "strata"),
    "password": ("STRATA_PG_PASSWORD", ""),
    "dbname": ("STRATA_PG_DATABASE", "strata"),
}
#: Engines whose dbt adapter runs the project's Python models itself.
RUNS_PYTHON_MODELS = {"duckdb"}
#: PostgreSQL column type (information_schema data_type) -> DuckDB type, for the copies the
#: Python models read; numeric keeps its precision and scale.
DUCKDB_TYPES = {
    "text": "VARCHAR",
    "character varying": "VARCHAR",
    "boolean": "BOOLEAN",
    "smallint": "SMALLINT",
    "integer": "INTEGER",
    "bigint": "BIGINT",
    "real": "FLOAT",
    "double precision": "DOUBLE",
    "date": "DATE",
    "timestamp without time zone": "TIMESTAMP",
    "timestamp with time zone": "TIMESTAMPTZ",
}
#: Arrow type (str) of a Python model's result -> PostgreSQL type.
POSTGRES_TYPES = {
    "string": "text",
    "large_string": "text",
    "bool": "boolean",
    "int32": "integer",
    "int64": "bigint",
    "double": "double precision",
    "float": "real",
    "date32[day]": "date",
    "timestamp[us]": "timestamp",
}


def postgres_connection_settings() -> dict[str, str]:
    return {
        key: os.environ.get(env, default) for key, (env, default) in POSTGRES_CONNECTION_ENV.items()
    }


def postgres_connect():
    import psycopg2

    return psycopg2.connect(**postgres_connection_settings())


def postgres_where() -> str:
    settings = postgres_connection_settings()
    return f"{settings['user']}@{settings['host']}:{settings['port']}/{settings['dbname']}"


def target_of(dbt_arguments: Sequence[str]) -> str | None:
    """The value of --target / -t among dbt's arguments, else $DBT_TARGET, else None."""
    arguments = list(dbt_arguments)
    for index, argument in enumerate(arguments):
        if argument in ("--target", "-t") and index + 1 < len(arguments):
            return arguments[index + 1]
        if argument.startswith("--target="):
            return argument.split("=", 1)[1]
    return os.environ.get("DBT_TARGET")


def engine_of_target(target: str | None, profiles_dir: Path = REPO_ROOT / "profiles") -> str:
    """The adapter type of a target of profiles/profiles.yml (its default target for None)."""
    import yaml

    profile = yaml.safe_load((profiles_dir / "profiles.yml").read_text())["strata"]
    name = target or profile["target"]
    try:
        return str(profile["outputs"][name]["type"])
    except KeyError:
        raise ValueError(f"no target {name!r} in {profiles_dir / 'profiles.yml'}") from None


@dataclass(frozen=True)
class PythonModel:
    name: str
    path: Path
    schema: str
    alias: str
    refs: dict[str, tuple[str, str]]  # ref name -> (schema, table)


def python_models(manifest_path: Path) -> list[PythonModel]:
    """The enabled Python models of the manifest, each after the Python models it refs."""
    manifest = json.loads(manifest_path.read_text())
    nodes = manifest["nodes"]
    found: dict[str, PythonModel] = {}
    order: list[str] = []
    for unique_id, node in nodes.items():
        if node["resource_type"] != "model" or node.get("language") != "python":
            continue
        refs = {}
        for parent_id in node["depends_on"]["nodes"]:
            parent = nodes[parent_id]
            refs[parent["name"]] = (parent["schema"], parent["alias"])
        found[unique_id] = PythonModel(
            node["name"],
            REPO_ROOT / node["original_file_path"],
            node["schema"],
            node["alias"],
            refs,
        )

    def visit(unique_id: str) -> None:
        if unique_id in order:
            return
        for parent_id in nodes[unique_id]["depends_on"]["nodes"]:
            if parent_id in found:
                visit(parent_id)
        order.append(unique_id)

    for unique_id in sorted(found):
        visit(unique_id)
    return [found[unique_id] for unique_id in order]


class _DbtObject:
    """What a Python model's ``dbt`` argument offers here: ``ref``, on the DuckDB copies."""

    def __init__(self, session, names: set[str]) -> None:
        self._session = session
        self._names = names

    def ref(self, name: str, *args: Any, **kwargs: Any):
        if args or kwargs or name not in self._names:
            raise ValueError(f"ref({name!r}) is not among the model's dependencies")
        return self._session.table(sql_identifier(name))


def _duckdb_type(data_type: str, precision: int | None, scale: int | None) -> str:
    if data_type == "numeric":
        return f"DECIMAL({precision}, {scale})" if precision is not None else "DOUBLE"
    try:
        return DUCKDB_TYPES[data_type]
    except KeyError:
        raise ValueError(f"no DuckDB type for the PostgreSQL type {data_type}") from None


def _copy_into_duckdb(cursor, session, name: str, schema: str, table: str, scratch: Path):
    cursor.execute(
        "select column_name, data_type, numeric_precision, numeric_scale "
        "from information_schema.columns where table_schema = %s and table_name = %s "
        "order by ordinal_position",
        (schema, table),
    )
    columns = cursor.fetchall()
    if not columns:
        raise LookupError(f"{schema}.{table} does not exist: build the models upstream first")
    csv_path = scratch / f"{name}.csv"
    with open(csv_path, "w", encoding="utf-8") as out:
        relation = f"{sql_identifier(schema)}.{sql_identifier(table)}"
        cursor.copy_expert(f"copy (select * from {relation}) to stdout with (format csv)", out)
    types = {
        column: _duckdb_type(kind, precision, scale) for column, kind, precision, scale in columns
    }
    if csv_path.stat().st_size == 0:  # read_csv needs a row
        definition = ", ".join(f"{sql_identifier(column)} {kind}" for column, kind in types.items())
        session.execute(f"create table {sql_identifier(name)} ({definition})")
        return
    spec = ", ".join(f"{sql_string(column)}: {sql_string(kind)}" for column, kind in types.items())
    session.execute(
        f"create table {sql_identifier(name)} as select * from read_csv(?, header = false, "
        f"columns = {{{spec}}}, quote = '\"', escape = '\"', allow_quoted_nulls = false)",
        [str(csv_path)],
    )


def _postgres_type(arrow_type) -> str:
    try:
        return POSTGRES_TYPES[str(arrow_type)]
    except KeyError:
        raise ValueError(f"no PostgreSQL type for the Arrow type {arrow_type}") from None


def _replace_table(cursor, session, result, schema: str, table: str, scratch: Path) -> int:
    """Replace schema.table with the pyarrow table ``result`` (within the caller's transaction)."""
    target = f"{sql_identifier(schema)}.{sql_identifier(table)}"
    columns = ", ".join(
        f"{sql_identifier(field.name)} {_postgres_type(field.type)}" for field in result.schema
    )
    cursor.execute(f"create schema if not exists {sql_identifier(schema)}")
    cursor.execute(f"drop table if exists {target}")
    cursor.execute(f"create table {target} ({columns})")
    csv_path = scratch / f"{table}.result.csv"
    session.register("strata_python_model_result", result)
    session.execute(
        f"copy strata_python_model_result to {sql_string(str(csv_path))} (header false)"
    )
    session.unregister("strata_python_model_result")
    with open(csv_path, encoding="utf-8") as data:
        cursor.copy_expert(f"copy {target} from stdin with (format csv)", data)
    cursor.execute(f"analyze {target}")  # as every dbt model (macros/engines/analyze.sql)
    return result.num_rows


def run_python_models(
    manifest_path: Path, target: str | None = None, log=print, only: set[str] | None = None
) -> None:
    """Run every Python model of the manifest (or those named in ``only``), in dependency order,
    on copies of its refs and write its table into the target's engine (PostgreSQL or Spark).
    Raises on the first failure."""
    engine = engine_of_target(target)
    # dbt runs in the repository root: relative paths of the profile (the Spark warehouse) are
    # relative to it here too.
    previous_directory = Path.cwd()
    os.chdir(REPO_ROOT)
    try:
        models = [m for m in python_models(manifest_path) if only is None or m.name in only]
        if not models:
            return
        tables = _SparkTables(target) if engine == "spark" else _PostgresTables()
        try:
            for model in models:
                rows = tables.run(model)
                log(f"  Python model {model.name}: {rows} rows into {model.schema}.{model.alias}")
        finally:
            tables.close()
    finally:
        os.chdir(previous_directory)


def _run_model(model: PythonModel, session):
    """The model's own ``model(dbt, session)`` on the DuckDB session holding copies of its refs."""
    spec = importlib.util.spec_from_file_location(f"strata_model_{model.name}", model.path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.model(_DbtObject(session, set(model.refs)), session)


def _duckdb_session():
    import duckdb

    session = duckdb.connect()
    session.execute("set TimeZone = 'UTC'")
    return session


class _PostgresTables:
    """Each model in its own PostgreSQL transaction: the refs copied out through CSV, the result
    copied in."""

    def __init__(self) -> None:
        self.connection = postgres_connect()

    def run(self, model: PythonModel) -> int:
        session = _duckdb_session()
        try:
            with (
                tempfile.TemporaryDirectory() as folder,
                self.connection,
                self.connection.cursor() as cursor,
            ):
                scratch = Path(folder)
                for name, (schema, table) in model.refs.items():
                    _copy_into_duckdb(cursor, session, name, schema, table, scratch)
                result = _run_model(model, session)
                return _replace_table(cursor, session, result, model.schema, model.alias, scratch)
        finally:
            session.close()

    def close(self) -> None:
        self.connection.close()


class _SparkTables:
    """The target's Spark session: the refs read as Arrow, the result written as a Parquet table
    (dropped and written again, as dbt-spark writes a table on plain Parquet)."""

    def __init__(self, target: str | None) -> None:
        self.spark = spark_session(target)

    def run(self, model: PythonModel) -> int:
        session = _duckdb_session()
        try:
            for name, (schema, table) in model.refs.items():
                relation = f"{_spark_identifier(schema)}.{_spark_identifier(table)}"
                session.register("strata_ref_arrow", spark_table_as_arrow(self.spark, relation))
                session.execute(
                    f"create table {sql_identifier(name)} as select * from strata_ref_arrow"
                )
                session.unregister("strata_ref_arrow")
            result = _run_model(model, session)
        finally:
            session.close()
        target = f"{_spark_identifier(model.schema)}.{_spark_identifier(model.alias)}"
        if not self.spark.catalog.databaseExists(model.schema):
            self.spark.sql(f"create schema {_spark_identifier(model.schema)}")
        self.spark.sql(f"drop table if exists {target}")
        self.spark.createDataFrame(result).write.format("parquet").saveAsTable(target)
        return result.num_rows

    def close(self) -> None:
        """Stop the session and its JVM: the embedded catalog is free for dbt's next build only
        once the JVM that opened it has exited."""
        from pyspark import SparkContext

        gateway = SparkContext._gateway
        self.spark.stop()
        if gateway is not None:
            gateway.shutdown()
            gateway.proc.terminate()
            gateway.proc.wait()
            SparkContext._gateway = None
            SparkContext._jvm = None


def spark_session(target: str | None):
    """A Spark session with the settings of a spark target of profiles/profiles.yml (one per
    process: a second call returns the same session)."""
    import warnings

    # pyspark 4.3 warns that it does not support pandas 3, which is not used here
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        from pyspark.sql import SparkSession

        builder = SparkSession.builder.enableHiveSupport()
        for key, value in spark_session_settings(target).items():
            builder = builder.config(key, value)
        return builder.getOrCreate()


def spark_table_as_arrow(spark, relation: str):
    """A Spark table as an Arrow table, its timestamps naive UTC as dbt-duckdb gives them (Spark's
    arrive zoned, in UTC)."""
    import pyarrow as pa

    data = spark.table(relation).toArrow()
    fields = [
        pa.field(field.name, pa.timestamp("us")) if pa.types.is_timestamp(field.type) else field
        for field in data.schema
    ]
    return data.cast(pa.schema(fields))


def _spark_identifier(name: str) -> str:
    return "`" + name.replace("`", "``") + "`"


def spark_session_settings(target: str | None) -> dict[str, str]:
    """The Spark settings of a spark target of profiles/profiles.yml (its server_side_parameters,
    their env_var() calls rendered), with ANSI mode off as dbt-spark sets it."""
    import jinja2
    import yaml

    output = yaml.safe_load((REPO_ROOT / "profiles" / "profiles.yml").read_text())["strata"][
        "outputs"
    ][target or "spark"]
    if output.get("method") != "session":
        raise ValueError(
            f"the Python models run on Spark only for a target with method: session; target "
            f"{target!r} has method {output.get('method')!r} (README, 'Running on Spark / "
            "PostgreSQL')"
        )
    environment = jinja2.Environment()
    environment.globals["env_var"] = lambda name, default=None: os.environ.get(name, default)
    settings = {
        str(key): environment.from_string(str(value)).render()
        for key, value in output.get("server_side_parameters", {}).items()
    }
    settings["spark.sql.ansi.enabled"] = "false"
    return settings
