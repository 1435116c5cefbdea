"""Write every table of a schema of the spark target's warehouse to <out>/<table>.parquet.

Run as a script by test_engines.py (``python spark_tables.py SCHEMA OUT``, STRATA_SPARK_DIR
naming the warehouse): a Spark session of the test process itself would keep the warehouse's
embedded catalog locked against the next build, and one process can hold only one Spark
session's settings. Timestamps are written naive (UTC), as DuckDB's marts hold them.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from pyspark.sql import SparkSession

from strata.engines import spark_session_settings


def main(schema: str, out: Path) -> None:
    builder = SparkSession.builder.enableHiveSupport()
    for key, value in spark_session_settings("spark").items():
        builder = builder.config(key, value)
    spark = builder.getOrCreate()
    out.mkdir(parents=True, exist_ok=True)
    try:
        for row in spark.sql(f"show tables in {schema}").collect():
            data = spark.table(f"{schema}.{row.tableName}").toArrow()
            fields = [
                pa.field(f.name, pa.timestamp("us")) if pa.types.is_timestamp(f.type) else f
                for f in data.schema
            ]
            pq.write_table(data.cast(pa.schema(fields)), out / f"{row.tableName}.parquet")
    finally:
        spark.stop()


if __name__ == "__main__":
    main(sys.argv[1], Path(sys.argv[2]))
