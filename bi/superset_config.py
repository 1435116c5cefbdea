"""Superset's configuration for Strata's local BI (make bi; README "BI dashboard").

Superset reads this file through SUPERSET_CONFIG_PATH (bi/strata_bi.py sets it). Its state, the
SQLite metadata database and the secret key, lives in SUPERSET_HOME (default warehouse/bi). It
serves on 127.0.0.1 only, for one local analyst; a shared deployment needs its own config
(a real metadata database, HTTPS, its own secret and users).
"""

import os
import secrets
from pathlib import Path

HOME = Path(os.environ["SUPERSET_HOME"]).resolve()
HOME.mkdir(parents=True, exist_ok=True)

SQLALCHEMY_DATABASE_URI = f"sqlite:///{HOME / 'superset.db'}?check_same_thread=false"


def _secret_key() -> str:
    """STRATA_BI_SECRET_KEY, else a random key made once and kept in SUPERSET_HOME."""
    if os.environ.get("STRATA_BI_SECRET_KEY"):
        return os.environ["STRATA_BI_SECRET_KEY"]
    path = HOME / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret_key()

# The served DuckDB file is a local file: Superset refuses file-backed databases unless told.
# Safe here because the instance listens on 127.0.0.1 and the database is opened read-only.
PREVENT_UNSAFE_DB_CONNECTIONS = False
ALLOWED_UNSAFE_DB_DIALECTS = {"duckdb"}

# Local use over plain HTTP: no HTTPS-only headers or strict CSP (they would block the page).
TALISMAN_ENABLED = False
WTF_CSRF_ENABLED = True
RATELIMIT_ENABLED = False

# No result cache: a reload after `make refresh` shows the new data at once.
DATA_CACHE_CONFIG = {"CACHE_TYPE": "NullCache"}
# The charts of the latest snapshot filter with a sub-query (snapshot_date = the max).
FEATURE_FLAGS = {"DASHBOARD_VIRTUALIZATION": False, "ALLOW_ADHOC_SUBQUERY": True}
