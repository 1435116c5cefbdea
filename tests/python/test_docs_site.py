"""The docs site (make docs, README "Docs site and exposures") and the exposures.

`dbt docs generate --static` on a generated warehouse (the shared fixture `built`): the site's
files are written, and its catalog, which lists the columns the marts really have, has a
description for every one of them. The exposure of the served copy lists every mart that
`strata refresh` serves.
"""

from __future__ import annotations

import json

from conftest import parsed_manifest, run_dbt

MARTS_SCHEMA = "marts"


def test_catalog_documents_every_mart_column(built):
    # --no-compile: the catalog and the site need the manifest and the warehouse, not the
    # compiled SQL of every node (make docs compiles it, for the site's "compiled" tab)
    docs = ["docs", "generate", "--static", "--no-compile"]
    target = built.duckdb_path.parent / "target"
    target.mkdir(exist_ok=True)
    parsed_manifest().write(str(target / "manifest.json"))  # the fixture build wrote none
    result = run_dbt(docs, built.raw_dir, built.duckdb_path.parent, {}, artifacts=True)
    assert result.returncode == 0, result.output[-3000:]
    assert (target / "static_index.html").stat().st_size > 100_000
    catalog = json.loads((target / "catalog.json").read_text())
    manifest = json.loads((target / "manifest.json").read_text())
    marts = {
        unique_id: node
        for unique_id, node in catalog["nodes"].items()
        if node["metadata"]["schema"] == MARTS_SCHEMA
    }
    expected = {
        unique_id
        for unique_id, node in manifest["nodes"].items()
        if node["resource_type"] == "model" and node["schema"] == MARTS_SCHEMA
    }
    assert set(marts) == expected, "every mart is in the catalog"
    undocumented = [
        f"{unique_id}.{column}"
        for unique_id, node in marts.items()
        for column in node["columns"]
        if not manifest["nodes"][unique_id]["columns"].get(column, {}).get("description")
    ]
    assert undocumented == []
    assert all(manifest["nodes"][unique_id]["description"] for unique_id in marts)
    assert {m["name"] for m in manifest["metrics"].values()} >= {"tier_customer_share", "arpu"}


def test_the_served_marts_exposure_lists_every_mart():
    manifest = parsed_manifest()
    marts = {
        unique_id
        for unique_id, node in manifest.nodes.items()
        if node.resource_type == "model" and node.schema == MARTS_SCHEMA
    }
    exposures = {exposure.name: exposure for exposure in manifest.exposures.values()}
    assert set(exposures["served_marts"].depends_on.nodes) == marts
    assert exposures["audience_exports"].depends_on.nodes == ["model.strata.fct_customer_actions"]
