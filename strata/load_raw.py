"""``strata load-raw``: copy the raw files into PostgreSQL, which cannot read them itself.

    strata load-raw [--raw-path DIR]

On DuckDB (and Spark) dbt reads ``<raw_path>/<table>.parquet`` or ``.csv`` directly
(macros/raw/register_raw_tables.sql). A PostgreSQL server cannot read the files of the machine
that runs dbt, so on the ``postgres`` target they are copied first: every ``*.parquet`` and
``*.csv`` file of the folder becomes the table ``raw_files.<name>`` (Parquet preferred when both
exist, as on DuckDB), read by DuckDB the way the DuckDB build reads it (Parquet with its types,
CSV as text) and sent with COPY. The table ``raw_files.strata_raw_load`` records the folder, each
file and the MD5 and size of its bytes; the build reads the raw tables from there, checks that
its ``raw_path`` is the folder loaded, and uses the fingerprints as the DuckDB build uses the
files'.

Everything is replaced in one transaction: a load that fails leaves the previous load whole.
The connection is the ``postgres`` target's: ``STRATA_PG_HOST``, ``STRATA_PG_PORT``,
``STRATA_PG_USER``, ``STRATA_PG_PASSWORD`` and ``STRATA_PG_DATABASE`` (profiles/profiles.yml).
"""

from __future__ import annotations

import argparse
import hashlib
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from strata import engines
from strata.project import repo_relative
from strata.sql import sql_identifier, sql_string

RAW_FILES_SCHEMA = "raw_files"
LOAD_TABLE = "strata_raw_load"
DEFAULT_RAW_PATH = "data/raw"
#: DuckDB type (its name, or the part before '(') -> PostgreSQL type; anything else is sent as
#: text. CSV files are read as text, as the DuckDB build reads them.
POSTGRES_TYPES = {
    "VARCHAR": "text",
    "BOOLEAN": "boolean",
    "TINYINT": "smallint",
    "SMALLINT": "smallint",
    "INTEGER": "integer",
    "BIGINT": "bigint",
    "HUGEINT": "numeric",
    "UTINYINT": "smallint",
    "USMALLINT": "integer",
    "UINTEGER": "bigint",
    "UBIGINT": "numeric",
    "FLOAT": "real",
    "DOUBLE": "double precision",
    "DECIMAL": "numeric",
    "DATE": "date",
    "TIMESTAMP": "timestamp",
    "TIMESTAMP_S": "timestamp",
    "TIMESTAMP_MS": "timestamp",
    "TIMESTAMP_NS": "timestamp",
    "TIMESTAMP WITH TIME ZONE": "timestamptz",
}

DESCRIPTION = (
    "Copy the raw files (<raw path>/<table>.parquet or .csv) into the PostgreSQL database of "
    "the postgres target (schema raw_files), in one transaction. Run it before `strata build "
    "--target postgres` whenever the files change (README, 'Running on Spark / PostgreSQL')."
)


@dataclass(frozen=True)
class RawFile:
    table: str
    path: Path
    reader: str  # DuckDB table function reading the file

    @property
    def fingerprint(self) -> str:
        """MD5 and size of the file's bytes: the value the DuckDB build computes for the file."""
        digest = hashlib.md5()
        with open(self.path, "rb") as file:
            for block in iter(lambda: file.read(1 << 20), b""):
                digest.update(block)
        return f"{digest.hexdigest()}:{self.path.stat().st_size}"


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--raw-path",
        default=DEFAULT_RAW_PATH,
        help="folder of the raw files, as the build's raw_path var gives it "
        f"(default {DEFAULT_RAW_PATH}, relative to the repository)",
    )


def raw_files(folder: Path) -> list[RawFile]:
    """The folder's files, one per table name: Parquet when there are both."""
    found: dict[str, RawFile] = {}
    for extension in ("csv", "parquet"):
        for path in sorted(folder.glob(f"*.{extension}")):
            quoted = sql_string(str(path))
            reader = (
                f"read_parquet({quoted})"
                if extension == "parquet"
                else f"read_csv({quoted}, header = true, all_varchar = true, delim = ',', "
                "quote = '\"', escape = '\"')"
            )
            found[path.stem] = RawFile(path.stem, path, reader)
    return [found[name] for name in sorted(found)]


def postgres_type(duckdb_type: str) -> str:
    name = duckdb_type.split("(")[0].strip().upper()
    return POSTGRES_TYPES.get(name, "text")


def load(raw_path: str, folder: Path, connection) -> list[tuple[str, int]]:
    """Replace raw_files with the folder's files in one transaction; returns (table, rows)."""
    import duckdb

    files = raw_files(folder)
    if not files:
        raise FileNotFoundError(f"no .parquet or .csv file in {folder}")
    reader = duckdb.connect()
    reader.execute("set TimeZone = 'UTC'")
    loaded = []
    with connection, connection.cursor() as cursor, tempfile.TemporaryDirectory() as scratch:
        cursor.execute(f"drop schema if exists {RAW_FILES_SCHEMA} cascade")
        cursor.execute(f"create schema {RAW_FILES_SCHEMA}")
        cursor.execute(
            f"create table {RAW_FILES_SCHEMA}.{LOAD_TABLE} (raw_path text not null, "
            "table_name text not null, file_path text not null, fingerprint text not null, "
            "row_count bigint not null, loaded_at timestamptz not null default now())"
        )
        for raw in files:
            columns = reader.execute(f"describe select * from {raw.reader}").fetchall()
            table = f"{RAW_FILES_SCHEMA}.{sql_identifier(raw.table)}"
            cursor.execute(
                f"create table {table} ("
                + ", ".join(
                    f"{sql_identifier(name.lower())} {postgres_type(kind)}"
                    for name, kind, *_ in columns
                )
                + ")"
            )
            selected = ", ".join(
                sql_identifier(name)
                if postgres_type(kind) != "text" or kind.upper() == "VARCHAR"
                else f"cast({sql_identifier(name)} as varchar)"
                for name, kind, *_ in columns
            )
            csv_path = Path(scratch) / f"{raw.table}.csv"
            reader.execute(
                f"copy (select {selected} from {raw.reader}) to {sql_string(str(csv_path))} "
                "(header false)"
            )
            with open(csv_path, encoding="utf-8") as data:
                cursor.copy_expert(f"copy {table} from stdin with (format csv)", data)
            rows = cursor.rowcount
            cursor.execute(
                f"insert into {RAW_FILES_SCHEMA}.{LOAD_TABLE} "
                "(raw_path, table_name, file_path, fingerprint, row_count) "
                "values (%s, %s, %s, %s, %s)",
                (raw_path, raw.table, str(raw.path), raw.fingerprint, rows),
            )
            loaded.append((raw.table, rows))
    return loaded


def run(args: argparse.Namespace) -> int:
    import psycopg2

    raw_path = str(args.raw_path).rstrip("/") or "/"
    folder = repo_relative(raw_path)
    if not folder.is_dir():
        print(f"strata load-raw: {folder} is not a folder", flush=True)
        return 1
    started = time.monotonic()
    try:
        connection = engines.postgres_connect()
    except psycopg2.OperationalError as error:
        where = engines.postgres_where()
        print(f"strata load-raw: cannot connect to {where}: {error}".strip(), flush=True)
        return 1
    try:
        loaded = load(raw_path, folder, connection)
    except (FileNotFoundError, psycopg2.Error) as error:
        print(f"strata load-raw: {error}".strip(), flush=True)
        return 1
    finally:
        connection.close()
    tables = ", ".join(f"{table}={rows}" for table, rows in loaded)
    print(
        f"loaded {raw_path} into {engines.postgres_where()}, schema {RAW_FILES_SCHEMA}: {tables} "
        f"in {time.monotonic() - started:.1f}s",
        flush=True,
    )
    return 0
