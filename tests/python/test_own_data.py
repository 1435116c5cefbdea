"""Own data and own rules: what a new user or an analyst does between two builds.

Each scenario changes something a stored result depends on, then runs a plain `dbt build` (no
--full-refresh) on the same warehouse, and compares the tiering marts with the Python oracle
computed from the new input and the new rules (tests/python/oracle.py), i.e. with what a full
build must give:
- switching the raw data: another dataset written over the same raw_path, another raw_path, and
  back with --full-refresh;
- editing the rule seeds on a copy of the project, as an analyst would: tier bands, a new
  segment (plus one that can never be reached, which must warn by name), recency buckets, then
  rfm_bins 4 and back to 5; a rfm_bins without bands or segments must stop before any tier is
  written, saying which seed lacks rows;
- editing the behaviour seeds (usage depth bands, event catalog): the behaviour marts equal the
  oracle (tests/python/oracle_behaviour.py) with the edited seeds, and bands that leave a week
  without a band stop the build before the weekly usage is written;
- editing the playbook (tests/python/oracle_actions.py): the plays follow it, and a playbook with
  a gap, a tie or a misspelt tier stops the build before the plays are written.
"""

from __future__ import annotations

import csv
import re
import shutil
from pathlib import Path

import oracle
import oracle_actions
import oracle_behaviour
import oracle_lifecycle
import pytest
from compare import MART_COLUMNS, MART_KEYS, assert_rows_match
from conftest import (
    BUILD,
    BUILD_MODELS_ONLY,
    DBT_PROJECT_PARTS,
    REPO_ROOT,
    build_warehouse,
    failure_summary,
    fresh_checkout,
    generate_data,
    read_table,
    run_dbt,
)

TIERING_MARTS = {
    "fct_customer_rfm": "customer_rfm",
    "fct_customer_tier_history": "tier_history",
    "fct_tier_migrations": "tier_migrations",
    "rpt_tier_kpis": "tier_kpis",
}


def assert_marts_match_oracle(
    duckdb_path: Path,
    raw_dir: Path,
    label: str,
    n_bins: int = 5,
    seeds_dir: Path = oracle.SEEDS_DIR,
) -> oracle.OracleResult:
    """Every tiering mart equals the oracle on raw_dir's valid transactions with these rules."""
    expected = oracle.compute(
        oracle.load_raw_transactions(raw_dir).valid, n_bins=n_bins, seeds_dir=seeds_dir
    )
    assert_marts_equal(duckdb_path, expected, TIERING_MARTS, label)
    return expected


def assert_marts_equal(duckdb_path: Path, expected, marts: dict[str, str], label: str) -> None:
    """Each mart equals the oracle result's attribute named beside it, row by row."""
    for mart, attribute in marts.items():
        assert_rows_match(
            read_table(duckdb_path, f"marts.{mart}"),
            getattr(expected, attribute),
            MART_KEYS[mart],
            f"{label}: {mart}",
            columns=MART_COLUMNS[mart],
        )


def dataset(tmp: Path, name: str, **spec) -> Path:
    defaults = {"customers": 250, "months": 7, "end_date": "2025-06-30", "seed": 1}
    return generate_data(tmp / name, fmt="parquet", **{**defaults, **spec})


def replace_folder(source: Path, target: Path) -> None:
    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(source, target)


# --------------------------------------------------------------------------------------------
# Switching the raw data
# --------------------------------------------------------------------------------------------


def test_switching_datasets_rebuilds_what_changed(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("switching")
    demo = dataset(tmp, "demo", seed=1)
    other = dataset(tmp, "other", customers=200, months=9, end_date="2025-05-31", seed=2)
    third = dataset(tmp, "third", customers=150, months=5, end_date="2025-04-30", seed=3)
    raw = tmp / "raw"
    build = tmp / "build"

    replace_folder(demo, raw)
    build_warehouse(raw, build, {}, BUILD_MODELS_ONLY)  # the data tests run in the next builds
    assert_marts_match_oracle(build / "strata.duckdb", raw, "demo data")

    # Another dataset written over the same folder: the stored rows are no longer in the file.
    replace_folder(other, raw)
    result = run_dbt([*BUILD], raw, build, {})
    assert result.returncode == 0, failure_summary(result.output)
    assert "rebuilding every model in full" in result.output, result.output[-3000:]
    assert_marts_match_oracle(result.duckdb_path, raw, "other data, same raw_path")
    rows = read_table(result.duckdb_path, "marts.fct_transactions")
    assert len(rows) == len(oracle.load_raw_transactions(raw).valid)

    # Another raw_path: recorded with every incremental model, so all of them are rebuilt.
    result = run_dbt([*BUILD_MODELS_ONLY], third, build, {})
    assert result.returncode == 0, failure_summary(result.output)
    assert "raw_path was" in result.output, result.output[-3000:]
    assert_marts_match_oracle(result.duckdb_path, third, "third data, other raw_path")

    # And back with --full-refresh, the documented way that always works (models only: the data
    # tests ran on this data in the second build).
    result = run_dbt([*BUILD_MODELS_ONLY, "--full-refresh"], raw, build, {})
    assert result.returncode == 0, failure_summary(result.output)
    assert_marts_match_oracle(result.duckdb_path, raw, "back with --full-refresh")

    # An as_of_date far from the data warns (a test that runs in every build).
    result = run_dbt(
        ["test", "--select", "assert_as_of_date_near_the_data"],
        raw,
        build,
        {"as_of_date": "2027-06-30"},
    )
    assert result.returncode == 0, failure_summary(result.output)
    assert "is more than a year after the latest purchase (2025-05-31)" in result.output
    result = run_dbt(
        ["test", "--select", "assert_as_of_date_near_the_data"],
        raw,
        build,
        {"as_of_date": "2024-01-31"},
    )
    assert "is before the first purchase" in result.output, result.output[-3000:]


# --------------------------------------------------------------------------------------------
# Editing the rule seeds (on a copy of the project)
# --------------------------------------------------------------------------------------------

BANDS_HEADER = ["rfm_bins", "tier", "tier_rank", "min_rfm_score", "max_rfm_score"]
SEGMENTS_HEADER = [
    "rfm_bins", "segment", "priority", "r_min", "r_max", "f_min", "f_max", "m_min", "m_max",
]  # fmt: skip


def write_csv(path: Path, header: list[str], rows: list[list]) -> None:
    with open(path, "w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)


def read_csv(path: Path) -> list[list[str]]:
    with open(path, newline="") as fh:
        return list(csv.reader(fh))[1:]


@pytest.fixture(scope="session")
def analyst(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("analyst")
    project = fresh_checkout(tmp / "project", only=DBT_PROJECT_PARTS)
    raw = dataset(tmp, "raw", customers=300, months=8, seed=5)
    return project, raw, tmp / "build"


# The analyst's builds: the tiering marts compared below and the transactions, everything
# upstream of them (the rule seeds included) and the tests on these alone (cautious: not a
# test that also reads a model left out); the lifecycle, value and behaviour models read none
# of what is edited here except the tier, and would double each build's time.
TIERING = (
    "--select", "+fct_customer_rfm", "+fct_tier_migrations", "+rpt_tier_kpis", "+fct_transactions",
    "--indirect-selection", "cautious",
)  # fmt: skip


def analyst_build(
    analyst, vars: dict | None = None, expect_success: bool = True, args: tuple = BUILD
):
    project, raw, build = analyst
    result = run_dbt([*args, *TIERING], raw, build, vars or {}, project_dir=project)
    if expect_success:
        assert result.returncode == 0, failure_summary(result.output)
    return result


def test_edited_rule_seeds_give_what_a_full_build_gives(analyst):
    project, raw, build = analyst
    seeds = project / "seeds"
    duckdb_path = build / "strata.duckdb"
    analyst_build(analyst)
    before = assert_marts_match_oracle(duckdb_path, raw, "shipped rules", seeds_dir=seeds)

    # 1. The edit: top 13-15, potential 9-12. Every snapshot gets the new bands, so no
    #    customer "moves" from top to potential without a change of score.
    bands = [row for row in read_csv(seeds / "rfm_tier_bands.csv") if row[0] != "5"]
    bands += [[5, "top", 4, 13, 15], [5, "potential", 3, 9, 12], [5, "general", 2, 6, 8],
              [5, "sleeping", 1, 3, 5]]  # fmt: skip
    write_csv(seeds / "rfm_tier_bands.csv", BANDS_HEADER, bands)
    result = analyst_build(analyst)
    assert "rebuilding fct_customer_tier_history in full: seed rfm_tier_bands changed" in (
        result.output
    )
    after = assert_marts_match_oracle(duckdb_path, raw, "edited bands", seeds_dir=seeds)
    assert after.tier_history != before.tier_history, "the edit must change some tier"

    # 2. A new segment of first priority, one that every cell of it precedes (unreachable), and
    #    other recency buckets, in one build: each seed is fingerprinted on its own.
    segments = read_csv(seeds / "rfm_segments.csv")
    segments.append([5, "vip", 0, 5, 5, 5, 5, 5, 5])
    segments.append([5, "shadowed", 99, 5, 5, 5, 5, 5, 5])
    write_csv(seeds / "rfm_segments.csv", SEGMENTS_HEADER, segments)
    write_csv(
        seeds / "recency_buckets.csv",
        ["recency_bucket", "bucket_order", "min_days", "max_days"],
        [["0-14", 1, 0, 14], ["15-60", 2, 15, 60], ["61+", 3, 61, ""]],
    )
    result = analyst_build(analyst)
    assert "can never be reached" in result.output and "shadowed" in result.output
    rebuilt = re.search(r"rebuilding fct_customer_tier_history in full: ([^\n]*)", result.output)
    assert rebuilt, result.output[-3000:]
    for seed in ("rfm_segments", "recency_buckets"):
        assert f"seed {seed} changed" in rebuilt.group(1), rebuilt.group(1)
    expected = assert_marts_match_oracle(
        duckdb_path, raw, "new segment, edited recency buckets", seeds_dir=seeds
    )
    assert any(row["segment"] == "vip" for row in expected.tier_history)
    assert {row["recency_bucket"] for row in expected.tier_history} <= {"0-14", "15-60", "61+"}

    # 4. rfm_bins 4 (bands and segments for 4 added), then back to 5.
    write_csv(
        seeds / "rfm_tier_bands.csv",
        BANDS_HEADER,
        read_csv(seeds / "rfm_tier_bands.csv")
        + [
            [4, "top", 4, 10, 12],
            [4, "potential", 3, 7, 9],
            [4, "general", 2, 5, 6],
            [4, "sleeping", 1, 3, 4],
        ],  # fmt: skip
    )
    write_csv(
        seeds / "rfm_segments.csv",
        SEGMENTS_HEADER,
        read_csv(seeds / "rfm_segments.csv")
        + [[4, "best", 1, 4, 4, 4, 4, 1, 4], [4, "lapsed", 2, 1, 1, 1, 4, 1, 4]],
    )
    analyst_build(analyst, {"rfm_bins": 4})
    expected = assert_marts_match_oracle(duckdb_path, raw, "rfm_bins 4", n_bins=4, seeds_dir=seeds)
    assert max(row["r_score"] for row in expected.tier_history) == 4
    analyst_build(analyst, args=BUILD_MODELS_ONLY)  # the rules were tested two builds ago
    assert_marts_match_oracle(duckdb_path, raw, "back to rfm_bins 5", seeds_dir=seeds)


def test_rfm_bins_without_rules_stops_before_any_tier(analyst):
    project, raw, build = analyst
    duckdb_path = build / "strata.duckdb"
    if not duckdb_path.exists():
        analyst_build(analyst)
    history = read_table(duckdb_path, "marts.fct_customer_tier_history")
    result = analyst_build(analyst, {"rfm_bins": 3}, expect_success=False)
    assert result.returncode != 0
    assert "no rows for rfm_bins = 3 in" in result.output, result.output[-3000:]
    assert "seeds/rfm_tier_bands.csv" in result.output
    assert "seeds/rfm_segments.csv" in result.output
    assert read_table(duckdb_path, "marts.fct_customer_tier_history") == history


# The behaviour marts and everything upstream of them (the tier chain included: engagement is
# counted per tier), with the tests on these alone.
# (and, with @, every parent of what an edit of the behaviour seeds rebuilds: the marts
# downstream of dim_customers read seeds and raw tables of their own)
BEHAVIOUR = (
    "--select", "+fct_customer_usage_weekly", "+rpt_usage_depth_weekly",
    "+fct_customer_content_preference", "+rpt_engagement_daily", "+rpt_activation_retention",
    "+dim_customers", "@usage_depth_bands", "@event_catalog", "--indirect-selection", "cautious",
)  # fmt: skip
BEHAVIOUR_MARTS = {
    "fct_customer_usage_weekly": "usage_weekly",
    "rpt_usage_depth_weekly": "usage_depth_weekly",
    "fct_customer_content_preference": "content_preference",
    "rpt_engagement_daily": "engagement_daily",
    "rpt_activation_retention": "activation_retention",
}


def assert_behaviour_marts_match_oracle(
    duckdb_path: Path, raw: Path, seeds: Path, label: str, vars_: dict | None = None
):
    """Every behaviour mart and dim_customers' behaviour columns equal the oracle with these
    seeds."""
    transactions = oracle.load_raw_transactions(raw).valid
    tiering = oracle.compute(transactions, n_bins=5, seeds_dir=seeds)
    events = oracle_behaviour.load_valid_events_with_names(raw)
    first_seen = oracle_lifecycle.first_seen_dates(
        transactions, oracle_lifecycle.load_valid_profiles(raw), oracle_behaviour.event_days(events)
    )
    expected = oracle_behaviour.compute_behaviour(
        events, first_seen, None, None, tiering, vars_, rfm_bins=5, seeds_dir=seeds
    )
    assert_marts_equal(duckdb_path, expected, BEHAVIOUR_MARTS, label)
    dim = read_table(duckdb_path, "marts.dim_customers")
    columns = ("customer_id", "current_usage_band", "current_content_preference")
    assert_rows_match(
        [{c: r[c] for c in columns} for r in dim],
        expected.dim_customers,
        ("customer_id",),
        f"{label}: dim_customers",
    )
    return expected


def test_edited_behaviour_seeds_give_what_a_full_build_gives(analyst):
    """The analyst retunes the usage depth bands and the event catalog: the behaviour marts
    follow the edited seeds; bands that leave a week without a band stop the build before the
    weekly usage is written, saying why."""
    project, raw, build = analyst
    seeds = project / "seeds"
    duckdb_path = build / "strata.duckdb"

    def run(args=BUILD, selection=BEHAVIOUR, vars_=None):
        return run_dbt([*args, *selection], raw, build, vars_ or {}, project_dir=project)

    # After the first build, an edit rebuilds what reads the edited seeds (all plain tables).
    edited = ("--select", "usage_depth_bands+", "event_catalog+")
    result = run(BUILD_MODELS_ONLY)  # the data tests run in the next builds
    assert result.returncode == 0, failure_summary(result.output)
    before = assert_behaviour_marts_match_oracle(duckdb_path, raw, seeds, "shipped seeds")

    # A stricter deep band and a new top band; compare stops being a core feature, the home
    # page becomes beginner content, and an event name nobody catalogued is warned about.
    write_csv(
        seeds / "usage_depth_bands.csv",
        ["usage_band", "band_rank", "min_core_features", "min_active_days"],
        [["power", 4, 4, 6], ["deep", 3, 2, 4], ["medium", 2, 1, 2], ["shallow", 1, 0, 1]],
    )
    catalog = read_csv(seeds / "event_catalog.csv")
    catalog = [
        ["compare", "false", "compare", ""] if row[0] == "compare"
        else ["home", "false", "", "beginner"] if row[0] == "home"
        else row
        for row in catalog
        if row[0] != "share_link"
    ]  # fmt: skip
    write_csv(
        seeds / "event_catalog.csv",
        ["event_name", "is_core_feature", "feature", "content_category"],
        catalog,
    )
    # and other vars: a 30-day content window, a minimum of 2, retention on days 2 and 14
    other_vars = {"content_window_days": 30, "content_min_events": 2, "retention_days": [2, 14]}
    result = run(selection=edited, vars_=other_vars)
    assert result.returncode == 0, failure_summary(result.output)
    after = assert_behaviour_marts_match_oracle(
        duckdb_path, raw, seeds, "edited seeds and vars", other_vars
    )
    assert {r["day_n"] for r in after.activation_retention} == {2, 14}
    assert after.usage_weekly != before.usage_weekly
    assert after.content_preference != before.content_preference

    # Rank 1 needing two active days leaves one-day weeks without a band: the seed test stops
    # the build, and the weekly usage stays as the last good build wrote it.
    weekly = read_table(duckdb_path, "marts.fct_customer_usage_weekly")
    write_csv(
        seeds / "usage_depth_bands.csv",
        ["usage_band", "band_rank", "min_core_features", "min_active_days"],
        [["deep", 3, 3, 5], ["medium", 2, 1, 2], ["shallow", 1, 0, 2]],
    )
    result = run(selection=edited)
    assert result.returncode != 0
    assert "does not give every week a band" in result.output, result.output[-3000:]
    assert "rank 1 must need 0 and 1" in result.output
    assert read_table(duckdb_path, "marts.fct_customer_usage_weekly") == weekly
    assert "share_link" in run_dbt(
        ["test", "--select", "assert_every_event_name_is_catalogued"], raw, build, {},
        project_dir=project,
    ).output  # fmt: skip


def test_edited_playbook_gives_each_customer_one_play(analyst):
    """The marketer edits the playbook: fct_customer_actions follows the edit (compared with the
    oracle on the attributes of dim_customers, which the playbook does not change); a playbook
    with a gap, a tie and a misspelt tier stops the build before fct_customer_actions is
    written, naming each problem."""
    project, raw, build = analyst
    seeds = project / "seeds"
    duckdb_path = build / "strata.duckdb"
    # the shipped seeds again (the tests before this one leave their edits behind)
    shutil.copytree(REPO_ROOT / "seeds", seeds, dirs_exist_ok=True)

    def run(args=BUILD, selection=("--select", "tier_playbook+")):
        return run_dbt([*args, *selection], raw, build, {}, project_dir=project)

    def expected_actions() -> list[dict]:
        customers = {
            row["customer_id"]: {
                "tier": row["current_tier"],
                "segment": row["current_segment"],
                "lifecycle_stage": row["current_lifecycle_stage"],
                "usage_band": row["current_usage_band"],
                "churn_risk": row["churn_risk"],
            }
            for row in read_table(duckdb_path, "marts.dim_customers")
            if row["current_lifecycle_stage"] is not None
        }
        (as_of,) = {r["as_of_date"] for r in read_table(duckdb_path, "marts.fct_customer_rfm")}
        playbook = oracle_actions.load_playbook(seeds)
        return oracle_actions.compute_actions(customers, playbook, as_of)

    def assert_actions_match(label: str) -> list[dict]:
        actual = read_table(duckdb_path, "marts.fct_customer_actions")
        expected = expected_actions()
        assert_rows_match(
            actual, expected, ("customer_id",), label, columns=MART_COLUMNS["fct_customer_actions"]
        )
        return actual

    result = run(BUILD_MODELS_ONLY, ("--select", "+fct_customer_actions"))
    assert result.returncode == 0, failure_summary(result.output)
    before = assert_actions_match("shipped playbook")

    # The general customers' nurture becomes a newsletter, the potential customers' churn-risk
    # play goes, and top champions who use the product deeply get an ambassador programme
    # (three attributes: the most specific row for them).
    header = ["play_id", *oracle_actions.ATTRIBUTES, "play", "channel", "priority"]
    header += ["service_level", "rationale"]
    rows = [
        [*row[:6], "monthly_newsletter", *row[7:]] if row[0] == "general_default" else row
        for row in read_csv(seeds / "tier_playbook.csv")
        if row[0] != "potential_high_churn_risk"
    ]
    rows.append([
        "top_champions_deep", "top", "champions", "", "deep", "", "ambassador_program",
        "account_manager", 1, "dedicated_manager", "Champions who live in the product.",
    ])  # fmt: skip
    write_csv(seeds / "tier_playbook.csv", header, rows)
    result = run()
    assert result.returncode == 0, failure_summary(result.output)
    after = assert_actions_match("edited playbook")
    assert "monthly_newsletter" in {r["play"] for r in after} - {r["play"] for r in before}

    # No prospect row (a gap), a churned-sleeping row as specific as the about-to-sleep one (a
    # tie) and a misspelt tier: the build stops before fct_customer_actions is replaced.
    broken = [row for row in rows if row[0] != "prospect_default"]
    broken.append(["sleeping_churned", "sleeping", "", "churned", "", "", "last_chance", "email",
                   3, "standard", "Churned sleepers."])  # fmt: skip
    broken.append(["typo", "potental", "", "", "", "", "upgrade", "email", 2, "standard", "Typo."])
    write_csv(seeds / "tier_playbook.csv", header, broken)
    result = run()
    assert result.returncode != 0
    output = result.output
    assert "does not give every customer exactly one play" in output, output[-3000:]
    assert "typo: tier potental never occurs" in output
    assert "no row matches 20 combination(s) of tier (none), e.g. tier (none)" in output
    assert "sleeping_about_to_sleep and sleeping_churned tie for" in output
    assert read_table(duckdb_path, "marts.fct_customer_actions") == after
