"""What `make demo` shows: a short progress view of `dbt build` and a tier summary that explains
itself (strata build, strata summary)."""

from __future__ import annotations

import io
import json

from conftest import query

from strata import build, summary


def event(name: str, msg: str, level: str = "info", status: str | None = None) -> str:
    data = {"status": status} if status else {}
    return json.dumps({"info": {"name": name, "msg": msg, "level": level, "ts": ""}, "data": data})


def test_progress_view_counts_nodes_and_says_problems(capsys):
    lines = [
        event("MainReportVersion", "Running with dbt=1.11.16"),
        event("LogSeedResult", "1 of 4 OK loaded seed", status="success"),
        event("LogModelResult", "2 of 4 OK created model", status="success"),
        event("LogTestResult", "3 of 4 WARN 1 assert_every_segment_is_reachable", status="warn"),
        event("RunResultWarningMessage", "Strata: these segments ... shadowed", level="warn"),
        event("LogTestResult", "4 of 4 ERROR transactions_quarantine_share_error", status="error"),
        event("RunResultError", "Strata: 25.0% of the raw transactions rows are ...", "error"),
        "not json\n",
    ]
    log = io.StringIO()
    done, statuses = build.summarise(lines, show_progress=False, log_file=log)
    assert (done["seeds"], done["models"], done["tests"]) == (1, 1, 2)
    assert dict(statuses) == {"warn": 1, "error": 1}
    assert build.progress_line(done, statuses) == "  seeds 1 · models 1 · tests 2 (1 error, 1 warn)"
    shown = capsys.readouterr().out.splitlines()
    # only warnings and errors reach the terminal, in full; everything goes to the log
    assert shown == [
        "  Strata: these segments ... shadowed",
        "  Strata: 25.0% of the raw transactions rows are ...",
    ]
    assert "Running with dbt=1.11.16" in log.getvalue() and "not json" in log.getvalue()


def test_tier_summary_explains_its_columns_and_the_unscored(handmade_warehouse):
    text = summary.tier_summary(str(handmade_warehouse))
    known, scored = query(
        handmade_warehouse,
        "select count(*) as known, count(*) filter (where is_scored) as scored"
        " from marts.dim_customers",
    )[0].values()
    assert f"customers: {scored} scored of {known} known" in text
    for column in ("customers", "share", "avg monetary", "revenue share", "left tier"):
        assert any(line.startswith(f"{column} ") for line in text.splitlines()), column
