"""Where the dbt project is, and where its warehouse goes."""

from __future__ import annotations

import os
from pathlib import Path


def _project_root() -> Path:
    """The repository holding this package (installed editable, as `make install` does); else the
    current directory (a package installed elsewhere runs on the project it is started in)."""
    repository = Path(__file__).resolve().parents[1]
    return repository if (repository / "dbt_project.yml").exists() else Path.cwd()


REPO_ROOT = _project_root()
WAREHOUSE_ENV = "STRATA_DUCKDB_PATH"
DEFAULT_WAREHOUSE = "warehouse/strata.duckdb"


def warehouse_setting() -> str:
    """``$STRATA_DUCKDB_PATH``, else the default; as given (dbt reads it from the repo root)."""
    return os.environ.get(WAREHOUSE_ENV) or DEFAULT_WAREHOUSE


def repo_relative(value: str | Path) -> Path:
    """Paths from the environment and defaults are relative to the repo root, as for dbt."""
    path = Path(value).expanduser()
    return path if path.is_absolute() else REPO_ROOT / path


def cwd_relative(value: str | Path) -> Path:
    """Paths given on the command line are relative to the current directory."""
    return Path(value).expanduser().resolve()
