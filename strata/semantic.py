"""The semantic layer in process: MetricFlow's query engine over an open DuckDB connection.

``mf query`` (README "Semantic layer") reaches the warehouse through the dbt adapter, which opens
the file read-write. The scheduled refresh publishes the saved queries while it holds the
warehouse open read-only, and the tests query a fixture warehouse they also read; both use this
module instead: the same MetricFlow engine, the same semantic manifest dbt writes
(``target/semantic_manifest.json``), with the SQL run on the given connection.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from strata.dbt import SEMANTIC_MANIFEST_FILE

__all__ = ["SEMANTIC_MANIFEST_FILE", "open_engine", "query", "saved_query_names"]


class DuckDBConnectionClient:
    """MetricFlow's SqlClient protocol (metricflow.protocols.sql_client) on a DuckDB
    connection; the SQL is rendered for DuckDB. Bind parameters are not used by MetricFlow's
    query path and are refused, as dbt-metricflow's own client does."""

    def __init__(self, connection: duckdb.DuckDBPyConnection) -> None:
        from metricflow.sql.render.duckdb_renderer import DuckDbSqlPlanRenderer

        self._connection = connection
        self._renderer = DuckDbSqlPlanRenderer()

    @property
    def sql_engine_type(self):
        from metricflow.protocols.sql_client import SqlEngine

        return SqlEngine.DUCKDB

    @property
    def sql_plan_renderer(self):
        return self._renderer

    @staticmethod
    def _no_parameters(sql_bind_parameter_set) -> None:
        if sql_bind_parameter_set is not None and sql_bind_parameter_set.param_dict:
            raise ValueError(f"bind parameters are not supported: {sql_bind_parameter_set}")

    def query(self, stmt: str, sql_bind_parameter_set=None):
        from metricflow.data_table.mf_table import MetricFlowDataTable

        self._no_parameters(sql_bind_parameter_set)
        cursor = self._connection.execute(stmt)
        columns = [column[0] for column in cursor.description]
        return MetricFlowDataTable.create_from_rows(
            column_names=columns, rows=[list(row) for row in cursor.fetchall()]
        )

    def execute(self, stmt: str, sql_bind_parameter_set=None) -> None:
        self._no_parameters(sql_bind_parameter_set)
        self._connection.execute(stmt)

    def dry_run(self, stmt: str, sql_bind_parameter_set=None) -> None:
        self._no_parameters(sql_bind_parameter_set)
        self._connection.execute(f"explain {stmt}")

    def close(self) -> None:  # the caller owns the connection
        pass

    def render_bind_parameter_key(self, bind_parameter_key: str) -> str:
        raise ValueError("bind parameters are not supported")


def load_semantic_manifest(path: Path):
    """The semantic manifest dbt wrote (``<target>/semantic_manifest.json``)."""
    from metricflow_semantics.model.dbt_manifest_parser import (
        parse_manifest_from_dbt_generated_manifest,
    )

    return parse_manifest_from_dbt_generated_manifest(manifest_json_string=path.read_text())


def open_engine(semantic_manifest_path: Path, connection: duckdb.DuckDBPyConnection):
    """MetricFlow's engine for the manifest, running its SQL on ``connection``."""
    from metricflow.engine.metricflow_engine import MetricFlowEngine
    from metricflow_semantics.model.semantic_manifest_lookup import SemanticManifestLookup

    manifest = load_semantic_manifest(semantic_manifest_path)
    return MetricFlowEngine(
        semantic_manifest_lookup=SemanticManifestLookup(manifest),
        sql_client=DuckDBConnectionClient(connection),
    )


@dataclass
class QueryResult:
    columns: list[str]
    rows: list[tuple[Any, ...]]
    sql: str

    def dicts(self) -> list[dict[str, Any]]:
        return [dict(zip(self.columns, row, strict=True)) for row in self.rows]


def query(
    engine,
    *,
    metrics: Sequence[str] | None = None,
    group_by: Sequence[str] | None = None,
    saved_query: str | None = None,
    where: Sequence[str] | None = None,
    order_by: Sequence[str] | None = None,
) -> QueryResult:
    """Run a metric query, or a saved query, as ``mf query`` would."""
    from metricflow.engine.metricflow_engine import MetricFlowQueryRequest

    request = MetricFlowQueryRequest.create(
        saved_query_name=saved_query,
        metric_names=list(metrics) if metrics else None,
        group_by_names=list(group_by) if group_by else None,
        where_constraints=list(where) if where else None,
        order_by_names=list(order_by) if order_by else None,
    )
    result = engine.query(request)
    table = result.result_df
    return QueryResult(list(table.column_names), [tuple(row) for row in table.rows], result.sql)


def saved_query_names(semantic_manifest_path: Path) -> list[str]:
    """The saved queries of the manifest, by name."""
    data = json.loads(semantic_manifest_path.read_text())
    return sorted(saved["name"] for saved in data.get("saved_queries", []))
