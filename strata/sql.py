"""Quoting values into DuckDB SQL text (for statements that take no parameters, such as ATTACH,
COPY or COMMENT)."""

from __future__ import annotations


def sql_string(value: str) -> str:
    """``value`` as a single-quoted SQL string literal."""
    return "'" + value.replace("'", "''") + "'"


def sql_identifier(value: str) -> str:
    """``value`` as a double-quoted SQL identifier."""
    return '"' + value.replace('"', '""') + '"'
