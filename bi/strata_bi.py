"""Strata's Superset, provisioned from the files in bi/ (make bi, make bi-export; README
"BI dashboard"). Runs with .venv-bi's Python, which has Superset; it does not import strata.

    python bi/strata_bi.py template                 # once per .venv-bi: an initialised metadata DB
    python bi/strata_bi.py setup --home DIR --serving FILE
    python bi/strata_bi.py serve --home DIR --port 8088
    python bi/strata_bi.py export --home DIR [--out bi/assets]   # the UI's edits -> bi/assets

setup: Superset's metadata (SQLite in DIR) from the template, the local login (STRATA_BI_USER /
STRATA_BI_PASSWORD, default admin / strata-local), and the datasets, charts and dashboard of
bi/assets imported (overwritten by uuid) with the database pointed read-only at FILE.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import yaml

BI_DIR = Path(__file__).resolve().parent
ASSETS = BI_DIR / "assets"
CONFIG = BI_DIR / "superset_config.py"
SERVING_PLACEHOLDER = "__STRATA_SERVING_FILE__"
TEMPLATE = Path(sys.prefix) / "superset-metadata-template.db"
DEFAULT_USER = "admin"  # superset export-dashboards looks the user 'admin' up by name
DEFAULT_PASSWORD = "strata-local"  # a local default, documented; set STRATA_BI_PASSWORD


def credentials() -> tuple[str, str]:
    return (
        os.environ.get("STRATA_BI_USER") or DEFAULT_USER,
        os.environ.get("STRATA_BI_PASSWORD") or DEFAULT_PASSWORD,
    )


def superset(home: Path, *args: str, capture: bool = True) -> subprocess.CompletedProcess:
    """Run the superset command of this environment on the metadata in ``home``."""
    env = {
        **os.environ,
        "SUPERSET_CONFIG_PATH": str(CONFIG),
        "SUPERSET_HOME": str(home),
        "FLASK_APP": "superset",
    }
    command = [str(Path(sys.executable).with_name("superset")), *args]
    result = subprocess.run(command, env=env, capture_output=capture, text=True, check=False)
    if result.returncode != 0:
        output = (result.stdout or "") + (result.stderr or "") if capture else ""
        what = " ".join(args[:2])
        sys.exit(f"superset {what} failed (exit {result.returncode}):\n{output[-3000:]}")
    return result


def make_template() -> None:
    """`superset db upgrade` and `superset init` once, kept next to the environment: each setup
    copies it instead of migrating a new metadata database (about 20 s)."""
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp)
        superset(home, "db", "upgrade")
        superset(home, "init")
        shutil.copy2(home / "superset.db", TEMPLATE)
    print(f"Superset metadata template: {TEMPLATE}")


def bundle(serving_file: Path, destination: Path) -> Path:
    """bi/assets as the zip Superset imports (one root folder), the database pointed at the
    served file."""
    with zipfile.ZipFile(destination, "w") as archive:
        for path in sorted(ASSETS.rglob("*.yaml")):
            text = path.read_text()
            if path.parent.name == "databases":
                text = text.replace(SERVING_PLACEHOLDER, str(serving_file.resolve()))
            archive.writestr(f"strata_bi/{path.relative_to(ASSETS)}", text)
    return destination


def setup(home: Path, serving_file: Path) -> None:
    if not serving_file.exists():
        sys.exit(f"{serving_file} is missing: run make demo, then make refresh (it serves marts)")
    home.mkdir(parents=True, exist_ok=True)
    metadata = home / "superset.db"
    if not metadata.exists():
        if TEMPLATE.exists():
            shutil.copy2(TEMPLATE, metadata)
        else:
            superset(home, "db", "upgrade")
            superset(home, "init")
    user, password = credentials()
    users = superset(home, "fab", "list-users").stdout
    if f"username:{user} " not in users.replace("\n", " ") + " ":
        superset(
            home, "fab", "create-admin", "--username", user, "--firstname", "Strata",
            "--lastname", "Analyst", "--email", f"{user}@localhost", "--password", password,
        )  # fmt: skip
    else:
        superset(home, "fab", "reset-password", "--username", user, "--password", password)
    with tempfile.TemporaryDirectory() as tmp:
        archive = bundle(serving_file, Path(tmp) / "strata_bi.zip")
        superset(home, "import-dashboards", "--path", str(archive), "--username", user)
    print(f"Imported bi/assets into {home} (database: {serving_file.resolve()}, read-only)")


def serve(home: Path, port: int) -> None:
    user, _ = credentials()
    print(f"Superset: http://127.0.0.1:{port}/superset/dashboard/customer-tiers/", flush=True)
    print(f"Login: {user} / the password in STRATA_BI_PASSWORD (default {DEFAULT_PASSWORD})")
    superset(home, "run", "-h", "127.0.0.1", "-p", str(port), "--with-threads", capture=False)


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")


def export(home: Path, out: Path = ASSETS) -> None:
    """Write the dashboards of the metadata in ``home`` back to ``out`` (bi/assets): file names
    from the objects' names, the served file's path replaced by the placeholder, old files
    removed."""
    with tempfile.TemporaryDirectory() as tmp:
        archive = Path(tmp) / "export.zip"
        superset(home, "export-dashboards", "--dashboard-file", str(archive))
        files: dict[str, str] = {}
        with zipfile.ZipFile(archive) as exported:
            for name in exported.namelist():
                parts = Path(name).parts[1:]  # drop the root folder
                if not parts or not name.endswith(".yaml"):
                    continue
                text = exported.read(name).decode()
                data = yaml.safe_load(text)
                kind = parts[0]
                if kind == "databases":
                    data["sqlalchemy_uri"] = f"duckdb:///{SERVING_PLACEHOLDER}"
                    target = f"databases/{_slug(data['database_name'])}.yaml"
                elif kind == "datasets":
                    target = f"datasets/{parts[1]}/{_slug(data['table_name'])}.yaml"
                elif kind == "charts":
                    target = f"charts/{_slug(data['slice_name'])}.yaml"
                elif kind == "metadata.yaml":
                    data.pop("timestamp", None)  # changes at every export: noise in a diff
                    target = "metadata.yaml"
                elif kind == "dashboards":
                    target = f"dashboards/{_slug(data['dashboard_title'])}.yaml"
                else:
                    target = "/".join(parts)
                files[target] = yaml.safe_dump(data, sort_keys=False, width=100)
    for old in out.rglob("*.yaml"):
        old.unlink()
    for target, text in files.items():
        path = out / target
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    print(f"Wrote {len(files)} files to {out}: review them with git diff")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("template")
    for name in ("setup", "serve", "export"):
        command = commands.add_parser(name)
        command.add_argument("--home", type=Path, required=True)
        if name == "setup":
            command.add_argument("--serving", type=Path, required=True)
        if name == "serve":
            command.add_argument("--port", type=int, default=8088)
        if name == "export":
            command.add_argument("--out", type=Path, default=ASSETS)
    args = parser.parse_args()
    if args.command == "template":
        make_template()
    elif args.command == "setup":
        setup(args.home, args.serving)
    elif args.command == "serve":
        serve(args.home, args.port)
    else:
        export(args.home, args.out)


if __name__ == "__main__":
    main()
