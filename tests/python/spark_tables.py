"""Write every table of a schema of the spark target's warehouse to <out>/<table>.parquet.

Run as a script by test_engines.py (``python spark_tables.py SCHEMA OUT``, STRATA_SPARK_DIR
naming the warehouse): a Spark session of the test process itself would keep the warehouse's
embedded catalog locked against the next build, and one process can hold only one Spark
session's settings. Timestamps are written naive (UTC), as DuckDB's marts hold them.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pyarrow.parquet as pq

from strata.engines import spark_session, spark_table_as_arrow


def main(schema: str, out: Path) -> None:
    spark = spark_session("spark")
    out.mkdir(parents=True, exist_ok=True)
    try:
        for row in spark.sql(f"show tables in {schema}").collect():
            data = spark_table_as_arrow(spark, f"{schema}.{row.tableName}")
            pq.write_table(data, out / f"{row.tableName}.parquet")
    finally:
        spark.stop()


if __name__ == "__main__":
    main(sys.argv[1], Path(sys.argv[2]))
