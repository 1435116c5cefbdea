"""The behaviour oracle (oracle_behaviour.py) on small hand-made event lists, no dbt.

Every expected value is computed by hand in the test from the written definitions (issue 15), so
these tests check the oracle itself before it is used to judge the SQL marts. Calendar used:
2025-02-03, 2025-02-10, 2025-03-03 and 2025-03-10 are Mondays; 2025-02-09 is a Sunday;
2025-02-12 and 2025-03-12 are Wednesdays.
"""

from __future__ import annotations

import itertools
from datetime import date, timedelta
from pathlib import Path

import oracle
import oracle_behaviour as ob
import pytest
from oracle_behaviour import CatalogEntry, Event, UsageBand

RULES_DIR = Path(__file__).resolve().parent / "fixtures" / "rules"  # rfm_tier_bands (tiers)
DAY_COL = ob.ENGAGEMENT_DAY_COLUMN
GROUP_COL = ob.ENGAGEMENT_GROUP_COLUMN


def d(month: int, day: int, year: int = 2025) -> date:
    return date(year, month, day)


CATALOG = {
    e.event_name: e
    for e in [
        CatalogEntry("search", True, "search", None),
        CatalogEntry("cart_add", True, "cart", None),
        CatalogEntry("cart_remove", True, "cart", None),
        CatalogEntry("wishlist_add", True, "wishlist", None),
        CatalogEntry("share_link", False, "sharing", None),
        CatalogEntry("home", False, None, None),
        CatalogEntry("guide", False, None, "beginner"),
        CatalogEntry("article", False, None, "technical"),
        CatalogEntry("case_study", False, None, "business"),
    ]
}
BANDS = [
    UsageBand("deep", 3, 3, 5),
    UsageBand("medium", 2, 1, 2),
    UsageBand("shallow", 1, 0, 1),
]

_ids = itertools.count(1)


def ev(customer_id: str, name: str | None, day: date) -> Event:
    return Event(f"e{next(_ids)}", customer_id, name, day)


def tiering(as_of: date, snapshots: list[date] | None = None, tiers=None) -> oracle.OracleResult:
    """An OracleResult with the given snapshot calendar and {(customer, snapshot): tier}."""
    history = [
        {"customer_id": c, "snapshot_date": s, "tier": t} for (c, s), t in (tiers or {}).items()
    ]
    return oracle.OracleResult(
        as_of_date=as_of, snapshot_dates=snapshots or [as_of], tier_history=history
    )


def first_seen_from(events: list[Event], **overrides: date | None) -> dict[str, date | None]:
    """The earliest event date of each customer (input building), with overrides."""
    first: dict[str, date | None] = {}
    for e in events:
        if first.get(e.customer_id) is None or e.event_date < first[e.customer_id]:
            first[e.customer_id] = e.event_date
    first.update(overrides)
    return first


def run(events, first_seen, as_of, snapshots=None, tiers=None, **vars_) -> ob.BehaviourResult:
    return ob.compute_behaviour(
        events,
        first_seen,
        CATALOG,
        BANDS,
        tiering(as_of, snapshots, tiers),
        vars_ or None,
        rfm_bins=5,
        seeds_dir=RULES_DIR,
    )


def weekly(result: ob.BehaviourResult) -> dict[tuple[str, date], dict]:
    return {(r["customer_id"], r["week_start"]): r for r in result.usage_weekly}


def dim(result: ob.BehaviourResult) -> dict[str, tuple[str | None, str | None]]:
    return {
        r["customer_id"]: (r["current_usage_band"], r["current_content_preference"])
        for r in result.dim_customers
    }


# --------------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------------


def test_week_helpers():
    assert ob.week_start(d(2, 9)) == d(2, 3)  # Sunday -> Monday before
    assert ob.week_start(d(2, 10)) == d(2, 10)  # Monday -> itself
    assert ob.latest_sunday(d(2, 12)) == d(2, 9)
    assert ob.latest_sunday(d(2, 9)) == d(2, 9)
    assert ob.latest_sunday(d(2, 10)) == d(2, 9)


def test_usage_band_boundaries_of_the_seed_rules():
    assert ob.usage_band_for(3, 5, BANDS).usage_band == "deep"
    assert ob.usage_band_for(3, 4, BANDS).usage_band == "medium"  # 4 vs 5 active days
    assert ob.usage_band_for(2, 5, BANDS).usage_band == "medium"  # 2 vs 3 core features
    assert ob.usage_band_for(1, 2, BANDS).usage_band == "medium"
    assert ob.usage_band_for(1, 1, BANDS).usage_band == "shallow"  # 1 vs 2 days for medium
    assert ob.usage_band_for(0, 7, BANDS).usage_band == "shallow"
    assert ob.usage_band_for(0, 0, BANDS) is None


# --------------------------------------------------------------------------------------------
# fct_customer_usage_weekly
# --------------------------------------------------------------------------------------------


def test_usage_weekly_bands_features_and_weeks():
    as_of = d(2, 12)
    events = [
        # deep: 3 features on 5 days
        ev("deep", "search", d(2, 3)),
        ev("deep", "cart_add", d(2, 4)),
        ev("deep", "wishlist_add", d(2, 5)),
        ev("deep", "search", d(2, 6)),
        ev("deep", "search", d(2, 7)),
        # d4: 3 features on 4 days -> medium
        ev("d4", "search", d(2, 3)),
        ev("d4", "cart_add", d(2, 4)),
        ev("d4", "wishlist_add", d(2, 5)),
        ev("d4", "search", d(2, 6)),
        # f2: 2 features on 5 days -> medium
        *[ev("f2", "search", d(2, day)) for day in range(3, 8)],
        ev("f2", "cart_add", d(2, 7)),
        # m1: 1 feature on 2 days -> medium
        ev("m1", "search", d(2, 3)),
        ev("m1", "search", d(2, 4)),
        # s1: 1 feature on 1 day (2 events) -> shallow
        ev("s1", "search", d(2, 5)),
        ev("s1", "search", d(2, 5)),
        # unc: uncatalogued names and a null name on 5 days: activity only -> shallow
        *[ev("unc", "page_x", d(2, day)) for day in range(3, 8)],
        ev("unc", None, d(2, 7)),
        # shared3: cart_add and cart_remove share the feature cart -> 2 features -> medium
        ev("shared3", "cart_add", d(2, 3)),
        ev("shared3", "cart_remove", d(2, 4)),
        ev("shared3", "search", d(2, 5)),
        ev("shared3", "cart_add", d(2, 6)),
        ev("shared3", "search", d(2, 7)),
        # noncore: share_link has a feature but is not core -> 2 features -> medium
        *[ev("noncore", "share_link", d(2, day)) for day in range(3, 8)],
        ev("noncore", "search", d(2, 3)),
        ev("noncore", "cart_add", d(2, 4)),
        # w: Sunday and the next Monday fall in two weeks
        ev("w", "home", d(2, 9)),
        ev("w", "home", d(2, 10)),
        # after as_of_date: ignored
        ev("deep", "search", d(2, 13)),
    ]
    result = run(events, first_seen_from(events), as_of)
    rows = weekly(result)
    week1, week2 = d(2, 3), d(2, 10)
    assert result.week_starts == [week1, week2]
    assert sorted(rows) == sorted(
        [
            ("deep", week1),
            ("d4", week1),
            ("f2", week1),
            ("m1", week1),
            ("s1", week1),
            ("unc", week1),
            ("shared3", week1),
            ("noncore", week1),
            ("w", week1),
            ("w", week2),
        ]
    )
    expected = {  # events, active_days, core_features_used, usage_band, band_rank
        ("deep", week1): (5, 5, 3, "deep", 3),
        ("d4", week1): (4, 4, 3, "medium", 2),
        ("f2", week1): (6, 5, 2, "medium", 2),
        ("m1", week1): (2, 2, 1, "medium", 2),
        ("s1", week1): (2, 1, 1, "shallow", 1),
        ("unc", week1): (6, 5, 0, "shallow", 1),
        ("shared3", week1): (5, 5, 2, "medium", 2),
        ("noncore", week1): (7, 5, 2, "medium", 2),
        ("w", week1): (1, 1, 0, "shallow", 1),
        ("w", week2): (1, 1, 0, "shallow", 1),
    }
    for key, (n_events, days, features, band, rank) in expected.items():
        row = rows[key]
        got = (
            row["events"],
            row["active_days"],
            row["core_features_used"],
            row["usage_band"],
            row["band_rank"],
        )
        assert got == (n_events, days, features, band, rank), key
    assert rows[("w", week1)]["week_end"] == d(2, 9)
    assert rows[("w", week1)]["is_complete_week"] is True
    assert rows[("w", week2)]["week_end"] == d(2, 16)
    assert rows[("w", week2)]["is_complete_week"] is False
    assert rows[("w", week2)]["previous_usage_band"] == "shallow"
    # first seen on their first event date in week 1: not known the week before
    assert rows[("deep", week1)]["previous_usage_band"] is None
    assert rows[("w", week1)]["previous_usage_band"] is None


def test_previous_usage_band_inactive_null_or_a_band():
    as_of = d(2, 12)
    events = [
        ev("early", "search", d(2, 5)),  # first seen 2025-01-15: known the week before
        ev("back", "search", d(2, 11)),  # first seen 02-04 (profile), no event in week 02-03
        ev("sunday_seen", "search", d(2, 11)),  # first seen Sunday 02-09
        ev("monday_seen", "search", d(2, 10)),  # first seen Monday 02-10
        ev("both", "search", d(2, 4)),
        ev("both", "search", d(2, 5)),  # medium in week 02-03
        ev("both", "home", d(2, 12)),
    ]
    first_seen = first_seen_from(
        events, early=d(1, 15), back=d(2, 4), sunday_seen=d(2, 9), monday_seen=d(2, 10)
    )
    rows = weekly(run(events, first_seen, as_of))
    assert rows[("early", d(2, 3))]["previous_usage_band"] == "inactive"
    assert rows[("back", d(2, 10))]["previous_usage_band"] == "inactive"
    assert rows[("sunday_seen", d(2, 10))]["previous_usage_band"] == "inactive"
    assert rows[("monday_seen", d(2, 10))]["previous_usage_band"] is None
    assert rows[("both", d(2, 3))]["previous_usage_band"] is None
    assert rows[("both", d(2, 10))]["previous_usage_band"] == "medium"
    assert rows[("both", d(2, 10))]["usage_band"] == "shallow"


# --------------------------------------------------------------------------------------------
# rpt_usage_depth_weekly and dim_customers.current_usage_band
# --------------------------------------------------------------------------------------------


def test_usage_depth_weekly_unseen_and_inactive_rows():
    as_of = d(3, 12)
    events = [
        ev("a", "search", d(3, 3)),
        ev("a", "search", d(3, 11)),
        ev("b", "search", d(3, 4)),
        ev("h", "home", d(3, 10)),
        ev("f", "search", d(3, 14)),  # after as_of_date: ignored
    ]
    first_seen = first_seen_from(events, c=d(2, 1), d=d(3, 5), e=d(3, 12), g=None)
    assert first_seen["f"] == d(3, 14)
    result = run(events, first_seen, as_of)
    week1, week2 = d(3, 3), d(3, 10)
    assert result.week_starts == [week1, week2]
    got = [
        (
            r["week_start"],
            r["previous_week_start"],
            r["from_band"],
            r["to_band"],
            r["customers"],
            r["from_band_customers"],
            r["share_of_from_band"],
            r["share_of_known_customers"],
            r["is_complete_week"],
        )
        for r in result.usage_depth_weekly
    ]
    # week 1: known a, b (events), c (02-01), d (03-05); all from 'unseen'.
    # week 2: known a, b, c, d, e (03-12 = as_of_date), h (03-10); f is first seen after it.
    assert got == [
        (week1, None, "unseen", "inactive", 2, 4, 0.5, 0.5, True),  # c, d
        (week1, None, "unseen", "shallow", 2, 4, 0.5, 0.5, True),  # a, b
        (week2, week1, "inactive", "inactive", 2, 2, 1.0, 2 / 6, False),  # c, d
        (week2, week1, "shallow", "inactive", 1, 2, 0.5, 1 / 6, False),  # b
        (week2, week1, "shallow", "shallow", 1, 2, 0.5, 1 / 6, False),  # a
        (week2, week1, "unseen", "inactive", 1, 2, 0.5, 1 / 6, False),  # e
        (week2, week1, "unseen", "shallow", 1, 2, 0.5, 1 / 6, False),  # h
    ]
    assert {(r["customer_id"], r["week_start"]) for r in result.usage_weekly} == {
        ("a", week1),
        ("a", week2),
        ("b", week1),
        ("h", week2),
    }
    # latest complete week: 03-03 .. Sunday 03-09
    assert dim(result) == {
        "a": ("shallow", "undetermined"),
        "b": ("shallow", "undetermined"),
        "c": ("inactive", "undetermined"),
        "d": ("inactive", "undetermined"),
        "e": (None, "undetermined"),  # first seen 03-12: after Sunday 03-09, on as_of_date
        "f": (None, None),  # first seen after as_of_date
        "g": (None, None),  # no first_seen_date
        "h": (None, "undetermined"),  # first seen Monday 03-10
    }


def test_current_usage_band_when_as_of_date_is_a_sunday():
    as_of = d(2, 9)
    events = [ev("x", "search", d(2, 9)), ev("x", "search", d(2, 8))]
    result = run(events, first_seen_from(events, y=d(2, 9), z=d(2, 10)), as_of)
    assert [(r["week_start"], r["is_complete_week"]) for r in result.usage_weekly] == [
        (d(2, 3), True)
    ]
    assert dim(result) == {
        "x": ("medium", "undetermined"),
        "y": ("inactive", "undetermined"),
        "z": (None, None),
    }


def test_no_counted_event_leaves_every_mart_empty():
    as_of = d(2, 12)
    events = [ev("x", "guide", d(2, 14))]  # after as_of_date only
    result = run(events, first_seen_from(events, y=d(2, 1), z=d(2, 11), n=None), as_of)
    assert result.week_starts == []
    assert result.usage_weekly == []
    assert result.usage_depth_weekly == []
    assert result.content_preference == []
    assert result.engagement_daily == []
    assert result.activation_retention == []
    # no behaviour data at all: null, not 'inactive' / 'undetermined'
    assert dim(result) == {
        "n": (None, None),
        "x": (None, None),
        "y": (None, None),
        "z": (None, None),
    }
    assert run([], {"y": d(2, 1)}, as_of).dim_customers == [
        {"customer_id": "y", "current_usage_band": None, "current_content_preference": None}
    ]


def test_current_usage_band_before_events_were_tracked():
    """The latest complete week (02-03 .. Sunday 02-09) lies before the first counted event's
    week (02-10): no band for anyone; the content preference is judged as usual."""
    as_of = d(2, 12)
    events = [ev("x", "search", d(2, 10))]
    result = run(events, first_seen_from(events, y=d(2, 1)), as_of)
    assert result.week_starts == [d(2, 10)]
    assert dim(result) == {"x": (None, "undetermined"), "y": (None, "undetermined")}


# --------------------------------------------------------------------------------------------
# fct_customer_content_preference
# --------------------------------------------------------------------------------------------


def test_content_preference_minimum_ties_and_window():
    as_of = d(3, 12)
    window_start = d(12, 13, 2024)  # as_of_date - 89
    events = [
        ev("p2", "guide", d(3, 1)),
        ev("p2", "guide", d(3, 2)),
        ev("p3", "article", d(3, 1)),
        ev("p3", "article", d(3, 2)),
        ev("p3", "guide", d(3, 3)),
        ev("p3", "search", d(3, 3)),  # not content
        ev("tie", "guide", d(2, 1)),
        ev("tie", "guide", d(2, 2)),
        ev("tie", "case_study", d(2, 3)),
        ev("tie", "case_study", d(2, 4)),
        *[ev("edge_in", "case_study", d(12, 13, 2024)) for _ in range(3)],
        *[ev("edge_out", "case_study", d(12, 12, 2024)) for _ in range(3)],
        ev("edge_out", "article", d(1, 10)),
        ev("late", "article", d(3, 12)),
        *[ev("late", "guide", d(3, 13)) for _ in range(3)],  # after as_of_date
        ev("noncontent", "search", d(3, 1)),
        ev("noncontent", "home", d(3, 1)),
        ev("noncontent", "page_x", d(3, 1)),
        ev("noncontent", None, d(3, 1)),
        ev("future", "guide", d(3, 13)),
    ]
    result = run(events, first_seen_from(events, nobody=None), as_of)
    got = [
        (
            r["customer_id"],
            r["content_category"],
            r["content_events"],
            r["content_share"],
            r["customer_content_events"],
            r["content_preference"],
        )
        for r in result.content_preference
    ]
    assert got == [
        ("edge_in", "business", 3, 1.0, 3, "business"),
        ("edge_out", "technical", 1, 1.0, 1, "undetermined"),
        ("late", "technical", 1, 1.0, 1, "undetermined"),
        ("p2", "beginner", 2, 1.0, 2, "undetermined"),
        ("p3", "beginner", 1, 1 / 3, 3, "technical"),
        ("p3", "technical", 2, 2 / 3, 3, "technical"),
        ("tie", "beginner", 2, 0.5, 4, "mixed"),
        ("tie", "business", 2, 0.5, 4, "mixed"),
    ]
    assert {(r["as_of_date"], r["window_start_date"]) for r in result.content_preference} == {
        (as_of, window_start)
    }
    preferences = {c: p for c, (_band, p) in dim(result).items()}
    assert preferences == {
        "edge_in": "business",
        "edge_out": "undetermined",
        "late": "undetermined",
        "p2": "undetermined",
        "p3": "technical",
        "tie": "mixed",
        "noncontent": "undetermined",
        "future": None,  # first seen 03-13, after as_of_date
        "nobody": None,
    }


def test_content_vars_change_the_window_and_minimum():
    as_of = d(3, 12)
    events = [ev("p", "guide", d(3, 1)), ev("p", "guide", d(3, 2)), ev("p", "article", d(3, 11))]
    result = run(
        events, first_seen_from(events), as_of, content_window_days=2, content_min_events=1
    )
    assert [
        (r["content_category"], r["content_events"], r["content_preference"])
        for r in result.content_preference
    ] == [("technical", 1, "technical")]
    assert result.content_preference[0]["window_start_date"] == d(3, 11)


# --------------------------------------------------------------------------------------------
# rpt_engagement_daily
# --------------------------------------------------------------------------------------------


def test_engagement_window_edges_and_tier_on_the_day():
    as_of = d(3, 12)  # D
    events = [
        ev("u1", "search", d(3, 12)),  # D (twice: counted once)
        ev("u1", "home", d(3, 12)),
        ev("u2", "search", d(3, 6)),  # D-6: in WAU
        ev("u3", "search", d(3, 5)),  # D-7: not in WAU, in MAU
        ev("u4", "search", d(2, 11)),  # D-29: in MAU
        ev("u5", "search", d(2, 10)),  # D-30: not in MAU
        ev("u6", "search", d(3, 13)),  # after as_of_date: ignored
    ]
    snapshots = [d(2, 28), d(3, 12)]
    tiers = {
        ("u1", d(2, 28)): "top",
        ("u2", d(2, 28)): "general",
        ("u4", d(2, 28)): "sleeping",
        ("u1", d(3, 12)): "potential",
        ("u3", d(3, 12)): "general",
    }
    result = run(events, first_seen_from(events), as_of, snapshots, tiers)
    rows = {(r[DAY_COL], r[GROUP_COL]): r for r in result.engagement_daily}
    groups = ["all", "top", "potential", "general", "sleeping", "unscored"]
    days = [d(2, 10) + timedelta(days=i) for i in range(31)]  # 02-10 .. 03-12
    assert [(r[DAY_COL], r[GROUP_COL]) for r in result.engagement_daily] == [
        (day, g) for day in days for g in groups
    ]

    def counts(day: date) -> dict[str, tuple]:
        return {
            g: (rows[(day, g)]["dau"], rows[(day, g)]["wau"], rows[(day, g)]["mau"]) for g in groups
        }

    def stickiness(day: date) -> dict[str, float | None]:
        return {g: rows[(day, g)]["stickiness"] for g in groups}

    # D: snapshot 03-12 -> u1 potential, u3 general, u2 / u4 unscored
    assert counts(d(3, 12)) == {
        "all": (1, 2, 4),
        "top": (0, 0, 0),
        "potential": (1, 1, 1),
        "general": (0, 0, 1),
        "sleeping": (0, 0, 0),
        "unscored": (0, 1, 2),
    }
    assert stickiness(d(3, 12)) == {
        "all": 0.25,
        "top": None,
        "potential": 1.0,
        "general": 0.0,
        "sleeping": None,
        "unscored": 0.0,
    }
    # D-1: snapshot 02-28 -> u2 general, u4 sleeping, u3 / u5 unscored; u1's event is later
    assert counts(d(3, 11)) == {
        "all": (0, 2, 4),
        "top": (0, 0, 0),
        "potential": (0, 0, 0),
        "general": (0, 1, 1),
        "sleeping": (0, 0, 1),
        "unscored": (0, 1, 2),
    }
    # the day before the first snapshot: everybody unscored
    assert counts(d(2, 27)) == {
        "all": (0, 0, 2),
        "top": (0, 0, 0),
        "potential": (0, 0, 0),
        "general": (0, 0, 0),
        "sleeping": (0, 0, 0),
        "unscored": (0, 0, 2),
    }
    # on the snapshot date the new tiers apply
    assert counts(d(2, 28)) == {
        "all": (0, 0, 2),
        "top": (0, 0, 0),
        "potential": (0, 0, 0),
        "general": (0, 0, 0),
        "sleeping": (0, 0, 1),
        "unscored": (0, 0, 1),
    }
    assert {g: rows[(d(3, 12), g)]["tier_rank"] for g in groups} == {
        "all": None,
        "top": 4,
        "potential": 3,
        "general": 2,
        "sleeping": 1,
        "unscored": None,
    }
    assert counts(d(2, 10))["all"] == (1, 1, 1)
    assert rows[(d(2, 10), "all")]["stickiness"] == 1.0
    assert counts(d(2, 10))["unscored"] == (1, 1, 1)


# --------------------------------------------------------------------------------------------
# rpt_activation_retention
# --------------------------------------------------------------------------------------------


def test_activation_retention_exact_day_by_day_and_eligibility():
    as_of = d(3, 12)
    events = [
        # cohort week 02-03
        ev("r1", "home", d(2, 3)),
        ev("r1", "home", d(2, 4)),  # day 1
        ev("r1", "home", d(2, 10)),  # day 7
        ev("r1", "home", d(3, 5)),  # day 30
        ev("r2", "home", d(2, 5)),
        ev("r2", "home", d(2, 8)),  # day 3 only: retained by day 7 and 30, never on the day
        ev("r3", "home", d(2, 9)),  # Sunday: same cohort week; nothing after
        ev("r3", "home", d(2, 9)),
        # cohort week 03-10
        ev("r4", "home", d(3, 11)),
        ev("r4", "home", d(3, 12)),  # day 1 = as_of_date: eligible and retained
        ev("r5", "home", d(3, 12)),  # first event on as_of_date: not eligible for day 1
        ev("r5", "home", d(3, 13)),  # after as_of_date: ignored
        ev("r6", "home", d(3, 14)),  # only after as_of_date: in no cohort
    ]
    result = run(events, first_seen_from(events), as_of)
    got = [
        (
            r["cohort_week_start"],
            r["day_n"],
            r["cohort_customers"],
            r["eligible_customers"],
            r["retained_on_day"],
            r["retained_by_day"],
            r["retention_rate_on_day"],
            r["retention_rate_by_day"],
        )
        for r in result.activation_retention
    ]
    assert got == [
        (d(2, 3), 1, 3, 3, 1, 1, 1 / 3, 1 / 3),
        (d(2, 3), 7, 3, 3, 1, 2, 1 / 3, 2 / 3),
        (d(2, 3), 30, 3, 3, 1, 2, 1 / 3, 2 / 3),  # r3's day 30 is 03-11 <= as_of_date
        (d(3, 10), 1, 2, 1, 1, 1, 1.0, 1.0),
        (d(3, 10), 7, 2, 0, 0, 0, None, None),
        (d(3, 10), 30, 2, 0, 0, 0, None, None),
    ]


def test_retention_eligibility_at_the_day_30_edge():
    as_of = d(3, 7)  # r2's first event 02-05 + 30 = 03-07: eligible; r3 (02-09) + 30 is not
    events = [
        ev("r2", "home", d(2, 5)),
        ev("r2", "home", d(3, 7)),
        ev("r3", "home", d(2, 9)),
        ev("r3", "home", d(3, 1)),
    ]
    result = run(events, first_seen_from(events), as_of)
    day30 = [r for r in result.activation_retention if r["day_n"] == 30]
    assert [
        (r["eligible_customers"], r["retained_on_day"], r["retained_by_day"]) for r in day30
    ] == [(1, 1, 1)]


# --------------------------------------------------------------------------------------------
# Loading
# --------------------------------------------------------------------------------------------


def test_load_valid_events_collapses_duplicates_and_trims(tmp_path):
    (tmp_path / "events.csv").write_text(
        "event_id,customer_id,event_type,event_name,occurred_at\n"
        "e1,c1,feature_use, search ,2025-02-09T23:59:00Z\n"
        " e1,c1,feature_use,search,2025-02-10T00:59:00+01:00\n"  # same row: collapses
        "e2, c2 ,content_view,  ,2025-02-10T00:30:00+02:00\n"  # 02-09 22:30 UTC, blank name
        "e3,c1,feature_use,search,2025-02-10T00:00:00Z\n"
    )
    assert ob.load_valid_events_with_names(tmp_path) == [
        Event("e1", "c1", "search", d(2, 9)),
        Event("e2", "c2", None, d(2, 9)),
        Event("e3", "c1", "search", d(2, 10)),
    ]
    assert ob.event_days(ob.load_valid_events_with_names(tmp_path)) == [
        ("c1", d(2, 9)),
        ("c2", d(2, 9)),
        ("c1", d(2, 10)),
    ]


def test_load_valid_events_rejects_conflicts_and_handles_no_file(tmp_path):
    assert ob.load_valid_events_with_names(tmp_path) == []
    (tmp_path / "events.csv").write_text(
        "event_id,customer_id,event_type,event_name,occurred_at\n"
        "e1,c1,feature_use,search,2025-02-09T10:00:00Z\n"
        "e1,c1,feature_use,compare,2025-02-09T10:00:00Z\n"
    )
    with pytest.raises(ValueError, match="conflicting"):
        ob.load_valid_events_with_names(tmp_path)


def test_load_seeds(tmp_path):
    (tmp_path / "event_catalog.csv").write_text(
        "event_name,is_core_feature,feature,content_category\n"
        "search,true,search,\n"
        "cart_remove,true,cart,\n"
        "home,false,,\n"
        "case_study,false,,business\n"
    )
    (tmp_path / "usage_depth_bands.csv").write_text(
        "usage_band,band_rank,min_core_features,min_active_days\n"
        "deep,3,3,5\nmedium,2,1,2\nshallow,1,0,1\n"
    )
    assert ob.load_event_catalog(tmp_path) == {
        "search": CatalogEntry("search", True, "search", None),
        "cart_remove": CatalogEntry("cart_remove", True, "cart", None),
        "home": CatalogEntry("home", False, None, None),
        "case_study": CatalogEntry("case_study", False, None, "business"),
    }
    assert ob.load_usage_depth_bands(tmp_path) == BANDS
    (tmp_path / "event_catalog.csv").write_text(
        "event_name,is_core_feature,feature,content_category\nsearch,true,,\n"
    )
    with pytest.raises(ValueError, match="without a feature"):
        ob.load_event_catalog(tmp_path)


def test_shipped_usage_depth_bands_seed():
    assert ob.load_usage_depth_bands() == BANDS
