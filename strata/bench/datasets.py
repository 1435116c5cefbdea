"""Benchmark data: the generated raw folder (reused via its manifest) and the same data plus one
new day of transactions for the incremental run."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
import sys
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from strata.bench.common import RAW_TABLES, Paths, log_tail, progress, run_measured
from strata.sql import sql_string


@dataclass(frozen=True)
class DataSpec:
    """Parameters of the generated data set."""

    customers: int
    months: int
    end_date: dt.date
    seed: int

    @property
    def folder_name(self) -> str:
        """Folder name that identifies the parameters."""
        return f"c{self.customers}_m{self.months}_e{self.end_date:%Y%m%d}_s{self.seed}"

    @property
    def new_day(self) -> dt.date:
        """The day appended for the incremental run."""
        return self.end_date + dt.timedelta(days=1)


@dataclass(frozen=True)
class RawData:
    """A raw folder and its row counts."""

    folder: Path
    transactions: int
    customers: int
    events: int
    generated_s: float | None  # None when reused


def file_sha256(path: Path) -> str:
    """SHA-256 of a file's content."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def parquet_rows(path: Path) -> int:
    """Row count from a Parquet footer."""
    return pq.ParquetFile(path).metadata.num_rows


def read_manifest(folder: Path) -> dict | None:
    """The folder's manifest.json, or None."""
    path = folder / "manifest.json"
    if not path.exists():
        return None
    return json.loads(path.read_text())


def manifest_matches(folder: Path, params: dict) -> bool:
    """Whether ``folder`` holds complete output made with exactly ``params``."""
    manifest = read_manifest(folder)
    if manifest is None or manifest.get("params") != params:
        return False
    return all((folder / f"{table}.parquet").exists() for table in RAW_TABLES)


def write_manifest(folder: Path, params: dict, rows: dict[str, int]) -> None:
    """Record how the folder was made (read back by :func:`manifest_matches`)."""
    manifest = {
        "params": params,
        "rows": rows,
        "created": dt.datetime.now(dt.timezone.utc).isoformat(),
    }
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")


def raw_data_from(folder: Path, generated_s: float | None) -> RawData:
    """Count the rows of a raw folder."""
    rows = {t: parquet_rows(folder / f"{t}.parquet") for t in RAW_TABLES}
    return RawData(folder, rows["transactions"], rows["customers"], rows["events"], generated_s)


def generator_of(project: Path) -> tuple[Path, list[str]]:
    """The project's own generator: its source (hashed: a changed generator makes new data) and
    the command that runs it in the project folder. Checkouts from before the strata package
    have scripts/generate_data.py."""
    module = project / "strata" / "generate.py"
    if module.exists():
        return module, [sys.executable, "-m", "strata", "generate"]  # the project's package
    script = project / "scripts" / "generate_data.py"
    return script, [sys.executable, str(script)]


def ensure_base_data(spec: DataSpec, project: Path, paths: Paths) -> RawData:
    """Generate the base raw folder, or reuse it when its manifest matches."""
    generator, generate = generator_of(project)
    folder = paths.data / spec.folder_name
    params = {
        "generator_sha256": file_sha256(generator),
        "customers": spec.customers,
        "months": spec.months,
        "end_date": spec.end_date.isoformat(),
        "seed": spec.seed,
        "format": "parquet",
    }
    if manifest_matches(folder, params):
        progress(f"reusing generated data {folder}")
        return raw_data_from(folder, None)
    progress(f"generating {spec.customers:,} customers x {spec.months} months into {folder}")
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    command = [
        *generate, "--out", str(folder),
        "--customers", str(spec.customers), "--months", str(spec.months),
        "--end-date", spec.end_date.isoformat(), "--seed", str(spec.seed), "--format", "parquet",
    ]  # fmt: skip
    measured = run_measured(command, paths.logs / "generate.log", cwd=project)
    if not measured.ok:
        raise RuntimeError(f"data generation failed:\n{log_tail(measured.log_path)}")
    data = raw_data_from(folder, measured.wall_s)
    write_manifest(
        folder,
        params,
        {"transactions": data.transactions, "customers": data.customers, "events": data.events},
    )
    return data


NEW_DAY_SQL = """
with
base as (
    select * from read_parquet({base})
),
bounds as (
    select
        date_trunc('month', max(transacted_at)) as last_month_start,
        -- the plain t<digits> ids (the generator's campaign purchases are tc<digits>)
        max(try_cast(substr(transaction_id, 2) as bigint)) as last_number,
        cast(max(length(transaction_id)) filter (
            where try_cast(substr(transaction_id, 2) as bigint) is not null
        ) - 1 as integer) as digits
    from base
),
last_month as (
    select base.*
    from base, bounds
    where base.transacted_at >= bounds.last_month_start
),
picked as (
    select *
    from last_month
    order by hash(transaction_id, {seed}), transaction_id
    limit {rows}
)
select
    't' || lpad(
        cast(bounds.last_number + row_number() over (order by picked.transaction_id) as varchar),
        bounds.digits,
        '0'
    ) as transaction_id,
    picked.customer_id,
    cast({day} as timestamp)
    + (picked.transacted_at - cast(cast(picked.transacted_at as date) as timestamp))
        as transacted_at,
    picked.amount
from picked, bounds
order by transaction_id
"""


def typical_day_rows(base_file: Path) -> int:
    """Average transactions per day of the base data (about 1/730 of it for 24 months)."""
    connection = duckdb.connect()
    try:
        row = connection.execute(
            "select count(*) / (max(cast(transacted_at as date))"
            " - min(cast(transacted_at as date)) + 1) from read_parquet(?)",
            [str(base_file)],
        ).fetchone()
    finally:
        connection.close()
    assert row is not None
    return max(1, round(float(row[0])))


def new_day_table(base_file: Path, day: dt.date, rows: int, seed: int) -> pa.Table:
    """``rows`` transactions of the base's last month, seeded sample, re-dated to ``day``.

    New transaction ids continue the base numbering; customers, amounts (purchases, refunds and
    zero rows alike) and times of day are kept.
    """
    sql = NEW_DAY_SQL.format(
        base=sql_string(str(base_file)),
        seed=int(seed),
        rows=int(rows),
        day=sql_string(day.isoformat()),
    )
    connection = duckdb.connect()
    try:
        table = connection.sql(sql).to_arrow_table()
    finally:
        connection.close()
    return table.cast(pq.ParquetFile(base_file).schema_arrow)


def write_appended(base_file: Path, extra: pa.Table, out_file: Path) -> None:
    """Write ``base_file``'s row groups unchanged, then ``extra`` as one more row group."""
    source = pq.ParquetFile(base_file)
    tmp = out_file.with_name(f".{out_file.name}.tmp")
    with pq.ParquetWriter(tmp, source.schema_arrow, compression="snappy") as writer:
        for index in range(source.num_row_groups):
            group = source.read_row_group(index)
            writer.write_table(group, row_group_size=max(group.num_rows, 1))
        writer.write_table(extra, row_group_size=max(extra.num_rows, 1))
    tmp.replace(out_file)


def link_or_copy(source: Path, link: Path) -> None:
    """Make ``link`` point at ``source`` (a relative symlink, or a copy where links fail)."""
    link.unlink(missing_ok=True)
    try:
        link.symlink_to(os.path.relpath(source, link.parent))
    except OSError:
        shutil.copy2(source, link)


def ensure_new_day_data(
    spec: DataSpec, base: RawData, day_rows: int | None, paths: Paths
) -> RawData:
    """The base data plus one day of transactions (``spec.new_day``), made once and reused."""
    folder = paths.data / f"{spec.folder_name}_plus_{spec.new_day:%Y%m%d}"
    base_file = base.folder / "transactions.parquet"
    rows = day_rows if day_rows is not None else typical_day_rows(base_file)
    params = {
        "base_manifest_sha256": file_sha256(base.folder / "manifest.json"),
        "day": spec.new_day.isoformat(),
        "day_rows": rows,
        "seed": spec.seed,
    }
    if manifest_matches(folder, params):
        progress(f"reusing new-day data {folder}")
        return raw_data_from(folder, None)
    progress(f"writing {folder}: base + {rows:,} transactions on {spec.new_day}")
    started = time.perf_counter()
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    extra = new_day_table(base_file, spec.new_day, rows, spec.seed)
    write_appended(base_file, extra, folder / "transactions.parquet")
    # every other raw table the generator wrote (customers, events, and what newer generators
    # add: campaign assignments, marketing spend), unchanged
    for path in sorted(base.folder.glob("*.parquet")):
        if path.name != "transactions.parquet":
            link_or_copy(path, folder / path.name)
    data = raw_data_from(folder, time.perf_counter() - started)
    write_manifest(
        folder,
        params,
        {"transactions": data.transactions, "customers": data.customers, "events": data.events},
    )
    return data


def point_raw_link(paths: Paths, folder: Path) -> None:
    """Switch the stable ``raw-current`` symlink to ``folder``."""
    tmp = paths.raw_link.with_name(paths.raw_link.name + ".tmp")
    tmp.unlink(missing_ok=True)
    tmp.symlink_to(folder.resolve())
    tmp.replace(paths.raw_link)


def warm_page_cache(files: Iterable[Path]) -> None:
    """Read files once so that the first timed step does not pay for a cold disk cache."""
    for path in files:
        with open(path, "rb") as handle:
            while handle.read(16 * 1024 * 1024):
                pass
